"""Rules of section 7xx: production."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity


def report_at_def(ctx: FileContext, function: ast.AST, message: str, *, severity: Severity | None = None) -> None:
    """Report on a function's `def` line (from `def` to the end of its name), not its whole body;
    a lambda on its own span."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        ctx.report(function, message, severity=severity)
        return
    line = function.lineno
    text = ctx.source.line_text(line)
    column = ctx.source.char_column(line, function.col_offset)
    name_at = text.find(function.name, column)
    end = name_at + len(function.name) if name_at != -1 else len(text)
    ctx.report_at(line, column + 1, line, end + 1, message, severity=severity)
