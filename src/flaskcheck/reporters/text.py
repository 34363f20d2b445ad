"""The default format: one finding a line, then a summary line."""

from __future__ import annotations

from collections import Counter

from flaskcheck.reporters.common import Report, summary_line


def render(report: Report, *, quiet: bool = False, statistics: bool = False) -> str:
    lines = [format_diagnostic(d) for d in report.diagnostics]
    if statistics:
        lines.extend(statistics_lines(report))
    if not quiet:
        lines.append(summary_line(report.diagnostics))
    return "\n".join(lines) + ("\n" if lines else "")


def format_diagnostic(diagnostic) -> str:
    where = diagnostic.path if diagnostic.path is not None else diagnostic.object or "<app>"
    if diagnostic.line is not None:
        where += f":{diagnostic.line}:{diagnostic.column}"
    fix = f" [fix: {diagnostic.fix.title}]" if diagnostic.fix is not None else ""
    return f"{where}: {diagnostic.code} [{diagnostic.severity.value}] {diagnostic.message}{fix}"


def statistics_lines(report: Report) -> list[str]:
    counts = Counter((d.code, d.name) for d in report.diagnostics)
    return [f"{count:6d}  {code}  {name}" for (code, name), count in sorted(counts.items())]
