"""The project's Flask routing: every module's `ModuleSummary.flask` joined into one index.

    routing = RoutingIndex.of(index)      # built once per ProjectIndex, shared by every rule

Blueprints
    `routing.blueprints`: key -> `Blueprint` (`.name`, `.url_prefix`, `.static_folder`,
    `.template_folder`, `.variable`, `.module`, `.definition`). Keys are qualified names:
    `pkg.views.bp` for a module-level blueprint, `pkg.views.make.bp` for one created in a
    function, `pkg.views@12:4` for an unnamed one; `@<relative path>` is appended when several
    linted modules share the module name.
    `routing.registrations`: every `register_blueprint(...)` call, one `BlueprintRegistration`
    per registered value (`.owner`, `.blueprint` key or None, `.resolved`).
    `routing.registrations_of(key)`, `routing.is_registered(key)`.
    `routing.unresolved_registrations`: registrations of a value the checker cannot resolve (a
    parameter, a loop over a computed list, `map(app.register_blueprint, ...)`); rules that
    need to know every registration stay silent when this is not empty.
    `routing.mounts(key)`: one `Mount` per way the blueprint is reachable (`.app`, the
    effective `.url_prefix`, the dotted `.name` Flask prefixes endpoints with, `.parents`);
    a registration's `url_prefix=` replaces the blueprint's own, a parent's effective prefix
    comes in front, exactly as `Blueprint.register` builds them.
    `routing.effective_prefixes(key)`: the mounts' prefixes, or the `Blueprint(...)` value when
    it is never registered. `routing.parents(key)`, `routing.ancestors(key)`,
    `routing.is_nested_in(child, ancestor)`.

Routes
    `routing.routes`: every route whose owner is an app or a project blueprint (`Route`:
    `.rule`, `.methods`, `.endpoint`, `.variables`, `.function`, `.view`, `.owner`, `.module`,
    `.line`); `routing.unresolved_routes`: routes on objects the checker cannot resolve.
    `routing.apps`: the app keys seen; `routing.routes_of(owner)`, `routing.app_routes(app_key=None)`,
    `routing.blueprint_routes(key)`, `routing.routes_of_view(view_key)`.
    `routing.endpoints_of(route)`: the full endpoint names Flask builds (`bp_name.func`, one
    per mount; `UNKNOWN` parts stay `UNKNOWN`). `routing.endpoint_names()`: every known full
    endpoint name, `static` and blueprint `<name>.static` included.

Hooks and error handlers
    `routing.hooks`: `Hook` with `.kind` (`before_request`, `after_request`,
    `teardown_request`, `url_value_preprocessor`, `url_defaults`), `.scope` ("app" for
    app-wide: on an app, or a `*_app_*` variant on a blueprint; "blueprint"; "unknown"),
    `.blueprint` and `.function`. `routing.hooks_running_for(owner)`: the hooks Flask runs for
    a view of that owner (app-wide ones, then those of the blueprint and its parents).
    `routing.error_handlers`: `ErrorHandler` with `.code`, `.exception`, `.app_wide`,
    `.owner`, `.function`.

What the checker cannot see
    `routing.unseen` and `routing.has_unseen_endpoints`: plugins that add endpoints through
    their own API (Flask-RESTful/RESTX `Api.add_resource`, Flask-Admin, Flask-AppBuilder,
    Connexion), non-literal endpoints, routes on unresolved objects, views handed to project
    helpers, blueprints registered dynamically or from outside the project.
    `routing.loose_endpoints`: endpoint names such code is known to define, owner unknown.

Every located object (`Blueprint`, `BlueprintRegistration`, `Route`, `Hook`,
`ErrorHandler`, `UnseenEndpoints`) has `.summary`, `.path`, `.relative`, `.line`,
`.sort_key` (relative path, line, column) and `.fact(code)`, a `Fact` to pass to
`ProjectContext.report_fact`. `UNKNOWN` marks a value given as an expression the checker
cannot evaluate (a rule, an endpoint, a prefix); `ANY_METHOD` in `.methods` means the methods
are not known.

Matching per-module facts with views: a rule records the enclosing function with
`semantic.routing.enclosing_function_key(semantic, node)` (`pkg.views.index`,
`pkg.views.UserAPI.get`) and asks `routing.routes_of_view(key)` (for a method, the class key:
`routes_of_view("pkg.views.UserAPI")`). Typical uses: an endpoint check (`url_for`) compares
with `endpoint_names()` and `loose_endpoints`, and stays silent when `has_unseen_endpoints`;
`route.variables` gives the URL variables, `hooks` of kind `url_defaults` may supply them; a
method check reads `route.methods`; a redirect fix finds the route whose full URL
(`join_prefix(mount.url_prefix, route.rule)`) matches and offers `endpoints_of(route)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex
from flaskcheck.semantic.flask import ANY_METHOD, canonical_name
from flaskcheck.semantic.routing import (
    UNKNOWN,
    BlueprintDef,
    ErrorHandlerDef,
    FlaskModule,
    HookDef,
    Ref,
    Registration,
    RouteDef,
    Span,
)

__all__ = [
    "ANY_METHOD", "UNKNOWN", "Blueprint", "BlueprintRegistration", "ErrorHandler", "Hook", "Mount", "Owner", "Route",
    "RoutingIndex", "UnseenEndpoints", "join_prefix", "prefix_segments",
]

_DEPTH = 8
_Target = tuple[str, str]  # ("app" | "blueprint" | "other" | "unknown", key or name)


@dataclass(frozen=True, slots=True)
class Owner:
    """What a route, hook, handler or registration is attached to."""

    kind: str  # "app" | "blueprint" | "unknown"
    key: str  # app key ("" for an app of unknown identity), blueprint key, or a description

    @property
    def is_app(self) -> bool:
        return self.kind == "app"

    @property
    def is_blueprint(self) -> bool:
        return self.kind == "blueprint"


UNKNOWN_OWNER = Owner("unknown", "")


class _Located:
    """Where a definition is: `summary` (its module) and `definition.span`."""

    __slots__ = ()
    summary: ModuleSummary
    definition: Any

    @property
    def span(self) -> Span:
        return self.definition.span

    @property
    def path(self) -> str:
        return self.summary.path

    @property
    def relative(self) -> str:
        return self.summary.relative

    @property
    def module(self) -> str:
        return self.summary.module_name

    @property
    def line(self) -> int:
        return self.definition.span.line

    @property
    def in_test(self) -> bool:
        return self.definition.in_test

    @property
    def sort_key(self) -> tuple[str, int, int]:
        return self.summary.relative, self.span.line, self.span.column

    def fact(self, code: str, **data: Any) -> Fact:
        """A `Fact` at this place, for `ProjectContext.report_fact`."""
        span = self.span
        return Fact(code, self.summary.path, span.line, span.column, span.end_line, span.end_column, self.in_test, data)


@dataclass(frozen=True, eq=False, slots=True)
class Blueprint(_Located):
    key: str
    definition: BlueprintDef
    summary: ModuleSummary = field(repr=False)

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def url_prefix(self) -> str | None:
        return self.definition.url_prefix

    @property
    def static_folder(self) -> str | None:
        return self.definition.static_folder

    @property
    def template_folder(self) -> str | None:
        return self.definition.template_folder

    @property
    def variable(self) -> str | None:
        return self.definition.variables[0] if self.definition.variables else None


@dataclass(frozen=True, eq=False, slots=True)
class BlueprintRegistration(_Located):
    definition: Registration
    summary: ModuleSummary = field(repr=False)
    owner: Owner = UNKNOWN_OWNER
    blueprint: str | None = None  # key of the registered project blueprint
    resolved: bool = True  # False: the registered value is unknown to the checker
    other: str | None = None  # what was registered when it is not a project `Blueprint(...)` (a library's blueprint)

    @property
    def url_prefix(self) -> str | None:
        return self.definition.url_prefix

    @property
    def name(self) -> str | None:
        return self.definition.name


@dataclass(frozen=True, slots=True)
class Mount:
    """One way a blueprint is reachable: through `registration`, below `parents`."""

    blueprint: str
    app: str | None  # app key ("" for an app of unknown identity); None when the top owner is unknown
    url_prefix: str | None  # effective prefix (None: none; UNKNOWN: not a literal somewhere)
    name: str  # the dotted name Flask puts before endpoints (`parent.child`), or UNKNOWN
    parents: tuple[str, ...]  # blueprint keys, outermost first
    registration: BlueprintRegistration | None


@dataclass(frozen=True, eq=False, slots=True)
class Route(_Located):
    definition: RouteDef
    summary: ModuleSummary = field(repr=False)
    owner: Owner = UNKNOWN_OWNER
    view: str | None = None  # key of the view function or class, re-exports followed
    view_class: str | None = None  # the `View` class of an `X.as_view(...)` view, re-exports followed

    @property
    def rule(self) -> str:
        return self.definition.rule

    @property
    def methods(self) -> tuple[str, ...]:
        return self.definition.methods

    @property
    def endpoint(self) -> str:
        return self.definition.endpoint

    @property
    def variables(self) -> tuple[str, ...]:
        return self.definition.variables

    @property
    def function(self) -> str | None:
        return self.definition.function


@dataclass(frozen=True, eq=False, slots=True)
class Hook(_Located):
    definition: HookDef
    summary: ModuleSummary = field(repr=False)
    owner: Owner = UNKNOWN_OWNER
    function: str | None = None

    @property
    def kind(self) -> str:
        return self.definition.kind

    @property
    def scope(self) -> str:
        """"app" (runs for every request), "blueprint" (only for that blueprint's views and
        its nested blueprints'), or "unknown"."""
        if self.owner.is_app or (self.owner.is_blueprint and self.definition.app_wide):
            return "app"
        return "blueprint" if self.owner.is_blueprint else "unknown"

    @property
    def blueprint(self) -> str | None:
        return self.owner.key if self.owner.is_blueprint else None


@dataclass(frozen=True, eq=False, slots=True)
class ErrorHandler(_Located):
    definition: ErrorHandlerDef
    summary: ModuleSummary = field(repr=False)
    owner: Owner = UNKNOWN_OWNER
    function: str | None = None

    @property
    def code(self) -> int | None:
        return self.definition.code

    @property
    def exception(self) -> str | None:
        return self.definition.exception

    @property
    def app_wide(self) -> bool:
        return self.owner.is_app or self.definition.app_wide


@dataclass(frozen=True, eq=False, slots=True)
class UnseenEndpoints(_Located):
    definition: Any  # semantic.routing.Unseen, or the Registration behind it
    summary: ModuleSummary = field(repr=False)
    reason: str = ""
    endpoint: str | None = None

    @property
    def in_test(self) -> bool:
        return getattr(self.definition, "in_test", self.summary.is_test)


class RoutingIndex:
    """Blueprints, registrations, routes, hooks and error handlers of the whole project."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._modules = [(s, s.flask) for s in index.summaries if getattr(s, "flask", None) is not None]
        self.blueprints: dict[str, Blueprint] = {}
        self._by_variable: dict[tuple[str, str], str] = {}
        self._returned_by: dict[tuple[str, str], list[str]] = {}
        for summary, flask in self._modules:
            for definition in flask.blueprints:
                self._add_blueprint(summary, definition)
        self.registrations: list[BlueprintRegistration] = []
        self.unseen: list[UnseenEndpoints] = []
        self.routes: list[Route] = []
        self.unresolved_routes: list[Route] = []
        self.hooks: list[Hook] = []
        self.error_handlers: list[ErrorHandler] = []
        for summary, flask in self._modules:
            self._add_module(summary, flask)
        self._registrations_of: dict[str, list[BlueprintRegistration]] = {}
        for registration in self.registrations:
            if registration.blueprint is not None:
                self._registrations_of.setdefault(registration.blueprint, []).append(registration)
        self.unresolved_registrations = [r for r in self.registrations if not r.resolved]
        self._mounts: dict[str, list[Mount]] = {}

    @classmethod
    def of(cls, index: ProjectIndex) -> RoutingIndex:
        """The routing index of `index`, built on first use and kept on it for other rules."""
        routing = getattr(index, "_flaskcheck_routing", None)
        if routing is None:
            routing = cls(index)
            index._flaskcheck_routing = routing  # type: ignore[attr-defined]
        return routing

    # -- building --------------------------------------------------------------------------------

    def _qualify(self, summary: ModuleSummary, key: str) -> str:
        """`key`, or `key@relative/path.py` when several linted modules share the module name."""
        if not key or len(self.index.by_name.get(summary.module_name, ())) <= 1:
            return key
        return f"{key}@{summary.relative}"

    def _add_blueprint(self, summary: ModuleSummary, definition: BlueprintDef) -> None:
        key = self._qualify(summary, definition.key)
        self.blueprints[key] = Blueprint(key, definition, summary)
        for variable in definition.variables:
            self._by_variable[(summary.path, variable)] = key
        if definition.returned_by:
            self._returned_by.setdefault((summary.path, definition.returned_by), []).append(key)

    def _add_module(self, summary: ModuleSummary, flask: FlaskModule) -> None:
        for unseen in flask.unseen:
            self.unseen.append(UnseenEndpoints(unseen, summary, unseen.reason, unseen.endpoint))
        for registration in flask.registrations:
            owner = self._owner(registration.owner, summary)
            for kind, key in self.resolve(registration.target, summary):
                if kind == "blueprint":
                    self.registrations.append(BlueprintRegistration(registration, summary, owner, key, True))
                elif kind == "other":
                    self.registrations.append(BlueprintRegistration(registration, summary, owner, None, True, key))
                    self.unseen.append(UnseenEndpoints(registration, summary, f"a blueprint the checker does not model ({key})"))
                else:
                    self.registrations.append(BlueprintRegistration(registration, summary, owner, None, False))
                    self.unseen.append(UnseenEndpoints(registration, summary, "a blueprint registered through a value the checker cannot resolve"))
        for route in flask.routes:
            owner, dropped = self._attached_owner(route.owner, summary)
            if dropped:
                continue
            if owner.kind == "unknown" and route.owner.kind != "unknown":  # the extractor flagged the others
                self.unseen.append(UnseenEndpoints(route, summary, "a route on an object the checker cannot resolve", route.endpoint))
            resolved = Route(route, summary, owner, self.function_id(route.view, summary), self.function_id(route.view_class, summary))
            (self.routes if owner.kind != "unknown" else self.unresolved_routes).append(resolved)
        for hook in flask.hooks:
            owner, dropped = self._attached_owner(hook.owner, summary)
            if not dropped:
                self.hooks.append(Hook(hook, summary, owner, self.function_id(hook.function, summary)))
        for handler in flask.error_handlers:
            owner, dropped = self._attached_owner(handler.owner, summary)
            if not dropped:
                self.error_handlers.append(ErrorHandler(handler, summary, owner, self.function_id(handler.function, summary)))

    def _owner(self, ref: Ref, summary: ModuleSummary) -> Owner:
        targets = self.resolve(ref, summary)
        if len(targets) == 1 and targets[0][0] in ("app", "blueprint"):
            return Owner(*targets[0])
        return Owner("unknown", ref.target)

    def _attached_owner(self, ref: Ref, summary: ModuleSummary) -> tuple[Owner, bool]:
        """(owner, dropped): dropped when the object is known not to be a Flask app or one of
        the project's blueprints (a FastAPI router, a library object)."""
        targets = self.resolve(ref, summary)
        if len(targets) == 1 and targets[0][0] in ("app", "blueprint"):
            return Owner(*targets[0]), False
        if targets and all(kind == "other" for kind, _ in targets):
            return UNKNOWN_OWNER, True
        return Owner("unknown", ref.target), False

    def function_id(self, name: str | None, near: ModuleSummary) -> str | None:
        """A function's dotted name with re-exports followed to the module that defines it."""
        if not name:
            return name
        found = self.index.defining(name, near)
        if found is None:
            return name
        summary, attribute = found
        return f"{summary.module_name}.{attribute}"

    # -- resolving references ----------------------------------------------------------------------

    def resolve(self, ref: Ref, near: ModuleSummary, depth: int = _DEPTH) -> list[_Target]:
        """What a `Ref` recorded in module `near` stands for: a list of ("app", key),
        ("blueprint", key), ("other", description: outside the project, or an instance of a
        `Blueprint` subclass) or ("unknown", description)."""
        kind = ref.kind
        if depth <= 0:
            return [("unknown", ref.target)]
        if kind == "blueprint":
            return [("blueprint", self._qualify(near, ref.target))]
        if kind == "app":
            return [("app", self._qualify(near, ref.target))]
        if kind == "other":
            return [("other", ref.target)]
        if kind == "name":
            return self._resolve_name(ref.target, near, depth)
        if kind == "call":
            return self._resolve_call(ref.target, near, depth)
        if kind == "made":
            callee, _, key = ref.target.partition("|")
            targets = self._resolve_call(callee, near, depth)
            return [("app", self._qualify(near, key)) if kind == "app" else (kind, name) for kind, name in targets]
        if kind == "each":
            elements = self._collection(ref.target, near, depth)
            if elements is None:
                return [("unknown", ref.target)]
            return [target for element, where in elements for target in self.resolve(element, where, depth - 1)]
        return [("unknown", ref.target)]

    def _resolve_name(self, qualified: str, near: ModuleSummary, depth: int) -> list[_Target]:
        if canonical_name(qualified) == "flask.current_app":
            return [("app", "")]
        found = self.index.defining(qualified, near)
        if found is None:
            return [self._outside(qualified)]
        summary, attribute = found
        blueprint = self._by_variable.get((summary.path, attribute))
        if blueprint is not None:
            return [("blueprint", blueprint)]
        if attribute in summary.apps:
            return [("app", self._qualify(summary, f"{summary.module_name}.{attribute}"))]
        imported = summary.imports.get(attribute)
        if imported and imported != qualified:
            return self._resolve_name(imported, summary, depth - 1)
        flask = getattr(summary, "flask", None)
        if flask is not None and attribute in flask.aliases:
            return self._resolve_name(flask.aliases[attribute], summary, depth - 1)
        callee = summary.made_apps.get(attribute)
        if callee is not None and (flask is None or attribute not in flask.collections):
            return self._resolve_call(callee, summary, depth - 1)
        return [("unknown", qualified)]

    def _resolve_call(self, qualified: str, near: ModuleSummary, depth: int) -> list[_Target]:
        found = self.index.defining(qualified, near)
        if found is None:
            return [self._outside(qualified)]
        summary, attribute = found
        imported = summary.imports.get(attribute)
        if imported and imported != qualified and self.index.defining(imported, summary) is None:
            return [self._outside(imported)]
        function = f"{summary.module_name}.{attribute}"
        flask = getattr(summary, "flask", None)
        if flask is not None and function in flask.subclasses:
            return [("other", f"an instance of `{attribute}`")]
        if attribute in summary.factories:
            return [("app", self._qualify(summary, f"{function}()"))]
        returned = self._returned_by.get((summary.path, function))
        if returned:
            return [("blueprint", key) for key in returned]
        return [("unknown", qualified)]

    def _collection(self, qualified: str, near: ModuleSummary, depth: int) -> list[tuple[Ref, ModuleSummary]] | None:
        found = self.index.defining(qualified, near)
        if found is None or depth <= 0:
            return None
        summary, attribute = found
        flask = getattr(summary, "flask", None)
        if flask is None:
            return None
        if attribute in flask.collections:
            return [(element, summary) for element in flask.collections[attribute]]
        if attribute in flask.aliases:
            return self._collection(flask.aliases[attribute], summary, depth - 1)
        return None

    def _outside(self, qualified: str) -> _Target:
        """A name in no linted module: outside the project, unless its package is linted."""
        parts = qualified.split(".")
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in self.index.by_name:
                return ("unknown", qualified)
        return ("other", f"`{qualified}`, from outside the project")

    # -- blueprints ------------------------------------------------------------------------------

    def registrations_of(self, key: str) -> list[BlueprintRegistration]:
        return list(self._registrations_of.get(key, ()))

    def is_registered(self, key: str) -> bool:
        return key in self._registrations_of

    @property
    def has_unresolved_registrations(self) -> bool:
        return bool(self.unresolved_registrations)

    def mounts(self, key: str) -> list[Mount]:
        """Every way blueprint `key` is reachable, with its effective prefix and name; empty
        when it is never registered."""
        if key not in self._mounts:
            self._mounts[key] = self._compute_mounts(key, (key,), _DEPTH)
        return self._mounts[key]

    def _compute_mounts(self, key: str, seen: tuple[str, ...], depth: int) -> list[Mount]:
        blueprint = self.blueprints.get(key)
        if blueprint is None:
            return []
        found: list[Mount] = []
        for registration in self._registrations_of.get(key, ()):
            own_prefix = registration.url_prefix if registration.url_prefix is not None else blueprint.url_prefix
            own_name = registration.name if registration.name is not None else blueprint.name
            owner = registration.owner
            if owner.is_blueprint and owner.key in self.blueprints:
                if owner.key in seen or depth <= 0:
                    continue
                parent_mounts = self._compute_mounts(owner.key, (*seen, owner.key), depth - 1) or [self._unregistered_mount(owner.key)]
                for parent in parent_mounts:
                    found.append(Mount(key, parent.app, join_prefix(parent.url_prefix, own_prefix), _join_name(parent.name, own_name), (*parent.parents, owner.key), registration))
            else:
                found.append(Mount(key, owner.key if owner.is_app else None, own_prefix, own_name, (), registration))
        return found

    def _unregistered_mount(self, key: str) -> Mount:
        """How a never-registered blueprint would be reachable on its own."""
        blueprint = self.blueprints[key]
        return Mount(key, None, blueprint.url_prefix, blueprint.name, (), None)

    def effective_prefixes(self, key: str) -> list[str | None]:
        """The effective `url_prefix` of each mount (deduplicated, in order); the
        `Blueprint(...)` value when the blueprint is never registered."""
        mounts = self.mounts(key) or [self._unregistered_mount(key)]
        return list(dict.fromkeys(mount.url_prefix for mount in mounts))

    def parents(self, key: str) -> set[str]:
        """Blueprints `key` is registered on directly."""
        return {r.owner.key for r in self._registrations_of.get(key, ()) if r.owner.is_blueprint and r.owner.key in self.blueprints}

    def ancestors(self, key: str) -> set[str]:
        found: set[str] = set()
        pending = list(self.parents(key))
        while pending:
            parent = pending.pop()
            if parent not in found:
                found.add(parent)
                pending.extend(self.parents(parent))
        return found

    def is_nested_in(self, child: str, ancestor: str) -> bool:
        return ancestor in self.ancestors(child)

    # -- routes ------------------------------------------------------------------------------------

    @property
    def apps(self) -> set[str]:
        """Keys of the apps routes, hooks, handlers and registrations are attached to (`""`, an
        app of unknown identity, left out)."""
        owners = [item.owner for group in (self.routes, self.hooks, self.error_handlers, self.registrations) for item in group]
        return {owner.key for owner in owners if owner.is_app and owner.key}

    def routes_of(self, owner: Owner) -> list[Route]:
        return [route for route in self.routes if route.owner == owner]

    def app_routes(self, app_key: str | None = None) -> list[Route]:
        """Routes on apps (on the app `app_key` when given)."""
        return [r for r in self.routes if r.owner.is_app and (app_key is None or r.owner.key == app_key)]

    def blueprint_routes(self, key: str) -> list[Route]:
        return self.routes_of(Owner("blueprint", key))

    def routes_of_view(self, view: str) -> list[Route]:
        """Routes whose view is the function (or `View` class) `view`."""
        return [r for r in self.routes if view in (r.view, r.view_class)]

    def endpoints_of(self, route: Route) -> list[str]:
        """The endpoint names Flask gives `route`: `endpoint` on an app, `<name>.<endpoint>`
        per mount on a blueprint (its own name when never registered)."""
        endpoint = route.endpoint
        if not route.owner.is_blueprint:
            return [endpoint]
        mounts = self.mounts(route.owner.key) or [self._unregistered_mount(route.owner.key)]
        return list(dict.fromkeys(_join_name(mount.name, endpoint) for mount in mounts))

    def endpoint_names(self) -> set[str]:
        """Every full endpoint name the checker can see (names with an UNKNOWN part left out),
        with the app's `static` and each blueprint's `<name>.static` when it has a static folder."""
        found = {"static"}
        for route in self.routes:
            found.update(name for name in self.endpoints_of(route) if UNKNOWN not in name)
        for key, blueprint in self.blueprints.items():
            if blueprint.static_folder is not None:
                mounts = self.mounts(key) or [self._unregistered_mount(key)]
                found.update(f"{m.name}.static" for m in mounts if UNKNOWN not in m.name)
        return found

    @property
    def loose_endpoints(self) -> set[str]:
        """Endpoint names defined by code whose owner the checker cannot resolve."""
        names = {u.endpoint for u in self.unseen if u.endpoint and u.endpoint != UNKNOWN}
        names.update(r.endpoint for r in self.unresolved_routes if r.endpoint != UNKNOWN)
        return names

    @property
    def has_unseen_endpoints(self) -> bool:
        return bool(self.unseen)

    # -- hooks -------------------------------------------------------------------------------------

    def hooks_running_for(self, owner: Owner, kind: str | None = None) -> list[Hook]:
        """The hooks Flask runs around a view of `owner`: app-wide ones, and for a blueprint
        view those of the blueprint and of every blueprint it is nested in."""
        scopes = {owner.key, *self.ancestors(owner.key)} if owner.is_blueprint else set()
        return [
            hook for hook in self.hooks
            if (kind is None or hook.kind == kind) and (hook.scope == "app" or (hook.scope == "blueprint" and hook.blueprint in scopes))
        ]


def join_prefix(parent: str | None, own: str | None) -> str | None:
    """A nested blueprint's effective prefix, as `Blueprint.register` joins them."""
    if parent is not None and own is not None:
        if UNKNOWN in (parent, own):
            return UNKNOWN
        return parent.rstrip("/") + "/" + own.lstrip("/")
    return own if own is not None else parent


def _join_name(parent: str, own: str) -> str:
    return UNKNOWN if UNKNOWN in (parent, own) else f"{parent}.{own}".lstrip(".")


def prefix_segments(prefix: str | None) -> tuple[str, ...]:
    """`("api", "v1")` for `/api/v1/`; empty for None, `/` or UNKNOWN."""
    if prefix is None or prefix == UNKNOWN:
        return ()
    return tuple(part for part in prefix.split("/") if part)
