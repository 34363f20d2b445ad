"""FLK306."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ModuleSummary, ProjectIndex
from flaskcheck.semantic.config import config_settings
from flaskcheck.semantic.flask import APP_CLASSES, call_name, flask_name, is_config_attribute, is_same_project, project_groups, source_root

_USED_NAMES = {"flask.session": "Flask's `session`", "flask.flash": "`flash()`"}
_LOGIN_MANAGERS = frozenset({"flask_login.LoginManager", "flask_login.login_manager.LoginManager"})
_LOADERS = frozenset({"from_object", "from_pyfile", "from_envvar", "from_prefixed_env", "from_file", "from_mapping"})
_CONFIG_EXTENSIONS = frozenset({"dynaconf.FlaskDynaconf", "dynaconf.contrib.FlaskDynaconf"})


class SessionWithoutSecretKey(Rule):
    """
    ## What it does
    Reports a project that uses Flask's `session` (reads or writes), calls `flash()` or
    creates a Flask-Login `LoginManager(...)`, while nothing anywhere in the project sets
    `SECRET_KEY`: none of the forms FLK301 lists, whatever the value, and no config loader
    (`from_object`, `from_pyfile`, `from_envvar`, `from_prefixed_env`, `from_file`,
    `from_mapping`, `config.update(<a mapping from elsewhere>)`, Dynaconf's `FlaskDynaconf`).
    It is reported once, at the first use in path order, then line order (imports are not
    uses).

    It stays silent when the project replaces the session interface (Flask-Session's
    `Session(app)` / `Session().init_app(app)`, or `app.session_interface = ...`): server-side
    sessions work without a key. Uses in test code do not count, and neither does a project
    that creates no Flask app outside its tests (a library or extension: the app that uses it
    sets the key). A project is a set of modules joined by imports and packages, so separate
    apps linted together (`examples/a.py` and `examples/b/`) are checked one by one.

    ## Why is this bad?
    Without a secret key Flask cannot sign the session cookie, so it refuses to write one:
    every session write (`session[...] = ...`, `flash()`, Flask-Login's `login_user`) raises
    `RuntimeError: The session is unavailable because no secret key was set` and the user
    gets a 500. Reads still work (the session is simply empty), so pages that only read it
    look fine until the first login or form post.

    ## Example
    ```python
    from flask import Flask, flash, redirect, session

    app = Flask(__name__)


    @app.post("/cart")
    def add_to_cart():
        session["cart"] = ["book"]  # error
        flash("Added")
        return redirect("/")
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask, flash, redirect, session

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]


    @app.post("/cart")
    def add_to_cart():
        session["cart"] = ["book"]
        flash("Added")
        return redirect("/")
    ```

    ## References
    - [Flask: sessions](https://flask.palletsprojects.com/en/stable/quickstart/#sessions)
    - [Flask: `SECRET_KEY`](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY)
    - [Flask-Session](https://flask-session.readthedocs.io/)
    """

    code = "FLK306"
    name = "session-without-secret-key"
    severity = Severity.ERROR

    valid = [
        # every setting form and loader silences, whatever the value
        Valid("from flask import Flask, session\napp = Flask(__name__)\napp.secret_key = get_key()\nx = session.get('a')\n"),
        Valid("import flask\napp = flask.Flask(__name__)\napp.config.update(SECRET_KEY=None)\nflask.flash('x')\n"),
        Valid("from flask import Flask, session\napp = Flask(__name__)\napp.config.from_prefixed_env()\nsession['a'] = 1\n"),
        Valid("from flask import Flask, session\n\ndef create_app(test_config=None):\n    app = Flask(__name__)\n    app.config.update(test_config)\n    return app\n\ndef view():\n    session['a'] = 1\n"),
        Valid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.config.from_object('shop.config.Config')\n    return app\n",
            "shop/views.py": "from flask import session\n\ndef cart():\n    session['cart'] = []\n",
        }),
        Valid(files={
            "app.py": "from flask import Flask, session\napp = Flask(__name__)\n\n@app.route('/')\ndef index():\n    session['a'] = 1\n    return ''\n",
            "config.py": "SECRET_KEY = None\n",
        }),
        # server-side sessions need no key
        Valid("from flask import Flask, session\nfrom flask_session import Session\napp = Flask(__name__)\napp.config['SESSION_TYPE'] = 'cachelib'\nSession(app)\nsession['a'] = 1\n"),
        Valid(files={
            "pkg/__init__.py": "from flask import Flask\nfrom pkg.extensions import sess\n\ndef create_app():\n    app = Flask(__name__)\n    sess.init_app(app)\n    return app\n",
            "pkg/extensions.py": "import flask_session\nsess = flask_session.Session()\n",
            "pkg/views.py": "from flask import flash\n\ndef view():\n    flash('hi')\n",
        }),
        Valid("from flask import Flask, session\napp = Flask(__name__)\napp.session_interface = RedisSessionInterface()\nsession['a'] = 1\n"),
        Valid("from flask import Flask, session\napp = Flask(__name__)\nconfig = app.config\nconfig.from_envvar('APP_SETTINGS')\nsession['a'] = 1\n"),
        # not Flask's session: SQLAlchemy, requests, a local name
        Valid("from flask import Flask\nfrom sqlalchemy.orm import session\napp = Flask(__name__)\nsession.commit()\n"),
        Valid("import requests\nfrom flask import Flask\napp = Flask(__name__)\nsession = requests.Session()\nsession.get('https://example.com')\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\n\ndef view(db):\n    session = db.session\n    session.add(1)\n    flash = print\n    flash('x')\n"),
        Valid("from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\ndb = SQLAlchemy(app)\ndb.session.commit()\n"),
        # only an import is no use
        Valid("from flask import Flask, session, flash\napp = Flask(__name__)\n"),
        # a library (no app outside its tests): the app using it sets the key
        Valid(files={
            "flask_cart/__init__.py": "from flask import session\n\ndef add(item):\n    session.setdefault('cart', []).append(item)\n",
            "tests/test_cart.py": "from flask import Flask\nfrom flask_cart import add\n\ndef test_add():\n    app = Flask(__name__)\n",
        }),
        # uses in test code do not count
        Valid(files={
            "app.py": "from flask import Flask\napp = Flask(__name__)\n",
            "tests/test_app.py": "from flask import session\nfrom app import app\n\ndef test_session():\n    with app.test_request_context():\n        assert 'a' not in session\n",
        }),
    ]
    invalid = [
        Invalid("import flask as fl\napp = fl.Flask(__name__)\n\n@app.route('/')\ndef index():\n    return str(fl.session.get('visits'))  # error\n",
                message="Flask's `session` is used, but no `SECRET_KEY` is set anywhere in the project: every session write answers with a 500 (reads still work)"),
        Invalid("from flask import Flask\nfrom flask_login import LoginManager\napp = Flask(__name__)\nlogin_manager = LoginManager(app)  # error\n",
                message="`LoginManager` is created, but no `SECRET_KEY` is set anywhere in the project: `login_user` and every other session write answer with a 500"),
        Invalid("from flask import Flask\nfrom flask.globals import session as sess\napp = Flask(__name__)\n\ndef view():\n    sess['a'] = 1  # error\n    sess['b'] = 2\n"),
        Invalid("from quart import Quart, flash\napp = Quart(__name__)\n\nasync def view():\n    await flash('hi')  # error\n"),
        # a `from_object` that is not Flask's config loader
        Invalid("from flask import Flask, session\nfrom models import Trigger\napp = Flask(__name__)\nTrigger.from_object(None)\n\ndef view():\n    session['a'] = 1  # error\n"),
        # reported once, at the first use in path order
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.config['DEBUG'] = False\n    return app\n",
            "shop/auth.py": "from flask_login import LoginManager\nlogin = LoginManager()  # error\n",
            "shop/views.py": "from flask import flash, session\n\ndef view():\n    flash('hi')\n    session['a'] = 1\n",
        }),
        # the key of another app linted alongside does not count
        Invalid(files={
            "examples/nokey.py": "from flask import Flask, session\napp = Flask(__name__)\n\ndef visit():\n    session['n'] = 1  # error\n",
            "examples/keyed.py": "from flask import Flask, session\napp = Flask(__name__)\napp.secret_key = 'k'\n\ndef visit():\n    session['n'] = 1\n",
        }),
        Invalid(files={
            "examples/guestbook/app.py": "from flask import Flask, session\napp = Flask(__name__)\n\ndef sign():\n    session['signed'] = True  # error\n",
            "examples/shop/shop/__init__.py": "from flask import Flask, session\napp = Flask(__name__)\napp.secret_key = 'k'\n\ndef view():\n    session['a'] = 1\n",
        }),
    ]

    def __init__(self) -> None:
        self._first_use: tuple[tuple[int, int], ast.AST, str] | None = None
        self._imports_flask: bool | None = None  # computed once per module: most modules never can

    def visit_Name(self, node: ast.Name, ctx: FileContext) -> None:
        self._check_reference(node, ctx)

    def visit_Attribute(self, node: ast.Attribute, ctx: FileContext) -> None:
        self._check_reference(node, ctx)
        if node.attr in ("secret_key", "session_interface") and isinstance(node.ctx, ast.Store):
            ctx.record(node, kind="key" if node.attr == "secret_key" else "interface")

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)
        if any(isinstance(t, ast.Name) and t.id == "session_interface" for t in node.targets) and isinstance(ctx.semantic.scope_of(node).node, ast.ClassDef):
            ctx.record(node, kind="interface")  # `class App(Flask): session_interface = ...`

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)

    def visit_ClassDef(self, node: ast.ClassDef, ctx: FileContext) -> None:
        if any(flask_name(ctx.semantic, base) in APP_CLASSES for base in node.bases):
            ctx.record(node, kind="app")

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        self._check_settings(node, ctx)
        called = call_name(ctx.semantic, node)
        if called in APP_CLASSES:
            ctx.record(node, kind="app")
        elif called in _LOGIN_MANAGERS:
            self._use(node, "`LoginManager`", ctx)
        elif called in _CONFIG_EXTENSIONS or _is_loader(node, ctx):
            ctx.record(node, kind="key")
        elif called and called.split(".")[0] == "flask_session" and called.endswith(".Session"):
            ctx.record(node, kind="interface")  # created here, bound now or later with `init_app`

    def leave_module(self, ctx: FileContext) -> None:
        if self._first_use is not None:
            _, node, what = self._first_use
            ctx.record(node, kind="use", what=what)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        groups = project_groups(index.summaries)
        facts = [(groups.get(summary.path), _root(summary), summary.relative, fact) for summary, fact in index.facts(self.code)]
        apps = {group for group, _, _, fact in facts if fact.data["kind"] == "app" and not fact.in_test_code}
        silenced: set[int | None] = set()
        silenced_roots: set[str] = set()  # a setting outside every app's modules (a stray config.py)
        for group, root, _, fact in facts:
            if fact.data["kind"] not in ("key", "interface"):
                continue
            if group in apps:
                silenced.add(group)
            else:
                silenced_roots.add(root)
        uses = [(group, root, relative, fact) for group, root, relative, fact in facts if fact.data["kind"] == "use" and not fact.in_test_code]
        for group, root, _, fact in sorted(uses, key=lambda use: (use[2], use[3].line, use[3].column)):
            if group not in apps or group in silenced or any(is_same_project(root, other) for other in silenced_roots):
                continue
            silenced.add(group)  # once per project: at its first use
            ctx.report_fact(fact, _message(fact.data["what"]))

    def _check_reference(self, node: ast.Name | ast.Attribute, ctx: FileContext) -> None:
        if not isinstance(node.ctx, ast.Load):
            return
        if self._imports_flask is None:
            self._imports_flask = any(ctx.semantic.imports_module(package) for package in ("flask", "quart", "apiflask"))
        if not self._imports_flask:
            return
        what = _USED_NAMES.get(flask_name(ctx.semantic, node))
        if what is not None:
            self._use(node, what, ctx)

    def _use(self, node: ast.AST, what: str, ctx: FileContext) -> None:
        if ctx.is_test_code(node):
            return
        place = (node.lineno, node.col_offset)
        if self._first_use is None or place < self._first_use[0]:
            self._first_use = (place, node, what)

    def _check_settings(self, node: ast.AST, ctx: FileContext) -> None:
        if any(setting.key == "SECRET_KEY" for setting in config_settings(node, ctx.semantic)):
            ctx.record(node, kind="key")


def _is_loader(call: ast.Call, ctx: FileContext) -> bool:
    """`<config>.from_object(...)` and the other loaders; `update(mapping)` of unknown keys too."""
    function = call.func
    if not isinstance(function, ast.Attribute):
        return False
    receiver = function.value
    if isinstance(receiver, ast.Name):  # `config = app.config; config.from_object(...)`
        receiver = ctx.semantic.assigned_value(receiver) or receiver
    if not is_config_attribute(ctx.semantic, receiver):
        return False
    if function.attr in _LOADERS:
        return True
    return function.attr == "update" and any(not _is_literal_mapping(argument, ctx) for argument in call.args)


def _is_literal_mapping(expr: ast.expr, ctx: FileContext) -> bool:
    """A dict literal or `dict(...)`, or a name bound to one: config_settings reads its keys."""
    if isinstance(expr, ast.Name):
        expr = ctx.semantic.assigned_value(expr) or expr
    return isinstance(expr, ast.Dict) or (isinstance(expr, ast.Call) and ctx.semantic.qualified_name(expr.func) == "builtins.dict")


def _root(summary: ModuleSummary) -> str:
    return source_root(summary.relative, summary.module_name, summary.is_package)


def _message(what: str) -> str:
    if what == "`LoginManager`":
        return "`LoginManager` is created, but no `SECRET_KEY` is set anywhere in the project: `login_user` and every other session write answer with a 500"
    verb = "called" if what == "`flash()`" else "used"
    return f"{what} is {verb}, but no `SECRET_KEY` is set anywhere in the project: every session write answers with a 500 (reads still work)"
