"""The per-file work: read, parse once, build the semantic model, run every rule's hooks.

`analyze_file` is a pure function of the file's bytes and name, so its result can be
cached by content hash and computed in parallel worker processes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from flaskcheck.engine.context import FileContext, FileReport, TextContext
from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.engine.files import SourceFile
from flaskcheck.engine.noqa import is_file_skipped, python_noqa, text_noqa
from flaskcheck.engine.registry import all_rules
from flaskcheck.engine.rule import Rule
from flaskcheck.engine.source import SourceText
from flaskcheck.project.index import ModuleSummary
from flaskcheck.project.summarize import summarize_module
from flaskcheck.semantic.flask import is_test_path
from flaskcheck.semantic.model import SemanticModel

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(slots=True)
class FileResult:
    summary: ModuleSummary
    diagnostics: list[Diagnostic] = field(default_factory=list)


def analyze_file(source_file: SourceFile, data: bytes | None = None) -> FileResult:
    """Everything the checker learns from one file on its own."""
    summary = ModuleSummary(
        path=source_file.display, relative=source_file.relative, module_name=source_file.module_name,
        is_package=source_file.is_package, is_python=source_file.is_python, is_test=is_test_path(source_file.relative),
    )
    result = FileResult(summary)
    text = _read_text(source_file, data, result)
    if text is None or is_file_skipped(text):
        return result
    if source_file.is_python:
        _analyze_python(source_file, text, result)
    else:
        _analyze_text(source_file, text, result)
    return result


def _read_text(source_file: SourceFile, data: bytes | None, result: FileResult) -> str | None:
    try:
        if data is None:
            data = source_file.absolute.read_bytes()
    except OSError as error:
        return _unreadable(result, f"cannot be read: {error.strerror or error}")
    if len(data) > MAX_FILE_BYTES:
        return _unreadable(result, f"not checked: {len(data) // (1024 * 1024)} MiB is over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit")
    if b"\0" in data:
        return _unreadable(result, "not checked: binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return _unreadable(result, f"cannot be decoded as UTF-8 (invalid byte at line {line})", line)
    return text


def _unreadable(result: FileResult, message: str, line: int = 1) -> None:
    result.diagnostics.append(checker_diagnostic("FLK002", "unreadable-file", message, result.summary.path, line, 1))
    return None


def checker_diagnostic(code: str, name: str, message: str, path: str, line: int, column: int) -> Diagnostic:
    return Diagnostic(code, name, Severity.ERROR, message, path, line, column, line, column)


def _parse(text: str, result: FileResult) -> ast.Module | None:
    path = result.summary.path
    try:
        return ast.parse(text, filename=path, type_comments=False)
    except SyntaxError as error:
        line = error.lineno or 1
        column = max(error.offset or 1, 1)
        message = f"syntax error: {error.msg}"
    except (RecursionError, MemoryError):
        line, column, message = 1, 1, "syntax error: too deeply nested for Python's parser"
    except ValueError as error:  # e.g. source code string cannot contain null bytes
        line, column, message = 1, 1, f"syntax error: {error}"
    result.diagnostics.append(checker_diagnostic("FLK001", "syntax-error", message, path, line, column))
    return None


def _analyze_python(source_file: SourceFile, text: str, result: FileResult) -> None:
    tree = _parse(text, result)
    summary = result.summary
    summary.noqa = python_noqa(text, tree)
    if tree is None:
        return
    semantic = SemanticModel(tree, source_file.module_name, source_file.is_package)
    source = SourceText(text)
    summarize_module(semantic, source, summary)
    report = FileReport()
    ctx = FileContext(source_file.display, source_file.relative, source, report, semantic)
    _run_rules(tree, ctx, [rule() for rule in all_rules()], report)
    _collect(report, result)


def _analyze_text(source_file: SourceFile, text: str, result: FileResult) -> None:
    result.summary.noqa = text_noqa(text)
    report = FileReport()
    ctx = TextContext(source_file.display, source_file.relative, SourceText(text), report)
    for rule_class in all_rules():
        if rule_class.is_text_target(source_file.relative) or (source_file.is_template and rule_class.reads_templates):
            rule = rule_class()
            ctx.rule = rule
            _guarded(rule, ctx, report, lambda: rule.check_text(ctx))
    _collect(report, result)


def _collect(report: FileReport, result: FileResult) -> None:
    result.diagnostics.extend(report.diagnostics)
    result.summary.facts = report.facts
    result.summary.pending = report.pending


def _run_rules(tree: ast.Module, ctx: FileContext, rules: list[Rule], report: FileReport) -> None:
    """One pass over the nodes, in the semantic model's pre-order, calling every rule's hooks."""
    hooks: dict[type, list] = {}
    broken: set[int] = set()
    for rule in rules:
        for attribute in dir(rule):
            if attribute.startswith("visit_"):
                node_type = getattr(ast, attribute[6:], None)
                if node_type is not None:
                    hooks.setdefault(node_type, []).append((rule, getattr(rule, attribute)))
    for node in ctx.semantic.nodes:
        for rule, hook in hooks.get(type(node), ()):
            if id(rule) in broken:
                continue
            ctx.rule = rule
            if not _guarded(rule, ctx, report, lambda: hook(node, ctx), node):
                broken.add(id(rule))
    for rule in rules:
        if id(rule) not in broken and type(rule).leave_module is not Rule.leave_module:
            ctx.rule = rule
            _guarded(rule, ctx, report, lambda: rule.leave_module(ctx))


def _guarded(rule: Rule, ctx, report: FileReport, call, node: ast.AST | None = None) -> bool:
    """Run one hook; an exception becomes an FLK000 finding naming rule and file."""
    try:
        call()
        return True
    except Exception as error:  # noqa: BLE001 - one broken rule must not stop the run
        line = getattr(node, "lineno", 1) or 1
        message = f"internal error: rule {rule.code} ({rule.name}) raised {type(error).__name__}: {error} while checking {ctx.path}"
        report.diagnostics.append(checker_diagnostic("FLK000", "internal-error", message, ctx.path, line, 1))
        return False
