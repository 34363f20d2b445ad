"""docs/rules/** is generated from rule metadata; CI fails when it is stale."""

from __future__ import annotations

from pathlib import Path

from flaskcheck.docs import generated_pages

REPO = Path(__file__).resolve().parent.parent


def test_generated_docs_are_fresh():
    wanted = generated_pages()
    stale = [path for path, text in wanted.items() if not (REPO / path).is_file() or (REPO / path).read_text(encoding="utf-8") != text]
    extra = [p.relative_to(REPO).as_posix() for p in (REPO / "docs" / "rules").rglob("*.md") if p.relative_to(REPO).as_posix() not in wanted]
    assert not stale and not extra, f"run `python -m flaskcheck.docs`: stale {stale}, extra {extra}"
