"""The `github` format: workflow commands, GitHub's escaping, columns, deploy findings."""

from __future__ import annotations

from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.reporters import github
from flaskcheck.reporters.common import Report
from tests.reporters.samples import REPORT, assert_golden


def test_golden():
    assert_golden("report.github.txt", github.render(REPORT))


def test_one_command_per_finding_in_order():
    lines = github.render(REPORT).splitlines()
    assert len(lines) == len(REPORT.diagnostics)
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::error", "::warning", "::notice"]


def test_escaping_follows_github_rules():
    assert github.escape_data("100% a:b,c\r\nd") == "100%25 a:b,c%0D%0Ad"
    assert github.escape_property("100% a:b,c\r\nd") == "100%25 a%3Ab%2Cc%0D%0Ad"
    finding = Diagnostic("FLK301", "hardcoded-secret-key", Severity.ERROR, "50%: a,b\nc", "dir,x/a:b.py", 2, 3, 2, 9)
    assert github.render(Report([finding])) == (
        "::error file=dir%2Cx/a%3Ab.py,line=2,col=3,endLine=2,endColumn=9,title=FLK301 hardcoded-secret-key::50%25: a,b%0Ac\n"
    )


def test_columns_only_on_a_one_line_span():
    lines = github.render(REPORT).splitlines()
    blueprint = next(line for line in lines if "FLK501" in line)
    assert blueprint.startswith("::warning file=app/vues/café.py,line=3,endLine=6,title=FLK501 blueprint-never-registered::")


def test_deploy_finding_names_its_object_and_has_no_file():
    deploy = github.render(REPORT).splitlines()[0]
    assert deploy == "::error title=FLK902 weak-secret-key::config.SECRET_KEY: `SECRET_KEY` is 3 characters long, 100%25 guessable"


def test_no_findings_no_output():
    assert github.render(Report([])) == ""
