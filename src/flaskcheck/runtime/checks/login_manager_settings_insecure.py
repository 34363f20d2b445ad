"""FLK909: Flask-Login's remember cookie, session protection or LOGIN_DISABLED."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot


class LoginManagerSettingsInsecure(DeployCheck):
    """
    ## What it does
    When Flask-Login is installed (`app.login_manager`), checks its effective settings:
    `REMEMBER_COOKIE_SECURE` and `REMEMBER_COOKIE_HTTPONLY` on, `REMEMBER_COOKIE_SAMESITE`
    set, `SESSION_PROTECTION` not `None` (warning each), and `LOGIN_DISABLED` off (error).

    ## Why is this bad?
    The remember-me cookie logs its holder in for a year by default, and Flask-Login sends
    it without `Secure` and without `SameSite` unless told otherwise: copied over plain
    HTTP, it is a year-long login. `SESSION_PROTECTION = None` stops tying the session to
    the client's address and browser. `LOGIN_DISABLED = True` turns every `@login_required`
    into a no-op (Flask-Login 0.6).

    ## Example
    ```python
    import os

    from flask import Flask
    from flask_login import LoginManager


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        LoginManager(app)
        return app
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask
    from flask_login import LoginManager


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config.update(REMEMBER_COOKIE_SECURE=True, REMEMBER_COOKIE_SAMESITE="Lax")
        LoginManager(app)
        return app
    ```

    ## References
    - [Flask-Login: cookie settings](https://flask-login.readthedocs.io/en/latest/#cookie-settings)
    """

    code = "FLK909"
    name = "login-manager-settings-insecure"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        login = snapshot.login
        if login is None:
            return
        if login.login_disabled:
            yield Finding("config.LOGIN_DISABLED", "`LOGIN_DISABLED` is on: `@login_required` lets everyone in", "never set `LOGIN_DISABLED` outside tests", Severity.ERROR)
        if not login.remember_cookie_secure:
            yield Finding("config.REMEMBER_COOKIE_SECURE", "`REMEMBER_COOKIE_SECURE` is off: the remember-me cookie is also sent over plain HTTP", "set `REMEMBER_COOKIE_SECURE = True`")
        if not login.remember_cookie_httponly:
            yield Finding("config.REMEMBER_COOKIE_HTTPONLY", "`REMEMBER_COOKIE_HTTPONLY` is off: scripts on the page can read the remember-me cookie", "remove the setting (the default is `True`)")
        if login.remember_cookie_samesite is None:
            yield Finding("config.REMEMBER_COOKIE_SAMESITE", "`REMEMBER_COOKIE_SAMESITE` is unset: other sites' requests carry the remember-me cookie", "set `REMEMBER_COOKIE_SAMESITE = \"Lax\"`")
        if login.session_protection is None:
            yield Finding("config.SESSION_PROTECTION", "`SESSION_PROTECTION` is `None`: a stolen session is not tied to the client", "leave it at \"basic\" or set \"strong\"")
