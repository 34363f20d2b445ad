"""FLK913: a plain-HTTP request is not redirected to HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding, probe_failure
from flaskcheck.runtime.snapshot import AppSnapshot

REDIRECTS = frozenset({301, 302, 303, 307, 308})


class HttpNotRedirected(DeployCheck):
    """
    ## What it does
    Sends a probe over `http://` and reports when the app does not answer with a redirect
    to an `https://` address.

    ## Why is this bad?
    A user who types the address, or follows an old `http://` link, talks to the app in
    clear text: the session cookie (unless `Secure`), passwords and pages travel readable
    and modifiable by anyone on the network. The redirect, with HSTS (FLK914), moves every
    visit to HTTPS.

    This probe cannot see a proxy or CDN in front of the app: when the proxy redirects,
    run `flaskcheck deploy --behind-proxy` (FLK913 becomes info) or silence FLK913.

    ## Example
    ```python
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        return app
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_talisman import Talisman


    def create_app():
        app = Flask(__name__)
        Talisman(app)
        return app
    ```

    ## References
    - [Flask-Talisman](https://github.com/wntrblm/flask-talisman)
    """

    code = "FLK913"
    name = "http-not-redirected"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        probe = snapshot.probes.get("http")
        if probe is None:
            return
        if probe.error is not None:
            yield probe_failure(probe, "the HTTPS redirect")
            return
        location = probe.header("Location") or ""
        if probe.status in REDIRECTS and location.startswith("https://"):
            return
        answer = f"redirected to `{location}`" if probe.status in REDIRECTS else f"answered {probe.status}"
        yield Finding(probe.request, f"a plain-HTTP request was {answer}, not redirected to `https://`", "redirect HTTP to HTTPS (Flask-Talisman, or at the proxy: then use --behind-proxy or silence FLK913)")
