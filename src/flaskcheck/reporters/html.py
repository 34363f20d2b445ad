"""One self-contained HTML page: totals, a chart, and every finding with its code and rule docs.

The page makes no network request: the CSS is inline and the chart is inline SVG. Everything
that comes from a finding, a source file or a rule's docs goes through Jinja's autoescaping.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flaskcheck import __version__
from flaskcheck.engine.diagnostic import Diagnostic, Edit, Severity
from flaskcheck.engine.rule import SECTIONS, Rule
from flaskcheck.engine.source import SourceText
from flaskcheck.reporters.common import Report, docs_url, summary_line

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
CONTEXT_LINES = 2
MAX_FLAGGED_LINES = 8
MAX_SOURCE_BYTES = 10 * 1024 * 1024  # the engine's own limit: larger files are never checked
CHART_WIDTH = 640
CHART_LABEL_WIDTH = 280
CHART_ROW_HEIGHT = 26


@dataclass(frozen=True, slots=True)
class SnippetLine:
    number: int
    before: str
    marked: str
    after: str
    is_flagged: bool


@dataclass(frozen=True, slots=True)
class DocBlock:
    """A piece of a rule's Markdown docs: `heading`, `code`, `paragraph` or `list`."""

    kind: str
    text: str = ""
    items: tuple[tuple[tuple[str, bool], ...], ...] = ()  # paragraphs / list items as (text, is_code) runs


def render(report: Report, *, rules: Iterable[type[Rule]] | None = None) -> str:
    """The page; `rules` is the catalogue to document findings from (default: every registered rule)."""
    import jinja2

    if rules is None:
        from flaskcheck.engine.registry import all_rules

        rules = all_rules()
    catalogue = {rule.code: rule for rule in rules}
    diagnostics = sorted(report.diagnostics, key=lambda d: d.sort_key)
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("flaskcheck.reporters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    sections = section_rows(diagnostics)
    return environment.get_template("report.html.j2").render(
        version=__version__,
        files_checked=report.files_checked,
        summary=summary_line(diagnostics),
        total=len(diagnostics),
        severity_totals=[(s.value, severity_count(diagnostics, s)) for s in SEVERITIES],
        sections=sections,
        chart=chart(sections),
        groups=finding_groups(diagnostics, catalogue),
        rules=rule_entries(diagnostics, catalogue),
    )


def severity_count(diagnostics: list[Diagnostic], severity: Severity) -> int:
    return sum(1 for d in diagnostics if d.severity is severity)


def section_rows(diagnostics: list[Diagnostic]) -> list[dict]:
    """Counts per guide section that has findings, by severity, in section order."""
    counts = Counter((d.code[3:4], d.severity) for d in diagnostics)
    rows = []
    for digit, (_, title) in sorted(SECTIONS.items()):
        by_severity = {s.value: counts[(digit, s)] for s in SEVERITIES}
        if any(by_severity.values()):
            rows.append({"digit": digit, "title": title, "total": sum(by_severity.values()), **by_severity})
    unknown = [d for d in diagnostics if d.code[3:4] not in SECTIONS]
    if unknown:
        by_severity = {s.value: severity_count(unknown, s) for s in SEVERITIES}
        rows.append({"digit": "", "title": "Other", "total": len(unknown), **by_severity})
    return rows


def chart(rows: list[dict]) -> dict:
    """Geometry of a horizontal stacked bar chart (one bar per section) for the inline SVG."""
    scale = (CHART_WIDTH - CHART_LABEL_WIDTH - 40) / max([row["total"] for row in rows] or [1])
    bars = []
    for position, row in enumerate(rows):
        x = float(CHART_LABEL_WIDTH)
        segments = []
        for severity in SEVERITIES:
            width = row[severity.value] * scale
            if width:
                segments.append({"severity": severity.value, "x": round(x, 1), "width": round(width, 1), "count": row[severity.value]})
            x += width
        label = f"{row['digit']}xx {row['title']}" if row["digit"] else row["title"]
        bars.append({"y": position * CHART_ROW_HEIGHT, "text_y": CHART_ROW_HEIGHT * 2 // 3, "label": label, "segments": segments, "total": row["total"], "end": round(x, 1)})
    return {"width": CHART_WIDTH, "height": max(len(rows), 1) * CHART_ROW_HEIGHT, "row_height": CHART_ROW_HEIGHT, "bars": bars}


def finding_groups(diagnostics: list[Diagnostic], catalogue: dict[str, type[Rule]]) -> list[dict]:
    """Findings grouped by file (deploy findings, which have no file, under one heading)."""
    groups: list[dict] = []
    sources: dict[str, SourceText | None] = {}
    for number, diagnostic in enumerate(diagnostics, start=1):
        label = diagnostic.path if diagnostic.path is not None else "Deploy checks (runtime)"
        if not groups or groups[-1]["label"] != label:
            groups.append({"label": label, "findings": []})
        groups[-1]["findings"].append(finding(number, diagnostic, catalogue.get(diagnostic.code), sources))
    return groups


def finding(number: int, diagnostic: Diagnostic, rule: type[Rule] | None, sources: dict[str, SourceText | None]) -> dict:
    if diagnostic.path is None:
        location = diagnostic.object or ""
    elif diagnostic.line is None:
        location = diagnostic.path
    else:
        location = f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}"
    fix = diagnostic.fix
    return {
        "anchor": f"finding-{number}",
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "location": location,
        "message": _runs(diagnostic.message),
        "fix": {"title": _runs(fix.title), "safe": fix.safe, "edits": [_edit(e) for e in fix.edits]} if fix is not None else None,
        "snippet": snippet(diagnostic, sources),
        "summary": _runs(rule.summary()) if rule is not None else (),
        "rule_anchor": f"rule-{diagnostic.code}",
    }


def _edit(edit: Edit) -> dict:
    """What one edit of a fix does, in words, and the text it puts in."""
    if (edit.line, edit.column) == (edit.end_line, edit.end_column):
        return {"action": f"At {edit.line}:{edit.column}, insert:", "content": edit.content}
    span = f"{edit.line}:{edit.column}-{edit.end_line}:{edit.end_column}"
    return {"action": f"Replace {span} with:" if edit.content else f"Delete {span}.", "content": edit.content}


def snippet(diagnostic: Diagnostic, sources: dict[str, SourceText | None]) -> list[SnippetLine] | None:
    """The flagged lines and a few around them, read from the file now; None if unreadable."""
    if diagnostic.path is None or diagnostic.line is None:
        return None
    if diagnostic.path not in sources:
        sources[diagnostic.path] = read_source(Path(diagnostic.path))
    source = sources[diagnostic.path]
    line_count = len(source.line_starts) if source is not None else 0
    if source is None or not 1 <= diagnostic.line <= line_count:
        return None
    end_line = max(diagnostic.line, diagnostic.end_line or diagnostic.line)
    first = max(1, diagnostic.line - CONTEXT_LINES)
    last = min(line_count, min(end_line, diagnostic.line + MAX_FLAGGED_LINES - 1) + CONTEXT_LINES)
    lines = [_snippet_line(source.line_text(n), n, diagnostic, end_line) for n in range(first, last + 1)]
    while len(lines) > 1 and not lines[-1].before and not lines[-1].is_flagged:
        lines.pop()
    return lines


def _snippet_line(text: str, number: int, diagnostic: Diagnostic, end_line: int) -> SnippetLine:
    if not diagnostic.line <= number <= end_line:
        return SnippetLine(number, text, "", "", False)
    start = (diagnostic.column or 1) - 1 if number == diagnostic.line else 0
    end = (diagnostic.end_column or 1) - 1 if number == end_line and diagnostic.end_column is not None else len(text)
    start, end = min(start, len(text)), min(max(end, start), len(text))
    return SnippetLine(number, text[:start], text[start:end], text[end:], True)


def read_source(path: Path) -> SourceText | None:
    """The file's text, decoded the way the engine decodes it; None when that is not possible."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            return None
        data = path.read_bytes()
        if b"\0" in data:
            return None
        return SourceText(data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None


def rule_entries(diagnostics: list[Diagnostic], catalogue: dict[str, type[Rule]]) -> list[dict]:
    """The documentation of every rule that has a finding, once each, by code."""
    names = {d.code: d.name for d in diagnostics}
    entries = []
    for code in sorted(names):
        rule = catalogue.get(code)
        name = rule.name if rule is not None else names[code]
        entries.append({
            "anchor": f"rule-{code}",
            "code": code,
            "name": name,
            "severity": rule.severity.value if rule is not None else "",
            "section": SECTIONS[code[3]][1] if code[3:4] in SECTIONS else "",
            "docs_path": docs_url(code, name) if rule is not None else "",
            "blocks": doc_blocks(rule.documentation()) if rule is not None else [],
        })
    return entries


_FENCE = re.compile(r"^\s*```")
_INLINE_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def doc_blocks(markdown: str) -> list[DocBlock]:
    """Just enough Markdown for rule docs: `##` headings, fenced code, paragraphs, `-` lists."""
    blocks: list[DocBlock] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FENCE.match(line):
            end = next((j for j in range(index + 1, len(lines)) if _FENCE.match(lines[j])), len(lines))
            blocks.append(DocBlock("code", "\n".join(lines[index + 1 : end])))
            index = end + 1
        elif line.startswith("#"):
            blocks.append(DocBlock("heading", line.lstrip("#").strip()))
            index += 1
        elif not line.strip():
            index += 1
        else:
            end = next((j for j in range(index, len(lines)) if not lines[j].strip() or _FENCE.match(lines[j]) or lines[j].startswith("#")), len(lines))
            blocks.append(_text_block(lines[index:end]))
            index = end
    return blocks


def _text_block(lines: list[str]) -> DocBlock:
    if not lines[0].lstrip().startswith(("- ", "* ")):
        return DocBlock("paragraph", items=(_runs(" ".join(line.strip() for line in lines)),))
    items: list[list[str]] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("- ", "* ")) or not items:
            items.append([stripped[2:] if stripped.startswith(("- ", "* ")) else stripped])
        else:
            items[-1].append(stripped)
    return DocBlock("list", items=tuple(_runs(" ".join(item)) for item in items))


def _runs(text: str) -> tuple[tuple[str, bool], ...]:
    """Text split into (text, is_code) runs at `inline code` spans; links become "text (address)"."""
    parts = _INLINE_CODE.split(_LINK.sub(r"\1 (\2)", text))
    return tuple((part, position % 2 == 1) for position, part in enumerate(parts) if part)
