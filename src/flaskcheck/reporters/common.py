"""What every reporter shares: counts, fixability and each rule's documentation address."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flaskcheck.engine.diagnostic import Diagnostic, Severity


@dataclass(frozen=True)
class Report:
    """What a reporter renders: the findings, and how many files (or apps) were checked."""

    diagnostics: list[Diagnostic]
    files_checked: int = 0


def docs_url(code: str, name: str) -> str:
    """Where a rule's generated documentation page lives, relative to the project's docs."""
    from flaskcheck.docs import rule_page_path

    return rule_page_path(code, name)


def severity_counts(diagnostics: list[Diagnostic]) -> Counter:
    return Counter(d.severity for d in diagnostics)


def summary_line(diagnostics: list[Diagnostic]) -> str:
    if not diagnostics:
        return "No problems found."
    counts = severity_counts(diagnostics)
    parts = [f"{counts[s]} {_plural(s.value, counts[s])}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if counts[s]]
    total = len(diagnostics)
    line = f"Found {total} {'problem' if total == 1 else 'problems'} ({', '.join(parts)})"
    safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.edits and d.fix.safe)
    unsafe = sum(1 for d in diagnostics if d.fix is not None and d.fix.edits and not d.fix.safe)
    if safe:
        line += f"; {safe} fixable with --fix"
        if unsafe:
            line += f" ({unsafe} more with --unsafe-fixes)"
    elif unsafe:
        line += f"; {unsafe} fixable with --unsafe-fixes"
    return line + "."


def _plural(word: str, count: int) -> str:
    if count == 1:
        return word
    return "info" if word == "info" else word + "s"
