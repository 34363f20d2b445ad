"""FLK903: SECRET_KEY_FALLBACKS holds a weak key, the current key, or too many keys."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import KEY_HINT, DeployCheck, Finding, describe_key
from flaskcheck.runtime.snapshot import AppSnapshot

MAX_FALLBACKS = 3


class SecretKeyFallbacksWeak(DeployCheck):
    """
    ## What it does
    Checks the old keys in `SECRET_KEY_FALLBACKS` (Flask 3.1+): each must pass FLK902's
    strength measure, none may equal `SECRET_KEY`, and no more than 3 should be kept.

    ## Why is this bad?
    Flask accepts a cookie signed with any fallback key, so a weak fallback is as bad as a
    weak `SECRET_KEY`: it still lets anyone forge sessions. A fallback equal to the current
    key is a rotation that never happened, and a long list keeps retired (perhaps leaked)
    keys valid for ever.

    ## Example
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config["SECRET_KEY_FALLBACKS"] = ["dev"]
        return app
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        previous = os.environ.get("OLD_SECRET_KEY")
        app.config["SECRET_KEY_FALLBACKS"] = [previous] if previous else []
        return app
    ```

    ## References
    - [Flask: SECRET_KEY_FALLBACKS](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY_FALLBACKS)
    """

    code = "FLK903"
    name = "secret-key-fallbacks-weak"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        fallbacks = snapshot.secret_key_fallbacks
        if not fallbacks:
            return
        current = snapshot.secret_key
        for index, key in enumerate(fallbacks):
            where = f"config.SECRET_KEY_FALLBACKS[{index}]"
            if current is not None and key.digest == current.digest:
                yield Finding(where, f"`SECRET_KEY_FALLBACKS[{index}]` equals `SECRET_KEY`", "keep only retired keys in the fallbacks")
            elif key.kind in ("str", "bytes") and key.length == 0:
                yield Finding(where, f"`SECRET_KEY_FALLBACKS[{index}]` is empty", "remove it")
            elif key.weakness is not None:
                yield Finding(where, f"`SECRET_KEY_FALLBACKS[{index}]` is weak: {key.weakness} ({describe_key(key)}); cookies signed with it are still accepted", f"remove it; {KEY_HINT}")
        if len(fallbacks) > MAX_FALLBACKS:
            yield Finding("config.SECRET_KEY_FALLBACKS", f"`SECRET_KEY_FALLBACKS` keeps {len(fallbacks)} keys (more than {MAX_FALLBACKS}): retired keys stay valid", "drop fallbacks older than the longest session lifetime")
