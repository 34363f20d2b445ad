"""FLK905: the built app has debug mode on."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot


class DebugModeOn(DeployCheck):
    """
    ## What it does
    Checks `app.debug` on the app as production builds it (with `FLASK_DEBUG` unset).

    ## Why is this bad?
    Under the development server debug mode runs the Werkzeug debugger, which executes any
    Python sent to it. Under Gunicorn it still propagates exceptions past the error handlers
    and `after_request` hooks, reloads templates on every render, and makes Flask-Talisman
    skip the HTTPS redirect and the secure session cookie.

    ## Example
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["DEBUG"] = True
        return app
    ```

    ## Use instead
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        return app
    ```

    Turn debug mode on locally only, with `flask run --debug`.

    ## References
    - [Flask: debug mode](https://flask.palletsprojects.com/en/stable/debugging/)
    """

    code = "FLK905"
    name = "debug-mode-on"
    severity = Severity.ERROR

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        if snapshot.debug:
            yield Finding("app.debug", "debug mode is on in the production build: exceptions bypass the error handlers and the dev server would run the debugger", "do not set `DEBUG` in code; use `flask run --debug` locally only")
