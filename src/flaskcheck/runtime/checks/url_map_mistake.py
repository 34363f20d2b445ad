"""FLK918: a rule another endpoint shadows, or a rule that repeats its blueprint's prefix."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot, RouteFacts

_VARIABLE = re.compile(r"<(?:([A-Za-z_]\w*)(\([^)]*\))?:)?[A-Za-z_]\w*>")
_AUTOMATIC = frozenset({"HEAD", "OPTIONS"})


def rule_shape(rule: str) -> str:
    """`/user/<int:id>` and `/user/<int:uid>` match the same URLs: `/user/<int>`."""
    return _VARIABLE.sub(lambda m: f"<{m.group(1) or 'default'}{m.group(2) or ''}>", rule)


def label(route: RouteFacts, methods: set[str] | None = None) -> str:
    shown = sorted(methods if methods is not None else set(route.methods) - _AUTOMATIC) or sorted(route.methods)
    return f"{'/'.join(shown)} {route.rule}"


def repeated_prefix(rule: str) -> str | None:
    """`/api/api/users` -> `/api`: leading static segments written twice."""
    segments = rule.strip("/").split("/")
    for width in range(1, len(segments) // 2 + 1):
        head = segments[:width]
        if head == segments[width:2 * width] and all(segment and "<" not in segment for segment in head):
            return "/" + "/".join(head)
    return None


class UrlMapMistake(DeployCheck):
    """
    ## What it does
    Reads `app.url_map` and reports two endpoints registered for the same rule and method
    (the one registered later never runs), and a blueprint rule that repeats its own prefix
    (`/api/api/users`: the blueprint was registered with `url_prefix="/api"` and its routes
    spell `/api` again).

    ## Why is this bad?
    Werkzeug dispatches a URL to the first matching rule, so the shadowed view is dead code
    that looks alive: a fix applied to it never ships. A doubled prefix serves the pages at
    an address no link or client expects, and every `url_for` hides the mistake.

    ## Example
    ```python
    from flask import Blueprint, Flask

    api = Blueprint("api", __name__)


    @api.get("/api/users")
    def users():
        return []


    def create_app():
        app = Flask(__name__)
        app.register_blueprint(api, url_prefix="/api")
        return app
    ```

    ## Use instead
    ```python
    from flask import Blueprint, Flask

    api = Blueprint("api", __name__)


    @api.get("/users")
    def users():
        return []


    def create_app():
        app = Flask(__name__)
        app.register_blueprint(api, url_prefix="/api")
        return app
    ```

    ## References
    - [Flask: blueprint resources](https://flask.palletsprojects.com/en/stable/blueprints/)
    """

    code = "FLK918"
    name = "url-map-mistake"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        yield from self._shadowed(snapshot.routes)
        for route in snapshot.routes:
            prefix = repeated_prefix(route.rule) if route.blueprint else None
            if prefix is not None:
                yield Finding(label(route), f"`{route.rule}` (endpoint `{route.endpoint}`) repeats the prefix `{prefix}`", f"drop `{prefix}` from the route or from the blueprint's `url_prefix`")

    def _shadowed(self, routes: tuple[RouteFacts, ...]) -> Iterator[Finding]:
        for later_index, later in enumerate(routes):
            for earlier in routes[:later_index]:
                if earlier.endpoint == later.endpoint or (earlier.subdomain, earlier.host) != (later.subdomain, later.host):
                    continue
                if rule_shape(earlier.rule) != rule_shape(later.rule):
                    continue
                common = (set(earlier.methods) & set(later.methods)) - _AUTOMATIC
                if common:
                    yield Finding(label(later, common), f"endpoint `{later.endpoint}` never runs for `{label(later, common)}`: endpoint `{earlier.endpoint}` was registered first for the same rule and method", "give one of the two views another rule or method, or remove it")
                    break
