"""Debug flags in code: is this node only reached when a debug flag is on?"""

from __future__ import annotations

import ast

from flaskcheck.semantic.flask import ancestors


def is_in_debug_branch(node: ast.AST) -> bool:
    """Inside either branch of an `if` (or `x if test else y`) whose test reads a debug flag:
    a name, attribute, key or environment variable containing `debug`, in any case."""
    child = node
    for ancestor in ancestors(node):
        if isinstance(ancestor, (ast.If, ast.IfExp)) and child is not ancestor.test and reads_debug_flag(ancestor.test):
            return True
        child = ancestor
    return False


def reads_debug_flag(test: ast.AST) -> bool:
    for node in ast.walk(test):
        text = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and "debug" in text.lower():
            return True
    return False
