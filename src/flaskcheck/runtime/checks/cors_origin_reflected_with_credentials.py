"""FLK915: any origin may make credentialed cross-origin requests."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding, probe_failure
from flaskcheck.runtime.snapshot import FOREIGN_ORIGIN, AppSnapshot


class CorsOriginReflectedWithCredentials(DeployCheck):
    """
    ## What it does
    Sends a probe with `Origin: https://deploy-check.invalid` and reports when the response
    echoes that origin in `Access-Control-Allow-Origin` together with
    `Access-Control-Allow-Credentials: true`.

    ## Why is this bad?
    Then every website may read the app's responses with the user's cookies: a page on any
    domain can fetch the user's data, or a CSRF token, while the user is logged in.
    Flask-CORS does exactly this with `supports_credentials=True` and its default
    `origins="*"`: it reflects whatever origin asks.

    ## Example
    ```python
    from flask import Flask
    from flask_cors import CORS


    def create_app():
        app = Flask(__name__)
        CORS(app, supports_credentials=True)
        return app
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_cors import CORS


    def create_app():
        app = Flask(__name__)
        CORS(app, origins=["https://app.example.com"], supports_credentials=True)
        return app
    ```

    ## References
    - [Flask-CORS: supports_credentials](https://flask-cors.readthedocs.io/en/latest/api.html)
    - [OWASP: CORS origin header scrutiny](https://owasp.org/www-project-secure-headers/)
    """

    code = "FLK915"
    name = "cors-origin-reflected-with-credentials"
    severity = Severity.ERROR

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        probe = snapshot.probes.get("origin")
        if probe is None:
            return
        if probe.error is not None:
            yield probe_failure(probe, "the CORS policy")
            return
        allowed = (probe.header("Access-Control-Allow-Origin") or "").strip()
        credentials = (probe.header("Access-Control-Allow-Credentials") or "").strip().lower()
        if allowed == FOREIGN_ORIGIN and credentials == "true":
            yield Finding(probe.request, f"the foreign origin `{FOREIGN_ORIGIN}` is echoed in `Access-Control-Allow-Origin` with `Access-Control-Allow-Credentials: true`: any site can read responses with the user's cookies", "list the allowed origins explicitly (e.g. `CORS(app, origins=[...], supports_credentials=True)`)")
