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


_KNOWN_NON_FLASK = frozenset({"celery", "fastapi", "starlette", "django", "sqlalchemy", "requests", "werkzeug", "jinja2", "click"})
try:
    import sys

    _STDLIB = frozenset(sys.stdlib_module_names)
except AttributeError:  # pragma: no cover - Python < 3.10 is unsupported anyway
    _STDLIB = frozenset()


def is_config_attribute(semantic: SemanticModel, expr: ast.AST) -> bool:
    """`<something>.config`: Flask's config mapping (a receiver known not to be Flask excluded)."""
    if not isinstance(expr, ast.Attribute) or expr.attr != "config":
        return False
    owner = semantic.qualified_name(expr.value)
    if owner is not None and owner.split(".")[0] in _KNOWN_NON_FLASK:
        return False
    return True


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


def is_wsgi_entry_file(relative_path: str) -> bool:
    return PurePosixPath(relative_path).name in WSGI_ENTRY_FILES


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
