"""Reporters: each `render(report) -> str` is pure; only the CLI writes."""

from __future__ import annotations

from flaskcheck.engine.diagnostic import Diagnostic
from flaskcheck.reporters.common import Report


def render(output_format: str, diagnostics: list[Diagnostic], *, files_checked: int = 0, quiet: bool = False, statistics: bool = False) -> str:
    from flaskcheck.reporters import github, html, sarif, text
    from flaskcheck.reporters import json as json_reporter

    report = Report(diagnostics, files_checked)
    if output_format == "text":
        return text.render(report, quiet=quiet, statistics=statistics)
    if output_format == "json":
        return json_reporter.render(report)
    if output_format == "sarif":
        return sarif.render(report)
    if output_format == "github":
        return github.render(report)
    if output_format == "html":
        return html.render(report)
    raise ValueError(f"the {output_format} format is not available yet")
