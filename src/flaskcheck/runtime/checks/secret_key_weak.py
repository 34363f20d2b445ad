"""FLK902: SECRET_KEY is short, repetitive or publicly known."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import KEY_HINT, DeployCheck, Finding, describe_key
from flaskcheck.runtime.snapshot import AppSnapshot


class SecretKeyWeak(DeployCheck):
    """
    ## What it does
    Checks that `SECRET_KEY` is strong: a str key of at least 50 characters with at least 5
    distinct ones, or a bytes key of at least 32 bytes, and not a publicly known key (the
    keys in Flask's docs and tutorials, `dev`, `secret`, `changeme`, ...). The measure is
    the one the static rule FLK301 uses; the key itself is never printed.

    ## Why is this bad?
    Whoever knows or guesses the key can sign any session cookie the app will accept: log in
    as any user, forge CSRF tokens, flash messages and remember-me cookies.

    ## Example
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = "dev"
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

    `python -c 'import secrets; print(secrets.token_hex())'` prints a 64-character key.

    ## References
    - [Flask: SECRET_KEY](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY)
    - [Django's `security.W009`](https://docs.djangoproject.com/en/stable/ref/checks/#security), whose thresholds these are
    """

    code = "FLK902"
    name = "secret-key-weak"
    severity = Severity.ERROR

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        key = snapshot.secret_key
        if key is None or key.weakness is None:
            return
        if key.kind in ("str", "bytes") and key.length == 0:
            return  # FLK901's
        yield Finding("config.SECRET_KEY", f"`SECRET_KEY` is weak: {key.weakness} ({describe_key(key)}); anyone who guesses it can forge session cookies", KEY_HINT)
