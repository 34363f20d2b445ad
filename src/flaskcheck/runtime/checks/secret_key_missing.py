"""FLK901: the app has no SECRET_KEY."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import KEY_HINT, DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot


class SecretKeyMissing(DeployCheck):
    """
    ## What it does
    Checks that the app, built as production builds it, has a non-empty `SECRET_KEY`.

    ## Why is this bad?
    Without a key Flask cannot sign the session cookie and uses a null session instead:
    reading `session` still works, but every write (`session[...] = ...`, `flash()`,
    Flask-Login's `login_user()`) raises, and the request answers 500. Flask never sends an
    unsigned cookie: the app simply cannot keep anyone logged in. An empty key counts as
    missing.

    ## Example
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        return app
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        return app
    ```

    Generate the value once with `python -c 'import secrets; print(secrets.token_hex())'`.

    ## References
    - [Flask: SECRET_KEY](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY)
    """

    code = "FLK901"
    name = "secret-key-missing"
    severity = Severity.ERROR

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        key = snapshot.secret_key
        if key is not None and (key.length > 0 or key.kind not in ("str", "bytes")):
            return
        state = "not set" if key is None else "empty"
        yield Finding("config.SECRET_KEY", f"`SECRET_KEY` is {state}: every session write (`session[...]`, `flash`, `login_user`) answers 500", KEY_HINT)
