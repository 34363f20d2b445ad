"""FLK917: Flask-Limiter counts in each worker's memory."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot


class RateLimitStorageInMemory(DeployCheck):
    """
    ## What it does
    Reports an enabled Flask-Limiter whose storage is `memory://`, the default when
    `RATELIMIT_STORAGE_URI` is unset.

    ## Why is this bad?
    In-memory counters live in one process: with four Gunicorn workers a limit of 5 login
    attempts a minute is really 20, spread at random, and every restart resets it. The
    limit that was meant to stop password guessing does not hold.

    ## Example
    ```python
    from flask import Flask
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address)


    def create_app():
        app = Flask(__name__)
        limiter.init_app(app)
        return app
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, storage_uri="redis://redis.internal:6379")


    def create_app():
        app = Flask(__name__)
        limiter.init_app(app)
        return app
    ```

    ## References
    - [Flask-Limiter: storage](https://flask-limiter.readthedocs.io/en/stable/#configuring-a-storage-backend)
    """

    code = "FLK917"
    name = "rate-limit-storage-in-memory"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        for limiter in snapshot.limiters:
            if limiter.enabled and limiter.storage == "memory":
                yield Finding("config.RATELIMIT_STORAGE_URI", "Flask-Limiter stores its counters in memory: each worker counts alone and restarts reset the limits", "set `RATELIMIT_STORAGE_URI` (or `storage_uri=`) to a shared store such as `redis://`")
                return
