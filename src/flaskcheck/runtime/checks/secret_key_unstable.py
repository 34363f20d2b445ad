"""FLK904: SECRET_KEY differs between two builds of the app."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot


class SecretKeyUnstable(DeployCheck):
    """
    ## What it does
    Builds the app twice, in two separate processes, and compares the digests of the two
    `SECRET_KEY`s: a key generated at start-up (`os.urandom`, `secrets.token_hex()`,
    `uuid4()`) differs between the two.

    ## Why is this bad?
    Gunicorn (without `--preload`) imports the app once per worker, so each worker signs
    with its own key: a session cookie set by one worker reads as empty on the others, and
    users are logged out at random; CSRF tokens fail with "The CSRF token is invalid". Even
    with `--preload`, every restart or deploy logs everyone out.

    ## Example
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.urandom(32)
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

    ## References
    - [Gunicorn: preload_app](https://docs.gunicorn.org/en/stable/settings.html#preload-app)
    """

    code = "FLK904"
    name = "secret-key-unstable"
    severity = Severity.ERROR

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        rebuild = snapshot.rebuild
        if rebuild is None:
            return
        if rebuild.error is not None:
            yield Finding("config.SECRET_KEY", f"the app could not be built a second time to compare keys: {rebuild.error}", "make the factory callable more than once (each Gunicorn worker calls it)", Severity.WARNING)
            return
        first = snapshot.secret_key.digest if snapshot.secret_key is not None else None
        if first == rebuild.secret_key_digest:
            return
        yield Finding(
            "config.SECRET_KEY",
            "`SECRET_KEY` differs between two builds of the app: it is generated at start-up, so each Gunicorn worker and each restart signs with another key",
            "load a stable key from the environment or a secret store",
        )
