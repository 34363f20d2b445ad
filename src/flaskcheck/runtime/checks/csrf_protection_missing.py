"""FLK912: state-changing routes of a session-using app have no CSRF protection."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.checks.request_size_unlimited import body_routes, route_list
from flaskcheck.runtime.checks.session_cookie_flags_insecure import DEFAULT_INTERFACE
from flaskcheck.runtime.snapshot import AppSnapshot


def session_use(snapshot: AppSnapshot) -> str | None:
    """Why the app authenticates by cookie, or None."""
    if snapshot.login is not None:
        return "Flask-Login"
    if snapshot.session_interface not in (DEFAULT_INTERFACE, ""):
        return "a server-side session"
    key = snapshot.secret_key
    if key is not None and key.length > 0:
        return "signed sessions (`SECRET_KEY` is set)"
    return None


def has_csrf_protection(snapshot: AppSnapshot) -> bool:
    return any("csrf" in name.lower() or "seasurf" in name.lower() for name in snapshot.extensions)


class CsrfProtectionMissing(DeployCheck):
    """
    ## What it does
    Reports an app whose routes accept `POST`, `PUT`, `PATCH` or `DELETE`, that uses
    cookie sessions or Flask-Login, and that registers no CSRF protection (Flask-WTF's
    `CSRFProtect` in `app.extensions["csrf"]`) (warning); and `WTF_CSRF_ENABLED` or
    `WTF_CSRF_CHECK_DEFAULT` set to false (error).

    ## Why is this bad?
    The browser attaches the session cookie to any request, including a form another site
    submits on the user's behalf. Without a CSRF token check, that site can change the
    user's password, post, pay or delete as them. Turning `WTF_CSRF_ENABLED` off disables
    `CSRFProtect` and every FlaskForm's check at once.

    ## Example
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

        @app.post("/profile")
        def profile():
            return "saved"

        return app
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask
    from flask_wtf.csrf import CSRFProtect

    csrf = CSRFProtect()


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        csrf.init_app(app)

        @app.post("/profile")
        def profile():
            return "saved"

        return app
    ```

    If every form is a FlaskForm (which checks its own token) or the API authenticates
    with tokens rather than cookies, silence FLK912.

    ## References
    - [Flask-WTF: CSRF protection](https://flask-wtf.readthedocs.io/en/stable/csrf/)
    """

    code = "FLK912"
    name = "csrf-protection-missing"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        for key in ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT"):
            value = snapshot.setting(key)
            if value is not None and not value:
                yield Finding(f"config.{key}", f"`{key}` is off: CSRF tokens are not checked", f"remove the `{key}` setting", Severity.ERROR)
        routes = [route for route in body_routes(snapshot) if not route.endswith(" /static/<path:filename>")]
        reason = session_use(snapshot)
        if not routes or reason is None or has_csrf_protection(snapshot):
            return
        shown = route_list(routes)
        yield Finding("url_map", f"{shown} {'changes' if len(routes) == 1 else 'change'} state, the app uses {reason}, and no CSRF protection is registered", "register Flask-WTF's `CSRFProtect` (`csrf.init_app(app)`)")
