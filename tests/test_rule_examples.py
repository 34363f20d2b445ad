"""Every rule's valid and invalid examples, and its docstring's Example / Use instead blocks."""

from __future__ import annotations

import pytest

from flaskcheck.engine.examples import example_cases, lint_folder, write_sources
from flaskcheck.engine.registry import all_rules
from flaskcheck.engine.rule import Invalid

CASES = [case for rule in all_rules() for case in example_cases(rule)]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_example(case, tmp_path):
    if case.example.todo:
        pytest.xfail(case.example.todo)  # strict: see check below
    run_example(case, tmp_path)


def run_example(case, tmp_path):
    rule = case.rule
    expected = write_sources(tmp_path, case.example.sources())
    select = (rule.code, "FLK000") if rule.code != "FLK000" else ("FLK000",)
    diagnostics = lint_folder(tmp_path, select)
    crashes = [d for d in diagnostics if d.code == "FLK000" and rule.code != "FLK000"]
    assert not crashes, crashes
    found = {(d.path, d.line) for d in diagnostics if d.code == rule.code}
    if not isinstance(case.example, Invalid):
        assert not found, f"valid example flagged: {diagnostics}"
        return
    wanted = {(path, line) for path, lines in expected.items() for line in lines}
    assert wanted, "an invalid example needs at least one `# error` marker"
    assert found == wanted, "\n".join(f"{d.path}:{d.line}: {d.message}" for d in diagnostics)
    if case.example.message is not None:
        assert case.example.message in [d.message for d in diagnostics]
    if case.example.severity is not None:
        assert {d.severity for d in diagnostics if d.code == rule.code} == {case.example.severity}
    check_fix(case, tmp_path, [d for d in diagnostics if d.code == rule.code])


def check_fix(case, tmp_path, diagnostics):
    """`fixed` is the source after --fix; a fix without an expected result (or the reverse) fails."""
    import ast

    from flaskcheck.config import Settings
    from flaskcheck.engine.examples import strip_markers
    from flaskcheck.engine.fixer import MAX_PASSES, fix_paths

    expected = case.example.fixed
    has_fix = any(d.fix is not None and d.fix.edits for d in diagnostics)
    if case.label == "docs-example" and expected is None:
        return  # the docstring's Use instead block shows the remedy; fixes are pinned in `invalid`
    assert has_fix == (expected is not None), "a fix needs `fixed=`, and `fixed=` needs a fix"
    if expected is None:
        return
    settings = Settings(root=tmp_path.absolute(), select=(case.rule.code,))
    outcome = fix_paths([tmp_path], settings, unsafe=True, jobs=1)
    [(path, data)] = outcome.fixed.items()
    text = data.decode("utf-8")
    assert text == strip_markers(expected)[0]
    if path.suffix == ".py":
        ast.parse(text)
    assert outcome.applied < MAX_PASSES * 10
    path.write_bytes(data)
    assert fix_paths([tmp_path], settings, unsafe=True, jobs=1).fixed == {}, "fixing twice must change nothing"


TODO_CASES = [case for case in CASES if case.example.todo]


@pytest.mark.parametrize("case", TODO_CASES, ids=[case.id for case in TODO_CASES])
def test_todo_examples_still_fail(case, tmp_path):
    """A `todo` example documents a known gap: once it passes, remove the `todo`."""
    with pytest.raises(AssertionError):
        run_example(case, tmp_path)
