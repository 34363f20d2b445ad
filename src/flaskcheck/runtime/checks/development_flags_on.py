"""FLK907: TESTING, PROPAGATE_EXCEPTIONS and other development flags are on."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot

FLAGS = (
    ("TESTING", Severity.ERROR, "exceptions propagate and extensions skip checks (Flask-WTF skips reCAPTCHA, Flask-Login may skip login)"),
    ("PROPAGATE_EXCEPTIONS", Severity.WARNING, "unhandled exceptions skip the 500 handler and the `after_request` hooks (so security headers too) and reach the server raw; error reporters such as Sentry do not need it"),
    ("TRAP_HTTP_EXCEPTIONS", Severity.WARNING, "every 404 or 405 without a handler becomes a 500"),
    ("TRAP_BAD_REQUEST_ERRORS", Severity.WARNING, "a missing form key becomes a 500 instead of a 400"),
    ("TEMPLATES_AUTO_RELOAD", Severity.INFO, "every template load checks the file on disk"),
    ("EXPLAIN_TEMPLATE_LOADING", Severity.INFO, "every template load writes a log message"),
)


class DevelopmentFlagsOn(DeployCheck):
    """
    ## What it does
    Checks the development and test flags: `TESTING` (error), `PROPAGATE_EXCEPTIONS`,
    `TRAP_HTTP_EXCEPTIONS`, `TRAP_BAD_REQUEST_ERRORS` (warning), `TEMPLATES_AUTO_RELOAD`
    and `EXPLAIN_TEMPLATE_LOADING` (info) must not be on.

    ## Why is this bad?
    `TESTING` makes exceptions propagate and extensions relax their checks.
    `PROPAGATE_EXCEPTIONS = True` re-raises unhandled exceptions out of the app: the custom
    500 handler and the `after_request` hooks (where security headers are added) are
    skipped, and the server shows its own error page. Sentry and other error reporters hook
    Flask's `got_request_exception` signal, which fires before that decision: they do not
    need the flag. The trap flags turn client errors into 500s; the template flags cost a
    file check or a log line on every render.

    ## Example
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["PROPAGATE_EXCEPTIONS"] = True
        return app
    ```

    ## Use instead
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        return app
    ```

    ## References
    - [Flask: PROPAGATE_EXCEPTIONS](https://flask.palletsprojects.com/en/stable/config/#PROPAGATE_EXCEPTIONS)
    """

    code = "FLK907"
    name = "development-flags-on"
    severity = Severity.ERROR

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        for key, severity, consequence in FLAGS:
            if snapshot.setting(key):
                yield Finding(f"config.{key}", f"`{key}` is on: {consequence}", f"leave `{key}` unset in production", severity)
