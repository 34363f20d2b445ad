"""Build the app in child processes, run every deploy check on the snapshot, filter as `lint` does.

Two children build the app independently (in parallel): the first probes it and returns the
whole snapshot, the second only the digest of its `SECRET_KEY`, for FLK904 (a key made with
`os.urandom` at import or factory time differs between two processes exactly as it does
between two Gunicorn workers).

The children get the caller's environment minus the variables that only the development
server or `flask --debug` set (PRODUCTION_UNSET), plus PYTHONDONTWRITEBYTECODE=1 so that no
`__pycache__` lands in the user's tree, and the digest salt. Nothing else is set or forced:
run the check with the environment variables production has.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.runtime.probe import SALT_VARIABLE
from flaskcheck.runtime.snapshot import PROBE_NAMES, AppSnapshot, RebuildFacts

PRODUCTION_UNSET = ("FLASK_DEBUG", "FLASK_RUN_FROM_CLI", "WERKZEUG_RUN_MAIN", "WERKZEUG_SERVER_FD")
PROXY_CODES = ("FLK913", "FLK914")  # a proxy may add the redirect and the headers
DEFAULT_TIMEOUT = 30.0
_GRACE = 10.0


class AppLoadError(Exception):
    """The app could not be built or inspected: one line naming the cause (exit code 2)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class _Child:
    process: subprocess.Popen
    limit: float
    what: str


def child_environment(salt: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in PRODUCTION_UNSET}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    environment[SALT_VARIABLE] = salt
    return environment


def inspect_app(spec: str | None, *, timeout: float = DEFAULT_TIMEOUT, cwd: Path | None = None, rebuild: bool = True) -> AppSnapshot:
    """The snapshot of the app `spec` names, with the second build's key digest; AppLoadError."""
    environment = child_environment(os.urandom(16).hex())
    first = _start(spec, environment, cwd, timeout, keys_only=False)
    second = _start(spec, environment, cwd, timeout, keys_only=True) if rebuild else None
    try:
        result = _finish(first)
    except AppLoadError:
        if second is not None:
            _kill(second.process)
        raise
    if "error" in result:
        if second is not None:
            _kill(second.process)
        raise AppLoadError(result["error"]["kind"], result["error"]["message"])
    snapshot = AppSnapshot.from_json(result["snapshot"])
    if second is None:
        return snapshot
    try:
        keys = _finish(second)
    except AppLoadError as error:
        return replace(snapshot, rebuild=RebuildFacts(error=error.message))
    if "error" in keys:
        return replace(snapshot, rebuild=RebuildFacts(error=keys["error"]["message"]))
    digest = (keys.get("secret_key") or {}).get("digest")
    return replace(snapshot, rebuild=RebuildFacts(secret_key_digest=digest))


def _start(spec: str | None, environment: dict[str, str], cwd: Path | None, timeout: float, *, keys_only: bool) -> _Child:
    command = [sys.executable, "-m", "flaskcheck.runtime.probe", *([spec] if spec else []), "--timeout", str(timeout)]
    if keys_only:
        command.append("--keys-only")
    process = subprocess.Popen(
        command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", errors="replace", start_new_session=True,
    )
    # One bound for the build, one per probe, and one for reading the app, plus a grace period.
    steps = 1 if keys_only else 2 + len(PROBE_NAMES)
    return _Child(process, timeout * steps + _GRACE, "building the app" if keys_only else "building and probing the app")


def _finish(child: _Child) -> dict:
    try:
        stdout, stderr = child.process.communicate(timeout=child.limit)
    except subprocess.TimeoutExpired:
        _kill(child.process)
        raise AppLoadError("timeout", f"{child.what} did not finish within {child.limit:g} s; the process was killed (raise --timeout if it is only slow)") from None
    for line in reversed(stdout.splitlines()):
        if line.strip():
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "no output")
    raise AppLoadError("crash", f"the process {child.what} exited with code {child.process.returncode} and no result: {last[:300]}")


def _kill(process: subprocess.Popen) -> None:
    """End the child and anything it started (its own session), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    process.communicate()


def run_checks(snapshot: AppSnapshot, checks: Iterable[type] | None = None) -> list[Diagnostic]:
    """Every check on the snapshot; a check that raises becomes an FLK000 finding naming it."""
    if checks is None:
        from flaskcheck.runtime.registry import all_checks

        checks = all_checks()
    found: list[Diagnostic] = []
    for check_class in checks:
        check = check_class()
        try:
            found.extend(check.diagnostics(snapshot))
        except Exception as error:  # noqa: BLE001 - one broken check must not hide the others
            message = f"internal error: deploy check {check.code} ({check.name}) raised {type(error).__name__}: {error}"
            found.append(Diagnostic("FLK000", "internal-error", Severity.ERROR, message, object="app"))
    return sorted(found, key=lambda d: d.sort_key)


def filter_diagnostics(diagnostics: Iterable[Diagnostic], settings, *, behind_proxy: bool = False) -> list[Diagnostic]:
    """--select/--ignore and `[tool.flaskcheck]` select/ignore/severity, as for `lint`."""
    from flaskcheck.engine.runner import matches

    kept = []
    for diagnostic in diagnostics:
        if settings.select is not None and not matches(diagnostic.code, settings.select):
            continue
        if matches(diagnostic.code, settings.ignore):
            continue
        if behind_proxy and diagnostic.code in PROXY_CODES:
            diagnostic = replace(diagnostic, severity=Severity.INFO)
        for code, severity in settings.severity.items():
            if diagnostic.code.startswith(code):
                diagnostic = replace(diagnostic, severity=severity)
                break
        kept.append(diagnostic)
    return sorted(kept, key=lambda d: d.sort_key)


def deploy(spec: str | None, settings, *, timeout: float = DEFAULT_TIMEOUT, behind_proxy: bool = False, cwd: Path | None = None) -> list[Diagnostic]:
    """The FLK9xx findings on the app `spec` names, filtered; AppLoadError when it cannot be built."""
    snapshot = inspect_app(spec, timeout=timeout, cwd=cwd)
    return filter_diagnostics(run_checks(snapshot), settings, behind_proxy=behind_proxy)
