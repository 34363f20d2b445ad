"""Name resolution through imports: what every rule relies on."""

from __future__ import annotations

import ast

import pytest

from flaskcheck.semantic.flask import canonical_name, is_dev_or_test_name, is_test_path, name_words
from flaskcheck.semantic.model import SemanticModel


def resolve_all(source: str, module: str = "pkg.views", is_package: bool = False) -> dict[str, str | None]:
    """Qualified name of every expression statement `expr  # label`, keyed by label."""
    tree = ast.parse(source)
    model = SemanticModel(tree, module, is_package)
    lines = source.splitlines()
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and "#" in lines[node.lineno - 1]:
            label = lines[node.lineno - 1].split("#")[1].strip()
            found[label] = canonical_name(model.qualified_name(node.value))
    return found


def test_imports_aliases_and_attributes():
    names = resolve_all(
        "import flask\nimport flask as fl\nfrom flask import request as rq, session\nimport os.path\n"
        "flask.request  # a\nfl.current_app  # b\nrq  # c\nsession.get  # d\nos.path.join  # e\nos.environ.get  # f\n"
    )
    assert names == {"a": "flask.request", "b": "flask.current_app", "c": "flask.request", "d": "flask.session.get", "e": "os.path.join", "f": "os.environ.get"}


def test_locals_and_parameters_shadow_imports():
    names = resolve_all(
        "from flask import request, session\n"
        "def view(request):\n    request  # param\n"
        "def other():\n    session = make()\n    session  # local\n"
        "request  # module\n"
    )
    assert names == {"param": None, "local": None, "module": "flask.request"}


def test_binding_order_at_module_level():
    names = resolve_all("from flask import session\nsession  # before\nfrom sqlalchemy.orm import session\nsession  # after\n")
    assert names == {"before": "flask.session", "after": "sqlalchemy.orm.session"}


def test_functions_see_the_final_module_binding():
    names = resolve_all("def f():\n    request  # late\nfrom flask import request\n")
    assert names == {"late": "flask.request"}


def test_class_scope_is_not_visible_from_methods():
    names = resolve_all("from flask import g\nclass C:\n    g = 1\n    g  # class\n    def m(self):\n        g  # method\n")
    assert names == {"class": None, "method": "flask.g"}


def test_global_declaration_binds_at_module_level():
    names = resolve_all("from flask import g\ndef f():\n    global g\n    g = 2\ndef h():\n    g  # read\n")
    assert names == {"read": None}


def test_relative_imports():
    assert resolve_all("from . import models\nfrom .models import db\nfrom ..core import app\nmodels  # a\ndb  # b\napp  # c\n", "pkg.sub.views") == {
        "a": "pkg.sub.models", "b": "pkg.sub.models.db", "c": "pkg.core.app",
    }
    assert resolve_all("from .views import bp\nbp  # a\n", "pkg", is_package=True) == {"a": "pkg.views.bp"}


def test_module_level_alias_assignment_is_followed_once_bound():
    names = resolve_all("import flask\nrq = flask.request\nrq  # alias\nx = 1\nx = flask.g\nx  # rebound\n")
    assert names == {"alias": "flask.request", "rebound": None}


def test_builtins_and_definitions():
    names = resolve_all("def helper():\n    pass\nint  # b\nhelper  # d\nundefined_name  # u\n")
    assert names == {"b": "builtins.int", "d": "pkg.views.helper", "u": None}


def test_comprehension_and_lambda_scopes():
    names = resolve_all("from flask import request\n[request for request in range(3)]  # comp\n(lambda request: request)  # lam\n")
    assert names == {"comp": None, "lam": None}


def test_decorators_and_defaults_resolve_in_the_enclosing_scope():
    source = "from flask import request\ndef f(request=request.args):\n    pass\n"
    tree = ast.parse(source)
    model = SemanticModel(tree, "m")
    default = tree.body[1].args.defaults[0]
    assert model.qualified_name(default) == "flask.request.args"


def test_canonical_names_fold_flask_like_packages():
    assert canonical_name("flask.globals.request") == "flask.request"
    assert canonical_name("quart.request") == "flask.request"
    assert canonical_name("quart.Quart") == "flask.Flask"
    assert canonical_name("apiflask.APIFlask") == "flask.APIFlask"
    assert canonical_name("flask_sqlalchemy.SQLAlchemy") == "flask_sqlalchemy.SQLAlchemy"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("DevelopmentConfig", True), ("settings_dev.py", True), ("docker-compose.dev.yml", True), ("LocalSettings", True),
     ("TestingConfig", True), ("devices.py", False), ("Contest", False), ("ProductionConfig", False), ("developer_tools", False)],
)
def test_dev_or_test_names(name, expected):
    assert is_dev_or_test_name(name) is expected


def test_override_counts_only_for_deployment_files():
    assert is_dev_or_test_name("docker-compose.override.yml", deployment_file=True)
    assert not is_dev_or_test_name("override.py")


def test_name_words():
    assert name_words("HTTPDevelopmentConfig") == ["http", "development", "config"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [("tests/test_app.py", True), ("app/test/helpers.py", True), ("test_views.py", True), ("views_test.py", True),
     ("conftest.py", True), ("app/testing.py", False), ("contest.py", False), ("latest/views.py", False)],
)
def test_test_paths(path, expected):
    assert is_test_path(path) is expected
