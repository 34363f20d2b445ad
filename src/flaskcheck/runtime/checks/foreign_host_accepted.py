"""FLK910: TRUSTED_HOSTS is unset and a request for a foreign Host is served."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding, probe_failure
from flaskcheck.runtime.snapshot import FOREIGN_HOST, AppSnapshot


class ForeignHostAccepted(DeployCheck):
    """
    ## What it does
    Sends a probe with `Host: deploy-check.invalid` and reports when `TRUSTED_HOSTS` is
    unset and the app serves it instead of answering 400.

    ## Why is this bad?
    Flask builds external URLs (`url_for(..., _external=True)`) from the request's Host
    header. An attacker who requests a password reset with `Host: evil.example` gets the
    victim a mail whose reset link points at the attacker's server. `SERVER_NAME` no longer
    restricts the accepted hosts (Flask 3.1); `TRUSTED_HOSTS` does.

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
        app.config["TRUSTED_HOSTS"] = ["example.com", "www.example.com"]
        return app
    ```

    A proxy that rejects unknown hosts does the same job: then silence FLK910.

    ## References
    - [Flask: TRUSTED_HOSTS](https://flask.palletsprojects.com/en/stable/config/#TRUSTED_HOSTS)
    """

    code = "FLK910"
    name = "foreign-host-accepted"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        if snapshot.setting("TRUSTED_HOSTS"):
            return
        probe = snapshot.probes.get("host")
        if probe is None:
            return
        if probe.error is not None:
            yield probe_failure(probe, "the Host header handling")
            return
        served = probe.status is not None and (probe.status < 400 or probe.status in (404, 405))
        if not served:
            return
        note = " (`SERVER_NAME` does not restrict hosts since Flask 3.1)" if snapshot.setting("SERVER_NAME") else ""
        yield Finding(
            "config.TRUSTED_HOSTS",
            f"`TRUSTED_HOSTS` is unset and a request for `Host: {FOREIGN_HOST}` was served ({probe.status}): external links such as password-reset mails can point at an attacker's host{note}",
            "set `TRUSTED_HOSTS` to the public host names",
        )
