"""Running a rule's examples: the `# error` markers, and linting sources written to a folder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flaskcheck.config import Settings
from flaskcheck.engine.diagnostic import Diagnostic
from flaskcheck.engine.rule import Invalid, Rule, Valid

_MARKER = re.compile(r"[ \t]*#[ \t]*error[ \t]*(?=\r?$)")


@dataclass(frozen=True)
class ExampleCase:
    rule: type[Rule]
    example: Valid
    label: str

    @property
    def id(self) -> str:
        return f"{self.rule.code}-{self.rule.name}/{self.label}"


def strip_markers(text: str) -> tuple[str, set[int]]:
    """Source without `# error` markers, and the 1-based lines that carried one."""
    lines = text.split("\n")
    marked = set()
    for number, line in enumerate(lines, start=1):
        if _MARKER.search(line):
            marked.add(number)
            lines[number - 1] = _MARKER.sub("", line)
    return "\n".join(lines), marked


def example_cases(rule: type[Rule]) -> list[ExampleCase]:
    cases = [ExampleCase(rule, example, f"valid-{i}") for i, example in enumerate(rule.valid, start=1)]
    cases += [ExampleCase(rule, example, f"invalid-{i}") for i, example in enumerate(rule.invalid, start=1)]
    bad, good = rule.doc_examples()
    if bad is not None:
        cases.append(ExampleCase(rule, Invalid(files=doc_sources(bad, rule.example_path)), "docs-example"))
    if good is not None:
        cases.append(ExampleCase(rule, Valid(files=doc_sources(good, rule.example_path)), "docs-use-instead"))
    return cases


_FILE_HEADER = re.compile(r"#[ \t]*([\w.\-]+(?:/[\w.\-]+)*\.py)[ \t]*")


def doc_sources(block: str, default_path: str) -> dict[str, str]:
    """A docs block as files: one file at `default_path`, or, when the block starts with a
    `# models.py` line, one file per such header line (a multi-module example)."""
    lines = block.split("\n")
    if not lines or not _FILE_HEADER.fullmatch(lines[0]):
        return {default_path: block}
    files: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        header = _FILE_HEADER.fullmatch(line)
        if header:
            current = files.setdefault(header.group(1), [])
        else:
            current.append(line)
    return {path: "\n".join(body).strip("\n") + "\n" for path, body in files.items()}


def write_sources(folder: Path, sources: dict[str, str]) -> dict[str, set[int]]:
    """Write each file without markers; return path -> marked lines."""
    expected = {}
    for relative, text in sources.items():
        clean, marked = strip_markers(text)
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(clean, encoding="utf-8")
        expected[relative] = marked
    return expected


def lint_folder(folder: Path, select: tuple[str, ...] | None = None) -> list[Diagnostic]:
    from flaskcheck.engine.runner import lint

    settings = Settings(root=folder.absolute(), select=select)
    return lint([folder], settings, jobs=1, use_cache=False, cwd=folder).diagnostics
