"""Per-module summaries of plain, picklable data, and the ProjectIndex that joins them.

A summary is all the project phase knows of a module: it is what the cache stores and
what parallel workers send back, so it holds no AST and no source text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from flaskcheck.engine.diagnostic import Diagnostic

if TYPE_CHECKING:
    from flaskcheck.semantic.routing import FlaskModule

NOQA_ALL = "*"


@dataclass(frozen=True, slots=True)
class Fact:
    """Something a rule recorded about one place in a module, for its project-level check."""

    code: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    in_test_code: bool
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Pending:
    """A finding that stands only if the project index confirms `app_name` is a Flask app."""

    diagnostic: Diagnostic
    app_name: str


@dataclass(frozen=True, slots=True)
class ImportEdge:
    """A module-level `import target` or `from target import names`, and where it stands."""

    target: str
    names: tuple[str, ...]
    line: int
    column: int


@dataclass(slots=True)
class ModuleSummary:
    path: str  # as displayed
    relative: str  # posix path relative to the project root
    module_name: str
    is_package: bool = False
    is_python: bool = True
    is_test: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # module-level name -> qualified target
    apps: frozenset[str] = frozenset()  # module-level names bound to a Flask app object
    factories: frozenset[str] = frozenset()  # module-level functions returning a new app
    made_apps: dict[str, str] = field(default_factory=dict)  # module-level name -> callee (`app = create_app()`)
    first_bound: dict[str, int] = field(default_factory=dict)  # module-level name -> first line binding it
    template_folders: tuple[str, ...] = ()  # literal `template_folder=` of apps and blueprints made here
    sets_server_name: bool = False  # configures `SERVER_NAME`, or loads config the checker cannot read
    import_edges: list[ImportEdge] = field(default_factory=list)
    noqa: dict[int, frozenset[str]] = field(default_factory=dict)  # line -> codes, or {NOQA_ALL}
    facts: list[Fact] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    flask: FlaskModule | None = None  # routing facts (semantic/routing.py), None when the module has none


class ProjectIndex:
    """The joined summaries; answers questions that need more than one module.

    Several modules may share a name when several apps are linted together (`app.py` in
    every example folder); lookups then prefer the module in the asking module's source root.
    """

    def __init__(self, summaries: list[ModuleSummary]) -> None:
        self.summaries = summaries
        self.by_name: dict[str, list[ModuleSummary]] = {}
        for summary in summaries:
            if summary.is_python and summary.module_name:
                self.by_name.setdefault(summary.module_name, []).append(summary)
        self.modules = {name: found[-1] for name, found in self.by_name.items()}
        self._server_name_roots: set[str] | None = None

    def facts(self, code: str) -> Iterator[tuple[ModuleSummary, Fact]]:
        for summary in self.summaries:
            for fact in summary.facts:
                if fact.code == code:
                    yield summary, fact

    def module(self, name: str, near: ModuleSummary | None = None) -> ModuleSummary | None:
        """The module called `name`; among namesakes, the one in `near`'s source root."""
        found = self.by_name.get(name)
        if not found:
            return None
        if len(found) == 1 or near is None:
            return found[-1]
        root = source_root_of(near)
        return next((s for s in found if source_root_of(s) == root), found[-1])

    def defining(self, qualified: str, near: ModuleSummary | None = None, depth: int = 8) -> tuple[ModuleSummary, str] | None:
        """(module, name) where `pkg.module.name` is bound, following re-exports through imports."""
        module_name, _, attribute = qualified.rpartition(".")
        summary = self.module(module_name, near)
        if summary is None:
            return None
        target = summary.imports.get(attribute)
        if target and target != qualified and depth and self.module(target.rpartition(".")[0], summary) is not None:
            return self.defining(target, summary, depth - 1)
        return summary, attribute

    def is_app(self, qualified: str, near: ModuleSummary | None = None) -> bool:
        """Is `pkg.module.app` a Flask app object: `Flask(...)`, or the result of an app factory?"""
        found = self.defining(qualified, near)
        if found is None:
            return False
        summary, name = found
        if name in summary.apps:
            return True
        callee = summary.made_apps.get(name)
        return callee is not None and self.is_app_factory(callee, summary)

    def is_app_factory(self, qualified: str, near: ModuleSummary | None = None) -> bool:
        """Is `pkg.module.create_app` a module-level function returning a new app?"""
        found = self.defining(qualified, near)
        return found is not None and found[1] in found[0].factories

    def configures_server_name(self, near: ModuleSummary) -> bool:
        """Does any module of `near`'s project configure `SERVER_NAME` (or maybe, through an opaque loader)?"""
        from flaskcheck.semantic.flask import is_same_project

        if self._server_name_roots is None:
            self._server_name_roots = {source_root_of(s) for s in self.summaries if s.sets_server_name}
        root = source_root_of(near)
        return any(is_same_project(root, other) for other in self._server_name_roots)

    def is_app_candidate(self, candidate: str | None, near: ModuleSummary | None = None) -> bool:
        """Confirm `semantic.flask.app_candidate` data: "" (an app), "import:<name>", "factory:<name>"."""
        if candidate is None:
            return False
        kind, _, name = candidate.partition(":")
        if kind == "":
            return True
        return self.is_app_factory(name, near) if kind == "factory" else self.is_app(name, near)


def source_root_of(summary: ModuleSummary) -> str:
    """The folder a module's top-level package sits in (`examples/shop` for `shop.views`)."""
    folder = PurePosixPath(summary.relative).parent
    name = summary.module_name
    depth = name.count(".") + 1 if name and summary.is_package else name.count(".")
    for _ in range(depth):
        folder = folder.parent
    return folder.as_posix()
