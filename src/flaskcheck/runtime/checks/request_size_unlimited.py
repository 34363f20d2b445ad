"""FLK911: no bound on request bodies."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def route_list(routes: list[str]) -> str:
    """"`POST /a`, `PUT /b`, `DELETE /c` and 2 more"."""
    shown = ", ".join(f"`{route}`" for route in routes[:3])
    return shown + (f" and {len(routes) - 3} more" if len(routes) > 3 else "")


def body_routes(snapshot: AppSnapshot) -> list[str]:
    """`POST /login`-style labels of the rules that accept a request body."""
    return [f"{'/'.join(sorted(BODY_METHODS.intersection(r.methods)))} {r.rule}" for r in snapshot.routes if BODY_METHODS.intersection(r.methods)]


class RequestSizeUnlimited(DeployCheck):
    """
    ## What it does
    Checks the request size limits: `MAX_CONTENT_LENGTH` must be set when a route accepts a
    request body (`POST`, `PUT`, `PATCH`, `DELETE`), and `MAX_FORM_MEMORY_SIZE` and
    `MAX_FORM_PARTS` (Flask 3.1) must not be set to `None`.

    ## Why is this bad?
    Without `MAX_CONTENT_LENGTH` a client may upload as much as the server lets through; a
    few concurrent multi-gigabyte bodies fill the disk or the memory of every worker.
    Setting the form limits to `None` removes Werkzeug's protection against huge or
    many-part forms.

    ## Example
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)

        @app.post("/upload")
        def upload():
            return "ok"

        return app
    ```

    ## Use instead
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024

        @app.post("/upload")
        def upload():
            return "ok"

        return app
    ```

    ## References
    - [Flask: MAX_CONTENT_LENGTH](https://flask.palletsprojects.com/en/stable/config/#MAX_CONTENT_LENGTH)
    """

    code = "FLK911"
    name = "request-size-unlimited"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        routes = body_routes(snapshot)
        if routes and snapshot.setting("MAX_CONTENT_LENGTH") is None:
            shown = route_list(routes)
            yield Finding("config.MAX_CONTENT_LENGTH", f"`MAX_CONTENT_LENGTH` is unset while {shown} {'accepts' if len(routes) == 1 else 'accept'} a request body of any size", "set `MAX_CONTENT_LENGTH` (e.g. 16 * 1024 * 1024)")
        for key in ("MAX_FORM_MEMORY_SIZE", "MAX_FORM_PARTS"):
            if key in snapshot.config and snapshot.config[key] is None:
                yield Finding(f"config.{key}", f"`{key}` is set to `None`: forms are not bounded", "remove the setting (Flask's default bounds it)")
