"""No output ever contains a secret: SECRET_KEY, its fallbacks, database and storage passwords,
cookie values; not in any format, not on stderr, not even in the child's snapshot JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.runtime.conftest import APPS, flask_cli, flaskcheck

MARKER = "LEAKCHECK"
HOSTS = ("db.leakcheck.example", "reports.leakcheck.example")
SPEC = "leaky_app:create_app"


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "html"])
def test_no_report_format_contains_a_secret(output_format):
    completed = flaskcheck("deploy", "--app", SPEC, "--format", output_format, "--statistics", cwd=APPS)
    assert completed.returncode == 1, completed.stderr
    assert "FLK902" in completed.stdout and "FLK903" in completed.stdout  # the secrets were inspected...
    for text in (completed.stdout, completed.stderr):
        assert MARKER not in text  # ...and none of them was printed
        assert not any(host in text for host in HOSTS)


def test_the_snapshot_itself_holds_no_secret():
    completed = subprocess.run([sys.executable, "-m", "flaskcheck.runtime.probe", SPEC], cwd=APPS, capture_output=True, text=True, timeout=120)
    snapshot = json.loads(completed.stdout)["snapshot"]
    assert snapshot["secret_key"]["length"] == len("LEAKCHECK-main-key")
    assert [d["backend"] for d in snapshot["databases"]] == ["postgresql", "postgresql"]
    assert any(value == "token=<redacted>; Secure; HttpOnly; Path=/; SameSite=Lax" for _, value in snapshot["probes"]["https"]["headers"])
    assert snapshot["limiters"] == [{"storage": "redis", "enabled": True}]
    assert MARKER not in completed.stdout and not any(host in completed.stdout for host in HOSTS)


def test_flask_check_deploy_prints_no_secret():
    completed = flask_cli("--app", SPEC, "check", "--deploy", cwd=APPS)
    assert "FLK902" in completed.stdout
    assert MARKER not in completed.stdout + completed.stderr
