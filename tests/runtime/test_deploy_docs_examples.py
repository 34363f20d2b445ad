"""Every deploy check's `## Example` fires it and its `## Use instead` does not, built through
the real child process (`python -m flaskcheck.runtime.probe`), so the docs cannot lie."""

from __future__ import annotations

import pytest

from flaskcheck.runtime.registry import all_checks
from flaskcheck.runtime.runner import inspect_app
from tests.runtime.conftest import STRONG_KEY

CASES = [(check, kind) for check in all_checks() for kind in ("example", "use-instead")]


@pytest.mark.parametrize(("check", "kind"), CASES, ids=[f"{c.code}-{c.name}/{kind}" for c, kind in CASES])
def test_doc_example(check, kind, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    bad, good = check.doc_examples()
    (tmp_path / "app.py").write_text(bad if kind == "example" else good, encoding="utf-8")
    snapshot = inspect_app("app.py", cwd=tmp_path, rebuild=check.code == "FLK904", timeout=60)
    found = check().diagnostics(snapshot)
    crashes = [d for d in found if d.code == "FLK000"]
    assert not crashes
    if kind == "example":
        assert found, f"{check.code}'s Example does not fire it"
    else:
        assert not found, [d.message for d in found]
