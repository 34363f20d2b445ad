"""Per-module summaries of plain, picklable data, and the ProjectIndex that joins them.

A summary is all the project phase knows of a module: it is what the cache stores and
what parallel workers send back, so it holds no AST and no source text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flaskcheck.engine.diagnostic import Diagnostic

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
    first_bound: dict[str, int] = field(default_factory=dict)  # module-level name -> first line binding it
    import_edges: list[ImportEdge] = field(default_factory=list)
    noqa: dict[int, frozenset[str]] = field(default_factory=dict)  # line -> codes, or {NOQA_ALL}
    facts: list[Fact] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)


class ProjectIndex:
    """The joined summaries; answers questions that need more than one module."""

    def __init__(self, summaries: list[ModuleSummary]) -> None:
        self.summaries = summaries
        self.modules = {s.module_name: s for s in summaries if s.is_python and s.module_name}

    def facts(self, code: str) -> Iterator[tuple[ModuleSummary, Fact]]:
        for summary in self.summaries:
            for fact in summary.facts:
                if fact.code == code:
                    yield summary, fact

    def is_app(self, qualified: str) -> bool:
        """Is `pkg.module.app` (possibly re-exported through imports) a Flask app object?"""
        return self._defining_module(qualified) is not None

    def _defining_module(self, qualified: str, depth: int = 8) -> ModuleSummary | None:
        if depth == 0:
            return None
        module_name, _, attribute = qualified.rpartition(".")
        summary = self.modules.get(module_name)
        if summary is None:
            return None
        if attribute in summary.apps:
            return summary
        target = summary.imports.get(attribute)
        return self._defining_module(target, depth - 1) if target else None
