"""Rules of section 4xx: debug mode, and what they share.

FLK401-FLK403 ask "is this the app?" of objects made by an application factory
(`app = create_app()`, possibly in another module), which the project index does not know:
each records its module's factories and factory-made names, and `AppResolver` joins them.
"""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.project.index import ModuleSummary, ProjectIndex
from flaskcheck.semantic.flask import ancestors, is_app_factory, is_same_project, module_level_calls, source_root


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


def record_app_facts(ctx: FileContext) -> None:
    """Facts for `AppResolver`: this module's app factories and names bound to a call."""
    semantic = ctx.semantic
    prefix = f"{semantic.module_name}." if semantic.module_name else ""
    if any(semantic.imports_module(package) for package in ("flask", "quart", "apiflask")):  # else no `Flask(...)`
        for statement in semantic.tree.body:
            if is_app_factory(semantic, statement):
                ctx.record(statement, kind="factory", name=prefix + statement.name)
    for name, called in module_level_calls(semantic).items():
        ctx.record(semantic.module_scope.bindings[name][-1].node, kind="made", name=prefix + name, factory=called)


def module_root(summary: ModuleSummary) -> str:
    return source_root(summary.relative, summary.module_name, summary.is_package)


class AppResolver:
    """Confirms the app candidates (`semantic.flask.app_candidate`) a rule recorded."""

    def __init__(self, index: ProjectIndex, code: str) -> None:
        self.factories: set[str] = set()
        self.made: dict[str, str] = {}
        self.modules: dict[str, list[ModuleSummary]] = {}
        for summary in index.summaries:
            if summary.is_python and summary.module_name:
                self.modules.setdefault(summary.module_name, []).append(summary)
        for _, fact in index.facts(code):
            if fact.data["kind"] == "factory":
                self.factories.add(fact.data["name"])
            elif fact.data["kind"] == "made":
                self.made[fact.data["name"]] = fact.data["factory"]

    def is_app(self, candidate: str | None, root: str) -> bool:
        """`root`: the source root of the module that holds the candidate (for name clashes
        between several apps linted together)."""
        if candidate is None:
            return False
        if candidate == "":
            return True
        kind, _, name = candidate.partition(":")
        defined = self._defined(name, root)
        if kind == "factory":
            return defined in self.factories
        module, _, attribute = defined.rpartition(".")
        summary = self._module(module, root)
        if summary is not None and attribute in summary.apps:
            return True
        factory = self.made.get(defined)
        return factory is not None and self._defined(factory, root) in self.factories

    def _defined(self, qualified: str, root: str, depth: int = 8) -> str:
        """Where an imported name is defined, following re-exports (`from .factory import create_app`)."""
        module, _, attribute = qualified.rpartition(".")
        summary = self._module(module, root)
        target = summary.imports.get(attribute) if summary is not None else None
        if target is None or depth == 0 or target == qualified:
            return qualified
        return self._defined(target, root, depth - 1)

    def _module(self, name: str, root: str) -> ModuleSummary | None:
        candidates = self.modules.get(name, [])
        ranked = sorted(candidates, key=lambda s: (module_root(s) != root, not is_same_project(module_root(s), root)))
        return ranked[0] if ranked else None
