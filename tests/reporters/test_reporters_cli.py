"""`lint --format sarif|github|html` end to end: exit code 1 and output a consumer can parse."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import run_cli, write_tree
from tests.reporters.samples import parsed, validate_sarif

BROKEN = "def f(:\n    pass\n"


@pytest.fixture
def broken_project(project):
    return write_tree(project, {"pkg/__init__.py": "", "pkg/bad.py": BROKEN, "good.py": "x = 1\n"})


def lint(project, output_format: str, *extra: str):
    completed = run_cli("lint", ".", "--no-cache", "--format", output_format, *extra, cwd=project)
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == ""
    return completed


def test_sarif(broken_project):
    log = json.loads(lint(broken_project, "sarif").stdout)
    validate_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "FLK001" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "pkg/bad.py", "uriBaseId": "%SRCROOT%"}
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


def test_github(broken_project):
    lines = lint(broken_project, "github").stdout.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"::error file=pkg/bad\.py,line=1,col=\d+,endLine=1,endColumn=\d+,title=FLK001 syntax-error::syntax error: .+", lines[0])


def test_html_to_a_file(broken_project):
    assert lint(broken_project, "html").stdout.startswith("<!DOCTYPE html>")
    lint(broken_project, "html", "--output", "report.html")
    page = (broken_project / "report.html").read_text(encoding="utf-8")
    parsed(page)
    assert "pkg/bad.py" in page and "FLK001" in page and "def f(:" in page
