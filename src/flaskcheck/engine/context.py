"""What a rule sees while it runs: the file, its semantic model, and ways to report."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flaskcheck.engine.diagnostic import Diagnostic, Edit, Fix, Severity
from flaskcheck.engine.source import SourceText
from flaskcheck.project.index import Fact, Pending
from flaskcheck.semantic import flask as flask_facts

if TYPE_CHECKING:
    from flaskcheck.engine.rule import Rule
    from flaskcheck.semantic.flask import AppReference
    from flaskcheck.semantic.model import SemanticModel


@dataclass(slots=True)
class FileReport:
    """What the rules produced for one file, gathered by the contexts."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)


class _BaseFileContext:
    def __init__(self, path: str, relative: str, source: SourceText, report: FileReport) -> None:
        self.path = path
        self.relative = relative
        self.source = source
        self.is_test_file = flask_facts.is_test_path(relative)
        self._report = report
        self.rule: Rule | None = None  # set by the runner before each hook

    def report_at(self, line: int, column: int, end_line: int, end_column: int, message: str, *, severity: Severity | None = None, fix: Fix | None = None) -> None:
        """Report at 1-based line and character column positions."""
        if not self.rule.in_tests and self.is_test_file:
            return
        self._report.diagnostics.append(self._diagnostic(line, column, end_line, end_column, message, severity, fix))

    def _diagnostic(self, line: int, column: int, end_line: int, end_column: int, message: str, severity: Severity | None, fix: Fix | None = None) -> Diagnostic:
        rule = self.rule
        return Diagnostic(rule.code, rule.name, severity or rule.severity, message, self.path, line, column, end_line, end_column, fix)


class TextContext(_BaseFileContext):
    """A deployment file or template: text only."""

    @property
    def text(self) -> str:
        return self.source.text

    def report_syntax_error(self, line: int, column: int, message: str) -> None:
        """An FLK001 finding for a file the rule's parser rejects (a template Jinja cannot parse)."""
        self._report.diagnostics.append(Diagnostic("FLK001", "syntax-error", Severity.ERROR, message, self.path, line, column, line, column))

    def record_at(self, line: int, column: int, end_line: int, end_column: int, **data) -> None:
        """Keep plain data about a place in this file (1-based positions) for this rule's `check_project`."""
        self._report.facts.append(Fact(self.rule.code, self.path, line, column, end_line, end_column, self.is_test_file, data))


class FileContext(_BaseFileContext):
    """A Python module."""

    def __init__(self, path: str, relative: str, source: SourceText, report: FileReport, semantic: SemanticModel) -> None:
        super().__init__(path, relative, source, report)
        self.semantic = semantic

    def span(self, node: ast.AST) -> tuple[int, int, int, int]:
        """1-based (line, column, end_line, end_column) of `node`, in characters."""
        source = self.source
        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        end_byte = getattr(node, "end_col_offset", None)
        column = source.char_column(line, node.col_offset) + 1
        end_column = source.char_column(end_line, end_byte) + 1 if end_byte is not None else column
        return line, column, end_line, end_column

    def is_test_code(self, node: ast.AST) -> bool:
        return self.is_test_file or flask_facts.is_in_test_class(node)

    def report(self, node: ast.AST, message: str, *, severity: Severity | None = None, fix: Fix | None = None) -> None:
        if not self.rule.in_tests and self.is_test_code(node):
            return
        self._report.diagnostics.append(self._diagnostic(*self.span(node), message, severity, fix))

    def report_if_app(self, reference: AppReference, node: ast.AST, message: str, *, severity: Severity | None = None) -> None:
        """Report now when `reference` is certainly an app, else once the index confirms it."""
        if reference.imported is None:
            self.report(node, message, severity=severity)
            return
        if not self.rule.in_tests and self.is_test_code(node):
            return
        diagnostic = self._diagnostic(*self.span(node), message, severity)
        self._report.pending.append(Pending(diagnostic, reference.imported))

    def replace(self, node: ast.AST, content: str) -> Edit:
        """An edit replacing exactly the source of `node` with `content`."""
        line, column, end_line, end_column = self.span(node)
        start = self.source.line_starts[line - 1] + column - 1
        end = self.source.line_starts[end_line - 1] + end_column - 1
        return Edit(start, end, content, line, column, end_line, end_column)

    def import_name(self, module: str, name: str, at: ast.AST) -> tuple[Edit | None, str | None]:
        """(edit adding `from module import name` if needed, the name to use at `at`).

        The name is None when `name` is already bound to something else there: no safe edit.
        """
        wanted = f"{module}.{name}"
        for bindings in self.semantic.module_scope.bindings.values():
            binding = bindings[-1]
            if binding.qualified == wanted and self.semantic.lookup(binding.name, at) is binding:
                return None, binding.name
        if self.semantic.lookup(name, at) is not None:
            return None, None
        offset, line = self._import_insertion_point()
        return Edit(offset, offset, f"from {module} import {name}{self.source.newline}", line, 1, line, 1), name

    def _import_insertion_point(self) -> tuple[int, int]:
        """After the last top-of-module import (or the docstring), at the start of a line."""
        body = self.semantic.tree.body
        after = None
        for index, statement in enumerate(body):
            is_docstring = index == 0 and isinstance(statement, ast.Expr) and isinstance(getattr(statement, "value", None), ast.Constant) and isinstance(statement.value.value, str)
            if isinstance(statement, (ast.Import, ast.ImportFrom)) or is_docstring:
                after = statement
            elif after is not None or index > 0:
                break
        line = (after.end_lineno + 1) if after is not None else 1
        line = min(line, len(self.source.line_starts))
        return self.source.line_starts[line - 1], line

    def record(self, node: ast.AST, **data) -> None:
        """Keep plain data about `node` for this rule's `check_project`."""
        fact = Fact(self.rule.code, self.path, *self.span(node), self.is_test_code(node), data)
        self._report.facts.append(fact)


class ProjectContext:
    """Reporting from `check_project`: findings anchor to a recorded fact's place."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self._diagnostics = diagnostics
        self.rule: Rule | None = None

    def report_fact(self, fact: Fact, message: str, *, severity: Severity | None = None, fix: Fix | None = None) -> None:
        """Report at a recorded fact; a `fix` is built from edits recorded with the fact."""
        rule = self.rule
        if not rule.in_tests and fact.in_test_code:
            return
        self._diagnostics.append(
            Diagnostic(rule.code, rule.name, severity or rule.severity, message, fact.path, fact.line, fact.column, fact.end_line, fact.end_column, fix)
        )
