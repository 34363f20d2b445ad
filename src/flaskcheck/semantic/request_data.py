"""Request data, the spec's term, and where it flows inside one function.

"Request data" is `request.args/form/values/files/json/data/cookies/headers/view_args`,
`request.get_json()` (and `request.get_data()`), the URL variables a view receives as
parameters, and any local variable assigned from one of these in the same function.

`trace(semantic, expr, follow)` answers "is `expr` request data, or built from it?": it reads
accessor chains (`request.args["q"]`, `request.args.get("q")`, `request.files["f"].filename`),
follows local variables to the values they may hold in the same function (the last
assignment before the read, and earlier ones while the later sits in a branch), and goes
through whatever else the caller's `follow` says an expression is built from (f-strings,
`+`, `os.path.join`, ...). What `follow` does not open (an unknown call, `secure_filename`)
stops the trace: the rules stay silent rather than guess.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flaskcheck.semantic.flask import (
    ROUTE_METHODS,
    ancestors,
    enclosing_class,
    flask_name,
    is_app_or_blueprint,
    keyword_value,
    string_value,
    view_methods,
)
from flaskcheck.semantic.model import (
    Binding,
    BindingKind,
    ScopeKind,
    SemanticModel,
    node_position,
)

REQUEST_ATTRIBUTES = frozenset({"args", "form", "values", "files", "json", "data", "cookies", "headers", "view_args"})
FORM_ATTRIBUTES = frozenset({"args", "form", "values"})  # the query string and form fields
_REQUEST_METHODS = {"get_json": "json", "get_data": "data"}
_ACCESSOR_METHODS = frozenset({"get", "getlist", "to_dict", "pop", "setdefault"})
_ACCESSOR_ATTRIBUTES = frozenset({"filename"})  # `request.files["f"].filename`
_NUMBER_TYPES = frozenset({"builtins.int", "builtins.float", "builtins.bool", "uuid.UUID"})
_RULE_VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_MAX_STEPS = 200

Follow = Callable[[SemanticModel, ast.AST], Iterable[ast.AST]]


@dataclass(frozen=True, slots=True)
class RequestSource:
    """One place request data comes from: `kind` is the request attribute (`args`, `json`,
    `referrer`, ...) or `url_variable`; `converter` the URL variable's converter (`path`,
    `string`, `int`, ...; None when the route is not visible)."""

    kind: str
    label: str
    node: ast.AST
    converter: str | None = None


@dataclass(slots=True)
class Trace:
    """The request data an expression is built from, and the local names it flowed through."""

    sources: list[RequestSource] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.sources)

    @property
    def label(self) -> str:
        """The label of the first source in source order, for messages."""
        first = min(self.sources, key=lambda s: (getattr(s.node, "lineno", 0), getattr(s.node, "col_offset", 0)))
        return first.label


def is_request(semantic: SemanticModel, expr: ast.AST | None) -> bool:
    """Flask's `request` proxy (any alias, `flask.request`, `quart.request`)."""
    return expr is not None and flask_name(semantic, expr) == "flask.request"


def request_read(semantic: SemanticModel, expr: ast.AST, attributes: frozenset[str] = REQUEST_ATTRIBUTES) -> RequestSource | None:
    """`expr` reads request data itself: `request.args`, `request.args["q"]`,
    `request.args.get("q")`, `request.get_json()["k"]`, `request.files["f"].filename`.
    `request.args.get("p", type=int)` is a number, not text: None."""
    node: ast.AST = expr
    for _ in range(8):
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in _REQUEST_METHODS and is_request(semantic, node.func.value):
                kind = _REQUEST_METHODS[method]
                return RequestSource(kind, f"`request.{method}()`", expr) if kind in attributes else None
            if method not in _ACCESSOR_METHODS or _converts_to_number(semantic, node):
                return None
            node = node.func.value
        elif isinstance(node, ast.Attribute):
            if is_request(semantic, node.value):
                return RequestSource(node.attr, f"`request.{node.attr}`", expr) if node.attr in attributes else None
            if node.attr not in _ACCESSOR_ATTRIBUTES:
                return None
            node = node.value
        else:
            return None
    return None


def _converts_to_number(semantic: SemanticModel, call: ast.Call) -> bool:
    converter = keyword_value(call, "type")
    if converter is None and call.func.attr == "get" and len(call.args) >= 3:  # type: ignore[attr-defined]
        converter = call.args[2]
    return converter is not None and semantic.qualified_name(converter) in _NUMBER_TYPES


def trace(
    semantic: SemanticModel, expr: ast.AST | None, follow: Follow | None = None, *, attributes: frozenset[str] = REQUEST_ATTRIBUTES, url_variables: bool = True,
) -> Trace:
    """The request data `expr` is built from, following local variables of its function and
    the parts `follow` names (nothing else by default)."""
    found = Trace()
    if expr is None:
        return found
    stack: list[ast.AST] = [expr]
    seen: set[int] = set()
    steps = 0
    while stack and steps < _MAX_STEPS:
        node = stack.pop()
        steps += 1
        if id(node) in seen:
            continue
        seen.add(id(node))
        source = request_read(semantic, node, attributes)
        if source is not None:
            found.sources.append(source)
        elif isinstance(node, ast.Name):
            for origin in _name_origins(semantic, node, url_variables):
                found.names.add(node.id)
                if isinstance(origin, RequestSource):
                    found.sources.append(origin)
                else:
                    stack.append(origin)
        elif follow is not None:
            stack.extend(follow(semantic, node))
    if not found.sources:
        found.names.clear()
    return found


def _name_origins(semantic: SemanticModel, name: ast.Name, url_variables: bool) -> list[ast.AST | RequestSource]:
    """What a local name may be bound to in its own function: expressions and URL variables
    (nothing for a global, a closure variable, a builtin, or a binding this does not read)."""
    found: list[ast.AST | RequestSource] = []
    scope = function_scope(semantic, name)
    for binding in reaching_bindings(semantic, name):
        if binding.scope is not scope or binding.scope.kind is ScopeKind.MODULE:
            continue
        if binding.kind is BindingKind.ASSIGNMENT:
            found.append(binding.value)
        elif binding.kind is BindingKind.PARAMETER and url_variables:
            source = url_variable(semantic, binding.node, binding.scope.node)
            if source is not None:
                found.append(source)
        elif binding.kind is BindingKind.OTHER:
            origin = _unpacked_origin(binding.node)
            if origin is not None:
                found.append(origin)
    return found


def reaching_binding(semantic: SemanticModel, name: ast.Name) -> Binding | None:
    """The binding a read of `name` sees, where `x = f(x)` reads the earlier `x`, not itself."""
    found = reaching_bindings(semantic, name)
    return found[0] if found else None


def reaching_bindings(semantic: SemanticModel, name: ast.Name) -> list[Binding]:
    """The bindings a read of `name` may see, latest first: the last one before it, and the
    earlier ones while the later sits in a branch (`if`, loop, `try`) the read is not in."""
    binding = semantic.lookup(name.id, name)
    if binding is None or binding.scope.kind is ScopeKind.MODULE:
        return [binding] if binding is not None else []
    position = node_position(name)
    inside = set(map(id, ancestors(name)))
    preceding = []
    for candidate in binding.scope.bindings.get(name.id, ()):
        value = candidate.value if candidate.kind is BindingKind.ASSIGNMENT else _unpacked_origin(candidate.node)
        if candidate.position <= position and (value is None or id(value) not in inside):
            preceding.append(candidate)
    found = []
    for candidate in reversed(preceding):
        found.append(candidate)
        if not _is_conditional(candidate.node, inside):
            break
    return found


def _is_conditional(target: ast.AST, inside: set[int]) -> bool:
    """Is the statement binding `target` inside a branch or loop that does not hold the read?"""
    for ancestor in ancestors(target):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
            return False
        if id(ancestor) in inside:
            return False
        if isinstance(ancestor, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.ExceptHandler, ast.match_case, getattr(ast, "TryStar", ast.Try))):
            return True
    return False


def function_scope(semantic: SemanticModel, node: ast.AST):
    """The scope of the function (or module) whose body holds `node`, past comprehensions."""
    scope = semantic.scope_of(node)
    while scope.kind is ScopeKind.COMPREHENSION and scope.parent is not None:
        scope = scope.parent
    return scope


def _unpacked_origin(target: ast.AST) -> ast.AST | None:
    """`for name in <iter>` and `a, b = <value>`: the value the name was taken from."""
    child, parent = target, getattr(target, "flk_parent", None)
    while isinstance(parent, (ast.Tuple, ast.List, ast.Starred)):
        child, parent = parent, getattr(parent, "flk_parent", None)
    if isinstance(parent, (ast.For, ast.AsyncFor)) and child is parent.target:
        return parent.iter
    if isinstance(parent, ast.Assign) and child in parent.targets:
        return parent.value
    if isinstance(parent, ast.comprehension) and child is parent.target:
        return parent.iter
    if isinstance(parent, ast.AugAssign) and child is parent.target:
        return parent.value
    return None


def url_variable(semantic: SemanticModel, parameter: ast.AST, function: ast.AST) -> RequestSource | None:
    """A view's parameter that receives a URL variable (not `self`), with its converter."""
    if not isinstance(parameter, ast.arg) or view_methods(semantic, function) is None:
        return None
    arguments = function.args  # type: ignore[attr-defined]
    positional = [*arguments.posonlyargs, *arguments.args]
    if enclosing_class(function) is not None and positional and positional[0] is parameter:
        return None
    if parameter is arguments.vararg or parameter is arguments.kwarg:
        return None
    converters = route_variables(semantic, function).get(parameter.arg)
    return RequestSource("url_variable", f"URL variable `{parameter.arg}`", parameter, weakest_converter(converters))


def route_variables(semantic: SemanticModel, function: ast.AST) -> dict[str, set[str]]:
    """URL variable name -> converters, from the literal rules of a view's route decorators."""
    found: dict[str, set[str]] = {}
    for rule in route_rules(semantic, function):
        for converter, name in _RULE_VARIABLE.findall(rule):
            found.setdefault(name, set()).add(converter or "string")
    return found


def route_rules(semantic: SemanticModel, function: ast.AST) -> list[str]:
    """The literal rule strings of `@<app or bp>.route/get/post/...(rule)` on `function`."""
    rules = []
    for decorator in getattr(function, "decorator_list", ()):
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            continue
        if decorator.func.attr not in ROUTE_METHODS or not is_app_or_blueprint(semantic, decorator.func.value):
            continue
        rule = string_value(decorator.args[0]) if decorator.args else string_value(keyword_value(decorator, "rule"))
        if rule is not None:
            rules.append(rule)
    return rules


def weakest_converter(converters: set[str] | None) -> str | None:
    """The converter that lets the most text through: `path`, then anything textual, then numbers."""
    if not converters:
        return None
    for wanted in ("path", "any", "string"):
        if wanted in converters:
            return wanted
    return min(converters)


# -- what an expression is built from (building blocks for `follow`) -----------------------------


def string_parts(semantic: SemanticModel, node: ast.AST) -> list[ast.AST]:
    """The values an f-string, `%`, `+`, `.format()`, `str()` or `sep.join()` builds text from."""
    if isinstance(node, ast.JoinedStr):
        return [value.value for value in node.values if isinstance(value, ast.FormattedValue)]
    if isinstance(node, ast.FormattedValue):
        return [node.value]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return [node.left, *_elements(node.right)] if isinstance(node.op, ast.Mod) else [node.left, node.right]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return [node.func.value, *call_arguments(node)]
    if isinstance(node, ast.Call) and semantic.qualified_name(node.func) == "builtins.str" and node.args:
        return [node.args[0]]
    return []


def alternatives(semantic: SemanticModel, node: ast.AST) -> list[ast.AST]:
    """`a or b`, `a if c else b`, `(name := a)`: the values the expression may take."""
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.NamedExpr):
        return [node.value]
    return []


def call_arguments(call: ast.Call) -> list[ast.expr]:
    return [*(a.value if isinstance(a, ast.Starred) else a for a in call.args), *(k.value for k in call.keywords)]


def _elements(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, (ast.Tuple, ast.List)):
        return list(node.elts)
    if isinstance(node, ast.Dict):
        return [value for value in node.values if value is not None]
    return [node]
