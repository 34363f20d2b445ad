"""Flask meaning on top of the semantic model: one shared definition of each spec term.

"App object", "blueprint", "view", "test code", "development or test name", "WSGI entry
file", "request proxy": every rule asks these questions here, never by spelling.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from flaskcheck.semantic.model import BindingKind, SemanticModel

# Packages that share Flask's API; their names are folded onto `flask.<name>`.
_FLASK_LIKE = ("flask", "quart", "apiflask")
_FLASK_SUBMODULES = ("app", "globals", "helpers", "templating", "wrappers", "sessions", "json", "blueprints", "sansio.app", "sansio.blueprints", "views", "ctx")

APP_CLASSES = frozenset({"flask.Flask", "flask.APIFlask"})
BLUEPRINT_CLASSES = frozenset({"flask.Blueprint", "flask.APIBlueprint", "flask_smorest.Blueprint"})
REQUEST_PROXIES = frozenset({"flask.request", "flask.session", "flask_login.current_user"})
APP_PROXIES = frozenset({"flask.current_app", "flask.g"})
ROUTE_METHODS = frozenset({"route", "get", "post", "put", "patch", "delete"})
WSGI_ENTRY_FILES = frozenset({"wsgi.py", "asgi.py", "run.py", "manage.py", "serve.py", "main.py"})
_DEV_OR_TEST_WORDS = frozenset({"dev", "development", "local", "test", "tests", "testing"})
_WORD_SPLIT = re.compile(r"[_\-.\s/]+")
_CAMEL_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def canonical_name(qualified: str | None) -> str | None:
    """Fold `flask.globals.request`, `quart.request`, `apiflask.APIFlask` onto `flask.<name>`."""
    if qualified is None:
        return None
    head, _, rest = qualified.partition(".")
    if head not in _FLASK_LIKE or not rest:
        return qualified
    for submodule in _FLASK_SUBMODULES:
        prefix = submodule + "."
        if rest.startswith(prefix) and "." not in rest[len(prefix):]:
            rest = rest[len(prefix):]
            break
    if head == "quart" and rest == "Quart":
        rest = "Flask"
    return f"flask.{rest}"


def flask_name(semantic: SemanticModel, expr: ast.AST | None) -> str | None:
    """The canonical dotted name `expr` refers to (`"flask.request"`), or None."""
    return canonical_name(semantic.qualified_name(expr))


def call_name(semantic: SemanticModel, node: ast.AST) -> str | None:
    """The canonical name of the function a call calls, or None when `node` is no call."""
    return flask_name(semantic, node.func) if isinstance(node, ast.Call) else None


# -- app objects -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppReference:
    """An expression that is an app object here (`imported` is None), or may be one:
    a name imported from `imported`, which the project index confirms or rejects."""

    imported: str | None = None


def app_reference(semantic: SemanticModel, expr: ast.AST | None) -> AppReference | None:
    """Is `expr` a Flask app object? Certain (local), possible (imported name), or None."""
    if isinstance(expr, ast.Call) and flask_name(semantic, expr.func) in APP_CLASSES:
        return AppReference()
    if flask_name(semantic, expr) == "flask.current_app":
        return AppReference()
    if not isinstance(expr, ast.Name):
        return None
    binding = semantic.binding_of(expr)
    if binding is None:
        return None
    if binding.kind is BindingKind.IMPORT:
        qualified = binding.qualified or ""
        if qualified.split(".")[0] in _FLASK_LIKE or _is_third_party(qualified, semantic):
            return None
        return AppReference(imported=qualified)
    if binding.kind is BindingKind.ASSIGNMENT and isinstance(binding.value, ast.Call):
        return AppReference() if flask_name(semantic, binding.value.func) in APP_CLASSES else None
    if binding.kind is BindingKind.PARAMETER:
        annotation = getattr(binding.node, "annotation", None)
        if annotation is not None and flask_name(semantic, annotation) in APP_CLASSES:
            return AppReference()
    return None


def _is_third_party(qualified: str, semantic: SemanticModel) -> bool:
    """Heuristic boundary: an absolute import whose top package is not this project's."""
    top = qualified.split(".")[0]
    own_top = semantic.module_name.split(".")[0]
    return top in _KNOWN_NON_FLASK or (top != own_top and top in _STDLIB)


_KNOWN_NON_FLASK = frozenset({"celery", "fastapi", "starlette", "django", "sqlalchemy", "requests", "werkzeug", "jinja2", "click", "sanic"})
try:
    import sys

    _STDLIB = frozenset(sys.stdlib_module_names)
except AttributeError:  # pragma: no cover - Python < 3.10 is unsupported anyway
    _STDLIB = frozenset()


def is_app_factory(semantic: SemanticModel, function: ast.AST) -> bool:
    """A module-level function that returns a new app: `return Flask(...)`, or a name bound to one."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or semantic.scope_of(function) is not semantic.module_scope:
        return False
    stack: list[ast.AST] = list(function.body)
    while stack:  # the function's own statements, not those of nested functions or classes
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            value = semantic.assigned_value(node.value) if isinstance(node.value, ast.Name) else node.value
            if isinstance(value, ast.Call) and flask_name(semantic, value.func) in APP_CLASSES:
                return True
        elif isinstance(node, ast.stmt):
            stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)))
    return False


def app_candidate(semantic: SemanticModel, expr: ast.AST | None, depth: int = 3) -> str | None:
    """`app_reference` plus apps made by a project function, as plain data for a fact:
    "" (certainly an app), "import:<name>" (if the imported name is one), "factory:<name>"
    (the result of calling `<name>`, an app if that is an app factory), or None."""
    reference = app_reference(semantic, expr)
    if reference is not None:
        return f"import:{reference.imported}" if reference.imported else ""
    if isinstance(expr, ast.Name) and depth:
        value = semantic.assigned_value(expr)
        return app_candidate(semantic, value, depth - 1) if value is not None else None
    if not isinstance(expr, ast.Call):
        return None
    called = semantic.qualified_name(expr.func)
    if called is None or called.split(".")[0] in _FLASK_LIKE or _is_third_party(called, semantic):
        return None
    return f"factory:{called}"


def module_level_calls(semantic: SemanticModel) -> dict[str, str]:
    """Module-level names bound to a call of a dotted name (`app = create_app()`): name -> callee."""
    found = {}
    for name, bindings in semantic.module_scope.bindings.items():
        for binding in bindings:
            called = semantic.qualified_name(binding.value.func) if isinstance(binding.value, ast.Call) else None
            if binding.kind is BindingKind.ASSIGNMENT and called:
                found[name] = called
    return found


def is_config_attribute(semantic: SemanticModel, expr: ast.AST) -> bool:
    """`<something>.config`: Flask's config mapping (a receiver known not to be Flask excluded)."""
    if not isinstance(expr, ast.Attribute) or expr.attr != "config":
        return False
    owner = semantic.qualified_name(expr.value)
    created = semantic.assigned_value(expr.value) if owner is None else None
    if isinstance(created, ast.Call):  # `celery = Celery(...)`: the class it was made from
        owner = semantic.qualified_name(created.func)
    if owner is not None and owner.split(".")[0] in _KNOWN_NON_FLASK:
        return False
    return True



# -- views ---------------------------------------------------------------------------------------

VIEW_CLASSES = frozenset({"flask.View", "flask.MethodView"})
HTTP_METHOD_NAMES = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
ANY_METHOD = "*"  # stands for a `methods=` argument that is not a literal


def is_app_or_blueprint(semantic: SemanticModel, expr: ast.AST | None) -> bool:
    """An app object (certain or possible, as `app_reference` says) or a `Blueprint(...)`."""
    if app_reference(semantic, expr) is not None:
        return True
    value = semantic.assigned_value(expr) if isinstance(expr, ast.Name) else None
    return isinstance(value, ast.Call) and flask_name(semantic, value.func) in BLUEPRINT_CLASSES


def methods_argument(semantic: SemanticModel, expr: ast.AST | None) -> frozenset[str]:
    """A route's `methods=`: GET when absent, `ANY_METHOD` when not a list of literals."""
    if expr is None:
        return frozenset({"GET"})
    if isinstance(expr, ast.Name):
        expr = semantic.assigned_value(expr) or expr
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        names = [string_value(element) for element in expr.elts]
        if all(names):
            return frozenset(name.upper() for name in names)
    return frozenset({ANY_METHOD})


def route_methods(semantic: SemanticModel, decorator: ast.AST) -> frozenset[str] | None:
    """The methods of `@<app or bp>.route/get/post/put/patch/delete(...)`; None for other decorators."""
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return None
    verb = decorator.func.attr
    if verb not in ROUTE_METHODS or not is_app_or_blueprint(semantic, decorator.func.value):
        return None
    if verb != "route":
        return frozenset({verb.upper()})
    return methods_argument(semantic, keyword_value(decorator, "methods"))


def url_rule_view(semantic: SemanticModel, call: ast.AST) -> tuple[ast.expr, frozenset[str]] | None:
    """`<app or bp>.add_url_rule(rule, endpoint, view_func, methods=...)`: the view and its methods."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) or call.func.attr != "add_url_rule":
        return None
    if not is_app_or_blueprint(semantic, call.func.value):
        return None
    view = keyword_value(call, "view_func") or (call.args[2] if len(call.args) > 2 else None)
    if view is None:
        return None
    return view, methods_argument(semantic, keyword_value(call, "methods"))


def is_view_class(semantic: SemanticModel, cls: ast.ClassDef, depth: int = 8) -> bool:
    """A `flask.views.View` / `MethodView` subclass, directly or through classes of this module."""
    for base in cls.bases:
        if flask_name(semantic, base) in VIEW_CLASSES:
            return True
        binding = semantic.binding_of(base)
        if depth and binding is not None and binding.kind is BindingKind.CLASS and isinstance(binding.node, ast.ClassDef):
            if is_view_class(semantic, binding.node, depth - 1):
                return True
    return False


def view_methods(semantic: SemanticModel, function: ast.AST) -> frozenset[str] | None:
    """The HTTP methods a view answers (by its route decorators, or as a `View` / `MethodView`
    method); None when `function` is not a view that way. `add_url_rule` is `url_rule_view`'s."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    found: set[str] = set()
    for decorator in function.decorator_list:
        found |= route_methods(semantic, decorator) or set()
    if found:
        return frozenset(found)
    owner = enclosing_class(function)
    if owner is None or not is_view_class(semantic, owner):
        return None
    if function.name in HTTP_METHOD_NAMES:
        return frozenset({function.name.upper()})
    if function.name != "dispatch_request":
        return None
    declared = [s.value for s in owner.body if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "methods" for t in s.targets)]
    return methods_argument(semantic, declared[-1] if declared else None)


def is_view(semantic: SemanticModel, function: ast.AST) -> bool:
    return view_methods(semantic, function) is not None

# -- code locations ------------------------------------------------------------------------


def parent(node: ast.AST) -> ast.AST | None:
    return getattr(node, "flk_parent", None)


def ancestors(node: ast.AST):
    """Parents of `node`, nearest first."""
    current = parent(node)
    while current is not None:
        yield current
        current = parent(current)


def enclosing_function(node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None:
    for ancestor in ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if _is_in_body(node, ancestor):
                return ancestor
    return None


def enclosing_class(node: ast.AST) -> ast.ClassDef | None:
    """The class whose body holds `node` directly (not through a nested function)."""
    for ancestor in ancestors(node):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and _is_in_body(node, ancestor):
            return None
        if isinstance(ancestor, ast.ClassDef):
            return ancestor
    return None


def enclosing_classes(node: ast.AST) -> list[ast.ClassDef]:
    return [a for a in ancestors(node) if isinstance(a, ast.ClassDef)]


def _is_in_body(node: ast.AST, function: ast.AST) -> bool:
    """Is `node` inside the body of `function` (not its decorators, defaults or annotations)?"""
    scope = getattr(node, "flk_scope", None)
    inner = getattr(function, "flk_inner_scope", None)
    while scope is not None:
        if scope is inner:
            return True
        scope = scope.parent
    return False


def is_at_module_level(node: ast.AST) -> bool:
    return enclosing_function(node) is None and enclosing_class(node) is None


def is_main_guard(test: ast.AST) -> bool:
    """`__name__ == "__main__"` (either order)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    strings = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and strings)


def is_under_main_guard(node: ast.AST) -> bool:
    child = node
    for ancestor in ancestors(node):
        if isinstance(ancestor, ast.If) and is_main_guard(ancestor.test) and child in ancestor.body:
            return True
        child = ancestor
    return False


def enclosing_ifs(node: ast.AST) -> list[ast.If]:
    """The `if` statements whose body (not `else`) holds `node`, nearest first."""
    found = []
    child = node
    for ancestor in ancestors(node):
        if isinstance(ancestor, ast.If) and child in ancestor.body:
            found.append(ancestor)
        child = ancestor
    return found


# -- names of files, classes and modules ------------------------------------------------------


def name_words(name: str) -> list[str]:
    """`DevelopmentConfig` -> [development, config]; `docker-compose.dev.yml` -> [docker, compose, dev, yml]."""
    words: list[str] = []
    for chunk in _WORD_SPLIT.split(name):
        words.extend(word.lower() for word in _CAMEL_WORDS.findall(chunk))
    return words


def is_dev_or_test_name(name: str, *, deployment_file: bool = False) -> bool:
    words = set(name_words(name))
    if deployment_file and "override" in words:
        return True
    return bool(words & _DEV_OR_TEST_WORDS)


def is_test_path(relative_path: str) -> bool:
    """Test code by file: under `tests/`/`test/`, `test_*.py`, `*_test.py`, `conftest.py`."""
    path = PurePosixPath(relative_path)
    if any(part in ("tests", "test") for part in path.parts[:-1]):
        return True
    name = path.name
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def is_test_class_name(name: str) -> bool:
    return "Test" in name


def is_in_test_class(node: ast.AST) -> bool:
    return any(is_test_class_name(cls.name) for cls in enclosing_classes(node))


def is_in_dev_or_test_class(node: ast.AST) -> bool:
    return any(is_dev_or_test_name(cls.name) for cls in enclosing_classes(node))


def is_dev_or_test_module(module_name: str, relative_path: str) -> bool:
    """The module's own name or its file name is a development or test name (`settings_dev.py`)."""
    own_name = module_name.rpartition(".")[2]
    return is_dev_or_test_name(own_name) or is_dev_or_test_name(PurePosixPath(relative_path).stem)


def is_under_dev_or_test_condition(node: ast.AST) -> bool:
    """In the body of an `if` whose test names development or testing and negates nothing
    (`if app.testing:`, `if config_name == "development":`)."""
    for branch in enclosing_ifs(node):
        parts = list(ast.walk(branch.test))
        if any(isinstance(p, ast.UnaryOp) and isinstance(p.op, ast.Not) for p in parts):
            continue
        if any(isinstance(p, ast.Compare) and any(isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn)) for op in p.ops) for p in parts):
            continue
        words = [p.id if isinstance(p, ast.Name) else p.attr if isinstance(p, ast.Attribute) else string_value(p) for p in parts]
        if any(word and is_dev_or_test_name(word) for word in words):
            return True
    return False


def is_wsgi_entry_file(relative_path: str) -> bool:
    return PurePosixPath(relative_path).name in WSGI_ENTRY_FILES


def source_root(relative_path: str, module_name: str, is_package: bool) -> str:
    """The folder a module's top-level package sits in: `examples/shop` for
    `examples/shop/shop/views.py` (module `shop.views`); a non-Python file's own folder."""
    from types import SimpleNamespace

    from flaskcheck.project.index import source_root_of

    return source_root_of(SimpleNamespace(relative=relative_path, module_name=module_name, is_package=is_package))


def is_same_project(root: str, other: str) -> bool:
    """Two source roots belong to one project when equal or nested (`.` holds every root), so
    linting several example apps at once does not let one app's settings answer for another."""
    if root == other or "." in (root, other):
        return True
    return root.startswith(other + "/") or other.startswith(root + "/")


def project_groups(summaries: list) -> dict[str, int]:
    """Module path -> project number, from the index's module summaries. A module, the
    packages above it and the project modules it imports at module level are one project, so
    a folder of single-file apps, or example projects linted together, stay apart. When
    several modules share a name (`app` in every example), an import resolves within its own
    source root only."""
    modules = [s for s in summaries if s.is_python and s.module_name]
    by_name: dict[str, list] = {}
    for summary in modules:
        by_name.setdefault(summary.module_name, []).append(summary)
    leader = {summary.path: summary.path for summary in modules}

    def find(path: str) -> str:
        while leader[path] != path:
            leader[path] = leader[leader[path]]
            path = leader[path]
        return path

    for summary in modules:
        root = source_root(summary.relative, summary.module_name, summary.is_package)
        parts = summary.module_name.split(".")
        targets = [".".join(parts[:end]) for end in range(1, len(parts))]
        targets.extend(_longest_module(qualified, by_name) for qualified in summary.imports.values())
        for target in filter(None, targets):
            candidates = by_name.get(target, [])
            if len(candidates) > 1:
                candidates = [c for c in candidates if source_root(c.relative, c.module_name, c.is_package) == root]
            if len(candidates) == 1:
                leader[find(summary.path)] = find(candidates[0].path)
    numbers: dict[str, int] = {}
    return {summary.path: numbers.setdefault(find(summary.path), len(numbers)) for summary in modules}


def _longest_module(qualified: str, modules: dict) -> str | None:
    """The project module an imported name lives in: `shop.views` for `shop.views.bp`."""
    words = qualified.split(".")
    for end in range(len(words), 0, -1):
        name = ".".join(words[:end])
        if name in modules:
            return name
    return None


# -- small AST questions -----------------------------------------------------------------------


def keyword_value(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def is_true_literal(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def is_false_literal(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False


def string_value(expr: ast.AST | None) -> str | None:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None
