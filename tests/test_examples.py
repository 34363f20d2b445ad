"""The example projects in examples/ show every rule firing: what the README promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flaskcheck.engine.registry import all_rules

REPO = Path(__file__).resolve().parent.parent
NOT_SHOWABLE = {"FLK000", "FLK003"}  # an internal error; an opt-in rule


def test_examples_show_every_rule():
    completed = subprocess.run(
        [sys.executable, "-m", "flaskcheck", "lint", "examples", "--format", "json", "--no-cache"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 1, completed.stderr
    assert "Traceback" not in completed.stderr
    shown = {finding["code"] for finding in json.loads(completed.stdout)}
    missing = sorted({rule.code for rule in all_rules()} - NOT_SHOWABLE - shown)
    assert not missing, f"no example shows {missing}"
