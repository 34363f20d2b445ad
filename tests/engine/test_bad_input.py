"""Bad input never crashes the run: each problem is a finding or one clear line, and every
other file is still checked."""

from __future__ import annotations

import os

import pytest

from flaskcheck.engine.analysis import MAX_FILE_BYTES
from tests.conftest import lint_json, run_cli, write_tree

CLEAN = "x = 1\n"


def codes_by_path(findings: list[dict]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in findings:
        found.setdefault(finding["path"], set()).add(finding["code"])
    return found


def test_syntax_error_reports_parser_line_and_message(project):
    write_tree(project, {"bad.py": "x = 1\ndef f(:\n    pass\n", "good.py": CLEAN})
    findings = lint_json(project)
    assert [(f["code"], f["path"], f["line"]) for f in findings] == [("FLK001", "bad.py", 2)]
    assert findings[0]["message"] == "syntax error: invalid syntax"


def test_non_utf8_and_binary_files_are_flk002(project):
    write_tree(project, {"latin1.py": "x = 1\nname = 'caf\xe9'\n".encode("latin-1"), "blob.py": b"\x00\x01\x02", "good.py": CLEAN})
    findings = lint_json(project)
    assert codes_by_path(findings) == {"blob.py": {"FLK002"}, "latin1.py": {"FLK002"}}
    latin = next(f for f in findings if f["path"] == "latin1.py")
    assert latin["line"] == 2 and "UTF-8" in latin["message"]


def test_huge_file_is_reported_not_parsed(project):
    write_tree(project, {"huge.py": b"x = 1\n" * (MAX_FILE_BYTES // 6 + 10), "good.py": CLEAN})
    findings = lint_json(project)
    assert codes_by_path(findings) == {"huge.py": {"FLK002"}}
    assert "MiB limit" in findings[0]["message"]


def test_parser_recursion_limit_is_a_syntax_finding(project):
    write_tree(project, {"deep.py": "x = " + "+".join(["a"] * 100_000) + "\n", "good.py": CLEAN})
    findings = lint_json(project)
    assert [(f["code"], f["path"]) for f in findings] == [("FLK001", "deep.py")]
    assert "too deeply nested" in findings[0]["message"]


def test_deep_but_parseable_nesting_runs_every_rule(project):
    chain = "+".join(["request.args"] * 2500)
    write_tree(project, {"deep.py": f"from flask import request\n\ndef view():\n    return {chain}\n", "lists.py": "x = " + "[" * 150 + "]" * 150 + "\n"})
    findings = lint_json(project)
    assert not [f for f in findings if f["code"] in ("FLK000", "FLK001")], findings


def test_symlink_loop_and_fifo_do_not_hang(project):
    write_tree(project, {"pkg/__init__.py": CLEAN})
    os.symlink(project / "pkg", project / "pkg" / "loop")
    os.symlink(project / "missing.py", project / "dangling.py")
    os.mkfifo(project / "pipe.py")
    completed = run_cli("lint", ".", "--no-cache", cwd=project, timeout=60)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "No problems found." in completed.stdout


def test_explicit_unreadable_path_is_flk002(project):
    os.symlink(project / "missing.py", project / "dangling.py")
    write_tree(project, {"good.py": CLEAN})
    completed = run_cli("lint", "dangling.py", "good.py", "--no-cache", cwd=project)
    assert completed.returncode == 1
    assert "dangling.py:1:1: FLK002 [error] cannot be read" in completed.stdout




def test_crashing_rule_becomes_flk000(tmp_path, monkeypatch):
    from flaskcheck.config import Settings
    from flaskcheck.engine import analysis
    from flaskcheck.engine.diagnostic import Severity
    from flaskcheck.engine.rule import Rule
    from flaskcheck.engine.runner import lint

    class Exploding(Rule):
        code = "FLK999"
        name = "exploding"
        severity = Severity.ERROR

        def visit_Call(self, node, ctx):
            raise ValueError("boom")

    original = analysis.all_rules
    monkeypatch.setattr(analysis, "all_rules", lambda: (*original(), Exploding))
    write_tree(tmp_path, {"a.py": "print(1)\n", "b.py": "def f(:\n", "c.py": "x = 1\n"})
    result = lint([tmp_path], Settings(root=tmp_path), jobs=1, use_cache=False, cwd=tmp_path)
    found = [(d.code, d.path) for d in result.diagnostics]
    assert ("FLK000", "a.py") in found and ("FLK001", "b.py") in found
    crash = next(d for d in result.diagnostics if d.code == "FLK000")
    assert "FLK999 (exploding) raised ValueError: boom while checking a.py" in crash.message
