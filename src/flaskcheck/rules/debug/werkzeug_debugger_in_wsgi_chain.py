"""FLK403."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.debug import is_in_debug_branch
from flaskcheck.semantic.flask import app_candidate, is_under_main_guard, keyword_value

_DEBUGGED_APPLICATION = frozenset({"werkzeug.debug.DebuggedApplication", "werkzeug.DebuggedApplication"})


class WerkzeugDebuggerInWsgiChain(Rule):
    """
    ## What it does
    Reports `werkzeug.debug.DebuggedApplication(...)` wrapping the app or `app.wsgi_app`
    (the app itself, an imported app, or one returned by a project factory such as
    `create_app()`).

    It stays silent inside an `if` (or a conditional expression) whose test reads a debug
    flag (a name, attribute, key or environment variable whose name contains `debug`, in any
    case: `if app.debug:`, `if os.environ.get("FLASK_DEBUG") == "1":`) or is
    `__name__ == "__main__"`, in either branch.

    ## Why is this bad?
    The wrapper serves the interactive debugger whatever `app.debug` says: `/console` is a
    Python console in the browser, guarded only by the debugger PIN (and open to anyone when
    `WERKZEUG_DEBUG_PIN=off`), and every exception that reaches it (with
    `PROPAGATE_EXCEPTIONS` or debug mode on) is shown with source code to any client. Under
    Gunicorn this runs in production, where `flask run --debug` would never go.

    ## Example
    ```python
    from flask import Flask
    from werkzeug.debug import DebuggedApplication

    app = Flask(__name__)
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)  # error
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask
    from werkzeug.debug import DebuggedApplication

    app = Flask(__name__)
    if os.environ.get("FLASK_DEBUG") == "1":
        app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
    ```

    Better still, leave the debugger to `flask run --debug` during development.

    ## References
    - [Werkzeug: debugging applications](https://werkzeug.palletsprojects.com/en/stable/debug/)
    - [Flask: debugging application errors](https://flask.palletsprojects.com/en/stable/debugging/)
    """

    code = "FLK403"
    name = "werkzeug-debugger-in-wsgi-chain"
    severity = Severity.ERROR

    valid = [
        Valid("from flask import Flask\nfrom werkzeug.debug import DebuggedApplication\napp = Flask(__name__)\nif app.debug:\n    app.wsgi_app = DebuggedApplication(app.wsgi_app)\n"),
        Valid("from flask import Flask\nfrom werkzeug.debug import DebuggedApplication\napp = Flask(__name__)\nif not app.config['DEBUG']:\n    pass\nelse:\n    app.wsgi_app = DebuggedApplication(app.wsgi_app)\n"),
        Valid("from flask import Flask\nfrom werkzeug.debug import DebuggedApplication\napp = Flask(__name__)\nif __name__ == '__main__':\n    DebuggedApplication(app).run()\n"),
        Valid("import werkzeug.debug\nfrom flask import Flask\napp = Flask(__name__)\nUSE_DEBUGGER = True\napp.wsgi_app = werkzeug.debug.DebuggedApplication(app.wsgi_app) if USE_DEBUGGER else app.wsgi_app\n"),
        # something else called DebuggedApplication, or something else wrapped
        Valid("from flask import Flask\nfrom myproject.debug import DebuggedApplication\napp = Flask(__name__)\napp.wsgi_app = DebuggedApplication(app.wsgi_app)\n"),
        Valid("from werkzeug.debug import DebuggedApplication\nfrom werkzeug.wrappers import Response\n\ndef legacy(environ, start_response):\n    return Response('hi')(environ, start_response)\n\napplication = DebuggedApplication(legacy)\n"),
        Valid("from celery import Celery\nfrom werkzeug.debug import DebuggedApplication\napp = Celery('tasks')\nwrapped = DebuggedApplication(app)\n"),
    ]
    invalid = [
        Invalid("from flask import Flask\nfrom werkzeug.debug import DebuggedApplication as Debugged\napp = Flask(__name__)\napplication = Debugged(app, evalex=True)  # error\n",
                message="`DebuggedApplication` wraps the app: the interactive Werkzeug debugger is served whatever `app.debug` says, with a Python console at `/console` guarded only by a PIN"),
        Invalid("import flask\nimport werkzeug.debug\n\ndef create_app():\n    app = flask.Flask(__name__)\n    app.wsgi_app = werkzeug.debug.DebuggedApplication(app=app.wsgi_app)  # error\n    return app\n"),
        Invalid("import os\nfrom flask import Flask\nfrom werkzeug.debug import DebuggedApplication\napp = Flask(__name__)\nif os.environ.get('SENTRY_DSN'):\n    app.wsgi_app = DebuggedApplication(app.wsgi_app)  # error\n"),
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
            "wsgi.py": "from werkzeug.debug import DebuggedApplication\nfrom shop import create_app\napp = create_app()\napp.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)  # error\n",
        }),
        Invalid("from flask import Flask\nfrom werkzeug.debug import DebuggedApplication\nfrom werkzeug.middleware.profiler import ProfilerMiddleware\n"
                "from mypkg.middleware import Timing\napp = Flask(__name__)\n"
                "app.wsgi_app = DebuggedApplication(Timing(ProfilerMiddleware(app.wsgi_app)))  # error\n"),
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "serve.py": "from werkzeug.debug import DebuggedApplication\nfrom shop import app\napplication = DebuggedApplication(app)  # error\n",
        }),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if semantic.qualified_name(node.func) not in _DEBUGGED_APPLICATION:
            return
        wrapped = node.args[0] if node.args else keyword_value(node, "app")
        candidates = _wrapped_apps(wrapped, ctx)
        if not candidates or _is_debug_guarded(node):
            return
        ctx.record(node, kind="wrap", apps=candidates)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        message = "`DebuggedApplication` wraps the app: the interactive Werkzeug debugger is served whatever `app.debug` says, with a Python console at `/console` guarded only by a PIN"
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] == "wrap" and any(index.is_app_candidate(app, summary) for app in fact.data["apps"]):
                ctx.report_fact(fact, message)


def _wrapped_apps(wrapped: ast.expr | None, ctx: FileContext, depth: int = 4) -> list[str]:
    """App candidates along a chain of middleware: `app`, `app.wsgi_app`,
    `ProfilerMiddleware(app.wsgi_app)` (each middleware's first argument is what it wraps)."""
    found: list[str] = []
    while wrapped is not None and depth:
        depth -= 1
        if isinstance(wrapped, ast.Attribute) and wrapped.attr == "wsgi_app":
            wrapped = wrapped.value
        candidate = app_candidate(ctx.semantic, wrapped)
        if candidate is not None:
            found.append(candidate)
        wrapped = wrapped.args[0] if isinstance(wrapped, ast.Call) and wrapped.args else None
    return found


def _is_debug_guarded(node: ast.AST) -> bool:
    """In a branch chosen by a debug flag, or under `if __name__ == "__main__":`."""
    return is_in_debug_branch(node) or is_under_main_guard(node)
