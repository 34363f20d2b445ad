"""FLK606."""

from __future__ import annotations

import ast
import sys

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.flask import app_reference, enclosing_function, keyword_value
from flaskcheck.semantic.model import SemanticModel
from flaskcheck.semantic.sqlalchemy import (
    EXTENSION,
    EXTENSION_CLASS,
    SqlaProject,
    describe,
    function_key,
    hook_names,
    hook_registrations,
    is_view_function,
    nodes_of,
    record_url_rule,
    registered_functions,
)

_CREATE_ENGINE = frozenset({"sqlalchemy.create_engine", "sqlalchemy.engine.create_engine", "sqlalchemy.engine.create.create_engine"})
_SESSIONMAKER = frozenset({"sqlalchemy.orm.sessionmaker", "sqlalchemy.orm.session.sessionmaker"})
_NOT_EXTENSIONS = frozenset({"builtins", "flask", "sqlalchemy", "werkzeug", "jinja2", *sys.stdlib_module_names})
_REGISTRATION = "after the first request it raises `AssertionError: The setup method 'teardown_appcontext' can no longer be called` (or `RuntimeError` when the app already has a `SQLAlchemy` instance)"


class EngineCreatedPerRequest(Rule):
    """
    ## What it does
    Reports a database engine, a Flask-SQLAlchemy registration or a session factory created
    on every request. Inside a view or a request hook (`before_request`, `after_request`,
    `teardown_request`, `teardown_appcontext` and their blueprint `*_app_request` forms):
    - `create_engine(...)` (warning);
    - `SQLAlchemy(app)`, `SQLAlchemy(current_app)` or `<db>.init_app(...)` on a
      Flask-SQLAlchemy extension (error);
    - `sessionmaker(...)` bound to an engine created in the same function (warning).

    It stays silent at import time and in factories (`create_app`), and for
    `sessionmaker(bind=...)` whose engine was not created in that function (a module-level
    engine, `db.engine`, one returned by a helper): that reuses one pool. A view registered
    with `add_url_rule` in another module counts as a view.

    ## Why is this bad?
    An engine owns a connection pool. Creating one per request opens new database
    connections on every request and leaves them open until the engine is garbage-collected,
    until the database refuses connections. Registering Flask-SQLAlchemy in a view changes
    the app after it has started handling requests: after the first request it raises
    `AssertionError: The setup method 'teardown_appcontext' can no longer be called on the
    application`, or `RuntimeError: A 'SQLAlchemy' instance has already been registered on
    this Flask app` when the app already has one.

    ## Example
    ```python
    from flask import Flask
    from sqlalchemy import create_engine, text

    app = Flask(__name__)


    @app.get("/health")
    def health():
        engine = create_engine("postgresql://localhost/shop")  # error
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    ```

    ## Use instead
    ```python
    from flask import Flask
    from sqlalchemy import create_engine, text

    app = Flask(__name__)
    engine = create_engine("postgresql://localhost/shop")


    @app.get("/health")
    def health():
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    ```

    With Flask-SQLAlchemy, create `db = SQLAlchemy()` once, call `db.init_app(app)` in the
    factory, and use `db.engine` / `db.session` in views.

    ## References
    - [SQLAlchemy: engine disposal](https://docs.sqlalchemy.org/en/20/core/connections.html#engine-disposal)
    - [Flask-SQLAlchemy: quick start](https://flask-sqlalchemy.readthedocs.io/en/stable/quickstart/)
    - [Flask: the application factory](https://flask.palletsprojects.com/en/stable/patterns/appfactories/)
    """

    code = "FLK606"
    name = "engine-created-per-request"
    severity = Severity.WARNING

    valid = [
        # at import time and in the factory
        Valid(
            "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\nfrom sqlalchemy import create_engine\n\n"
            "db = SQLAlchemy()\nreporting = create_engine('sqlite:///reports.db')\n\n"
            "def create_app():\n    app = Flask(__name__)\n    db.init_app(app)\n    app.extensions['legacy'] = create_engine('sqlite:///legacy.db')\n    return app\n"
        ),
        # sessionmaker bound to an engine that was not made here
        Valid(
            "from flask import Flask\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
            "app = Flask(__name__)\nengine = create_engine('sqlite://')\n\n"
            "def reporting_engine():\n    return engine\n\n"
            "@app.get('/a')\ndef a():\n    Session = sessionmaker(bind=engine)\n    return 'ok'\n\n"
            "@app.get('/b')\ndef b():\n    Session = sessionmaker(reporting_engine())\n    return 'ok'\n"
        ),
        # a CLI command is no view; a FastAPI route is no Flask view
        Valid(
            "from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\n\n"
            "@app.cli.command('migrate-legacy')\ndef migrate_legacy():\n    engine = create_engine('sqlite:///legacy.db')\n"
        ),
        Valid(
            "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\napp = FastAPI()\n\n"
            "@app.get('/health')\ndef health():\n    engine = create_engine('sqlite://')\n"
        ),
        # another extension's init_app, and a `db` that is a parameter
        Valid(
            "from flask import Flask, current_app\nfrom flask_caching import Cache\napp = Flask(__name__)\ncache = Cache()\n\n"
            "@app.before_request\ndef setup(db=None):\n    cache.init_app(current_app)\n    if db is not None:\n        db.init_app(current_app)\n"
        ),
        # a helper that is no view and no hook
        Valid(
            "from sqlalchemy import create_engine\n\ndef engine_for(url):\n    return create_engine(url)\n"
        ),
    ]
    invalid = [
        Invalid(
            "from flask import Flask, current_app\nfrom flask_sqlalchemy import SQLAlchemy as FSA\napp = Flask(__name__)\n\n"
            "@app.route('/users')\ndef users():\n    db = FSA(current_app)  # error\n    return 'ok'\n",
            severity=Severity.ERROR,
            message="`FSA(current_app)` in view `users`: after the first request it raises `AssertionError: The setup method 'teardown_appcontext' can no longer be called` (or `RuntimeError` when the app already has a `SQLAlchemy` instance)",
        ),
        # a blueprint hook, the extension imported from another module
        Invalid(files={
            "app/__init__.py": "",
            "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/views.py": (
                "from flask import Blueprint, current_app\nfrom app.extensions import db\nbp = Blueprint('main', __name__)\n\n"
                "@bp.before_app_request\ndef connect():\n    db.init_app(current_app)  # error\n"
            ),
        }, severity=Severity.ERROR),
        # an engine and a sessionmaker made per request, in a MethodView
        Invalid(
            "import sqlalchemy\nfrom flask.views import MethodView\nfrom sqlalchemy.orm import sessionmaker\n\n"
            "class Report(MethodView):\n    def get(self):\n        engine = sqlalchemy.create_engine('sqlite://')  # error\n"
            "        Session = sessionmaker(bind=engine)  # error\n        return 'ok'\n",
            severity=Severity.WARNING,
        ),
        Invalid(
            "from flask import Flask\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
            "def create_app():\n    app = Flask(__name__)\n\n    @app.get('/stats')\n    def stats():\n"
            "        Session = sessionmaker(create_engine('sqlite://'))  # error\n        return 'ok'\n\n    return app\n",
            message="`sessionmaker()` in view `stats` is bound to an engine created in the same function: a new connection pool per request",
        ),
        # a view registered with add_url_rule in another module; a hook registered by a call
        Invalid(files={
            "shop/__init__.py": (
                "from flask import Flask\nfrom shop import views\n\napp = Flask(__name__)\napp.add_url_rule('/report', view_func=views.report)\n"
                "app.teardown_appcontext(views.close)\n"
            ),
            "shop/views.py": (
                "from sqlalchemy import create_engine\n\ndef report():\n    engine = create_engine('sqlite://')  # error\n    return 'ok'\n\n"
                "def close(exc):\n    create_engine('sqlite://').dispose()  # error\n"
            ),
        }),
        Invalid(
            "from flask import Flask\nfrom sqlalchemy import create_engine\napp = Flask(__name__)\n\n"
            "def open_reporting(exc):\n    create_engine('sqlite://').dispose()  # error\n\napp.teardown_appcontext(open_reporting)\n",
            message="`create_engine()` in request hook `open_reporting`: every request builds a new engine and connection pool, whose connections stay open until it is garbage-collected",
        ),
    ]

    def __init__(self) -> None:
        self._hooks: dict[int, set[str]] | None = None

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        record_url_rule(node, ctx)
        semantic = ctx.semantic
        if isinstance(node.func, ast.Attribute) and node.func.attr == "init_app":
            receiver = describe(semantic, node.func.value) if node.args else None
            if receiver is not None:
                self._record(node, ctx, what="init_app", text=f"`{ast.unparse(node.func)}()`", needs=[receiver, [EXTENSION]])
            return
        called = semantic.qualified_name(node.func)
        if called in _CREATE_ENGINE:
            self._record(node, ctx, what="engine", text=f"`{ast.unparse(node.func)}()`")
        elif called in _SESSIONMAKER:
            bind = keyword_value(node, "bind") or (node.args[0] if node.args else None)
            function = enclosing_function(node)
            if function is not None and _is_engine_made_here(semantic, bind, function):
                self._record(node, ctx, what="sessionmaker", text="`sessionmaker()`")
        elif called is not None and called.split(".")[0] not in _NOT_EXTENSIONS:
            argument = node.args[0] if node.args else keyword_value(node, "app")
            if not isinstance(argument, (ast.Name, ast.Attribute)) or app_reference(semantic, argument) is None:
                return  # only a construction with the app object registers an extension
            callee = describe(semantic, node.func)
            if callee is not None:
                self._record(node, ctx, what="extension", text=f"`{ast.unparse(node.func)}({ast.unparse(argument)})`", needs=[callee, [EXTENSION_CLASS]])

    def _record(self, node: ast.Call, ctx: FileContext, **data) -> None:
        semantic = ctx.semantic
        function = enclosing_function(node)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        if self._hooks is None:
            self._hooks = hook_registrations(semantic)
        role = "view" if is_view_function(semantic, function) else "request hook" if hook_names(semantic, function, self._hooks) else None
        if role is None and semantic.scope_of(function) is not semantic.module_scope:
            return
        ctx.record(node, kind="call", role=role, function=function.name, key=function_key(semantic, function), needs=data.pop("needs", None), **data)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        project = SqlaProject(index)
        views = registered_functions(index, self.code)
        hooks = registered_functions(index, self.code, "hook_registration")
        for summary, fact in index.facts(self.code):
            data = fact.data
            if data["kind"] != "call":
                continue
            role = data["role"] or ("view" if data["key"] in views else "request hook" if data["key"] in hooks else None)
            if role is None:
                continue
            if data["needs"] is not None and project.kind(data["needs"][0], summary) not in data["needs"][1]:
                continue
            where = f"{data['text']} in {role} `{data['function']}`"
            if data["what"] == "engine":
                ctx.report_fact(fact, f"{where}: every request builds a new engine and connection pool, whose connections stay open until it is garbage-collected")
            elif data["what"] == "sessionmaker":
                ctx.report_fact(fact, f"{where} is bound to an engine created in the same function: a new connection pool per request")
            else:
                ctx.report_fact(fact, f"{where}: {_REGISTRATION}", severity=Severity.ERROR)


def _is_engine_made_here(semantic: SemanticModel, bind: ast.AST | None, function: ast.AST) -> bool:
    """`create_engine(...)` itself, or a local variable of `function` assigned from it."""
    if isinstance(bind, ast.Call):
        return semantic.qualified_name(bind.func) in _CREATE_ENGINE
    if not isinstance(bind, ast.Name):
        return False
    binding = semantic.binding_of(bind)
    if binding is None or binding.scope.node is not function:
        return False
    return any(
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == bind.id for t in node.targets)
        and isinstance(node.value, ast.Call) and semantic.qualified_name(node.value.func) in _CREATE_ENGINE
        for node in nodes_of(function.body)
    )
