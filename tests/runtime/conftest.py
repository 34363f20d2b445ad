"""Helpers for the deploy-check tests: real apps snapshotted in-process, hand-built snapshots, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from flaskcheck.runtime.registry import check_by_code
from flaskcheck.runtime.snapshot import AppSnapshot, ProbeResponse, collect

APPS = Path(__file__).resolve().parent / "apps"
SALT = b"flaskcheck-tests"
STRONG_KEY = "k3Y-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"  # 54 characters, not a known key


def snapshot_of(app: Flask) -> AppSnapshot:
    """The app's snapshot, built in this process (the checks see exactly what the child would)."""
    return collect(app, salt=SALT, spec="test")


def codes(code: str, snapshot: AppSnapshot) -> list:
    """The diagnostics one check reports on a snapshot."""
    return sorted(check_by_code(code)().diagnostics(snapshot), key=lambda d: d.sort_key)


def make_app(**config) -> Flask:
    app = Flask("deploy_test_app")
    app.config.update(config)
    return app


def https_response(status: int = 404, **headers: str) -> ProbeResponse:
    return ProbeResponse("GET https://localhost/__flaskcheck_probe__", status=status, headers=tuple((k.replace("_", "-"), v) for k, v in headers.items()))


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """A command as a user runs it, with the given environment changes (None removes a variable)."""
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def flaskcheck(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "flaskcheck", *args], cwd, env)


def flask_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "flask", *args], cwd, env)


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    return tmp_path
