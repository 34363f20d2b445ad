"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding."""

from __future__ import annotations

from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.reporters.common import Report

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report) -> str:
    lines = [format_command(d) for d in sorted(report.diagnostics, key=lambda d: d.sort_key)]
    return "\n".join(lines) + ("\n" if lines else "")


def format_command(diagnostic: Diagnostic) -> str:
    properties = ",".join(f"{key}={escape_property(str(value))}" for key, value in _properties(diagnostic))
    message = diagnostic.message
    if diagnostic.path is None and diagnostic.object is not None:
        message = f"{diagnostic.object}: {message}"
    return f"::{COMMANDS[diagnostic.severity]} {properties}::{escape_data(message)}"


def _properties(diagnostic: Diagnostic) -> list[tuple[str, object]]:
    properties: list[tuple[str, object]] = []
    if diagnostic.path is not None:
        properties.append(("file", diagnostic.path))
    if diagnostic.path is not None and diagnostic.line is not None:
        end_line = diagnostic.end_line if diagnostic.end_line is not None else diagnostic.line
        # GitHub accepts columns only on an annotation that starts and ends on one line.
        is_one_line = end_line == diagnostic.line and diagnostic.column is not None
        properties.append(("line", diagnostic.line))
        if is_one_line:
            properties.append(("col", diagnostic.column))
        properties.append(("endLine", end_line))
        if is_one_line and diagnostic.end_column is not None:
            properties.append(("endColumn", diagnostic.end_column))
    properties.append(("title", f"{diagnostic.code} {diagnostic.name}"))
    return properties


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
