"""Flask routing facts of one module, as plain data: blueprints, `register_blueprint` calls,
routes, request hooks and error handlers.

`extract_routing(semantic, source, is_test_file)` runs once per module (the engine stores the
result as `ModuleSummary.flask`); `flaskcheck.project.routes.RoutingIndex` joins the modules.
Nothing here holds an AST node: every object is a frozen dataclass of strings, numbers and
tuples, so it can be cached and sent between processes.

Values this module cannot know alone are kept as a `Ref`, resolved later by the project index:

- `Ref("name", "pkg.views.bp")`: a module-level name (of this module or an imported one);
- `Ref("call", "pkg.make_app")`: what calling a function returns;
- `Ref("made", "pkg.create_app|pkg.test_x.app")`: the same, bound to a local name: an app a
  factory makes there is that function's own (`pkg.test_x.app`), not the factory's;
- `Ref("each", "pkg.BLUEPRINTS")`: each element of a module-level list, tuple or set;
- `Ref("blueprint", key)` / `Ref("app", key)`: a blueprint or app this module creates inside a
  function (or inline); app key `""` is an app whose identity is unknown (`current_app`, a
  parameter annotated `Flask`);
- `Ref("other", what)`: a value known not to be one of the project's `Blueprint(...)` objects or
  apps (an instance of a `Blueprint` subclass);
- `Ref("unknown", why)`: anything else (a parameter, `self.bp`, a subscript).

Keys: a module-level `bp = Blueprint(...)` is `pkg.views.bp`; one bound inside a function is
`pkg.views.make.bp` (the function's dotted path, then the name); an unnamed one is
`pkg.views@12:4`. An app created at module level is `pkg.app`; one created by an app factory
is `pkg.create_app()`, which is also the key of every app that factory's result is bound to.
Function keys (`function_key`) are `pkg.views.index`, `pkg.views.UserAPI.get`,
`pkg.create_app.index` for nested functions.

The work is one pass over the semantic model's nodes with a cheap type dispatch; decorators
are read from their `def`/`class`, so nothing is walked twice.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from flaskcheck.engine.source import SourceText
from flaskcheck.semantic.flask import (
    ANY_METHOD,
    APP_CLASSES,
    BLUEPRINT_CLASSES,
    HTTP_METHOD_NAMES,
    ROUTE_METHODS,
    VIEW_CLASSES,
    flask_name,
    is_app_factory,
    is_in_test_class,
    is_view_class,
    keyword_value,
    methods_argument,
)
from flaskcheck.semantic.model import Binding, BindingKind, ScopeKind, SemanticModel

UNKNOWN = "<?>"  # a value given as an expression the checker cannot evaluate
HOOKS: dict[str, tuple[str, bool]] = {  # decorator -> (hook kind, app-wide even on a blueprint)
    "before_request": ("before_request", False),
    "after_request": ("after_request", False),
    "teardown_request": ("teardown_request", False),
    "url_value_preprocessor": ("url_value_preprocessor", False),
    "url_defaults": ("url_defaults", False),
    "before_app_request": ("before_request", True),
    "after_app_request": ("after_request", True),
    "teardown_app_request": ("teardown_request", True),
    "app_url_value_preprocessor": ("url_value_preprocessor", True),
    "app_url_defaults": ("url_defaults", True),
}
ERROR_HANDLER_DECORATORS = frozenset({"errorhandler", "app_errorhandler"})
# Packages that add endpoints through their own APIs (resources, admin views, specs).
ENDPOINT_PLUGINS = frozenset({"flask_restful", "flask_restx", "flask_restplus", "flask_admin", "flask_appbuilder", "connexion", "flask_classful"})
_CALLS = frozenset({"register_blueprint", "add_url_rule", "register_error_handler", "as_view", *ROUTE_METHODS, *HOOKS, *ERROR_HANDLER_DECORATORS})
_RULE_VARIABLE = re.compile(r"<(?:[a-zA-Z_][a-zA-Z0-9_]*(?:\((?:.*?)\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)\s*>")
_FLASK_BLUEPRINT_ARGUMENTS = ("name", "import_name", "static_folder", "static_url_path", "template_folder", "url_prefix")
_APIFLASK_BLUEPRINT_ARGUMENTS = ("name", "import_name", "tag", "enable_openapi", "static_folder", "static_url_path", "template_folder", "url_prefix")
_DEPTH = 6
_MAX_COLLECTION = 200


@dataclass(frozen=True, slots=True)
class Span:
    """1-based line and character column of the start and end of a node."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class Ref:
    """A value resolved by the project index; see the module docstring for the kinds."""

    kind: str
    target: str = ""


UNKNOWN_REF = Ref("unknown")


@dataclass(frozen=True, slots=True)
class BlueprintDef:
    """A `Blueprint(...)` / `APIBlueprint(...)` / `flask_smorest.Blueprint(...)` call."""

    key: str
    variables: tuple[str, ...]  # module-level names bound to it (`a = b = Blueprint(...)`)
    name: str  # its `name` argument, or UNKNOWN
    url_prefix: str | None  # None: not given; UNKNOWN: not a literal
    static_folder: str | None
    template_folder: str | None
    returned_by: str | None  # key of the function that returns it (`def make(): ...; return bp`)
    guarded: bool  # inside `with pytest.raises(...)`: expected to fail
    span: Span
    in_test: bool


@dataclass(frozen=True, slots=True)
class Registration:
    """`<owner>.register_blueprint(<target>, url_prefix=..., name=...)`; one per element when
    the call runs in a `for` loop over a literal collection."""

    owner: Ref
    target: Ref
    url_prefix: str | None  # None: not given (the blueprint's own applies); UNKNOWN: not a literal
    name: str | None  # None: not given; UNKNOWN: not a literal
    span: Span
    in_test: bool


@dataclass(frozen=True, slots=True)
class RouteDef:
    """A route decorator (`@bp.route`, `@app.get`...), an `add_url_rule` call, or a route
    decorator on a class (APIFlask, flask-smorest)."""

    owner: Ref
    rule: str  # UNKNOWN when not a literal
    methods: tuple[str, ...]  # sorted; (ANY_METHOD,) when unknown
    endpoint: str  # as the owner names it (`index`, before any blueprint prefix); UNKNOWN if not literal
    explicit_endpoint: bool  # given with `endpoint=` (or `add_url_rule`'s second argument)
    view: str | None  # key of the view function or class (`pkg.views.index`), None when unknown or absent
    view_line: int  # its `def`/`class` line when defined in this module, else 0
    view_class: str | None  # the `View` class of an `X.as_view(...)` view
    function: str | None  # the view's own name (`index`)
    kind: str  # "decorator" | "add_url_rule" | "class"
    variables: tuple[str, ...]  # URL variables of the rule, in order
    scoped: bool  # `host=` or `subdomain=` given: the rule string alone does not identify it
    branch: tuple[str, ...]  # the `if`/`try` branches it sits in (`if@3:0|else`), to tell exclusive code apart
    guarded: bool  # inside `with pytest.raises(...)` / `assertRaises`: expected to fail
    span: Span
    in_test: bool


@dataclass(frozen=True, slots=True)
class HookDef:
    """`@<owner>.before_request` and friends, or `<owner>.before_request(function)`."""

    owner: Ref
    kind: str  # before_request | after_request | teardown_request | url_value_preprocessor | url_defaults
    app_wide: bool  # an `*_app_*` variant: app-wide even on a blueprint
    function: str | None  # function key (or dotted name) of the hook, None when unknown
    span: Span
    in_test: bool


@dataclass(frozen=True, slots=True)
class ErrorHandlerDef:
    """`@<owner>.errorhandler(...)`, `@bp.app_errorhandler(...)`, `register_error_handler(...)`."""

    owner: Ref
    app_wide: bool  # `app_errorhandler`
    code: int | None  # an HTTP status code
    exception: str | None  # the dotted name of an exception class
    function: str | None
    span: Span
    in_test: bool


@dataclass(frozen=True, slots=True)
class Unseen:
    """Something that defines endpoints the checker cannot see, and where."""

    reason: str
    endpoint: str | None  # an endpoint name it is known to define, if any (`X.as_view("name")`)
    span: Span


@dataclass(frozen=True, slots=True)
class FlaskModule:
    """The Flask routing facts of one module: `ModuleSummary.flask`."""

    blueprints: tuple[BlueprintDef, ...] = ()
    registrations: tuple[Registration, ...] = ()
    routes: tuple[RouteDef, ...] = ()
    hooks: tuple[HookDef, ...] = ()
    error_handlers: tuple[ErrorHandlerDef, ...] = ()
    view_classes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # class key -> methods
    aliases: dict[str, str] = field(default_factory=dict)  # module-level name -> dotted name it is bound to
    collections: dict[str, tuple[Ref, ...]] = field(default_factory=dict)  # module-level name -> elements
    unseen: tuple[Unseen, ...] = ()
    subclasses: tuple[str, ...] = ()  # module-level subclasses of `Flask` or a blueprint class

    def is_empty(self) -> bool:
        return not (
            self.blueprints or self.registrations or self.routes or self.hooks or self.error_handlers or self.unseen
            or self.view_classes or self.aliases or self.collections or self.subclasses
        )


def extract_routing(semantic: SemanticModel, source: SourceText, is_test_file: bool = False) -> FlaskModule:
    """The routing facts of one module (one pass over its nodes)."""
    return _Extractor(semantic, source, is_test_file).run()


# -- shared keys ------------------------------------------------------------------------------


def function_key(semantic: SemanticModel, node: ast.AST) -> str:
    """`pkg.views.index`, `pkg.views.UserAPI.get`, `pkg.create_app.index`: the dotted path of a
    `def` or `class` through the functions and classes around it (`<lambda>` for a lambda)."""
    names = [_own_name(node)]
    scope = semantic.scope_of(node)
    while scope is not None and scope.kind is not ScopeKind.MODULE:
        if scope.kind is not ScopeKind.COMPREHENSION:
            names.append(_own_name(scope.node))
        scope = scope.parent
    names.append(semantic.module_name)
    return ".".join(name for name in reversed(names) if name)


def enclosing_function_key(semantic: SemanticModel, node: ast.AST) -> str | None:
    """The `function_key` of the function or lambda whose body holds `node`, or None at
    module or class level."""
    scope = semantic.scope_of(node)
    while scope is not None and scope.kind is ScopeKind.COMPREHENSION:
        scope = scope.parent
    if scope is None or scope.kind not in (ScopeKind.FUNCTION, ScopeKind.LAMBDA):
        return None
    return function_key(semantic, scope.node)


def _own_name(node: ast.AST) -> str:
    if isinstance(node, ast.Lambda):
        return f"<lambda@{node.lineno}:{node.col_offset}>"
    return getattr(node, "name", "")


def _rebound_suffix(binding: Binding) -> str:
    """`@<line>` for a name its scope binds more than once, else ""."""
    return f"@{binding.position[0]}" if len(binding.scope.bindings.get(binding.name, ())) > 1 else ""


def rule_variables(rule: str) -> tuple[str, ...]:
    """The URL variables of a Werkzeug rule: `("user_id", "path")` for `/u/<int:user_id>/<path:path>`."""
    return tuple(_RULE_VARIABLE.findall(rule)) if rule != UNKNOWN else ()


# -- the extractor ------------------------------------------------------------------------------


class _Extractor:
    def __init__(self, semantic: SemanticModel, source: SourceText, is_test_file: bool) -> None:
        self.semantic = semantic
        self.source = source
        self.is_test_file = is_test_file
        self.module = semantic.module_name
        self.blueprints: list[BlueprintDef] = []
        self.registrations: list[Registration] = []
        self.routes: list[RouteDef] = []
        self.hooks: list[HookDef] = []
        self.error_handlers: list[ErrorHandlerDef] = []
        self.view_classes: dict[str, tuple[str, ...]] = {}
        self.unseen: list[Unseen] = []
        self.subclasses: list[str] = []
        self.returns: dict[str, str] = {}  # blueprint key -> key of the function returning it
        # names that may call a blueprint class, grown by `from x import Blueprint as B` (an
        # alias made by assignment, `B = flask.Blueprint`, is not followed)
        self.constructor_names = {"Blueprint", "APIBlueprint"}
        self._uses_flask: bool | None = None

    def run(self) -> FlaskModule:
        dispatch = {
            ast.Call: self.visit_call,
            ast.FunctionDef: self.visit_definition,
            ast.AsyncFunctionDef: self.visit_definition,
            ast.ClassDef: self.visit_definition,
            ast.Attribute: self.visit_attribute,
            ast.Import: self.visit_import,
            ast.ImportFrom: self.visit_import,
            ast.Return: self.visit_return,
        }
        handler_of = dispatch.get
        for node in self.semantic.nodes:
            handler = handler_of(type(node))
            if handler is not None:
                handler(node)
        aliases, collections = self._module_values()
        blueprints = tuple(self._with_returner(b) for b in self.blueprints)
        return FlaskModule(
            blueprints, tuple(self.registrations), tuple(self.routes), tuple(self.hooks), tuple(self.error_handlers),
            self.view_classes, aliases, collections, tuple(self.unseen), tuple(self.subclasses),
        )

    # -- helpers ------------------------------------------------------------------------------

    def span(self, node: ast.AST) -> Span:
        source = self.source
        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        end = getattr(node, "end_col_offset", None)
        column = source.char_column(line, node.col_offset) + 1
        return Span(line, column, end_line, source.char_column(end_line, end) + 1 if end is not None else column)

    def in_test(self, node: ast.AST) -> bool:
        return self.is_test_file or is_in_test_class(node)

    def literal(self, expr: ast.AST | None) -> str | None:
        """None when absent or a literal `None`; the string for a string constant; else UNKNOWN."""
        if expr is None:
            return None
        constant = self.semantic.constant_value(expr)
        if constant is None:
            return UNKNOWN
        if constant.value is None:
            return None
        return constant.value if isinstance(constant.value, str) else UNKNOWN

    def is_blueprint_call(self, node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        spelled = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        return spelled in self.constructor_names and flask_name(self.semantic, func) in BLUEPRINT_CLASSES

    # -- references ------------------------------------------------------------------------------

    def ref(self, expr: ast.AST | None, depth: int = _DEPTH) -> Ref:
        """What `expr` is, as far as this module can tell (see `Ref`)."""
        semantic = self.semantic
        if expr is None or depth == 0:
            return UNKNOWN_REF
        if isinstance(expr, ast.Call):
            return self._call_ref(expr)
        if isinstance(expr, ast.Attribute):
            if flask_name(semantic, expr) == "flask.current_app":
                return Ref("app")
            qualified = semantic.qualified_name(expr)
            return Ref("name", qualified) if qualified else UNKNOWN_REF
        if not isinstance(expr, ast.Name):
            return UNKNOWN_REF
        if flask_name(semantic, expr) == "flask.current_app":
            return Ref("app")
        binding = semantic.binding_of(expr)
        if binding is None:
            return UNKNOWN_REF
        if binding.kind is BindingKind.IMPORT:
            return Ref("name", binding.qualified or "")
        if binding.scope is semantic.module_scope:
            return Ref("name", f"{self.module}.{expr.id}")
        if binding.kind is BindingKind.ASSIGNMENT and binding.value is not None:
            value = binding.value
            if isinstance(value, ast.Call) and flask_name(semantic, value.func) in APP_CLASSES:
                return Ref("app", self.local_app_key(binding))
            found = self.ref(value, depth - 1)
            if found.kind == "call":  # a new object per call: an app from a factory is this function's own
                key = f"{function_key(semantic, binding.scope.node)}.{binding.name}{_rebound_suffix(binding)}"
                return Ref("made", f"{found.target}|{key}")
            return found
        if binding.kind is BindingKind.PARAMETER:
            annotation = getattr(binding.node, "annotation", None)
            if annotation is not None and flask_name(semantic, annotation) in APP_CLASSES:
                return Ref("app")
            return Ref("unknown", f"parameter `{expr.id}`")
        return UNKNOWN_REF

    def _call_ref(self, call: ast.Call) -> Ref:
        semantic = self.semantic
        callee = flask_name(semantic, call.func)
        if callee in APP_CLASSES:
            return Ref("app", f"{self.module}@{call.lineno}:{call.col_offset}")
        if self.is_blueprint_call(call):
            return Ref("blueprint", self.blueprint_key(call))
        binding = semantic.binding_of(call.func) if isinstance(call.func, ast.Name) else None
        if binding is not None and binding.kind is BindingKind.CLASS and self.is_flask_subclass(binding.node):
            return Ref("other", f"an instance of `{binding.name}`")
        qualified = semantic.qualified_name(call.func)
        if qualified is None or qualified.startswith("builtins."):
            return UNKNOWN_REF
        return Ref("call", qualified)

    def local_app_key(self, binding: Binding) -> str:
        """`pkg.create_app()` for the app an app factory returns, else `pkg.f.app` (with
        `@line` when the function binds the name more than once: each is another app)."""
        function = binding.scope.node
        key = function_key(self.semantic, function)
        if is_app_factory(self.semantic, function):
            return f"{key}()"
        return f"{key}.{binding.name}{_rebound_suffix(binding)}"

    def blueprint_key(self, call: ast.Call) -> str:
        """The key of the blueprint a `Blueprint(...)` call creates (see the module docstring)."""
        parent = getattr(call, "flk_parent", None)
        target = None
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is call:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            target = next((t for t in targets if isinstance(t, ast.Name)), None)
        if target is None:
            return f"{self.module}@{call.lineno}:{call.col_offset}"
        scope = self.semantic.scope_of(call)
        bindings = scope.bindings.get(target.id, ())
        suffix = f"@{call.lineno}" if len(bindings) > 1 else ""
        if scope.kind is ScopeKind.MODULE:
            return f"{self.module}.{target.id}{suffix}"
        return f"{function_key(self.semantic, scope.node)}.{target.id}{suffix}"

    def function_ref_key(self, expr: ast.AST | None) -> tuple[str | None, int]:
        """(key or dotted name, `def` line or 0) of the function or class `expr` names."""
        semantic = self.semantic
        if isinstance(expr, ast.Lambda):
            return function_key(semantic, expr), expr.lineno
        binding = semantic.binding_of(expr) if isinstance(expr, ast.Name) else None
        if binding is not None and binding.kind in (BindingKind.FUNCTION, BindingKind.CLASS):
            return function_key(semantic, binding.node), binding.node.lineno
        qualified = semantic.qualified_name(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None
        if qualified is None or qualified.startswith("builtins."):
            return None, 0
        return qualified, 0

    # -- blueprints -------------------------------------------------------------------------------

    def visit_call(self, node: ast.Call) -> None:
        func = node.func
        spelled = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
        if spelled in self.constructor_names and self.is_blueprint_call(node):
            self.add_blueprint(node)
            return
        if spelled not in _CALLS or type(func) is not ast.Attribute:
            if isinstance(func, ast.Call):
                self.visit_applied_decorator(node)
            return
        attr = func.attr
        if attr == "register_blueprint":
            self.add_registration(node)
        elif attr == "add_url_rule":
            self.add_url_rule(node)
        elif attr == "register_error_handler":
            self.add_error_handler(func.value, "errorhandler", node.args[0] if node.args else None, node.args[1] if len(node.args) > 1 else None, node)
        elif attr == "as_view":
            self.check_loose_view(node)
        elif attr in HOOKS and node.args and not self.is_decorator(node):
            self.add_hook(func.value, attr, self.function_ref_key(node.args[0])[0], node)

    def is_decorator(self, node: ast.AST) -> bool:
        parent = getattr(node, "flk_parent", None)
        return isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node in parent.decorator_list

    def add_blueprint(self, call: ast.Call) -> None:
        semantic = self.semantic
        spelled = flask_name(semantic, call.func)
        positions = _APIFLASK_BLUEPRINT_ARGUMENTS if spelled == "flask.APIBlueprint" else _FLASK_BLUEPRINT_ARGUMENTS

        def argument(name: str) -> ast.AST | None:
            index = positions.index(name)
            value = keyword_value(call, name)
            if value is None and len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
                value = call.args[index]
            return value

        unpacked = any(k.arg is None for k in call.keywords)
        name = self.literal(argument("name"))
        prefix = self.literal(argument("url_prefix"))
        variables: tuple[str, ...] = ()
        parent = getattr(call, "flk_parent", None)
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is call and semantic.scope_of(call) is semantic.module_scope:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            variables = tuple(t.id for t in targets if isinstance(t, ast.Name))
        self.blueprints.append(BlueprintDef(
            key=self.blueprint_key(call), variables=variables, name=UNKNOWN if name is None else name,
            url_prefix=UNKNOWN if prefix is None and unpacked else prefix,
            static_folder=self.literal(argument("static_folder")), template_folder=self.literal(argument("template_folder")),
            returned_by=None, guarded=self._branch(call)[1], span=self.span(call), in_test=self.in_test(call),
        ))

    def visit_return(self, node: ast.Return) -> None:
        value = node.value
        function = self.semantic.scope_of(node)
        if self.is_blueprint_call(value) and function.kind is ScopeKind.FUNCTION:  # `return Blueprint(...)`
            self.returns[self.blueprint_key(value)] = function_key(self.semantic, function.node)
            return
        if not isinstance(value, ast.Name):
            return
        binding = self.semantic.binding_of(value)
        if binding is None or binding.kind is not BindingKind.ASSIGNMENT or not self.is_blueprint_call(binding.value):
            return
        if function.kind is ScopeKind.FUNCTION and binding.scope is function:
            self.returns[self.blueprint_key(binding.value)] = function_key(self.semantic, function.node)

    def _with_returner(self, blueprint: BlueprintDef) -> BlueprintDef:
        returner = self.returns.get(blueprint.key)
        if returner is None:
            return blueprint
        return BlueprintDef(
            blueprint.key, blueprint.variables, blueprint.name, blueprint.url_prefix, blueprint.static_folder,
            blueprint.template_folder, returner, blueprint.guarded, blueprint.span, blueprint.in_test,
        )

    # -- registrations ------------------------------------------------------------------------------

    def add_registration(self, call: ast.Call) -> None:
        owner = self.ref(call.func.value)
        target = call.args[0] if call.args else keyword_value(call, "blueprint")
        if isinstance(target, ast.Starred):
            target = None
        unpacked = any(k.arg is None for k in call.keywords)
        prefix_expr = keyword_value(call, "url_prefix")
        name_expr = keyword_value(call, "name")
        span, in_test = self.span(call), self.in_test(call)
        for element, values in self.targets_of(target, {"url_prefix": prefix_expr, "name": name_expr}):
            prefix = self.literal(values["url_prefix"])
            name = self.literal(values["name"])
            if unpacked:
                prefix = UNKNOWN if values["url_prefix"] is None else prefix
                name = UNKNOWN if values["name"] is None else name
            self.registrations.append(Registration(owner, element, prefix, name, span, in_test))

    def targets_of(self, target: ast.AST | None, options: dict[str, ast.AST | None]) -> list[tuple[Ref, dict[str, ast.AST | None]]]:
        """The registered value(s): one, or each element of a literal collection a `for` loop
        (or comprehension) runs over, with the options taken from the same element."""
        attributes: list[str] = []
        base = target
        while isinstance(base, ast.Attribute):  # `module.bp` for each `module` of a loop
            attributes.insert(0, base.attr)
            base = base.value
        loop = self._loop_of(base)
        if loop is None:
            return [(self.ref(target), options)]
        if attributes:
            target = base
        loop_target, iterable = loop
        elements = self._elements(iterable)
        if elements is None:
            reference = self._collection_ref(iterable)
            if reference is not None and isinstance(loop_target, ast.Name) and not attributes:
                return [(reference, options)]
            return [(Ref("unknown", "loop over a value the checker cannot list"), options)]
        found = []
        for element in elements:
            bound = self._unpack(loop_target, element)
            if bound is None or target.id not in bound:
                found.append((UNKNOWN_REF, options))
                continue
            values = {key: bound.get(value.id, value) if isinstance(value, ast.Name) and self._loop_of(value) == loop else value for key, value in options.items()}
            found.append((self._member(self.ref(bound[target.id]), attributes), values))
        return found

    @staticmethod
    def _member(reference: Ref, attributes: list[str]) -> Ref:
        """`module.bp` where `module` is `reference`."""
        if not attributes:
            return reference
        return Ref("name", ".".join([reference.target, *attributes])) if reference.kind == "name" else UNKNOWN_REF

    def _loop_of(self, expr: ast.AST | None) -> tuple[ast.AST, ast.AST] | None:
        """(target, iterable) of the `for` loop or comprehension that binds the name `expr`."""
        if not isinstance(expr, ast.Name):
            return None
        binding = self.semantic.binding_of(expr)
        if binding is None or binding.kind is not BindingKind.OTHER:
            return None
        node = binding.node
        parent = getattr(node, "flk_parent", None)
        while isinstance(parent, ast.Tuple | ast.List):
            node, parent = parent, getattr(parent, "flk_parent", None)
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.target is node:
            return node, parent.iter
        return None

    def _elements(self, iterable: ast.AST, depth: int = 3) -> list[ast.AST] | None:
        if isinstance(iterable, (ast.Tuple, ast.List, ast.Set)):
            if any(isinstance(e, ast.Starred) for e in iterable.elts):
                return None
            return list(iterable.elts)
        if isinstance(iterable, ast.Name) and depth:
            binding = self.semantic.binding_of(iterable)
            if binding is not None and binding.kind is BindingKind.ASSIGNMENT and binding.scope is not self.semantic.module_scope and binding.value is not None:
                return self._elements(binding.value, depth - 1)
        return None

    def _collection_ref(self, iterable: ast.AST) -> Ref | None:
        """`Ref("each", ...)` for a module-level (or imported) collection name."""
        reference = self.ref(iterable) if isinstance(iterable, (ast.Name, ast.Attribute)) else None
        return Ref("each", reference.target) if reference is not None and reference.kind == "name" else None

    @staticmethod
    def _unpack(target: ast.AST, value: ast.AST) -> dict[str, ast.AST] | None:
        """Loop-variable name -> element part, for `bp` or `bp, prefix` over one element."""
        if isinstance(target, ast.Name):
            return {target.id: value}
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and len(target.elts) == len(value.elts):
            found: dict[str, ast.AST] = {}
            for part, item in zip(target.elts, value.elts, strict=True):
                inner = _Extractor._unpack(part, item)
                if inner is None:
                    return None
                found.update(inner)
            return found
        return None

    def visit_attribute(self, node: ast.Attribute) -> None:
        """`map(app.register_blueprint, blueprints)`: a registration the checker cannot follow."""
        if node.attr != "register_blueprint" or not isinstance(node.ctx, ast.Load):
            return
        parent = getattr(node, "flk_parent", None)
        if isinstance(parent, ast.Call) and parent.func is node:
            return
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        self.registrations.append(Registration(self.ref(node.value), Ref("unknown", "`register_blueprint` passed on as a value"), UNKNOWN, UNKNOWN, self.span(node), self.in_test(node)))

    # -- routes -------------------------------------------------------------------------------------

    def is_flask_subclass(self, cls: ast.AST) -> bool:
        """A class whose bases include `Flask` or a blueprint class."""
        bases = getattr(cls, "bases", ())
        return any(flask_name(self.semantic, base) in APP_CLASSES | BLUEPRINT_CLASSES for base in bases)

    def visit_definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        if isinstance(node, ast.ClassDef):
            if is_view_class(self.semantic, node):
                self.view_classes[function_key(self.semantic, node)] = self._class_methods(node)
            if node.bases and self.is_flask_subclass(node):
                self.unseen.append(Unseen(f"`{node.name}` subclasses a Flask class; routes on its instances are not followed", None, self.span(node)))
                if self.semantic.scope_of(node) is self.semantic.module_scope:
                    self.subclasses.append(function_key(self.semantic, node))
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Attribute) and decorator.attr in HOOKS and not isinstance(node, ast.ClassDef):
                self.add_hook(decorator.value, decorator.attr, function_key(self.semantic, node), decorator)
                continue
            if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
                continue
            attr = decorator.func.attr
            if attr in ROUTE_METHODS:
                self.add_route_decorator(decorator, node)
            elif attr in ERROR_HANDLER_DECORATORS and not isinstance(node, ast.ClassDef):
                argument = decorator.args[0] if decorator.args else None
                self.add_error_handler(decorator.func.value, attr, argument, node, decorator)

    def visit_applied_decorator(self, node: ast.Call) -> None:
        """`app.route("/")(view)` and `app.errorhandler(404)(handler)` written as calls."""
        inner = node.func
        if not isinstance(inner, ast.Call) or not isinstance(inner.func, ast.Attribute) or not node.args:
            return
        attr = inner.func.attr
        if attr == "route" or (attr in ROUTE_METHODS and self.ref(inner.func.value).kind != "unknown"):
            self.add_route(inner, inner.func.value, node.args[0], "decorator", node)
        elif attr in ERROR_HANDLER_DECORATORS:
            self.add_error_handler(inner.func.value, attr, inner.args[0] if inner.args else None, node.args[0], node)

    def add_route_decorator(self, decorator: ast.Call, definition: ast.AST) -> None:
        owner = self.ref(decorator.func.value)
        if owner.kind == "unknown" and decorator.func.attr != "route":
            return  # `.get`/`.post` on an unknown object: most likely not Flask
        self.add_route(decorator, decorator.func.value, definition, "class" if isinstance(definition, ast.ClassDef) else "decorator", decorator)

    def add_route(self, call: ast.Call, receiver: ast.AST, view: ast.AST, kind: str, anchor: ast.AST) -> None:
        """A route given by a route decorator `call` on `receiver`, for the `view` (a `def`,
        a `class`, or an expression naming the view)."""
        semantic = self.semantic
        owner = self.ref(receiver)
        if owner.kind == "unknown" and not self._module_uses_flask():
            return
        verb = call.func.attr
        rule = self.literal(call.args[0] if call.args else keyword_value(call, "rule"))
        rule = UNKNOWN if rule is None else rule
        if verb == "route":
            methods = methods_argument(semantic, keyword_value(call, "methods"))
        else:
            methods = frozenset({verb.upper()})
        endpoint_expr = keyword_value(call, "endpoint")
        if isinstance(view, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            view_key, view_line, function, view_class = function_key(semantic, view), view.lineno, view.name, None
            if isinstance(view, ast.ClassDef) and verb == "route" and keyword_value(call, "methods") is None:
                methods = frozenset(self.view_classes.get(view_key) or self._class_methods(view))
        else:
            view_key, view_line, function, view_class = self._view_of(view)
        self._append_route(call, owner, rule, methods, endpoint_expr, view_key, view_line, function, view_class, kind, anchor)

    def add_url_rule(self, call: ast.Call) -> None:
        semantic = self.semantic
        owner = self.ref(call.func.value)
        if owner.kind == "unknown" and not self._module_uses_flask():
            return
        rule = self.literal(call.args[0] if call.args else keyword_value(call, "rule"))
        rule = UNKNOWN if rule is None else rule
        endpoint_expr = keyword_value(call, "endpoint") or (call.args[1] if len(call.args) > 1 else None)
        view = keyword_value(call, "view_func") or (call.args[2] if len(call.args) > 2 else None)
        if isinstance(view, ast.Constant) and view.value is None:
            view = None
        view_key, view_line, function, view_class = self._view_of(view) if view is not None else (None, 0, None, None)
        methods_expr = keyword_value(call, "methods")
        if methods_expr is not None:
            methods = methods_argument(semantic, methods_expr)
        elif view_class is not None:
            methods = frozenset(self.view_classes.get(view_class, (ANY_METHOD,)))
        elif view is None or function is None:
            methods = frozenset({ANY_METHOD})
        else:
            methods = frozenset({"GET"})
        self._append_route(call, owner, rule, methods, endpoint_expr, view_key, view_line, function, view_class, "add_url_rule", call, has_view=view is not None)

    def _append_route(self, call: ast.Call, owner: Ref, rule: str, methods: frozenset[str], endpoint_expr: ast.AST | None,
                      view_key: str | None, view_line: int, function: str | None, view_class: str | None, kind: str, anchor: ast.AST,
                      has_view: bool = True) -> None:
        endpoint = self.literal(endpoint_expr)
        explicit = endpoint is not None
        if endpoint is None:
            endpoint = function if function is not None and has_view else UNKNOWN
        span = self.span(anchor)
        if endpoint == UNKNOWN and endpoint_expr is not None:
            self.unseen.append(Unseen("an endpoint given as an expression the checker cannot evaluate", None, span))
        if owner.kind == "unknown":
            self.unseen.append(Unseen("a route on an object the checker cannot resolve", endpoint if endpoint != UNKNOWN else None, span))
        scoped = any(keyword_value(call, option) is not None for option in ("host", "subdomain"))
        branch, guarded = self._branch(anchor)
        self.routes.append(RouteDef(
            owner=owner, rule=rule, methods=tuple(sorted(methods)), endpoint=endpoint, explicit_endpoint=explicit,
            view=view_key if has_view else None, view_line=view_line, view_class=view_class, function=function, kind=kind,
            variables=rule_variables(rule), scoped=scoped, branch=branch, guarded=guarded, span=span, in_test=self.in_test(anchor),
        ))

    def _view_of(self, view: ast.AST, depth: int = 3) -> tuple[str | None, int, str | None, str | None]:
        """(view key, `def` line, function name, View class) of a `view_func=` expression."""
        semantic = self.semantic
        if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
            name = self.literal(view.args[0] if view.args else keyword_value(view, "name"))
            class_key, _ = self.function_ref_key(view.func.value)
            key = f"{class_key or self.module}.as_view@{view.lineno}:{view.col_offset}"
            return key, view.lineno, name if name not in (None, UNKNOWN) else None, class_key
        if isinstance(view, ast.Name) and depth:
            binding = semantic.binding_of(view)
            if binding is not None and binding.kind is BindingKind.ASSIGNMENT and binding.value is not None:
                if isinstance(binding.value, ast.Call) and isinstance(binding.value.func, ast.Attribute) and binding.value.func.attr == "as_view":
                    return self._view_of(binding.value, depth - 1)
                if isinstance(binding.value, (ast.Name, ast.Attribute)) and binding.scope is not semantic.module_scope:
                    return self._view_of(binding.value, depth - 1)
        if isinstance(view, ast.Lambda):
            return function_key(semantic, view), view.lineno, "<lambda>", None
        key, line = self.function_ref_key(view)
        if key is None or (isinstance(view, ast.Name) and self._is_value_binding(view)):
            return None, 0, None, None
        return key, line, key.rpartition(".")[2], None

    def _is_value_binding(self, name: ast.Name) -> bool:
        """A module-level name bound to a computed value (`view = login_required(index)`): its
        `__name__` is not the variable's name."""
        binding = self.semantic.binding_of(name)
        return binding is not None and binding.kind is BindingKind.ASSIGNMENT and not isinstance(binding.value, (ast.Name, ast.Attribute))

    def _class_methods(self, cls: ast.ClassDef) -> tuple[str, ...]:
        """The methods a `View` / `MethodView` class answers: its `methods = [...]`, else the
        HTTP verbs its body defines; ANY_METHOD when a base class may add more."""
        semantic = self.semantic
        for statement in cls.body:
            if isinstance(statement, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "methods" for t in statement.targets):
                return tuple(sorted(methods_argument(semantic, statement.value)))
        verbs = {s.name.upper() for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in HTTP_METHOD_NAMES}
        verbs.discard("HEAD")
        verbs.discard("OPTIONS")
        if not all(flask_name(semantic, base) in VIEW_CLASSES for base in cls.bases) or not verbs:
            verbs.add(ANY_METHOD)
        return tuple(sorted(verbs))

    def check_loose_view(self, call: ast.Call) -> None:
        """`X.as_view("name")` handed to code other than `add_url_rule` (a project helper)."""
        parent = getattr(call, "flk_parent", None)
        if isinstance(parent, ast.keyword):
            parent = getattr(parent, "flk_parent", None)
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and parent.func.attr == "add_url_rule":
            return
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            return  # `view = X.as_view("name")`: followed where the name is used
        name = self.literal(call.args[0] if call.args else keyword_value(call, "name"))
        self.unseen.append(Unseen("a view registered through code the checker cannot follow", name if name not in (None, UNKNOWN) else None, self.span(call)))

    def _branch(self, node: ast.AST) -> tuple[tuple[str, ...], bool]:
        """The `if`/`try` branches around `node` (`if@3:0|body`), and whether a
        `with pytest.raises(...)` encloses it."""
        found: list[str] = []
        guarded = False
        child = node
        parent = getattr(node, "flk_parent", None)
        while parent is not None:
            if isinstance(parent, ast.If):
                part = "body" if child in parent.body else "else" if child in parent.orelse else None
                if part:
                    found.append(f"if@{parent.lineno}:{parent.col_offset}|{part}")
            elif isinstance(parent, ast.Try | getattr(ast, "TryStar", ast.Try)):
                part = "body" if child in parent.body or child in parent.orelse else "handler" if child in parent.handlers else None
                if part:
                    found.append(f"try@{parent.lineno}:{parent.col_offset}|{part}{parent.handlers.index(child) if part == 'handler' else ''}")
            elif isinstance(parent, (ast.With, ast.AsyncWith)) and any(_is_raises_context(item.context_expr) for item in parent.items):
                guarded = True
            child, parent = parent, getattr(parent, "flk_parent", None)
        return tuple(reversed(found)), guarded

    def _module_uses_flask(self) -> bool:
        if self._uses_flask is None:
            self._uses_flask = any(self.semantic.imports_module(package) for package in ("flask", "quart", "apiflask"))
        return self._uses_flask

    # -- hooks and error handlers ------------------------------------------------------------------

    def add_hook(self, receiver: ast.AST, decorator: str, function: str | None, anchor: ast.AST) -> None:
        owner = self.ref(receiver)
        if owner.kind == "unknown" and not self._module_uses_flask():
            return
        kind, app_wide = HOOKS[decorator]
        self.hooks.append(HookDef(owner, kind, app_wide, function, self.span(anchor), self.in_test(anchor)))

    def add_error_handler(self, receiver: ast.AST, decorator: str, argument: ast.AST | None, handler: ast.AST | None, anchor: ast.AST) -> None:
        owner = self.ref(receiver)
        if owner.kind == "unknown" and not self._module_uses_flask():
            return
        code, exception = self._handled(argument)
        if isinstance(handler, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = function_key(self.semantic, handler)
        else:
            function = self.function_ref_key(handler)[0] if handler is not None else None
        self.error_handlers.append(ErrorHandlerDef(owner, decorator == "app_errorhandler", code, exception, function, self.span(anchor), self.in_test(anchor)))

    def _handled(self, argument: ast.AST | None) -> tuple[int | None, str | None]:
        """(status code, exception class) an error handler is registered for."""
        semantic = self.semantic
        constant = semantic.constant_value(argument) if argument is not None else None
        if constant is not None and isinstance(constant.value, int) and not isinstance(constant.value, bool):
            return constant.value, None
        qualified = semantic.qualified_name(argument) if argument is not None else None
        if qualified is None:
            return None, None
        status = http_status(qualified)
        return (status, None) if status is not None else (None, qualified)

    # -- imports and module-level values ---------------------------------------------------------------

    def visit_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            modules = [node.module or ""] if not node.level else []
            self.constructor_names.update(alias.asname for alias in node.names if alias.asname and alias.name in ("Blueprint", "APIBlueprint"))
        for module in modules:
            package = module.split(".")[0]
            if package in ENDPOINT_PLUGINS:
                self.unseen.append(Unseen(f"`{package}` adds endpoints through its own API", None, self.span(node)))
                return

    def _module_values(self) -> tuple[dict[str, str], dict[str, tuple[Ref, ...]]]:
        """Module-level names bound once to another name (aliases) or to a literal collection."""
        aliases: dict[str, str] = {}
        collections: dict[str, tuple[Ref, ...]] = {}
        semantic = self.semantic
        for name, bindings in semantic.module_scope.bindings.items():
            if len(bindings) != 1 or bindings[0].kind is not BindingKind.ASSIGNMENT:
                continue
            value = bindings[0].value
            if isinstance(value, (ast.Name, ast.Attribute)):
                reference = self.ref(value)
                if reference.kind == "name" and reference.target != f"{self.module}.{name}":
                    aliases[name] = reference.target
            elif isinstance(value, (ast.Tuple, ast.List, ast.Set)) and 0 < len(value.elts) <= _MAX_COLLECTION:
                if all(isinstance(e, (ast.Name, ast.Attribute, ast.Call)) for e in value.elts):
                    collections[name] = tuple(self.ref(e) for e in value.elts)
        return aliases, collections


def _is_raises_context(expr: ast.AST) -> bool:
    """`pytest.raises(...)`, `self.assertRaises(...)`, `self.assertRaisesRegex(...)`."""
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("raises", "assertRaises", "assertRaisesRegex")


def http_status(qualified: str) -> int | None:
    """404 for `http.HTTPStatus.NOT_FOUND`; None for any other name."""
    import http

    head, _, member = qualified.rpartition(".")
    if head != "http.HTTPStatus":
        return None
    status = getattr(http.HTTPStatus, member, None)
    return int(status) if status is not None else None
