"""The DeployCheck base class: a rule's metadata and docs, and a pure function of the snapshot.

A deploy check is documented, listed (`flaskcheck rules`), explained (`explain FLK902`) and
rendered (docs, SARIF) exactly like a static rule, so it shares `Rule`'s metadata helpers;
the engine never runs it on files (only classes under `flaskcheck.rules` are linted).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.engine.rule import Rule
from flaskcheck.runtime.snapshot import AppSnapshot


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem on the app: what was inspected, what is wrong, and how to fix it."""

    object: str  # "config.SECRET_KEY", "url_map", "GET https://localhost/..."
    message: str
    hint: str = ""
    severity: Severity | None = None  # None: the check's own severity


class DeployCheck(Rule):
    """Subclasses set `code`, `name`, `severity`, the Markdown docstring, and `check`."""

    example_path: ClassVar[str] = "app.py"

    def check(self, snapshot: AppSnapshot) -> Iterable[Finding]:
        raise NotImplementedError

    def diagnostics(self, snapshot: AppSnapshot) -> list[Diagnostic]:
        return [self.diagnostic(finding) for finding in self.check(snapshot)]

    def diagnostic(self, finding: Finding) -> Diagnostic:
        message = f"{finding.message}; fix: {finding.hint}" if finding.hint else finding.message
        return Diagnostic(self.code, self.name, finding.severity or self.severity, message, object=finding.object)


KEY_HINT = "generate a key with `python -c 'import secrets; print(secrets.token_hex())'` and load it from the environment or a secret store"


def describe_key(facts) -> str:
    """`64 characters, 16 distinct` / `24 bytes`: what may be said about a key."""
    if facts.kind == "bytes":
        return f"{facts.length} bytes"
    if facts.kind == "str":
        return f"{facts.length} characters, {facts.distinct} distinct"
    return f"a {facts.kind}"


def probe_failure(probe, what: str) -> Finding:
    """A probe that raised: reported by the check that needed it, never a crash."""
    return Finding(probe.request, f"the probe raised {probe.error}, so {what} could not be checked", "make the app answer a request for an unknown path (a before_request hook or middleware raised)", Severity.WARNING)
