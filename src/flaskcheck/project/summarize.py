"""What every module tells the project index about itself, computed once per file."""

from __future__ import annotations

import ast

from flaskcheck.engine.source import SourceText
from flaskcheck.project.index import ImportEdge, ModuleSummary
from flaskcheck.semantic.flask import (
    APP_CLASSES, BLUEPRINT_CLASSES, flask_name, is_app_factory, is_at_module_level, keyword_value, module_level_calls, string_value,
)
from flaskcheck.semantic.context import may_set_server_name, server_name_setting
from flaskcheck.semantic.model import BindingKind, SemanticModel
from flaskcheck.semantic.routing import extract_routing


def summarize_module(semantic: SemanticModel, source: SourceText, summary: ModuleSummary) -> None:
    """Module-level imports (with where they are), names and app objects."""
    apps = set()
    for name, bindings in semantic.module_scope.bindings.items():
        last = bindings[-1]
        if last.kind is BindingKind.IMPORT and last.qualified:
            summary.imports[name] = last.qualified
        summary.first_bound[name] = min(binding.position[0] for binding in bindings)
        if any(_creates_app(semantic, binding.value) for binding in bindings):
            apps.add(name)
    summary.apps = frozenset(apps)
    summary.factories = frozenset(s.name for s in semantic.tree.body if is_app_factory(semantic, s))
    summary.made_apps = module_level_calls(semantic)
    summary.import_edges = [edge for node in semantic.nodes for edge in _edges(node, semantic, source)]
    summary.sets_server_name = may_set_server_name(source.text) and any(
        server_name_setting(semantic, node) for node in semantic.nodes if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Call))
    )
    summary.template_folders = tuple(folder for node in semantic.nodes if (folder := _template_folder(node, semantic)))
    routing = extract_routing(semantic, source, summary.is_test)
    summary.flask = None if routing.is_empty() else routing


def _template_folder(node: ast.AST, semantic: SemanticModel) -> str | None:
    """The literal `template_folder=` of a `Flask(...)` or `Blueprint(...)` call, if other than the default."""
    if not isinstance(node, ast.Call) or not node.keywords:
        return None
    folder = string_value(keyword_value(node, "template_folder"))
    if not folder or folder == "templates" or flask_name(semantic, node.func) not in APP_CLASSES | BLUEPRINT_CLASSES:
        return None
    return folder


def _creates_app(semantic: SemanticModel, value: ast.AST | None) -> bool:
    return isinstance(value, ast.Call) and flask_name(semantic, value.func) in APP_CLASSES


def _edges(node: ast.AST, semantic: SemanticModel, source: SourceText) -> list[ImportEdge]:
    """The modules a module-level import statement runs (not in functions, not TYPE_CHECKING)."""
    if not isinstance(node, (ast.Import, ast.ImportFrom)) or not is_at_module_level(node) or _is_type_checking_only(node):
        return []
    span = (node.lineno, source.char_column(node.lineno, node.col_offset) + 1)
    if isinstance(node, ast.Import):
        return [ImportEdge(alias.name, (), *span) for alias in node.names]
    module = semantic.resolve_relative(node.module, node.level or 0)
    names = tuple(alias.name for alias in node.names)
    return [ImportEdge(module, names, *span)] if module else [ImportEdge(name, (), *span) for name in names]


def _is_type_checking_only(node: ast.AST) -> bool:
    child = node
    parent = getattr(node, "flk_parent", None)
    while parent is not None:
        if isinstance(parent, ast.If) and child in parent.body and _is_type_checking(parent.test):
            return True
        child, parent = parent, getattr(parent, "flk_parent", None)
    return False


def _is_type_checking(test: ast.AST) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
