"""The `sarif` format: golden file, the official schema, rules from metadata, fixes, deploy findings."""

from __future__ import annotations

import json

import pytest

from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.engine.registry import all_rules
from flaskcheck.reporters import sarif
from flaskcheck.reporters.common import Report, docs_url
from tests.reporters.samples import REPORT, RULES, VERSION, assert_golden, validate_sarif


@pytest.fixture
def fixed_version(monkeypatch):
    monkeypatch.setattr(sarif, "__version__", VERSION)


def test_golden(fixed_version):
    assert_golden("report.sarif", sarif.render(REPORT, rules=RULES))


def test_sample_validates_against_the_schema():
    validate_sarif(json.loads(sarif.render(REPORT, rules=RULES)))


def test_every_registered_rule_validates_and_is_described():
    log = json.loads(sarif.render(REPORT))
    validate_sarif(log)
    described = {entry["id"]: entry for entry in log["runs"][0]["tool"]["driver"]["rules"]}
    for rule in all_rules():
        entry = described[rule.code]
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary()
        assert entry["help"]["markdown"] == rule.documentation()
        assert entry["helpUri"] == docs_url(rule.code, rule.name)
    assert {"FLK902", "FLK501"} <= described.keys()  # reported codes are described even when not registered


def test_empty_report_validates():
    log = json.loads(sarif.render(Report([])))
    validate_sarif(log)
    assert log["runs"][0]["results"] == []


def test_results_point_at_their_rules_and_locations():
    log = json.loads(sarif.render(REPORT, rules=RULES))
    (run,) = log["runs"]
    rules, results = run["tool"]["driver"]["rules"], run["results"]
    assert [r["ruleId"] for r in results] == ["FLK902", "FLK701", "FLK301", "FLK501", "FLK815"]
    for entry in results:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
    assert [r["level"] for r in results] == ["error", "warning", "error", "warning", "note"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    secret = results[2]["locations"][0]["physicalLocation"]
    assert secret["artifactLocation"] == {"uri": "app/config.py", "uriBaseId": "%SRCROOT%"}
    assert secret["region"] == {"startLine": 5, "startColumn": 18, "endLine": 5, "endColumn": 23}
    assert results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/vues/caf%C3%A9.py"
    assert results[4]["message"]["text"].endswith("« Café » as is")
    assert results[0]["locations"] == [{"logicalLocations": [{"name": "config.SECRET_KEY"}]}]
    assert rules[0]["defaultConfiguration"]["level"] == "error"


def test_fix_becomes_artifact_changes():
    results = json.loads(sarif.render(REPORT, rules=RULES))["runs"][0]["results"]
    (fix,) = results[2]["fixes"]
    assert fix["description"]["text"] == "Read `SECRET_KEY` from the environment"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app/config.py"
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}, "insertedContent": {"text": "import os\n"}},
        {"deletedRegion": {"startLine": 5, "startColumn": 18, "endLine": 5, "endColumn": 23}, "insertedContent": {"text": 'os.environ["SECRET_KEY"]'}},
    ]
    assert all("fixes" not in r for r in results if r["ruleId"] != "FLK301")


def test_absolute_paths_become_file_uris():
    assert sarif.artifact_location("/srv/app/my app.py") == {"uri": "file:///srv/app/my%20app.py"}
    assert sarif.artifact_location("C:\\work\\app.py") == {"uri": "file:///C:/work/app.py"}
    assert sarif.artifact_location("sub\\app.py") == {"uri": "sub/app.py", "uriBaseId": "%SRCROOT%"}
    finding = Diagnostic("FLK001", "syntax-error", Severity.ERROR, "syntax error: invalid syntax", "/srv/app/x.py", 1, 7, 1, 7)
    log = json.loads(sarif.render(Report([finding]), rules=RULES))
    validate_sarif(log)


def test_output_is_deterministic():
    shuffled = Report(list(reversed(REPORT.diagnostics)), REPORT.files_checked)
    assert sarif.render(shuffled, rules=RULES) == sarif.render(REPORT, rules=RULES)
