"""Flask's application and request contexts, and the code that runs without them.

The questions FLK101-FLK105 share (FLK603 reuses the hand-off and Celery parts):

- which expressions need a context (`context_use`): the proxies `current_app`, `g`,
  `request`, `session`, `flask_login.current_user` when dereferenced, and calls of the
  helpers `url_for`, `render_template(_string)`, `flash`, `jsonify`;
- where one is active (`active_context`): inside `with <x>.app_context():` or
  `with <x>.test_request_context(...):`, after `<x>.app_context().push()`, or under a
  `has_request_context()` / `has_app_context()` guard; and what runs at import time;
- which calls hand a callable to code that runs without the caller's context (`hand_off`:
  threads, timers, executors, `run_in_executor`, processes; `asyncio.to_thread` carries it),
  which function that callable is (`resolve_callable`), and the proxy uses it reaches
  through functions of the same module it calls (`reachable_uses`, bounded depth);
- Celery: task decorators (`task_decorator`), `.delay()` / `.apply_async()` / `.s()` calls
  (`celery_call`), task bases that push an app context (`context_task_bases`), and the
  project-wide resolution of Celery apps and tasks imported from other modules
  (`celery_facts` per module, `CeleryProject` over the index).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flaskcheck.semantic.config import config_settings
from flaskcheck.semantic.flask import (
    ancestors,
    canonical_name,
    flask_name,
    is_app_or_blueprint,
    is_same_project,
    keyword_value,
    source_root,
)
from flaskcheck.semantic.model import BindingKind, ScopeKind, SemanticModel, child_nodes

# What a name needs to work: an app context, a request context, or (`url_for`) a request
# context or an app context with `SERVER_NAME` configured.
APP = "app"
REQUEST = "request"
URL = "url"

PROXIES: dict[str, str] = {
    "flask.current_app": APP,
    "flask.g": APP,
    "flask.request": REQUEST,
    "flask.session": REQUEST,
    "flask_login.current_user": REQUEST,
}
HELPERS: dict[str, str] = {
    "flask.render_template": APP,
    "flask.render_template_string": APP,
    "flask.jsonify": APP,
    "flask.flash": REQUEST,
    "flask.url_for": URL,
}
_CONTEXT_PACKAGES = frozenset({"flask", "quart", "apiflask", "flask_login"})
_ALIASES = {"flask_login.utils.current_user": "flask_login.current_user"}
_GUARDS = frozenset({"flask.has_request_context", "flask.has_app_context"})
_STDLIB = frozenset(sys.stdlib_module_names)

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


def context_name(semantic: SemanticModel, expr: ast.AST | None) -> str | None:
    """`"flask.request"` for `request`, `flask.request`, `quart.request`, `rq` (an alias)."""
    qualified = flask_name(semantic, expr)
    return _ALIASES.get(qualified, qualified) if qualified else None


def short_name(qualified: str) -> str:
    return qualified.rpartition(".")[2]


def needs(qualified: str) -> str | None:
    """APP, REQUEST or URL for a proxy or helper, else None."""
    return PROXIES.get(qualified) or HELPERS.get(qualified)


def is_proxy(semantic: SemanticModel, expr: ast.AST | None) -> bool:
    return context_name(semantic, expr) in PROXIES


def candidate_names(semantic: SemanticModel) -> frozenset[str]:
    """Identifiers that may stand for a proxy or helper in this module: names imported from
    Flask, Quart, APIFlask or Flask-Login, and module-level aliases of them. A cheap filter
    before `context_use` resolves a name."""
    names = set()
    for scope in semantic.scopes:
        for name, bindings in scope.bindings.items():
            if any(b.kind is BindingKind.IMPORT and (b.qualified or "").split(".")[0] in _CONTEXT_PACKAGES for b in bindings):
                names.add(name)
    for name, bindings in semantic.module_scope.bindings.items():  # `rq = flask.request`
        value = bindings[-1].value
        while isinstance(value, ast.Attribute):
            value = value.value
        if isinstance(value, ast.Name) and value.id in names:
            names.add(name)
    return frozenset(names)


# -- uses ------------------------------------------------------------------------------------


# How a use reads the object behind a proxy, which decides the error an unbound proxy raises.
READ = "read"  # attribute, item, call, `str()`, `in`, formatting, arithmetic: RuntimeError
ITERATE = "iterate"  # `for`, `list()`, `*proxy`: TypeError, the unbound proxy is not iterable
ORDER = "order"  # `<`, `>=`: TypeError
HASH = "hash"  # `hash()`, a set member or dict key: TypeError, unhashable

_BUILTIN_READS = {
    "str": READ, "len": READ, "format": READ, "int": READ, "float": READ, "dict": READ, "vars": READ,
    "getattr": READ, "hasattr": READ, "setattr": READ, "delattr": READ,
    "iter": ITERATE, "list": ITERATE, "tuple": ITERATE, "set": ITERATE, "frozenset": ITERATE, "sorted": ITERATE, "next": ITERATE,
    "hash": HASH,
}
# `current_user` with no request is `None`: what `None` can do works.
_NONE_SAFE_BUILTINS = frozenset({"str", "format", "hash"})
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


@dataclass(frozen=True, slots=True)
class ContextUse:
    """A use that needs a context: `node` is where to report it (the proxy expression, or the
    helper's call), `name` the canonical proxy or helper (`"flask.current_app"`), `how` the
    way a proxy is read (READ, ITERATE, ORDER, HASH; READ for helper calls)."""

    node: ast.AST
    name: str
    how: str = READ

    @property
    def need(self) -> str:
        return needs(self.name) or APP

    @property
    def short(self) -> str:
        return short_name(self.name)


def context_use(semantic: SemanticModel, name: ast.Name) -> ContextUse | None:
    """The use that starts at `name` (the root of `flask.request.path`, `current_app.config`,
    `url_for(...)`), if it dereferences a proxy or calls a helper."""
    if not isinstance(name.ctx, ast.Load):
        return None
    qualified = semantic.qualified_name(name)
    if qualified is None or qualified.split(".")[0] not in _CONTEXT_PACKAGES:
        return None
    expr: ast.AST = name
    for _ in range(4):
        canonical = canonical_name(qualified)
        canonical = _ALIASES.get(canonical, canonical)
        if canonical in PROXIES:
            how = dereference(expr, canonical)
            return ContextUse(expr, canonical, how) if how else None
        if canonical in HELPERS:
            parent = getattr(expr, "flk_parent", None)
            return ContextUse(parent, canonical) if isinstance(parent, ast.Call) and parent.func is expr else None
        parent = getattr(expr, "flk_parent", None)
        if not isinstance(parent, ast.Attribute) or parent.value is not expr:
            return None
        expr, qualified = parent, f"{qualified}.{parent.attr}"
    return None


def is_dereference(expr: ast.AST, qualified: str) -> bool:
    return dereference(expr, qualified) is not None


def dereference(expr: ast.AST, qualified: str) -> str | None:
    """How the code around `expr` (a proxy) reads the object behind it, or None when it does
    not: binding it to a name, passing it on, a truth test, `is None`, `repr()`, and `==` /
    `!=` (an unbound proxy compares by identity) raise nothing. Measured on Werkzeug 3.1."""
    parent = getattr(expr, "flk_parent", None)
    none_safe = qualified == "flask_login.current_user"  # `None` outside a request
    if isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is expr:
        return READ
    if isinstance(parent, ast.Call):
        if parent.func is expr:
            return READ
        if parent.args and parent.args[0] is expr and isinstance(parent.func, ast.Name):
            builtin = parent.func.id  # a builtin unless rebound; resolving costs more than it saves
            return None if none_safe and builtin in _NONE_SAFE_BUILTINS else _BUILTIN_READS.get(builtin)
        return None
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is expr:
        return ITERATE
    if isinstance(parent, ast.Starred):
        return ITERATE
    if isinstance(parent, ast.keyword) and parent.arg is None:
        return READ
    if isinstance(parent, ast.Compare):
        return _comparison(parent, expr)
    if isinstance(parent, ast.FormattedValue):
        return None if none_safe else READ
    if isinstance(parent, ast.BinOp) or (isinstance(parent, ast.UnaryOp) and not isinstance(parent.op, ast.Not)):
        return READ
    return None


def _comparison(compare: ast.Compare, expr: ast.AST) -> str | None:
    operands = [compare.left, *compare.comparators]
    for index, op in enumerate(compare.ops):
        left, right = operands[index], operands[index + 1]
        if isinstance(op, _ORDERING) and expr in (left, right):
            return ORDER
        if isinstance(op, (ast.In, ast.NotIn)) and right is expr:
            return READ
    return None


def is_import_time(node: ast.AST) -> bool:
    """Evaluated when the module is imported: module level, class bodies, and the decorators
    and default values of module-level functions and classes (not function or lambda bodies)."""
    scope = getattr(node, "flk_scope", None)
    while scope is not None:
        if scope.kind in (ScopeKind.FUNCTION, ScopeKind.LAMBDA):
            return False
        scope = scope.parent
    return True


# -- active contexts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Guard:
    """Which context is active at a node (or guaranteed: the code runs only when it is)."""

    app: bool = False
    request: bool = False

    def __or__(self, other: Guard) -> Guard:
        return Guard(self.app or other.app, self.request or other.request)

    def covers(self, need: str, server_name: bool = False) -> bool:
        """Does the active context satisfy `need`? `server_name`: is `SERVER_NAME` configured
        (then `url_for` works in an app context too)."""
        if self.request:
            return True
        return self.app and (need == APP or (need == URL and server_name))


NO_CONTEXT = Guard()
_FULL = Guard(app=True, request=True)


def active_context(semantic: SemanticModel, node: ast.AST, stop: ast.AST | None = None, *, real_app: bool = False) -> Guard:
    """The context active at `node`, looking outwards up to `stop` (a function, or the module).

    - `with <x>.app_context():` (app), `with <x>.test_request_context(...)` / `request_context`
      (both), also through a name bound to such a call;
    - an earlier `<x>.app_context().push()` (or `ctx.push()`) in an enclosing statement list;
    - `if has_request_context():` / `has_app_context()`, the `else` of their negation, `and`
      chains, conditional expressions, and `if not has_app_context(): return` before the node.

    `real_app`: the `<x>` must not be a proxy (in a thread, `current_app.app_context()` fails).
    """
    guard = NO_CONTEXT
    child = node
    for ancestor in ancestors(node):
        guard = guard | _guard_of(semantic, ancestor, child, real_app)
        if guard.request or ancestor is stop:
            return guard
        child = ancestor
    return guard


def _guard_of(semantic: SemanticModel, ancestor: ast.AST, child: ast.AST, real_app: bool) -> Guard:
    found = _structure_guard(semantic, ancestor, child, real_app)
    if isinstance(child, ast.stmt) and not found.request:
        found = found | _earlier_statements_guard(semantic, ancestor, child, real_app)
    return found


def _structure_guard(semantic: SemanticModel, ancestor: ast.AST, child: ast.AST, real_app: bool) -> Guard:
    """The context `ancestor` itself guarantees for its part `child`."""
    if isinstance(ancestor, (ast.With, ast.AsyncWith)) and child in ancestor.body:
        found = NO_CONTEXT
        for item in ancestor.items:
            found = found | pushed_context(semantic, item.context_expr, real_app=real_app)
        return found
    if isinstance(ancestor, (ast.If, ast.IfExp, ast.While)):
        in_body = child in ancestor.body if isinstance(ancestor.body, list) else child is ancestor.body
        in_else = child in ancestor.orelse if isinstance(ancestor.orelse, list) else child is ancestor.orelse
        if (in_body and _is_guard_test(semantic, ancestor.test)) or (in_else and _is_negated_guard(semantic, ancestor.test)):
            return _FULL
    if isinstance(ancestor, ast.BoolOp) and child in ancestor.values:
        earlier = ancestor.values[: ancestor.values.index(child)]
        check = _is_guard_test if isinstance(ancestor.op, ast.And) else _is_negated_guard
        if any(check(semantic, value) for value in earlier):
            return _FULL
    return NO_CONTEXT


def _earlier_statements_guard(semantic: SemanticModel, ancestor: ast.AST, child: ast.stmt, real_app: bool) -> Guard:
    """A context pushed, or an early exit without one, in statements before `child`."""
    for field in ("body", "orelse", "finalbody"):
        statements = getattr(ancestor, field, None)
        if isinstance(statements, list) and child in statements:
            found = NO_CONTEXT
            for statement in statements[: statements.index(child)]:
                found = found | _statement_guard(semantic, statement, real_app)
            return found
    return NO_CONTEXT


def _statement_guard(semantic: SemanticModel, statement: ast.stmt, real_app: bool) -> Guard:
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        function = statement.value.func
        if isinstance(function, ast.Attribute) and function.attr == "push":
            return pushed_context(semantic, function.value, real_app=real_app)
    exits = (ast.Return, ast.Raise, ast.Continue, ast.Break)
    if isinstance(statement, ast.If) and _is_negated_guard(semantic, statement.test) and isinstance(statement.body[-1], exits):
        return _FULL  # `if not has_request_context(): return`
    return NO_CONTEXT


def pushed_context(semantic: SemanticModel, expr: ast.AST, *, real_app: bool = False) -> Guard:
    """The context `<x>.app_context()` / `<x>.test_request_context(...)` /
    `<x>.request_context(environ)` pushes (directly or through a name bound to it)."""
    if isinstance(expr, ast.Name):
        expr = semantic.assigned_value(expr) or expr
    if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Attribute):
        return NO_CONTEXT
    method = expr.func.attr
    if method not in ("app_context", "test_request_context", "request_context"):
        return NO_CONTEXT
    if real_app and _involves_proxy(semantic, expr.func.value):
        return NO_CONTEXT
    return Guard(app=True) if method == "app_context" else _FULL


def _involves_proxy(semantic: SemanticModel, expr: ast.AST) -> bool:
    """`current_app`, `current_app._get_current_object()`, or a name bound to one of them."""
    if isinstance(expr, ast.Name):
        value = semantic.assigned_value(expr)
        if value is not None and _involves_proxy(semantic, value):
            return True
    return any(isinstance(part, (ast.Name, ast.Attribute)) and is_proxy(semantic, part) for part in ast.walk(expr))


def _guard_call(semantic: SemanticModel, expr: ast.AST) -> bool:
    return isinstance(expr, ast.Call) and flask_name(semantic, expr.func) in _GUARDS


def _is_guard_test(semantic: SemanticModel, test: ast.AST) -> bool:
    if _guard_call(semantic, test):
        return True
    return isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and any(_guard_call(semantic, value) for value in test.values)


def _is_negated_guard(semantic: SemanticModel, test: ast.AST) -> bool:
    return isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and _guard_call(semantic, test.operand)


def is_runtime_error_handled(node: ast.AST) -> bool:
    """Inside the body of a `try` whose handlers catch `RuntimeError` (or `Exception`,
    `BaseException`, or everything), in the same function or at module level."""
    child = node
    for ancestor in ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(ancestor, ast.Try) and child in ancestor.body:
            for handler in ancestor.handlers:
                caught = handler.type
                names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
                if caught is None or any(isinstance(n, ast.Name) and n.id in ("RuntimeError", "Exception", "BaseException") for n in names):
                    return True
        child = ancestor
    return False


# -- hand-offs: code that runs outside the caller's context --------------------------------------

_THREADS = frozenset({"threading.Thread"})
_TIMERS = frozenset({"threading.Timer"})
_PROCESSES = frozenset({"multiprocessing.Process", "multiprocessing.context.Process", "multiprocessing.process.BaseProcess"})
_THREAD_EXECUTORS = frozenset({"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"})
_PROCESS_EXECUTORS = frozenset({"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor"})
_LOOP_FACTORIES = frozenset({"asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop"})
_TO_THREAD = frozenset({"asyncio.to_thread", "asyncio.threads.to_thread"})
# The last name of every hand-off call: a cheap filter before resolving (`Thread`, `pool.submit`).
HAND_OFF_WORDS = frozenset({"Thread", "Timer", "Process", "submit", "map", "run_in_executor", "to_thread"})

THREAD = "thread"
PROCESS = "process"


@dataclass(frozen=True, slots=True)
class HandOff:
    """A call that runs `target` elsewhere: in a new thread (`kind` THREAD) or process
    (PROCESS), with `arguments` (the expressions passed on to it). `api` names the call for
    messages (`threading.Thread`, `ThreadPoolExecutor.submit`). `carries_context`: the
    callable runs in a copy of the caller's context (`asyncio.to_thread`)."""

    call: ast.Call
    api: str
    kind: str
    target: ast.expr | None
    arguments: tuple[ast.expr, ...]
    carries_context: bool = False


def hand_off(semantic: SemanticModel, call: ast.Call) -> HandOff | None:
    """`threading.Thread(target=f, args=...)`, `threading.Timer(t, f)`, `<executor>.submit(f,
    ...)` / `.map(f, ...)` on a `concurrent.futures` executor (resolved through its
    constructor: a local or module-level name, `with ... as ex`, `self.<attr>` set in the
    class), `<loop>.run_in_executor(ex, f, ...)`, `multiprocessing.Process(target=f)` (also
    from `get_context(...)`), `asyncio.to_thread(f, ...)`. None for anything else."""
    function = call.func
    word = function.attr if isinstance(function, ast.Attribute) else function.id if isinstance(function, ast.Name) else None
    if word is None:
        return None
    if word not in HAND_OFF_WORDS and not isinstance(function, ast.Name):
        return None
    called = semantic.qualified_name(function)
    if called in _THREADS or called in _PROCESSES or (word == "Process" and _is_multiprocessing_context(semantic, function)):
        kind = THREAD if called in _THREADS else PROCESS
        api = "threading.Thread" if kind == THREAD else "multiprocessing.Process"
        target = keyword_value(call, "target") or _positional(call, 1)
        return HandOff(call, api, kind, target, _packed_arguments(call, 3, 4))
    if called in _TIMERS:
        target = keyword_value(call, "function") or _positional(call, 1)
        return HandOff(call, "threading.Timer", THREAD, target, _packed_arguments(call, 2, 3))
    if called in _TO_THREAD:
        return HandOff(call, "asyncio.to_thread", THREAD, _positional(call, 0), _rest(call, 1), carries_context=True)
    if not isinstance(function, ast.Attribute):
        return None
    if word in ("submit", "map"):
        executor = executor_kind(semantic, function.value)
        if executor is None:
            return None
        name = "ThreadPoolExecutor" if executor == THREAD else "ProcessPoolExecutor"
        target = _positional(call, 0) or keyword_value(call, "fn")
        return HandOff(call, f"{name}.{word}", executor, target, _rest(call, 1))
    if word == "run_in_executor" and _is_event_loop(semantic, function.value):
        kind = PROCESS if executor_kind(semantic, _positional(call, 0)) == PROCESS else THREAD
        return HandOff(call, "loop.run_in_executor", kind, _positional(call, 1), _rest(call, 2))
    return None


def _positional(call: ast.Call, index: int) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def _rest(call: ast.Call, start: int) -> tuple[ast.expr, ...]:
    found = list(call.args[start:])
    found.extend(keyword.value for keyword in call.keywords if keyword.arg is not None)
    return tuple(_unpacked(found))


def _packed_arguments(call: ast.Call, args_index: int, kwargs_index: int) -> tuple[ast.expr, ...]:
    """The elements of `args=(...)` and the values of `kwargs={...}` (or `dict(...)`)."""
    found: list[ast.expr] = []
    args = keyword_value(call, "args") or _positional(call, args_index)
    kwargs = keyword_value(call, "kwargs") or _positional(call, kwargs_index)
    if args is not None:
        found.append(args)
    if isinstance(kwargs, ast.Dict):
        found.extend(kwargs.values)
    elif isinstance(kwargs, ast.Call):
        found.extend(keyword.value for keyword in kwargs.keywords)
    elif kwargs is not None:
        found.append(kwargs)
    return tuple(_unpacked(found))


def _unpacked(expressions: Iterable[ast.expr]) -> Iterator[ast.expr]:
    """Each expression, and the elements of tuple and list literals (one level)."""
    for expr in expressions:
        if isinstance(expr, (ast.Tuple, ast.List)):
            yield from expr.elts
        else:
            yield expr


def _is_multiprocessing_context(semantic: SemanticModel, function: ast.Attribute) -> bool:
    """`multiprocessing.get_context("spawn").Process`, or a name bound to that context."""
    receiver = function.value
    if isinstance(receiver, ast.Name):
        receiver = semantic.assigned_value(receiver) or receiver
    return isinstance(receiver, ast.Call) and semantic.qualified_name(receiver.func) in ("multiprocessing.get_context", "multiprocessing.context.get_context")


def executor_kind(semantic: SemanticModel, expr: ast.AST | None) -> str | None:
    """THREAD or PROCESS for a `concurrent.futures` executor: its constructor, or a name bound
    to it (assignment or `with ... as name`), or `self.<attr>` assigned one in the class."""
    value = constructor_of(semantic, expr)
    if not isinstance(value, ast.Call):
        return None
    called = semantic.qualified_name(value.func)
    if called in _THREAD_EXECUTORS:
        return THREAD
    if called in _PROCESS_EXECUTORS:
        return PROCESS
    return None


def constructor_of(semantic: SemanticModel, expr: ast.AST | None, depth: int = 3) -> ast.AST | None:
    """The expression an object was made from: `expr` itself, the value a name was bound to
    (`x = ...` or `with ... as x`), or what `self.<attr>` is assigned in the enclosing class."""
    if expr is None or depth == 0:
        return None
    if isinstance(expr, ast.Name):
        binding = semantic.binding_of(expr)
        if binding is None:
            return None
        if binding.kind is BindingKind.ASSIGNMENT:
            return constructor_of(semantic, binding.value, depth - 1)
        holder = getattr(binding.node, "flk_parent", None)
        if isinstance(holder, ast.withitem) and holder.optional_vars is binding.node:
            return constructor_of(semantic, holder.context_expr, depth - 1)
        return None
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
        return constructor_of(semantic, _self_attribute_value(expr), depth - 1)
    return expr


def _self_attribute_value(attribute: ast.Attribute) -> ast.expr | None:
    """The value of the only `self.<attr> = value` among the methods of the enclosing class."""
    owner = next((a for a in ancestors(attribute) if isinstance(a, ast.ClassDef)), None)
    if owner is None:
        return None
    values = []
    for method in owner.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(method):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Attribute) and target.attr == attribute.attr and isinstance(target.value, ast.Name) and target.value.id == "self":
                    values.append(node.value)
    return values[0] if len(values) == 1 else None


def _is_event_loop(semantic: SemanticModel, expr: ast.AST) -> bool:
    """An asyncio event loop: `asyncio.get_event_loop()` and friends, a name bound to one, or
    any receiver in a module that imports asyncio (only event loops have `run_in_executor`)."""
    value = constructor_of(semantic, expr)
    if isinstance(value, ast.Call) and semantic.qualified_name(value.func) in _LOOP_FACTORIES:
        return True
    return semantic.imports_module("asyncio")


# -- the callable handed off ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Callee:
    """What a callable expression runs: `function` (a def or lambda of this module, or None
    when unknown), its `name` for messages, and whether it runs in a copy of the caller's
    context (`copy_current_request_context`, `contextvars.copy_context().run`)."""

    function: FunctionNode | None
    name: str
    copies_context: bool = False


_COPY_REQUEST_CONTEXT = frozenset({"flask.copy_current_request_context"})
_COPY_CONTEXT = frozenset({"contextvars.copy_context"})
_PARTIAL = frozenset({"functools.partial"})


def resolve_callable(semantic: SemanticModel, expr: ast.AST | None, depth: int = 4) -> Callee | None:
    """The function `expr` stands for: a def of this module (`f`, `self.method`), a lambda,
    through `functools.partial(f, ...)` and names bound to these; `copy_current_request_context`
    as a wrapper or decorator, and `<copy_context()>.run`, mark the context as copied."""
    if expr is None or depth == 0:
        return None
    if isinstance(expr, ast.Lambda):
        return Callee(expr, "lambda")
    if isinstance(expr, ast.Call):
        called = flask_name(semantic, expr.func)
        if called in _COPY_REQUEST_CONTEXT and expr.args:
            inner = resolve_callable(semantic, expr.args[0], depth - 1)
            return Callee(inner.function if inner else None, inner.name if inner else "callable", copies_context=True)
        if called in _PARTIAL and expr.args:
            return resolve_callable(semantic, expr.args[0], depth - 1)
        return None
    if isinstance(expr, ast.Attribute):
        if expr.attr == "run" and _is_copied_context(semantic, expr.value):
            return Callee(None, "run", copies_context=True)
        if isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
            method = _method_of_enclosing_class(expr)
            return _callee_of_def(semantic, method) if method is not None else None
        return None
    if not isinstance(expr, ast.Name):
        return None
    binding = semantic.binding_of(expr)
    if binding is None:
        return None
    if binding.kind is BindingKind.FUNCTION and isinstance(binding.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _callee_of_def(semantic, binding.node)
    if binding.kind is BindingKind.ASSIGNMENT:
        return resolve_callable(semantic, binding.value, depth - 1)
    return None


def _callee_of_def(semantic: SemanticModel, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Callee:
    copies = any(flask_name(semantic, d) in _COPY_REQUEST_CONTEXT for d in function.decorator_list)
    return Callee(function, function.name, copies_context=copies)


def _is_copied_context(semantic: SemanticModel, expr: ast.AST) -> bool:
    value = constructor_of(semantic, expr)
    return isinstance(value, ast.Call) and semantic.qualified_name(value.func) in _COPY_CONTEXT


def _method_of_enclosing_class(attribute: ast.Attribute) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    owner = next((a for a in ancestors(attribute) if isinstance(a, ast.ClassDef)), None)
    if owner is None:
        return None
    methods = [s for s in owner.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == attribute.attr]
    return methods[-1] if methods else None


# -- what a function reaches ----------------------------------------------------------------------


def own_nodes(function: FunctionNode) -> Iterator[ast.AST]:
    """The nodes a function evaluates when it runs, in source order: its body, lambdas and
    class bodies in it, and the decorators and defaults of nested defs, but not the bodies of
    nested defs (those run when called)."""
    stack: list[ast.AST] = [function.body] if isinstance(function, ast.Lambda) else list(reversed(function.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            children: list[ast.AST] = [*node.decorator_list, *node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]
        else:
            children = child_nodes(node)
        stack.extend(reversed(children))


def _called_function(semantic: SemanticModel, call: ast.Call) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The def of this module a call calls: a function in scope, or `self.<method>`."""
    callee = resolve_callable(semantic, call.func, depth=2)
    if callee is None or callee.copies_context or not isinstance(callee.function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return callee.function


@dataclass(frozen=True, slots=True)
class ReachedUse:
    """A context use a function makes, directly or through functions of the same module it
    calls. `node` is in the function itself (the use, or the call leading to it); `use` is the
    use where it happens; `via` the functions called on the way; `guard` the context active at
    the use, within the function and at each call on the way."""

    node: ast.AST
    use: ContextUse
    via: tuple[str, ...]
    guard: Guard


def reachable_uses(semantic: SemanticModel, function: FunctionNode, *, depth: int = 3, real_app: bool = True, names: frozenset[str] | None = None) -> list[ReachedUse]:
    """Every context use `function` makes when it runs, in source order, following calls of
    functions of the same module up to `depth` calls deep (each function once per path).
    `real_app` as in `active_context`. `names`: `candidate_names(semantic)`, if computed."""
    names = candidate_names(semantic) if names is None else names
    found: list[ReachedUse] = []
    _collect_uses(semantic, function, depth, real_app, names, (), NO_CONTEXT, None, found, {id(function)})
    return found


def _collect_uses(semantic: SemanticModel, function: FunctionNode, depth: int, real_app: bool, names: frozenset[str],
                  via: tuple[str, ...], outer: Guard, anchor: ast.AST | None, found: list[ReachedUse], path: set[int]) -> None:
    for node in own_nodes(function):
        if isinstance(node, ast.Name) and node.id in names:
            use = context_use(semantic, node)
            if use is not None:
                guard = outer | active_context(semantic, use.node, function, real_app=real_app)
                found.append(ReachedUse(anchor or use.node, use, via, guard))
        elif isinstance(node, ast.Call) and depth > 0:
            called = _called_function(semantic, node)
            if called is None or id(called) in path:
                continue
            guard = outer | active_context(semantic, node, function, real_app=real_app)
            if guard.request:
                continue  # everything below runs in a request context
            path.add(id(called))
            _collect_uses(semantic, called, depth - 1, real_app, names, (*via, called.name), guard, anchor or node, found, path)
            path.discard(id(called))


# -- request hooks --------------------------------------------------------------------------------

REQUEST_HOOKS = frozenset({
    "before_request", "after_request", "teardown_request", "before_app_request", "after_app_request",
    "teardown_app_request", "teardown_appcontext", "url_value_preprocessor", "app_url_value_preprocessor",
    "url_defaults", "app_url_defaults", "context_processor", "app_context_processor",
})


def request_hook_decorator(semantic: SemanticModel, decorator: ast.AST) -> str | None:
    """`@<app or blueprint>.before_request` and the other per-request hooks: the hook's name."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute) and decorator.attr in REQUEST_HOOKS and is_app_or_blueprint(semantic, decorator.value):
        return decorator.attr
    return None


# -- Celery ------------------------------------------------------------------------------------

CELERY_CLASSES = frozenset({"celery.Celery", "celery.app.Celery", "celery.app.base.Celery"})
SHARED_TASKS = frozenset({"celery.shared_task", "celery.app.shared_task"})
CELERY_CURRENT_APP = frozenset({"celery.current_app"})
CELERY_CALL_METHODS = frozenset({"delay", "apply_async", "s"})
_TASK_SIGNALS = frozenset({"celery.signals.task_prerun"})


def celery_app_candidate(semantic: SemanticModel, expr: ast.AST | None, depth: int = 4) -> str | None:
    """Is `expr` a Celery app? "" (certainly: `Celery(...)`, a name bound to one, a local
    subclass's instance, `celery.current_app`), "name:<qualified>" (an object imported or
    bound elsewhere: `CeleryProject` decides), "call:<qualified>" (the result of calling a
    project function or class, e.g. `make_celery(app)`), or None (not one)."""
    if expr is None or depth == 0:
        return None
    qualified = semantic.qualified_name(expr)
    if qualified in CELERY_CURRENT_APP:
        return ""
    if isinstance(expr, ast.Call):
        called = semantic.qualified_name(expr.func)
        if called in CELERY_CLASSES:
            return ""
        binding = semantic.binding_of(expr.func)
        if binding is not None and binding.kind is BindingKind.CLASS and is_celery_class(semantic, binding.node):
            return ""
        return f"call:{called}" if called and _is_project_name(called) else None
    if not isinstance(expr, ast.Name):
        return None
    binding = semantic.binding_of(expr)
    if binding is None:
        return None
    if binding.kind is BindingKind.IMPORT:
        return f"name:{binding.qualified}" if binding.qualified and _is_project_name(binding.qualified) else None
    if binding.kind is BindingKind.ASSIGNMENT and isinstance(binding.value, (ast.Call, ast.Name)):
        return celery_app_candidate(semantic, binding.value, depth - 1)
    return None


def _is_project_name(qualified: str) -> bool:
    top = qualified.split(".")[0]
    return top not in _STDLIB and top not in ("builtins", "celery", "flask", "quart", "apiflask", "kombu")


def is_celery_class(semantic: SemanticModel, cls: ast.AST, depth: int = 4) -> bool:
    """A class of this module deriving from `celery.Celery` (directly or through local classes)."""
    if not isinstance(cls, ast.ClassDef) or depth == 0:
        return False
    for base in cls.bases:
        if semantic.qualified_name(base) in CELERY_CLASSES:
            return True
        binding = semantic.binding_of(base)
        if binding is not None and binding.kind is BindingKind.CLASS and is_celery_class(semantic, binding.node, depth - 1):
            return True
    return False


@dataclass(frozen=True, slots=True)
class TaskDecorator:
    """`@<celery app>.task(...)` or `@shared_task(...)` on a function: the decorator, and the
    Celery app candidate (`celery_app_candidate`; "" for `shared_task`)."""

    node: ast.expr
    app: str


def task_decorator(semantic: SemanticModel, function: ast.AST) -> TaskDecorator | None:
    """The decorator that makes `function` a Celery task, if one does."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "task":
            app = celery_app_candidate(semantic, target.value)
            if app is not None:
                return TaskDecorator(decorator, app)
        elif semantic.qualified_name(target) in SHARED_TASKS:
            return TaskDecorator(decorator, "")
    return None


@dataclass(frozen=True, slots=True)
class CeleryCall:
    """`<task>.delay(...)`, `.apply_async(args, kwargs)` or `.s(...)`: `task` is the receiver's
    dotted name (`pkg.tasks.send_mail`) when it has one; `arguments` the values passed on."""

    call: ast.Call
    method: str
    task: str | None
    arguments: tuple[ast.expr, ...]


def celery_call(semantic: SemanticModel, call: ast.Call) -> CeleryCall | None:
    function = call.func
    if not isinstance(function, ast.Attribute) or function.attr not in CELERY_CALL_METHODS:
        return None
    if function.attr == "apply_async":
        args = keyword_value(call, "args") or _positional(call, 0)
        kwargs = keyword_value(call, "kwargs") or _positional(call, 1)
        arguments = tuple(_unpacked([a for a in (args,) if a is not None]))
        if isinstance(kwargs, ast.Dict):
            arguments += tuple(kwargs.values)
        elif isinstance(kwargs, ast.Call):
            arguments += tuple(k.value for k in kwargs.keywords)
    else:
        arguments = _rest(call, 0)
    return CeleryCall(call, function.attr, semantic.qualified_name(function.value), arguments)


def created_contexts(semantic: SemanticModel, function: FunctionNode) -> Guard:
    """The contexts the function's own code creates (`<x>.app_context()`,
    `<x>.test_request_context(...)` / `request_context`, entered with `with`,
    `ExitStack.enter_context` or `.push()`), even conditionally."""
    found = NO_CONTEXT
    for node in own_nodes(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "app_context":
                found = found | Guard(app=True)
            elif node.func.attr in ("test_request_context", "request_context"):
                found = found | _FULL
    return found


@dataclass(frozen=True, slots=True)
class TaskBase:
    """A class or `task_prerun` handler that runs every task in a context: `node` is where it
    is defined, `guard` the contexts it creates (a request context too in some projects,
    e.g. a task option that enters `test_request_context`)."""

    node: ast.AST
    guard: Guard


def context_task_bases(semantic: SemanticModel) -> list[TaskBase]:
    """What makes the tasks of a Celery app run in an app context, as defined in this module:
    a class with a base (a `Task` subclass, `celery.Task`, `<app>.Task` or a project class)
    whose `__call__` creates an app context (it becomes the base through `Celery(task_cls=...)`,
    `<celery>.Task = ...` or `base=`), or a `task_prerun` signal handler that creates one."""
    found: list[TaskBase] = []
    for node in semantic.nodes:
        function = None
        if isinstance(node, ast.ClassDef) and node.bases:
            calls = [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__call__"]
            function = calls[-1] if calls else None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_task_prerun_handler(semantic, node):
            function = node
        guard = created_contexts(semantic, function) if function is not None else NO_CONTEXT
        if guard.app:
            found.append(TaskBase(node, guard))
    return found


def _is_task_prerun_handler(semantic: SemanticModel, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "connect" and semantic.qualified_name(target.value) in _TASK_SIGNALS:
            return True
    return False


def celery_facts(semantic: SemanticModel) -> list[tuple[ast.AST, dict[str, Any]]]:
    """Plain data for `CeleryProject`, to `ctx.record` once per module: module-level Celery
    apps (`kind="celery_app"`), names bound to a call of a project function or class
    (`"celery_made"`, resolved later), and functions or classes that make Celery apps
    (`"celery_factory"`: a module-level def whose body calls `Celery(...)`, a `Celery` subclass)."""
    imports_celery = semantic.imports_module("celery")
    own_top = semantic.module_name.split(".")[0]
    prefix = f"{semantic.module_name}." if semantic.module_name else ""
    found: list[tuple[ast.AST, dict[str, Any]]] = []
    for name, bindings in semantic.module_scope.bindings.items():
        binding = bindings[-1]
        if binding.kind is BindingKind.ASSIGNMENT and isinstance(binding.value, ast.Call):
            candidate = celery_app_candidate(semantic, binding.value)
            if candidate == "":
                found.append((binding.node, {"kind": "celery_app", "name": prefix + name}))
            elif candidate and (imports_celery or candidate[5:].split(".")[0] == own_top):
                # `celery = make_celery(app)`: kept small, only where a Celery app is likely
                found.append((binding.node, {"kind": "celery_made", "name": prefix + name, "callee": candidate[5:]}))
        elif imports_celery and binding.kind is BindingKind.CLASS and is_celery_class(semantic, binding.node):
            found.append((binding.node, {"kind": "celery_factory", "name": prefix + name}))
        elif imports_celery and binding.kind is BindingKind.FUNCTION and _makes_celery(semantic, binding.node):
            found.append((binding.node, {"kind": "celery_factory", "name": prefix + name}))
    return found


def _makes_celery(semantic: SemanticModel, function: ast.AST) -> bool:
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return any(isinstance(n, ast.Call) and semantic.qualified_name(n.func) in CELERY_CLASSES for n in own_nodes(function))


class CeleryProject:
    """The project-wide answers to "is this a Celery app?": joins the `celery_facts` a rule
    recorded (under its own code) in every module. Names are matched within the project of
    the module asking (`root`: its source root), so apps linted side by side stay apart."""

    def __init__(self, index: Any, code: str) -> None:
        self.apps: dict[str, list[str]] = {}
        self.factories: dict[str, list[str]] = {}
        self.made: dict[str, list[tuple[str, str]]] = {}
        self.summaries: dict[str, list[Any]] = {}
        for summary in index.summaries:
            if summary.is_python and summary.module_name:
                self.summaries.setdefault(summary.module_name, []).append(summary)
        for summary, fact in index.facts(code):
            root = module_root(summary)
            kind = fact.data.get("kind")
            if kind == "celery_app":
                self.apps.setdefault(fact.data["name"], []).append(root)
            elif kind == "celery_factory":
                self.factories.setdefault(fact.data["name"], []).append(root)
            elif kind == "celery_made":
                self.made.setdefault(fact.data["name"], []).append((root, fact.data["callee"]))

    def is_app(self, candidate: str | None, root: str) -> bool:
        if candidate is None:
            return False
        if candidate == "":
            return True
        kind, _, name = candidate.partition(":")
        defined = self.defined(name, root)
        if kind == "call":
            return self._known(self.factories, defined, root)
        if self._known(self.apps, defined, root):
            return True
        return any(is_same_project(root, other) and self._known(self.factories, self.defined(callee, other), other) for other, callee in self.made.get(defined, ()))

    def defined(self, qualified: str, root: str, depth: int = 8) -> str:
        """Where an imported name is defined, following re-exports (`from .ext import celery`)."""
        module, _, attribute = qualified.rpartition(".")
        summary = self._module(module, root)
        target = summary.imports.get(attribute) if summary is not None else None
        if target is None or depth == 0 or target == qualified:
            return qualified
        return self.defined(target, root, depth - 1)

    def _module(self, name: str, root: str) -> Any:
        candidates = [s for s in self.summaries.get(name, []) if is_same_project(module_root(s), root)]
        candidates.sort(key=lambda s: module_root(s) != root)
        return candidates[0] if candidates else None

    @staticmethod
    def _known(table: dict[str, list], name: str, root: str) -> bool:
        return any(is_same_project(root, other) for other in table.get(name, ()))


def module_root(summary: Any) -> str:
    """The source root of a module summary (see `semantic.flask.source_root`)."""
    return source_root(summary.relative, summary.module_name, summary.is_package)


# -- SERVER_NAME ---------------------------------------------------------------------------------

_OPAQUE_LOADERS = frozenset({"from_envvar", "from_pyfile", "from_file", "from_prefixed_env"})


def may_set_server_name(text: str) -> bool:
    """A cheap test of a module's source before `server_name_setting` asks each statement."""
    return "SERVER_NAME" in text or any(loader in text for loader in _OPAQUE_LOADERS)


def server_name_setting(semantic: SemanticModel, node: ast.AST) -> str | None:
    """"set" when `node` configures `SERVER_NAME` (any form `semantic.config` knows, to
    anything but `None`), "maybe" when it loads config from a source this checker cannot read
    (`from_envvar`, `from_pyfile`, `from_file`, `from_prefixed_env`), else None."""
    for setting in config_settings(node, semantic):
        if setting.key == "SERVER_NAME" and not (isinstance(setting.value, ast.Constant) and setting.value.value is None):
            return "set"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _OPAQUE_LOADERS:
        return "maybe"
    return None


def failure(name: str, how: str = READ, app_context: bool = False) -> str:
    """What happens when a use of `name` (read as `how`) runs without the context it needs;
    `app_context`: an app context is active, but no request."""
    if name == "flask_login.current_user":
        return f"`current_user` is `None` there (`{'AttributeError' if how == READ else 'TypeError'}`)"
    need = needs(name)
    if how == ITERATE:
        return "`TypeError: 'LocalProxy' object is not iterable`"
    if how == ORDER:
        return "`TypeError` (an unbound proxy cannot be ordered)"
    if how == HASH:
        return "`TypeError: unhashable type: 'LocalProxy'`"
    if need == URL and app_context:
        return "`RuntimeError: Unable to build URLs outside an active request without 'SERVER_NAME' configured`"
    if need == REQUEST:
        return "`RuntimeError: Working outside of request context`"
    return "`RuntimeError: Working outside of application context`"
