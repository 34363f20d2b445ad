"""Rules of section 8xx: common mistakes, and the text-edit helpers their fixes share.

Fixes keep the user's own text: replacements are built from slices of the original source
(`source_slice`), never from `ast.unparse`, so comments, quotes and formatting survive.
"""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Edit
from flaskcheck.semantic.flask import ancestors
from flaskcheck.semantic.model import SemanticModel


def node_range(ctx: FileContext, node: ast.AST) -> tuple[int, int]:
    """Text offsets [start, end) of `node` (ast columns are UTF-8 bytes; these are characters)."""
    source = ctx.source
    return source.offset(node.lineno, node.col_offset), source.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def source_slice(ctx: FileContext, start: int, end: int) -> str:
    return ctx.source.text[start:end]


def text_edit(ctx: FileContext, start: int, end: int, content: str) -> Edit:
    """Replace text offsets [start, end) with `content`."""
    line, column = ctx.source.position(start)
    end_line, end_column = ctx.source.position(end)
    return Edit(start, end, content, line, column, end_line, end_column)


def is_caught(semantic: SemanticModel, node: ast.AST, exceptions: frozenset[str]) -> bool:
    """Is `node` in the body of a `try` whose handler catches one of `exceptions` (dotted names
    such as `builtins.ValueError`), `Exception`, `BaseException`, or everything (bare `except`)?"""
    child = node
    for ancestor in ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(ancestor, (ast.Try, getattr(ast, "TryStar", ast.Try))) and child in ancestor.body:
            if any(_catches(semantic, handler.type, exceptions) for handler in ancestor.handlers):
                return True
        child = ancestor
    return False


def _catches(semantic: SemanticModel, caught: ast.expr | None, exceptions: frozenset[str]) -> bool:
    if caught is None:
        return True
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    wanted = exceptions | _CATCH_ALL
    return any(semantic.qualified_name(name) in wanted for name in names)


_CATCH_ALL = frozenset({"builtins.Exception", "builtins.BaseException"})
