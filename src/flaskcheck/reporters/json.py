"""A JSON array of findings, in the shape the interface spec fixes."""

from __future__ import annotations

import json

from flaskcheck.engine.diagnostic import Diagnostic
from flaskcheck.reporters.common import Report, docs_url


def render(report: Report) -> str:
    return json.dumps([as_dict(d) for d in report.diagnostics], indent=2, ensure_ascii=False) + "\n"


def as_dict(diagnostic: Diagnostic) -> dict:
    entry = {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "path": diagnostic.path,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "fix": _fix(diagnostic),
        "url": docs_url(diagnostic.code, diagnostic.name),
    }
    if diagnostic.object is not None:
        entry["object"] = diagnostic.object
    return entry


def _fix(diagnostic: Diagnostic) -> dict | None:
    fix = diagnostic.fix
    if fix is None:
        return None
    edits = [
        {"line": e.line, "column": e.column, "end_line": e.end_line, "end_column": e.end_column, "content": e.content}
        for e in fix.edits
    ]
    return {"message": fix.title, "safe": fix.safe, "edits": edits}
