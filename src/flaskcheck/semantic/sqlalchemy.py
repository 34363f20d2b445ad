"""SQLAlchemy meaning: Flask-SQLAlchemy's `db`, its `db.session` and models, plain SQLAlchemy
sessions, session factories and engines. (Background hand-offs and Celery are
`semantic.context`'s.)

What an expression is often depends on another module (`from app.extensions import db`,
`from app.models import User`), so the per-file side does not decide: `describe(expr)` turns
the expression into a *descriptor*, plain data a fact can carry (`("call", ("name",
"flask_sqlalchemy.SQLAlchemy"))` for `SQLAlchemy()`, `("attr", ("name", "app.ext.db"),
"session")` for an imported `db.session`), and each module records the descriptors of its
module-level names (`record_names`, called by FLK601 only: every rule runs on every file
whatever `--select` says, so its facts are always there, and recording the tables once keeps
the cache small). In the project phase `SqlaProject.kind(descriptor)` evaluates a descriptor
against those tables and answers with one of the kinds below.

Descriptors:
    ("name", "pkg.module.name")   a dotted name (imports, and this module's own names)
    ("attr", d, "attribute")      an attribute of d
    ("call", d)                   the result of calling d
    ("class", (d, ...))           a class with these bases
    ("function", d | None)        a function returning d
    ("with", d)                   the target of `with d as name`
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from flaskcheck.semantic.context import (
    REQUEST_HOOKS,
    active_context,
    request_hook_decorator,
    resolve_callable,
)
from flaskcheck.semantic.flask import (
    enclosing_class,
    is_app_or_blueprint,
    url_rule_view,
    view_methods,
)
from flaskcheck.semantic.model import Binding, BindingKind, SemanticModel, child_nodes

if TYPE_CHECKING:
    from flaskcheck.engine.context import FileContext
    from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex

# -- kinds -----------------------------------------------------------------------------------

EXTENSION_CLASS = "extension_class"  # flask_sqlalchemy.SQLAlchemy and subclasses
EXTENSION = "extension"  # db = SQLAlchemy()
MODEL_BASE = "model_base"  # db.Model
MODEL = "model"  # class User(db.Model)
DB_SESSION = "db_session"  # db.session: needs an app context
SESSION_CLASS = "session_class"  # sqlalchemy.orm.Session, scoped_session
SESSION = "session"  # a plain SQLAlchemy session (or scoped_session object)
SESSIONMAKER = "sessionmaker"
SESSION_FACTORY = "session_factory"  # Session = sessionmaker(...)
CREATE_ENGINE = "create_engine"
ENGINE = "engine"
SQLA_CLASS_GETTER = "sqla_class_getter"  # flask_appbuilder's get_sqla_class()

SESSIONS = frozenset({DB_SESSION, SESSION})

_KNOWN: dict[str, str] = {
    "flask_sqlalchemy.SQLAlchemy": EXTENSION_CLASS,
    "flask_sqlalchemy.extension.SQLAlchemy": EXTENSION_CLASS,
    "flask_appbuilder.SQLA": EXTENSION_CLASS,
    "flask_appbuilder.models.sqla.SQLA": EXTENSION_CLASS,
    "flask_appbuilder.models.sqla.base.SQLA": EXTENSION_CLASS,
    "flask_appbuilder.models.sqla.base_legacy.SQLA": EXTENSION_CLASS,
    "flask_appbuilder.utils.legacy.get_sqla_class": SQLA_CLASS_GETTER,
    "sqlalchemy.orm.Session": SESSION_CLASS,
    "sqlalchemy.orm.session.Session": SESSION_CLASS,
    "sqlalchemy.orm.scoped_session": SESSION_CLASS,
    "sqlalchemy.orm.scoping.scoped_session": SESSION_CLASS,
    "sqlalchemy.ext.asyncio.AsyncSession": SESSION_CLASS,
    "sqlalchemy.ext.asyncio.async_scoped_session": SESSION_CLASS,
    "sqlalchemy.ext.asyncio.async_sessionmaker": SESSIONMAKER,
    "sqlalchemy.orm.sessionmaker": SESSIONMAKER,
    "sqlalchemy.orm.session.sessionmaker": SESSIONMAKER,
    "sqlalchemy.create_engine": CREATE_ENGINE,
    "sqlalchemy.engine.create_engine": CREATE_ENGINE,
    "sqlalchemy.engine.create.create_engine": CREATE_ENGINE,
}
SQL_TEXT = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlalchemy.sql.elements.text"})
_CALLED = {EXTENSION_CLASS: EXTENSION, SESSION_CLASS: SESSION, SESSIONMAKER: SESSION_FACTORY, SESSION_FACTORY: SESSION,
           SESSION: SESSION, DB_SESSION: DB_SESSION, CREATE_ENGINE: ENGINE, SQLA_CLASS_GETTER: EXTENSION_CLASS}
_SUBCLASSED = {EXTENSION_CLASS: EXTENSION_CLASS, MODEL_BASE: MODEL, MODEL: MODEL, SESSION_CLASS: SESSION_CLASS}
STDLIB = frozenset(sys.stdlib_module_names) | {"builtins"}
_DEPTH = 8

# -- descriptors (per file) ------------------------------------------------------------------


def describe(semantic: SemanticModel, expr: ast.AST | None, depth: int = _DEPTH) -> tuple | None:
    """Plain data standing for what `expr` evaluates to, or None when it says nothing."""
    if expr is None or depth <= 0:
        return None
    if isinstance(expr, ast.Name):
        binding = semantic.binding_of(expr)
        if binding is None:
            return None
        return _describe_binding(semantic, binding, depth - 1)
    if isinstance(expr, ast.Attribute):
        inner = describe(semantic, expr.value, depth - 1)
        return ("attr", inner, expr.attr) if inner is not None else None
    if isinstance(expr, ast.Call):
        inner = describe(semantic, expr.func, depth - 1)
        return ("call", inner) if inner is not None else None
    return None


def _describe_binding(semantic: SemanticModel, binding: Binding, depth: int, *, inline: bool = False) -> tuple | None:
    if binding.kind is BindingKind.IMPORT:
        return ("name", binding.qualified) if binding.qualified else None
    if not inline and binding.scope is semantic.module_scope and semantic.module_name and binding.kind in _TABLE_KINDS:
        return ("name", f"{semantic.module_name}.{binding.name}")  # the module's table says what it is
    if binding.kind is BindingKind.ASSIGNMENT:
        return describe(semantic, binding.value, depth)
    if binding.kind is BindingKind.CLASS and isinstance(binding.node, ast.ClassDef):
        bases = tuple(d for d in (describe(semantic, base, depth) for base in binding.node.bases) if d is not None)
        return ("class", bases) if bases else None
    if binding.kind is BindingKind.FUNCTION:
        returned = _returned(semantic, binding.node, depth)
        return ("function", returned) if returned is not None else None
    if binding.kind is BindingKind.PARAMETER:
        annotation = _unwrap_optional(getattr(binding.node, "annotation", None))
        inner = describe(semantic, annotation, depth)
        return ("call", inner) if inner is not None else None
    holder = getattr(binding.node, "flk_parent", None)
    if isinstance(holder, ast.withitem) and holder.optional_vars is binding.node:
        inner = describe(semantic, holder.context_expr, depth)
        return ("with", inner) if inner is not None else None
    return None


_TABLE_KINDS = (BindingKind.ASSIGNMENT, BindingKind.CLASS, BindingKind.FUNCTION)


def _unwrap_optional(annotation: ast.AST | None) -> ast.AST | None:
    """`Optional[Session]`, `Session | None` -> `Session`."""
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, (ast.Name, ast.Attribute)):
        name = annotation.value.id if isinstance(annotation.value, ast.Name) else annotation.value.attr
        if name == "Optional":
            return annotation.slice
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        for side in (annotation.left, annotation.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return side
    return annotation


def _returned(semantic: SemanticModel, function: ast.AST, depth: int) -> tuple | None:
    """What a function returns: the first `return <expr>` of its own body that describes."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for node in own_nodes(function):
        if isinstance(node, ast.Return) and node.value is not None:
            found = describe(semantic, node.value, depth)
            if found is not None:
                return found
    return None


def module_table(semantic: SemanticModel) -> dict[str, tuple]:
    """Descriptors of the module-level names that may be SQLAlchemy objects. What a function
    returns is kept only in modules importing SQLAlchemy (or Flask-AppBuilder): a factory of
    sessions or of the extension class lives there, and walking every function costs time."""
    table: dict[str, tuple] = {}
    returns = any(semantic.imports_module(package) for package in _SQLALCHEMY_PACKAGES)
    for name, bindings in semantic.module_scope.bindings.items():
        chosen = [b for b in bindings if b.kind in _TABLE_KINDS]
        if not chosen or (chosen[-1].kind is BindingKind.FUNCTION and not returns):
            continue
        found = _describe_binding(semantic, chosen[-1], _DEPTH, inline=True)
        if found is not None and is_interesting(found):
            table[name] = found
    return table


def is_interesting(descriptor: Any) -> bool:
    """Mentions a name outside the standard library (only those can be SQLAlchemy objects)."""
    if not isinstance(descriptor, tuple):
        return False
    if descriptor and descriptor[0] == "name":
        return descriptor[1].split(".")[0] not in STDLIB
    return any(is_interesting(part) for part in descriptor)


_SQLALCHEMY_PACKAGES = ("sqlalchemy", "flask_sqlalchemy", "flask_appbuilder")
NAMES_CODE = "FLK601"  # the rule whose facts hold the module tables


def record_names(ctx: FileContext) -> None:
    """Record this module's table (FLK601 calls it from `leave_module`) for `SqlaProject`."""
    table = module_table(ctx.semantic)
    body = ctx.semantic.tree.body
    if table and body:
        ctx.record(body[0], kind="names", names=table)


# -- evaluation (project phase) ------------------------------------------------------------------


class SqlaProject:
    """Evaluates descriptors against the module tables FLK601 recorded (facts of kind "names")."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.tables: dict[str, dict[str, tuple]] = {}
        for summary, fact in index.facts(NAMES_CODE):
            if fact.data.get("kind") == "names":
                self.tables.setdefault(summary.path, {}).update(fact.data["names"])
        self._memo: dict[tuple, Any] = {}

    def kind(self, descriptor: Any, near: ModuleSummary | None) -> str | None:
        value = self._evaluate(descriptor, near, _DEPTH * 2)
        return value if isinstance(value, str) else None

    def _evaluate(self, descriptor: Any, near: ModuleSummary | None, depth: int) -> Any:
        if not isinstance(descriptor, tuple) or not descriptor or depth <= 0:
            return None
        key = (descriptor, near.path if near is not None else None)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a cycle evaluates to nothing
        value = self._compute(descriptor, near, depth)
        self._memo[key] = value
        return value

    def _compute(self, descriptor: tuple, near: ModuleSummary | None, depth: int) -> Any:
        form = descriptor[0]
        if form == "name":
            return self._name(descriptor[1], near, depth)
        if form == "attr":
            return self._attribute(self._evaluate(descriptor[1], near, depth - 1), descriptor[2], near, depth)
        if form == "call":
            inner = self._evaluate(descriptor[1], near, depth - 1)
            if isinstance(inner, tuple) and inner[0] == "function":
                return self._evaluate(inner[1], inner[2], depth - 1)
            return _CALLED.get(inner) if isinstance(inner, str) else None
        if form == "class":
            for base in descriptor[1]:
                found = _SUBCLASSED.get(self._evaluate(base, near, depth - 1))
                if found is not None:
                    return found
            return None
        if form == "function":
            return ("function", descriptor[1], near) if descriptor[1] is not None else None
        if form == "with":
            return self._with_target(descriptor[1], near, depth)
        return None

    def _name(self, qualified: str, near: ModuleSummary | None, depth: int) -> Any:
        if qualified in _KNOWN:
            return _KNOWN[qualified]
        if qualified.split(".")[0] in STDLIB or depth <= 0:
            return None
        found = self.index.defining(qualified, near)
        if found is not None:
            summary, name = found
            entry = self.tables.get(summary.path, {}).get(name)
            if entry is not None:
                return self._evaluate(entry, summary, depth - 1)
            imported = summary.imports.get(name)
            if imported is not None and imported != qualified:
                return self._name(imported, summary, depth - 1)  # re-exported from outside the project
            return ("ref", qualified) if self.index.module(qualified, near) is not None else None
        prefix, _, attribute = qualified.rpartition(".")
        if not prefix:
            return ("ref", qualified)
        owner = self._name(prefix, near, depth - 1)
        if isinstance(owner, tuple) and owner[0] == "ref":
            return ("ref", qualified)  # a third-party or unknown name
        return self._attribute(owner, attribute, near, depth)

    def _attribute(self, value: Any, attribute: str, near: ModuleSummary | None, depth: int) -> Any:
        if value == EXTENSION:
            return {"session": DB_SESSION, "Model": MODEL_BASE, "engine": ENGINE}.get(attribute)
        if isinstance(value, tuple) and value[0] == "ref":
            return self._name(f"{value[1]}.{attribute}", near, depth - 1)
        return None

    def _with_target(self, context: Any, near: ModuleSummary | None, depth: int) -> Any:
        """`with Session() as s`, `with Session.begin() as s` (a sessionmaker's): a session."""
        if isinstance(context, tuple) and context[0] == "call" and isinstance(context[1], tuple) and context[1][0] == "attr" and context[1][2] == "begin":
            return SESSION if self._evaluate(context[1][1], near, depth - 1) == SESSION_FACTORY else None
        value = self._evaluate(context, near, depth - 1)
        return value if value in SESSIONS else None


def fact_at(fact: Fact, span: list[int] | tuple[int, ...]) -> Fact:
    """The same fact, placed at another recorded span (line, column, end_line, end_column)."""
    line, column, end_line, end_column = span
    return replace(fact, line=line, column=column, end_line=end_line, end_column=end_column)


# -- code shapes -------------------------------------------------------------------------------

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body (a lambda's expression), in source order, without
    those of nested functions, lambdas and classes."""
    return nodes_of([function.body] if isinstance(function, ast.Lambda) else function.body)


def nodes_of(statements: list[ast.AST]) -> Iterator[ast.AST]:
    """The nodes of some statements, in source order, without the bodies of nested functions,
    lambdas and classes (their `def` nodes are included)."""
    stack = list(reversed(statements))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (*FUNCTIONS, ast.ClassDef)):
            continue
        stack.extend(reversed(child_nodes(node)))


def method_name(call: ast.AST) -> str | None:
    """`add` for `<x>.add(...)`."""
    return call.func.attr if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else None


def function_key(semantic: SemanticModel, function: ast.AST) -> str:
    """`module.func`, `module.Class.method`; nested functions get their line."""
    parts: list[str] = []
    node: ast.AST | None = function
    while node is not None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            parts.append(node.name)
        elif isinstance(node, ast.Lambda):
            parts.append(f"<lambda:{node.lineno}>")
        node = getattr(node, "flk_parent", None)
    key = ".".join([semantic.module_name, *reversed(parts)])
    scope = semantic.scope_of(function)
    is_top = scope is semantic.module_scope or (enclosing_class(function) is not None and semantic.scope_of(enclosing_class(function)) is semantic.module_scope)
    return key if is_top else f"{key}@{function.lineno}"


def called_function(semantic: SemanticModel, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The def of this module a call runs (a function in scope, `self.method`, through
    `functools.partial`), as `semantic.context.resolve_callable` finds it."""
    callee = resolve_callable(semantic, call.func, depth=2)
    function = callee.function if callee is not None else None
    return function if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


# -- views and request hooks ---------------------------------------------------------------------

TEARDOWN_HOOKS = frozenset({"after_request", "teardown_request", "teardown_appcontext", "after_app_request", "teardown_app_request"})


def hook_names(semantic: SemanticModel, function: ast.AST, registered: dict[int, set[str]] | None = None) -> set[str]:
    """The request hooks `function` is registered as: `@app.after_request`, `@bp.teardown_request`,
    or `app.after_request(function)` elsewhere in the module (`registered`, from `hook_registrations`)."""
    found = set((registered or {}).get(id(function), ()))
    for decorator in getattr(function, "decorator_list", ()):
        hook = request_hook_decorator(semantic, decorator)
        if hook is not None:
            found.add(hook)
    return found


def hook_registrations(semantic: SemanticModel) -> dict[int, set[str]]:
    """`app.teardown_appcontext(shutdown_session)` calls: def id -> hook names."""
    found: dict[int, set[str]] = {}
    for node in semantic.nodes:
        if method_name(node) in REQUEST_HOOKS and node.args and is_app_or_blueprint(semantic, node.func.value):
            binding = semantic.binding_of(node.args[0])
            if binding is not None and binding.kind is BindingKind.FUNCTION:
                found.setdefault(id(binding.node), set()).add(node.func.attr)
    return found


def is_view_function(semantic: SemanticModel, function: ast.AST) -> bool:
    """A view by its own decorators or as a `View` / `MethodView` method (`add_url_rule`
    registrations are recorded with `url_rule_target` and joined in the project phase)."""
    return view_methods(semantic, function) is not None


def url_rule_target(semantic: SemanticModel, call: ast.AST) -> str | None:
    """The dotted name of the function an `add_url_rule` call registers, if it names one."""
    found = url_rule_view(semantic, call)
    if found is None:
        return None
    view = found[0]
    qualified = semantic.qualified_name(view)
    if qualified is not None:
        return qualified
    binding = semantic.binding_of(view)
    if binding is not None and binding.kind is BindingKind.FUNCTION:
        return function_key(semantic, binding.node)
    return None


# -- queries, ORM objects, and uses that need an app context ---------------------------------------

MODELS = frozenset({MODEL})
EXTENSIONS = frozenset({EXTENSION})
_QUERY_GETTERS = frozenset({"get", "first", "one", "one_or_none", "get_or_404", "first_or_404", "one_or_404"})
_EXTENSION_GETTERS = frozenset({"get_or_404", "one_or_404", "first_or_404"})

# A need: (descriptor, kinds) -- the descriptor must evaluate to one of the kinds.
Need = tuple[tuple, frozenset[str]]


def query_root(semantic: SemanticModel, expr: ast.AST) -> Need | None:
    """Where a query chain starts: `User.query.filter_by(...).order_by(...)` needs `User` to be
    a model; `db.session.query(User).filter(...)` needs `db.session` to be a session."""
    node = expr
    for _ in range(32):
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute) and node.attr == "query":
            holder = getattr(node, "flk_parent", None)
            found = describe(semantic, node.value)
            if found is None:
                return None
            if isinstance(holder, ast.Call) and holder.func is node:
                return (found, SESSIONS)
            return (found, MODELS)
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return None
    return None


def orm_object_needs(semantic: SemanticModel, expr: ast.AST | None) -> list[Need] | None:
    """For an expression that loads one ORM object (`User.query.get(1)`, `...first()`,
    `db.session.get(User, 1)`, `db.get_or_404(User, 1)`, `db.session.scalar(select(User)...)`):
    what must hold for it to be one. None when it has no such shape."""
    method = method_name(expr)
    if method is None:
        return None
    receiver = expr.func.value
    if method in _QUERY_GETTERS:
        root = query_root(semantic, receiver)
        if root is not None:
            return [root]
    found = describe(semantic, receiver)
    if found is None:
        return None
    if method == "get" and len(expr.args) >= 2:
        return [(found, SESSIONS)]
    if method in _EXTENSION_GETTERS:
        return [(found, EXTENSIONS)]
    if method == "scalar" and expr.args:
        selected = _selected_entity(semantic, expr.args[0])
        return [(found, SESSIONS), (selected, MODELS)] if selected is not None else None
    return None


def _selected_entity(semantic: SemanticModel, statement: ast.AST) -> tuple | None:
    """`select(User).where(...)`: the descriptor of `User` (an entity, not a column or count)."""
    node = statement
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    if not isinstance(node, ast.Call) or semantic.qualified_name(node.func) not in ("sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.future.select"):
        return None
    if len(node.args) != 1 or not isinstance(node.args[0], (ast.Name, ast.Attribute)):
        return None
    return describe(semantic, node.args[0])


@dataclass(frozen=True, slots=True)
class ContextUse:
    """`db.session` or `Model.query` used without an app context: `node` is where the function
    itself reaches it (the use, or the call leading to it), `text` the use as written."""

    node: ast.AST
    text: str
    need: Need


def context_uses(semantic: SemanticModel, function: ast.AST, depth: int = 3) -> list[ContextUse]:
    """`db.session` and `Model.query` that `function` reaches without an app context, directly
    or through functions of the same module it calls (`semantic.context` decides what pushes a
    context: `with app.app_context():`, `.push()`, a request context; a proxy's
    `current_app.app_context()` does not count, it fails in a thread)."""
    found: list[ContextUse] = []
    _collect_uses(semantic, function, depth, None, found, {id(function)})
    return found


def _collect_uses(semantic: SemanticModel, function: ast.AST, depth: int, anchor: ast.AST | None, found: list[ContextUse], path: set[int]) -> None:
    for node in own_nodes(function):
        if isinstance(node, ast.Attribute) and node.attr in ("session", "query"):
            holder = getattr(node, "flk_parent", None)
            if node.attr == "query" and isinstance(holder, ast.Call) and holder.func is node:
                continue  # `session.query(...)`: the session is the use
            described = describe(semantic, node.value)
            if described is not None and not active_context(semantic, node, function, real_app=True).app:
                need = (described, EXTENSIONS if node.attr == "session" else MODELS)
                found.append(ContextUse(anchor or node, ast.unparse(node), need))
        elif isinstance(node, ast.Call) and depth > 0:
            callee = resolve_callable(semantic, node.func, depth=2)
            called = callee.function if callee is not None and not callee.copies_context else None
            if not isinstance(called, (ast.FunctionDef, ast.AsyncFunctionDef)) or id(called) in path:
                continue
            if active_context(semantic, node, function, real_app=True).app:
                continue
            path.add(id(called))
            _collect_uses(semantic, called, depth - 1, anchor or node, found, path)
            path.discard(id(called))


def needs_hold(project: SqlaProject, needs: list, near: ModuleSummary | None) -> bool:
    return all(project.kind(descriptor, near) in kinds for descriptor, kinds in needs)


def plain_needs(needs: list[Need]) -> list[list]:
    """Needs as fact data (frozensets become sorted lists)."""
    return [[descriptor, sorted(kinds)] for descriptor, kinds in needs]


# -- views registered elsewhere ----------------------------------------------------------------------


def record_url_rule(node: ast.Call, ctx: FileContext) -> None:
    """Call from `visit_Call`: keep `add_url_rule(..., view_func=f)` and `app.after_request(f)`
    (any request hook) for `registered_functions`."""
    semantic = ctx.semantic
    target = url_rule_target(semantic, node)
    if target is not None:
        ctx.record(node, kind="url_rule", view=target)
        return
    if method_name(node) in REQUEST_HOOKS and node.args and is_app_or_blueprint(semantic, node.func.value):
        hook = semantic.qualified_name(node.args[0])
        if hook is not None:
            ctx.record(node, kind="hook_registration", view=hook, hook=node.func.attr)


def registered_functions(index: ProjectIndex, code: str, kind: str = "url_rule") -> set[str]:
    """Function keys (`module.func`) that some `add_url_rule` registers as views (`kind`
    "url_rule"), or some `app.<hook>(f)` call registers as request hooks ("hook_registration")."""
    found = set()
    for summary, fact in index.facts(code):
        if fact.data.get("kind") != kind:
            continue
        view = fact.data["view"]
        found.add(view)
        resolved = index.defining(view, summary)
        if resolved is not None:
            found.add(f"{resolved[0].module_name}.{resolved[1]}")
    return found
