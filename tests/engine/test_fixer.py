"""The fixer on a real rule with a fix: minimal edits, imports added, convergence, encodings."""

from __future__ import annotations

import ast

import pytest

from flaskcheck.config import Settings
from flaskcheck.engine import analysis
from flaskcheck.engine.diagnostic import Fix, Severity
from flaskcheck.engine.fixer import apply_edits, fix_paths
from flaskcheck.engine.rule import Rule
from tests.conftest import run_cli, write_tree


class LegacyCall(Rule):
    """Rewrites `legacy.helper(x)` to `helper2(x)` imported from `modern`, one call per fix."""

    code = "FLK998"
    name = "legacy-call"
    severity = Severity.WARNING

    def visit_Call(self, node, ctx):
        if ctx.semantic.qualified_name(node.func) != "legacy.helper":
            return
        import_edit, name = ctx.import_name("modern", "helper2", node)
        if name is None:
            ctx.report(node, "legacy call")
            return
        edits = [ctx.replace(node.func, name)] + ([import_edit] if import_edit else [])
        ctx.report(node, "legacy call", fix=Fix("Use `modern.helper2`", tuple(edits)))


@pytest.fixture
def with_rule(monkeypatch):
    original = analysis.all_rules
    monkeypatch.setattr(analysis, "all_rules", lambda: (*original(), LegacyCall))


def fix(tmp_path, files):
    write_tree(tmp_path, files)
    settings = Settings(root=tmp_path.absolute(), select=("FLK998",))
    return fix_paths([tmp_path], settings, jobs=1)


def test_fix_adds_one_import_and_converges(tmp_path, with_rule):
    source = '"""Doc."""\nimport legacy\n\nx = legacy.helper(1)\ny = legacy.helper(2)  # keep me\n'
    outcome = fix(tmp_path, {"a.py": source})
    text = outcome.fixed[(tmp_path / "a.py").absolute()].decode()
    assert text == '"""Doc."""\nimport legacy\nfrom modern import helper2\n\nx = helper2(1)\ny = helper2(2)  # keep me\n'
    assert outcome.applied == 2  # pass 1: the first call and the import; pass 2: the second call
    ast.parse(text)


def test_crlf_tabs_non_ascii_and_bom_survive(tmp_path, with_rule):
    source = "\ufeffimport legacy\r\nif True:\r\n\tnom = 'café'; x = legacy.helper('ü')\r\n"
    write_tree(tmp_path, {"b.py": source.encode("utf-8")})
    settings = Settings(root=tmp_path.absolute(), select=("FLK998",))
    outcome = fix_paths([tmp_path], settings, jobs=1)
    data = outcome.fixed[(tmp_path / "b.py").absolute()]
    assert data == "\ufeffimport legacy\r\nfrom modern import helper2\r\nif True:\r\n\tnom = 'café'; x = helper2('ü')\r\n".encode("utf-8")


def test_name_clash_means_no_fix(tmp_path, with_rule):
    outcome = fix(tmp_path, {"c.py": "import legacy\nhelper2 = 1\nlegacy.helper(3)\n"})
    assert outcome.fixed == {}


def test_overlapping_edits_are_never_applied_together():
    from flaskcheck.engine.diagnostic import Edit

    first = Fix("a", (Edit(0, 5, "AAAAA", 1, 1, 1, 6),))
    second = Fix("b", (Edit(3, 8, "BBBBB", 1, 4, 1, 9),))
    insert = Fix("c", (Edit(8, 8, "!", 1, 9, 1, 9),))
    text, applied = apply_edits("0123456789", [second, first, insert])
    assert (text, applied) == ("AAAAA567!89", 2)


def test_cli_fix_and_diff(tmp_path, monkeypatch):
    pytest.importorskip("flaskcheck")
    write_tree(tmp_path, {"d.py": "x = 1\n"})
    diff = run_cli("lint", "--diff", cwd=tmp_path)
    assert diff.returncode == 0 and diff.stdout == ""
    fixed = run_cli("lint", "--fix", "--no-cache", cwd=tmp_path)
    assert fixed.returncode == 0 and "No problems found." in fixed.stdout
