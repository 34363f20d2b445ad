"""FLK703."""

from __future__ import annotations

import ast
import re

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.rules.production import report_at_def
from flaskcheck.semantic.flask import (
    APP_CLASSES,
    BLUEPRINT_CLASSES,
    ROUTE_METHODS,
    flask_name,
    is_app_or_blueprint,
    keyword_value,
    name_words,
    string_value,
)
from flaskcheck.semantic.model import SemanticModel

_ASSET_FOLDERS = frozenset({"static", "assets", "media", "public"})
_SENDERS = frozenset({"flask.send_from_directory", "flask.send_file", "werkzeug.utils.send_from_directory", "werkzeug.utils.send_file"})
_ACCESS_PROXIES = frozenset({"flask_login.current_user", "flask.session", "flask_security.current_user"})
_ACCESS_STATUSES = frozenset({401, 403})
_ACCESS_WORDS = frozenset({"login", "auth", "authenticated", "permission", "permissions", "role", "roles", "require", "required", "admin", "access", "protected", "authorize", "authorized"})
_PATH_VARIABLE = re.compile(r"<path:\w+>")


class StaticFilesThroughFlask(Rule):
    """
    ## What it does
    Reports a hand-written view that serves a static asset folder: a route whose rule
    starts with `/static`, `/assets`, `/media` or `/public` (after the blueprint's
    `url_prefix`) and has a `path` converter, and that returns `send_from_directory(...)`,
    `send_file(...)` or `send_static_file(...)`.

    It stays silent when the view checks access (it reads `current_user` or `session`,
    calls `abort(401)` / `abort(403)`, or carries a decorator named for it, such as
    `@login_required` or `@roles_required("admin")`): those are user uploads behind a
    permission check, which the app has to serve itself.

    ## Why is this bad?
    Every asset request then takes a Python worker for the whole transfer: with a few
    Gunicorn workers, a page with many scripts and images, or one slow client, queues the
    app's real requests behind file copies. A web server (nginx, Caddy) or a CDN serves
    files from disk far faster, with caching headers, ranges and compression. On an app
    with the default static folder a hand-written `/static/<path:...>` view does not even
    run: Flask's own `static` route was registered first and answers those URLs.

    ## Example
    ```python
    from flask import Flask, send_from_directory

    app = Flask(__name__, static_folder=None)

    @app.route("/assets/<path:filename>")
    def assets(filename):  # error
        return send_from_directory("frontend/dist", filename)
    ```

    ## Use instead
    ```python
    from flask import Flask

    app = Flask(__name__, static_folder="frontend/dist", static_url_path="/assets")
    ```

    Flask's own static route serves the folder during development; in production the web
    server answers `/assets/` before the request reaches Flask, for example in nginx:

    ```text
    location /assets/ {
        alias /srv/app/frontend/dist/;
        expires 7d;
    }
    ```

    When Flask must serve the files itself (a single container without a proxy),
    WhiteNoise serves them efficiently:
    `app.wsgi_app = WhiteNoise(app.wsgi_app, root="frontend/dist", prefix="assets/")`.

    ## References
    - [Flask: deploying to production](https://flask.palletsprojects.com/en/stable/deploying/)
    - [Flask: nginx in front of the app](https://flask.palletsprojects.com/en/stable/deploying/nginx/)
    - [Flask: `send_from_directory`](https://flask.palletsprojects.com/en/stable/api/#flask.send_from_directory)
    """

    code = "FLK703"
    name = "static-files-through-flask"
    severity = Severity.INFO

    valid = [
        # user uploads behind an access check
        Valid(
            "from flask import Flask, send_from_directory\nfrom flask_login import current_user, login_required\napp = Flask(__name__)\n\n"
            "@app.route('/media/<path:filename>')\n@login_required\ndef media(filename):\n    return send_from_directory('uploads', filename)\n"
        ),
        Valid(
            "from flask import Flask, abort, send_from_directory\nfrom flask_login import current_user\napp = Flask(__name__)\n\n"
            "@app.route('/media/<path:filename>')\ndef media(filename):\n    if not current_user.is_authenticated:\n        abort(403)\n    return send_from_directory('uploads', filename)\n"
        ),
        Valid(
            "from flask import Flask, abort, session, send_file\napp = Flask(__name__)\n\n"
            "@app.get('/public/<path:name>')\ndef shared(name):\n    if 'user_id' not in session:\n        abort(401)\n    return send_file('shared/' + name)\n"
        ),
        # not a static folder, no path converter, or not serving files
        Valid("from flask import Flask, send_from_directory\napp = Flask(__name__)\n\n@app.route('/downloads/<path:name>')\ndef downloads(name):\n    return send_from_directory('downloads', name)\n"),
        Valid("from flask import Flask, send_from_directory\napp = Flask(__name__)\n\n@app.route('/static/<name>')\ndef one(name):\n    return send_from_directory('static', name)\n"),
        Valid("from flask import Flask, render_template\napp = Flask(__name__)\n\n@app.route('/assets/<path:page>')\ndef page(page):\n    return render_template('page.html', page=page)\n"),
        Valid("from flask import Flask, send_from_directory\napp = Flask(__name__)\n\n@app.route('/statistics/<path:name>')\ndef stats(name):\n    return send_from_directory('stats', name)\n"),
        # not a Flask app
        Valid("from fastapi import FastAPI\nfrom flask import send_from_directory\napp = FastAPI()\n\n@app.get('/static/<path:p>')\ndef static(p):\n    return send_from_directory('static', p)\n"),
    ]
    invalid = [
        Invalid(
            "from flask import Flask, send_from_directory\napp = Flask(__name__, static_folder=None)\n\n@app.route('/public/<path:filename>')\ndef public(filename):  # error\n    return send_from_directory('public', filename)\n",
            message="view `public` serves static files from `/public/<path:filename>` through Flask: a web server or CDN serves them without tying up a worker",
        ),
        # the default static folder: Flask's own route wins, the view never runs
        Invalid(
            "from flask import Flask as F, send_from_directory\napp = F(__name__)\n\n@app.route('/static/<path:filename>')\ndef static_files(filename):  # error\n    return send_from_directory('static', filename)\n",
            message="view `static_files` never runs: Flask's own `static` route already answers `/static/<path:filename>` (and a web server or CDN should serve those files)",
        ),
        # a blueprint prefix, `import flask`, send_file and send_static_file, a factory
        Invalid(
            "import flask\nassets = flask.Blueprint('assets', __name__, url_prefix='/assets')\n\n@assets.get('/<path:name>')\ndef asset(name):  # error\n    return flask.send_file('build/' + name)\n"
        ),
        Invalid(
            "from flask import Flask, current_app\n\ndef create_app():\n    app = Flask(__name__, static_url_path='/s')\n\n"
            "    @app.route('/media/<path:filename>', endpoint='media')\n    def media_file(filename):  # error\n        return current_app.send_static_file(filename), 200\n    return app\n"
        ),
        # a blueprint imported from another module
        Invalid(files={
            "site/__init__.py": "from flask import Blueprint\nfrontend = Blueprint('frontend', __name__)\n",
            "site/views.py": "from flask import send_from_directory\nfrom site import frontend\n\n@frontend.get('/assets/<path:name>')\ndef built(name):  # error\n    return send_from_directory('dist', name)\n",
        }),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> None:
        semantic = ctx.semantic
        rules = _asset_rules(semantic, node)
        if not rules or not _serves_files(semantic, node) or _checks_access(semantic, node):
            return
        rule, owner = rules[0]
        if rule.startswith("/static/") and _has_default_static_route(semantic, owner):
            message = f"view `{node.name}` never runs: Flask's own `static` route already answers `{rule}` (and a web server or CDN should serve those files)"
        else:
            message = f"view `{node.name}` serves static files from `{rule}` through Flask: a web server or CDN serves them without tying up a worker"
        report_at_def(ctx, node, message)

    visit_AsyncFunctionDef = visit_FunctionDef


def _asset_rules(semantic: SemanticModel, function: ast.AST) -> list[tuple[str, ast.expr]]:
    """(full rule, the app or blueprint) of each route on an asset folder with a `path` variable."""
    found = []
    for decorator in function.decorator_list:  # type: ignore[attr-defined]
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute) or decorator.func.attr not in ROUTE_METHODS:
            continue
        owner = decorator.func.value
        if not is_app_or_blueprint(semantic, owner):
            continue
        rule = string_value(decorator.args[0]) if decorator.args else string_value(keyword_value(decorator, "rule"))
        if rule is None:
            continue
        rule = _blueprint_prefix(semantic, owner) + rule
        first = rule.strip("/").split("/")[0].lower()
        if first in _ASSET_FOLDERS and _PATH_VARIABLE.search(rule):
            found.append((rule, owner))
    return found


def _blueprint_prefix(semantic: SemanticModel, owner: ast.expr) -> str:
    created = semantic.assigned_value(owner) if isinstance(owner, ast.Name) else None
    if not isinstance(created, ast.Call) or flask_name(semantic, created.func) not in BLUEPRINT_CLASSES:
        return ""
    return (string_value(keyword_value(created, "url_prefix")) or "").rstrip("/")


def _has_default_static_route(semantic: SemanticModel, owner: ast.expr) -> bool:
    """An app made here with `Flask(...)` and no `static_folder` / `static_url_path` argument."""
    created = semantic.assigned_value(owner) if isinstance(owner, ast.Name) else None
    if not isinstance(created, ast.Call) or flask_name(semantic, created.func) not in APP_CLASSES:
        return False
    return len(created.args) <= 1 and not any(k.arg in ("static_folder", "static_url_path", None) for k in created.keywords)


def _own_nodes(function: ast.AST) -> list[ast.AST]:
    found, stack = [], list(function.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _serves_files(semantic: SemanticModel, function: ast.AST) -> bool:
    for node in _own_nodes(function):
        if isinstance(node, ast.Return) and node.value is not None:
            for call in ast.walk(node.value):
                if isinstance(call, ast.Call) and _is_sender(semantic, call):
                    return True
    return False


def _is_sender(semantic: SemanticModel, call: ast.Call) -> bool:
    if flask_name(semantic, call.func) in _SENDERS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr == "send_static_file" and is_app_or_blueprint(semantic, call.func.value)


def _checks_access(semantic: SemanticModel, function: ast.AST) -> bool:
    for decorator in function.decorator_list:  # type: ignore[attr-defined]
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if set(name_words(name)) & _ACCESS_WORDS:
            return True
    for node in _own_nodes(function):
        if isinstance(node, (ast.Name, ast.Attribute)) and flask_name(semantic, node) in _ACCESS_PROXIES:
            return True
        if isinstance(node, ast.Attribute) and node.attr == "authorization" and flask_name(semantic, node.value) == "flask.request":
            return True
        if isinstance(node, ast.Call) and flask_name(semantic, node.func) == "flask.abort" and node.args:
            status = node.args[0]
            if isinstance(status, ast.Constant) and status.value in _ACCESS_STATUSES:
                return True
    return False
