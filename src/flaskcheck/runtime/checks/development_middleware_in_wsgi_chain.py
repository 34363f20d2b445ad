"""FLK906: a debugger, profiler or linter wraps the production app."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot

DEVELOPMENT_ONLY = {"ProfilerMiddleware": "profiles every request", "LintMiddleware": "checks every request against the WSGI spec"}


class DevelopmentMiddlewareInWsgiChain(DeployCheck):
    """
    ## What it does
    Walks the WSGI chain from `app.wsgi_app` down (through each layer's `.app`) and reports
    Werkzeug's `DebuggedApplication` (error), `ProfilerMiddleware` and `LintMiddleware`, and
    an enabled Flask-DebugToolbar (warning).

    ## Why is this bad?
    `DebuggedApplication` shows tracebacks with local variables to anyone who triggers an
    error, and with `evalex=True` serves an interactive Python console at `/console`: remote
    code execution, protected only by a PIN that is printed to the logs. The profiler and
    the linter slow every request and write profiles or warnings no one reads.

    ## Example
    ```python
    from flask import Flask
    from werkzeug.debug import DebuggedApplication


    def create_app():
        app = Flask(__name__)
        app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
        return app
    ```

    ## Use instead
    ```python
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix


    def create_app():
        app = Flask(__name__)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
        return app
    ```

    Use `flask run --debug` for the debugger; it wraps the app inside the development server only.

    ## References
    - [Werkzeug: debugging applications](https://werkzeug.palletsprojects.com/en/stable/debug/)
    """

    code = "FLK906"
    name = "development-middleware-in-wsgi-chain"
    severity = Severity.ERROR

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        path = ["wsgi_app"]
        for layer in snapshot.wsgi_chain:
            short = layer.name.rpartition(".")[2]
            path.append(short)
            where = " -> ".join(path)
            if short == "DebuggedApplication":
                console = ": `/console` runs any Python sent to it" if layer.options.get("evalex") else ": it shows tracebacks with local variables"
                yield Finding("wsgi_app", f"`DebuggedApplication` wraps the app ({where}){console}", "remove it from the factory; use `flask run --debug` locally")
            elif short in DEVELOPMENT_ONLY:
                yield Finding("wsgi_app", f"`{short}` wraps the app ({where}) and {DEVELOPMENT_ONLY[short]}", "remove development-only middleware from the production factory", Severity.WARNING)
        if snapshot.debug_toolbar:
            yield Finding("extensions.debugtoolbar", "Flask-DebugToolbar is installed and enabled", "install it only in development, or set `DEBUG_TB_ENABLED = False`", Severity.WARNING)
