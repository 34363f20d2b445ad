"""Shared fixtures: a temporary project folder and a runner for the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `python -m flaskcheck ARGS` as a user would, capturing both streams."""
    return subprocess.run(
        [sys.executable, "-m", "flaskcheck", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def lint_json(project: Path, *extra: str) -> list[dict]:
    completed = run_cli("lint", ".", "--format", "json", "--no-cache", *extra, cwd=project)
    assert completed.returncode in (0, 1), completed.stderr
    assert "Traceback" not in completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path
