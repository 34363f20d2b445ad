"""SARIF 2.1.0: one run, every rule's metadata and help, results with locations and fixes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from flaskcheck import __version__
from flaskcheck.engine.diagnostic import Diagnostic, Fix, Severity
from flaskcheck.engine.rule import Rule, section_text
from flaskcheck.reporters.common import Report, docs_url

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report, *, rules: Iterable[type[Rule]] | None = None) -> str:
    """The SARIF log as JSON; `rules` is the catalogue to describe (default: every registered rule)."""
    if rules is None:
        from flaskcheck.engine.registry import all_rules

        rules = all_rules()
    diagnostics = sorted(report.diagnostics, key=lambda d: d.sort_key)
    descriptors = rule_descriptors(rules, diagnostics)
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "flaskcheck", "version": __version__, "semanticVersion": __version__, "rules": descriptors}},
                "columnKind": "unicodeCodePoints",
                "results": [result(d, index[d.code]) for d in diagnostics],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def rule_descriptors(rules: Iterable[type[Rule]], diagnostics: list[Diagnostic]) -> list[dict]:
    """One entry per catalogued rule, plus a bare entry for any other code that was reported."""
    entries = {rule.code: rule_descriptor(rule) for rule in rules}
    for diagnostic in diagnostics:
        if diagnostic.code not in entries:
            entries[diagnostic.code] = {"id": diagnostic.code, "name": diagnostic.name, "helpUri": docs_url(diagnostic.code, diagnostic.name)}
    return [entries[code] for code in sorted(entries)]


def rule_descriptor(rule: type[Rule]) -> dict:
    documentation = rule.documentation()
    what_it_does = _unwrap(section_text(documentation, "## What it does")) or rule.summary()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": what_it_does},
        "help": {"text": documentation, "markdown": documentation},
        "helpUri": docs_url(rule.code, rule.name),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": [rule.section()[0]]},
    }


def result(diagnostic: Diagnostic, rule_index: int) -> dict:
    entry: dict = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": LEVELS[diagnostic.severity],
        "message": {"text": diagnostic.message},
    }
    if diagnostic.path is not None:
        physical: dict = {"artifactLocation": artifact_location(diagnostic.path)}
        region = _region(diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column)
        if region:
            physical["region"] = region
        entry["locations"] = [{"physicalLocation": physical}]
    elif diagnostic.object is not None:
        entry["locations"] = [{"logicalLocations": [{"name": diagnostic.object}]}]
    if diagnostic.fix is not None and diagnostic.path is not None:
        entry["fixes"] = [_fix(diagnostic.fix, diagnostic.path)]
    return entry


def artifact_location(path: str) -> dict:
    """A relative path is a reference below %SRCROOT%; an absolute one becomes a file URI."""
    for flavour in (PurePosixPath, PureWindowsPath):
        pure = flavour(path)
        if pure.is_absolute():
            return {"uri": pure.as_uri()}
    return {"uri": quote(path.replace("\\", "/"), safe="/"), "uriBaseId": SOURCE_ROOT}


def _fix(fix: Fix, path: str) -> dict:
    replacements = [
        {"deletedRegion": _region(e.line, e.column, e.end_line, e.end_column), "insertedContent": {"text": e.content}}
        for e in fix.edits
    ]
    return {"description": {"text": fix.title}, "artifactChanges": [{"artifactLocation": artifact_location(path), "replacements": replacements}]}


def _region(line: int | None, column: int | None, end_line: int | None, end_column: int | None) -> dict:
    if line is None:
        return {}
    region = {"startLine": line}
    if column is not None:
        region["startColumn"] = column
    region["endLine"] = end_line if end_line is not None else line
    if end_column is not None:
        region["endColumn"] = end_column
    return region


def _unwrap(text: str) -> str:
    """A Markdown section as plain running text: paragraphs kept, line wraps joined."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines()) for paragraph in paragraphs)
