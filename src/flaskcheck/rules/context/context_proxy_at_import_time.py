"""FLK101."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.context import (
    HELPERS,
    URL,
    ContextUse,
    active_context,
    candidate_names,
    context_use,
    failure,
    is_import_time,
    is_runtime_error_handled,
)

_URL_FOR_MESSAGE = (
    "`url_for` is called at import time in an app context but outside a request, and no `SERVER_NAME` is configured: "
    "`RuntimeError: Unable to build URLs outside an active request without 'SERVER_NAME' configured`"
)


class ContextProxyAtImportTime(Rule):
    """
    ## What it does
    Reports Flask's context proxies dereferenced, and its context helpers called, while a
    module is being imported: `current_app`, `request`, `session`, `g` and Flask-Login's
    `current_user` read through an attribute, an item, a call, iteration, `in`, an ordering
    comparison, `str()`, formatting or arithmetic; `url_for`, `render_template`,
    `render_template_string`, `flash` and `jsonify` called. Import time means module level
    (an `if __name__ == "__main__":` block included), class bodies, and the default values
    and decorator arguments of module-level functions and classes.

    It stays silent inside function and lambda bodies; inside
    `with <x>.test_request_context(...):` (or `request_context`), or after a module-level
    `<x>.test_request_context().push()`; inside `with <x>.app_context():` (or after
    `<x>.app_context().push()`) for `current_app`, `g`, `render_template(_string)` and
    `jsonify`, and for `url_for` when `SERVER_NAME` is configured anywhere in the project (or
    config is loaded from a file or the environment, which this checker cannot read); when
    the proxy is only bound to a name, passed on, tested for truth (`if current_app:`,
    `bool()`), compared with `is None`, `==` or `!=` (an unbound proxy compares by identity)
    or given to `repr()`; under `has_request_context()` / `has_app_context()`; in the body
    of a `try` that catches `RuntimeError` (or `Exception`); and in modules that import
    `alembic` (a migration environment such as `migrations/env.py`, which Flask-Migrate runs
    inside the app context of `flask db`).

    ## Why is this bad?
    No application or request context exists while a module is imported, so the import
    itself fails with `RuntimeError: Working outside of application context` (or `request
    context`; iterating an unbound proxy raises `TypeError`, and `current_user` is `None`
    there and raises `AttributeError`). The app cannot
    start, and every tool that imports the module (Gunicorn, `flask run`, the test suite)
    fails the same way. An `if __name__ == "__main__":` block runs outside any context too.

    ## Example
    ```python
    from flask import current_app

    UPLOAD_FOLDER = current_app.config["UPLOAD_FOLDER"]  # error


    def upload_path(filename):
        return f"{UPLOAD_FOLDER}/{filename}"
    ```

    ## Use instead
    ```python
    from flask import current_app


    def upload_path(filename):
        return f"{current_app.config['UPLOAD_FOLDER']}/{filename}"
    ```

    Read configuration when a request (or a CLI command, or a task inside
    `app.app_context()`) runs, or pass it into an application factory.

    ## References
    - [Flask: the application context](https://flask.palletsprojects.com/en/stable/appcontext/)
    - [Flask: the request context](https://flask.palletsprojects.com/en/stable/reqcontext/)
    """

    code = "FLK101"
    name = "context-proxy-at-import-time"
    severity = Severity.ERROR

    valid = [
        # inside function and lambda bodies (nested classes and defaults there run later too)
        Valid("from flask import current_app, request\n\ndef upload_dir():\n    return current_app.config['UPLOAD']\n\nclass View:\n    def get(self):\n        return request.args\n"),
        Valid("from flask import current_app\nfrom werkzeug.local import LocalProxy\n\ncache = LocalProxy(lambda: current_app.extensions['cache'])\n"),
        Valid("from flask import g\n\ndef create_app():\n    class Config:\n        USER = g.user\n    def helper(user=g.user):\n        return user\n    return Config\n"),
        # inside a context the module pushes itself
        Valid("from flask import Flask, request, url_for, session\napp = Flask(__name__)\nwith app.test_request_context('/'):\n    print(url_for('index'), request.path)\n    session['x'] = 1\n"),
        Valid("from flask import Flask, current_app, g, render_template_string, jsonify\napp = Flask(__name__)\nwith app.app_context():\n    NAME = current_app.name\n    g.user = None\n    PAGE = render_template_string('hi')\n    BODY = jsonify(ok=True)\n"),
        Valid("from flask import Flask, current_app\napp = Flask(__name__)\nctx = app.app_context()\nctx.push()\nprint(current_app.name)\n"),
        Valid("from flask import Flask, current_app\nfrom myapp import create_app\nif __name__ == '__main__':\n    create_app().app_context().push()\n    print(current_app.config)\n"),
        # only bound, passed on, tested for truth, `is None`, `repr()`
        Valid("from flask import request, current_app, session, g\nr = request\nlog(g)\nif current_app:\n    pass\nassert request is None\nprint(repr(session), bool(current_app))\nx = current_app or None\n"),
        # `current_user` outside a request is None: comparing or printing it works
        Valid("from flask_login import current_user\nprint(str(current_user), current_user == None)\n"),
        # guarded by has_request_context() / has_app_context()
        Valid("from flask import request, has_request_context, has_app_context, current_app\nif has_request_context():\n    PATH = request.path\nNAME = current_app.name if has_app_context() else None\nDEBUG = has_app_context() and current_app.debug\n"),
        Valid("from flask import request, has_request_context\nif not has_request_context():\n    PATH = None\nelse:\n    PATH = request.path\n"),
        # a RuntimeError the module expects and handles
        Valid("from flask import current_app\ntry:\n    NAME = current_app.name\nexcept RuntimeError:\n    NAME = None\n"),
        # url_for in an app context once SERVER_NAME is configured somewhere in the project
        Valid(files={
            "shop/__init__.py": "from flask import Flask, url_for\napp = Flask(__name__)\napp.config.from_object('shop.config')\nwith app.app_context():\n    HOME = url_for('index')\n",
            "shop/config.py": "SERVER_NAME = 'shop.example.com'\n",
        }),
        # look-alikes: urllib.request, a requests or SQLAlchemy session, local names
        Valid("import urllib.request\nresponse = urllib.request.urlopen('https://example.com')\n"),
        Valid("from urllib import request\nreq = request.Request('https://example.com')\n"),
        Valid("import requests\nsession = requests.Session()\nsession.headers['User-Agent'] = 'x'\n"),
        Valid("from sqlalchemy.orm import Session\nfrom db import engine\nsession = Session(engine)\nsession.commit()\n"),
        Valid("from flask import Flask\nfrom celery import current_app\napp = Flask(__name__)\ncurrent_app.conf.update(broker_url='redis://')\n"),
        Valid("from mylib import g, url_for\ng.x = 1\nurl_for('x')\n"),
        # Flask-Migrate's env.py runs inside the app context of `flask db`
        Valid("from alembic import context\nfrom flask import current_app\nconfig = context.config\ntarget_db = current_app.extensions['migrate'].db\n", path="migrations/env.py"),
    ]
    invalid = [
        Invalid("from flask import request as rq\nPATH = rq.path  # error\n", message="`request` is used at import time, outside any request: `RuntimeError: Working outside of request context`"),
        Invalid("import flask\nNAME = flask.current_app.name  # error\n", message="`current_app` is used at import time, outside any app context: `RuntimeError: Working outside of application context`"),
        Invalid("from flask.globals import g\ng.db = None  # error\n"),
        Invalid("from quart import request\nARGS = request.args  # error\n"),
        # class bodies, default values, decorator arguments
        Invalid("from flask import current_app\nfrom flask.views import MethodView\n\nclass Upload(MethodView):\n    folder = current_app.config['UPLOAD_FOLDER']  # error\n"),
        Invalid("from flask import g\n\ndef send(to=g.user):  # error\n    return to\n"),
        Invalid("from flask import Flask, current_app\nfrom flask_caching import Cache\napp = Flask(__name__)\ncache = Cache(app)\n\n@app.route('/')\n@cache.cached(timeout=current_app.config['TIMEOUT'])  # error\ndef index():\n    return 'hi'\n"),
        # the __main__ block fails the same way
        Invalid("from flask import Flask, url_for\napp = Flask(__name__)\nif __name__ == '__main__':\n    print(url_for('index'))  # error\n    app.run()\n",
                message="`url_for` is called at import time, outside any app context: `RuntimeError: Working outside of application context`"),
        # an app context is not a request
        Invalid("from flask import Flask, session, flash\napp = Flask(__name__)\nwith app.app_context():\n    session['x'] = 1  # error\n    flash('hi')  # error\n"),
        Invalid("from flask import Flask, url_for\napp = Flask(__name__)\nwith app.app_context():\n    HOME = url_for('index')  # error\n", message=_URL_FOR_MESSAGE),
        # str(), iteration, comparison, formatting; helpers called
        Invalid("from flask import request, session, g, jsonify, render_template\nprint(str(request))  # error\nfor key in session:  # error\n    pass\nHAS = 'user' in g  # error\nSAME = g == None\nTEXT = f'{request}'  # error\nOK = jsonify(ok=True)  # error\nPAGE = render_template('x.html')  # error\n"),
        Invalid("from flask import request\nARGS = [request.args[k] for k in ('a', 'b')]  # error\n"),
        Invalid("from flask import session\nKEYS = list(session)  # error\n", message="`session` is used at import time, outside any request: `TypeError: 'LocalProxy' object is not iterable`"),
        Invalid("import flask_login\nNAME = flask_login.current_user.name  # error\n", message="`current_user` is used at import time, outside any request: `current_user` is `None` there (`AttributeError`)"),
        # a negated guard does not protect its body
        Invalid("from flask import request, has_request_context\nif not has_request_context():\n    PATH = request.path  # error\n"),
        # a multi-file project: the factory is fine, the helper module is not
        Invalid(files={
            "reports/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    from . import storage\n    return app\n",
            "reports/storage.py": "from flask import current_app\nfrom pathlib import Path\n\nROOT = Path(current_app.instance_path)  # error\n",
        }),
        # a context the file pushes elsewhere does not count
        Invalid("from flask import Flask, current_app\napp = Flask(__name__)\nNAME = current_app.name  # error\napp.app_context().push()\n"),
    ]

    def __init__(self) -> None:
        self._names: frozenset[str] | None = None

    def visit_Name(self, node: ast.Name, ctx: FileContext) -> None:
        if self._names is None:
            # Alembic scripts run inside the app context Flask-Migrate (`flask db`) pushes.
            self._names = frozenset() if ctx.semantic.imports_module("alembic") else candidate_names(ctx.semantic)
        if node.id not in self._names or not is_import_time(node):
            return
        use = context_use(ctx.semantic, node)
        if use is None or is_runtime_error_handled(use.node):
            return
        guard = active_context(ctx.semantic, use.node)
        if guard.covers(use.need):
            return
        if use.need == URL and guard.app:
            ctx.record(use.node, kind="url_for_in_app_context")
            return
        ctx.report(use.node, _message(use))


    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] == "url_for_in_app_context" and not index.configures_server_name(summary):
                ctx.report_fact(fact, _URL_FOR_MESSAGE)


def _message(use: ContextUse) -> str:
    verb = "called" if use.name in HELPERS else "used"
    where = "outside any request" if use.need == "request" else "outside any app context"
    return f"`{use.short}` is {verb} at import time, {where}: {failure(use.name, use.how)}"
