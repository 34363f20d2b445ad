"""FLK908: the session cookie is sent without Secure, HttpOnly or SameSite."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot

DEFAULT_INTERFACE = "flask.sessions.SecureCookieSessionInterface"


class SessionCookieFlagsInsecure(DeployCheck):
    """
    ## What it does
    Checks the effective session cookie flags after a first request (Flask-Talisman sets
    `SESSION_COOKIE_SECURE` only then): `SESSION_COOKIE_SECURE` must be `True`,
    `SESSION_COOKIE_HTTPONLY` `True` (Flask's default), and `SESSION_COOKIE_SAMESITE` set
    (`"Lax"` or `"Strict"`). Silent when the app cannot have a session (no `SECRET_KEY` and
    Flask's own session interface).

    ## Why is this bad?
    Without `Secure` the browser sends the session cookie over plain HTTP, where anyone on
    the network can copy it and act as the user. Without `HttpOnly` any injected script can
    read it. Without `SameSite` other sites can make the browser send it with their
    requests (cross-site request forgery). Flask defaults `SECURE` to off and `SAMESITE` to
    `None`.

    ## Example
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        return app
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")
        return app
    ```

    ## References
    - [Flask: set-cookie options](https://flask.palletsprojects.com/en/stable/web-security/#set-cookie-options)
    """

    code = "FLK908"
    name = "session-cookie-flags-insecure"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        key = snapshot.secret_key
        has_key = key is not None and (key.length > 0 or key.kind not in ("str", "bytes"))
        if not has_key and snapshot.session_interface in (DEFAULT_INTERFACE, ""):
            return
        if snapshot.setting("SESSION_COOKIE_SECURE", False) is not True:
            yield Finding("config.SESSION_COOKIE_SECURE", "`SESSION_COOKIE_SECURE` is not `True`: the session cookie is also sent over plain HTTP", "set `SESSION_COOKIE_SECURE = True`")
        if snapshot.setting("SESSION_COOKIE_HTTPONLY", True) is not True:
            yield Finding("config.SESSION_COOKIE_HTTPONLY", "`SESSION_COOKIE_HTTPONLY` is not `True`: scripts on the page can read the session cookie", "remove the setting (the default is `True`)")
        if snapshot.setting("SESSION_COOKIE_SAMESITE") is None:
            yield Finding("config.SESSION_COOKIE_SAMESITE", "`SESSION_COOKIE_SAMESITE` is `None`: other sites' requests carry the session cookie", "set `SESSION_COOKIE_SAMESITE = \"Lax\"`")
