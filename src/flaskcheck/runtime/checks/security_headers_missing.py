"""FLK914: the HTTPS response lacks security headers, or sends weak ones."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding, probe_failure
from flaskcheck.runtime.snapshot import AppSnapshot, ProbeResponse

ONE_YEAR = 31_536_000
HEADERS = ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy")
REFERRER_POLICIES = frozenset({
    "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin", "same-origin",
    "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
})
LEAKY_REFERRER_POLICIES = frozenset({"unsafe-url", "no-referrer-when-downgrade"})
HINT = "send them from the app (Flask-Talisman) or the proxy (then use --behind-proxy or silence FLK914)"


def header_problems(probe: ProbeResponse) -> list[str]:
    """One sentence per missing or weak header, in HEADERS order."""
    problems = [_hsts(probe.header("Strict-Transport-Security"))]
    if (probe.header("X-Content-Type-Options") or "").strip().lower() != "nosniff":
        problems.append("`X-Content-Type-Options: nosniff` is missing")
    csp = probe.header("Content-Security-Policy")
    frame_options = (probe.header("X-Frame-Options") or "").strip().upper()
    if frame_options not in ("DENY", "SAMEORIGIN") and "frame-ancestors" not in (csp or "").lower():
        problems.append("neither `X-Frame-Options` (DENY or SAMEORIGIN) nor CSP `frame-ancestors` is sent: other sites may frame the pages")
    if csp is None:
        report_only = probe.header("Content-Security-Policy-Report-Only") is not None
        problems.append("only `Content-Security-Policy-Report-Only` is sent, which blocks nothing" if report_only else "`Content-Security-Policy` is missing")
    problems.append(_referrer(probe.header("Referrer-Policy")))
    return [problem for problem in problems if problem]


def _hsts(value: str | None) -> str | None:
    if value is None:
        return "`Strict-Transport-Security` is missing"
    match = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.I)
    if match is None:
        return "`Strict-Transport-Security` has no valid max-age"
    if int(match.group(1)) < ONE_YEAR:
        return f"`Strict-Transport-Security` max-age={match.group(1)} is below one year ({ONE_YEAR})"
    return None


def _referrer(value: str | None) -> str | None:
    if value is None:
        return "`Referrer-Policy` is missing"
    tokens = [token.strip().lower() for token in value.split(",") if token.strip()]
    valid = [token for token in tokens if token in REFERRER_POLICIES]
    if not valid:
        return f"`Referrer-Policy: {value}` is not a valid policy"
    if valid[-1] in LEAKY_REFERRER_POLICIES:  # browsers apply the last one they know
        return f"`Referrer-Policy: {valid[-1]}` sends full URLs to other sites"
    return None


class SecurityHeadersMissing(DeployCheck):
    """
    ## What it does
    Sends a probe over `https://` to a path that matches no route (no view runs, the
    `after_request` hooks do) and checks its headers: `Strict-Transport-Security` with a
    max-age of at least one year, `X-Content-Type-Options: nosniff`, `X-Frame-Options`
    (or CSP `frame-ancestors`), `Content-Security-Policy` and a `Referrer-Policy` that does
    not leak full URLs. One finding per problem; one finding listing them all when the app
    sets none of these headers.

    ## Why is this bad?
    Flask sends none of these by default. Without HSTS a network attacker can keep a user
    on plain HTTP; without `nosniff` browsers may run an upload as a script; without frame
    protection other sites can overlay the pages (clickjacking); without a CSP one
    injection runs any script; a leaky referrer policy hands tokens in URLs to other sites.

    Headers a proxy or CDN adds are invisible to this probe: run
    `flaskcheck deploy --behind-proxy` (FLK914 becomes info) or silence FLK914.

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
        Talisman(app, strict_transport_security_max_age=63072000)
        return app
    ```

    ## References
    - [OWASP Secure Headers Project](https://owasp.org/www-project-secure-headers/)
    - [Flask: security headers](https://flask.palletsprojects.com/en/stable/web-security/#security-headers)
    """

    code = "FLK914"
    name = "security-headers-missing"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        probe = snapshot.probes.get("https")
        if probe is None:
            return
        if probe.error is not None:
            yield probe_failure(probe, "the security headers")
            return
        problems = header_problems(probe)
        if not any(probe.header(name) is not None for name in HEADERS):
            yield Finding(probe.request, f"the HTTPS response sets none of the security headers ({', '.join(HEADERS)})", HINT)
            return
        for problem in problems:
            yield Finding(probe.request, problem, HINT)
