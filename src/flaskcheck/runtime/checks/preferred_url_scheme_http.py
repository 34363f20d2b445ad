"""FLK919: external URLs built outside a request use http://."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot


class PreferredUrlSchemeHttp(DeployCheck):
    """
    ## What it does
    Checks that `PREFERRED_URL_SCHEME` is `"https"`.

    ## Why is this bad?
    Outside a request (a mail sent from a CLI command, a Celery task, a scheduled job),
    `url_for(..., _external=True)` has no request to copy the scheme from and uses
    `PREFERRED_URL_SCHEME`, `"http"` by default: links in mails then start with `http://`,
    which exposes the first request, and any token in the link, to the network.

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


    def create_app():
        app = Flask(__name__)
        app.config["PREFERRED_URL_SCHEME"] = "https"
        return app
    ```

    ## References
    - [Flask: PREFERRED_URL_SCHEME](https://flask.palletsprojects.com/en/stable/config/#PREFERRED_URL_SCHEME)
    """

    code = "FLK919"
    name = "preferred-url-scheme-http"
    severity = Severity.INFO

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        scheme = snapshot.setting("PREFERRED_URL_SCHEME", "http")
        if scheme != "https":
            yield Finding("config.PREFERRED_URL_SCHEME", f"`PREFERRED_URL_SCHEME` is {scheme!r}: external links built outside a request (mails from workers or CLI commands) use it", "set `PREFERRED_URL_SCHEME = \"https\"`")
