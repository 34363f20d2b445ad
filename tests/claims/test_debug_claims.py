"""The consequences FLK401-FLK404 state in their docs, shown on real Flask, Werkzeug and Gunicorn.

No network and no server: WSGI calls, the test client, and `run_simple` captured.
"""

from __future__ import annotations

import json
import os
import re
import sys
from importlib.metadata import version

import pytest
import werkzeug.serving
from click.testing import CliRunner
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo
from flask.helpers import get_debug_flag
from werkzeug.debug import DebuggedApplication
from werkzeug.test import Client, EnvironBuilder


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    saved = dict(os.environ)  # `flask run --debug` writes FLASK_DEBUG into os.environ itself
    for name in ("FLASK_DEBUG", "FLASK_ENV", "FLASK_RUN_FROM_CLI", "WERKZEUG_RUN_MAIN", "WERKZEUG_DEBUG_PIN", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env / .flaskenv is loaded
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def run_simple_calls(monkeypatch):
    """`app.run()` and `flask run` hand their options to `run_simple`: capture instead of serving."""
    calls: list[dict] = []

    def capture(hostname, port, application, **options):
        calls.append({"hostname": hostname, **options})

    monkeypatch.setattr(werkzeug.serving, "run_simple", capture)
    monkeypatch.setattr("flask.cli.run_simple", capture)
    return calls


def failing_app(**config) -> tuple[Flask, list[str]]:
    """An app whose `/boom` raises, with a custom 500 handler and an `after_request` hook."""
    app = Flask(__name__)
    app.config.update(config)
    hooks: list[str] = []

    @app.get("/boom")
    def boom():
        raise ValueError("boom-marker")

    @app.errorhandler(500)
    def server_error(error):
        return "custom 500 page", 500

    @app.after_request
    def add_headers(response):
        hooks.append("after_request")
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return app, hooks


def call_wsgi(application, path: str):
    """One request straight through the WSGI callable, as Gunicorn makes it."""
    environ = EnvironBuilder(path=path).get_environ()
    status: list[str] = []
    body = application(environ, lambda s, headers, exc_info=None: status.append(s))
    return status[0], b"".join(body)


# -- FLK401 ------------------------------------------------------------------------------


def test_flk401_without_debug_the_500_handler_and_after_request_run():
    app, hooks = failing_app()
    status, body = call_wsgi(app.wsgi_app, "/boom")
    assert status.startswith("500") and body == b"custom 500 page"
    assert hooks == ["after_request"]


def test_flk401_debug_true_skips_the_500_handler_and_after_request():
    app, hooks = failing_app(DEBUG=True)
    with pytest.raises(ValueError, match="boom-marker"):  # the WSGI server gets the bare exception
        call_wsgi(app.wsgi_app, "/boom")
    assert hooks == []


def test_flk401_run_debug_true_starts_the_debugger(run_simple_calls):
    Flask(__name__).run(debug=True)
    Flask(__name__).run(use_debugger=True)
    assert [call["use_debugger"] for call in run_simple_calls] == [True, True]


def test_flk401_app_run_turns_hardcoded_debug_into_the_debugger(run_simple_calls):
    app = Flask(__name__)
    app.config["DEBUG"] = True
    app.run()
    assert run_simple_calls[0]["use_debugger"] is True


def test_flk401_use_evalex_alone_starts_no_debugger(run_simple_calls):
    Flask(__name__).run(use_evalex=True)
    assert run_simple_calls[0]["use_debugger"] is False


def test_flk401_flask_cli_overwrites_the_hardcoded_flag():
    app = Flask(__name__)
    app.config["DEBUG"] = True
    loaded = ScriptInfo(create_app=lambda: app, set_debug_flag=True).load_app()
    assert loaded.debug is False  # from FLASK_DEBUG, which is unset


# -- FLK402 ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "false", "False"])
def test_flk402_environment_strings_are_true(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)
    assert bool(os.environ.get("DEBUG"))
    assert bool(os.getenv("DEBUG", False))
    assert os.environ.get("DEBUG") == "1" or value != "1"  # a comparison reads it right
    assert not json.loads(value.lower())


def test_flk402_app_run_passes_the_string_as_use_debugger(monkeypatch, run_simple_calls):
    monkeypatch.setenv("DEBUG", "0")
    app = Flask(__name__)
    app.debug = os.environ.get("DEBUG")
    app.run()
    assert run_simple_calls[0]["use_debugger"] == "0"
    assert run_simple_calls[0]["use_debugger"]  # truthy: Werkzeug starts the debugger


@pytest.mark.parametrize(("value", "parsed"), [("false", False), ("0", 0), ("False", "False"), ("no", "no"), ("off", "off")])
def test_flk402_from_prefixed_env_parses_json_only(monkeypatch, value, parsed):
    monkeypatch.setenv("FLASK_DEBUG", value)
    app = Flask(__name__)
    app.config.from_prefixed_env()
    assert app.config["DEBUG"] == parsed


# -- FLK403 ------------------------------------------------------------------------------


def debugged(**config) -> tuple[Flask, Client]:
    app, _ = failing_app(**config)
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
    return app, Client(app)


def test_flk403_console_is_served_whatever_app_debug_says():
    app, client = debugged()
    assert app.debug is False
    response = client.get("/console")
    assert response.status_code == 200
    assert "Console" in response.text


def test_flk403_exceptions_that_reach_it_show_source():
    _, client = debugged(PROPAGATE_EXCEPTIONS=True)
    response = client.get("/boom")
    assert response.status_code == 500
    assert 'raise ValueError("boom-marker")' in response.text  # the source line, for any client


def test_flk403_only_the_pin_guards_the_console(monkeypatch):
    def run_command(client: Client):
        page = client.get("/console").text
        secret = re.search(r'SECRET = "([^"]+)"', page).group(1)
        return client.get(f"/console?__debugger__=yes&cmd=6*7&frm=0&s={secret}")

    _, locked = debugged()
    assert "42" not in run_command(locked).text  # refused without the PIN
    monkeypatch.setenv("WERKZEUG_DEBUG_PIN", "off")
    _, open_client = debugged()
    assert "42" in run_command(open_client).text  # no PIN: anyone runs code


# -- FLK404 ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "yes", "off", "n", "2", "False "])
def test_flk404_flask_debug_values_that_turn_debug_on(monkeypatch, value):
    monkeypatch.setenv("FLASK_DEBUG", value)
    assert get_debug_flag() is True
    assert Flask(__name__).debug is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "No", ""])
def test_flk404_flask_debug_values_that_leave_it_off(monkeypatch, value):
    monkeypatch.setenv("FLASK_DEBUG", value)
    assert get_debug_flag() is False


def test_flk404_flask_debug_off_skips_the_500_handler_under_a_wsgi_server(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "off")
    app, hooks = failing_app()
    with pytest.raises(ValueError):
        call_wsgi(app.wsgi_app, "/boom")
    assert hooks == []


@pytest.mark.skipif(version("click") == "8.4.0", reason="click 8.4.0 ignores FLASK_DEBUG under `flask run` (pallets/flask#6025, fixed in 8.4.1)")
def test_flk404_flask_run_starts_the_debugger_for_flask_debug_1(monkeypatch, run_simple_calls):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    cli = FlaskGroup(create_app=lambda: Flask("claims"))
    result = CliRunner().invoke(cli, ["run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert run_simple_calls[0]["use_debugger"] is True


def test_flk404_flask_run_debug_starts_the_debugger(run_simple_calls):
    cli = FlaskGroup(create_app=lambda: Flask("claims"))
    result = CliRunner().invoke(cli, ["run", "--debug"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert run_simple_calls[0]["use_debugger"] is True


def test_flk404_flask_debug_off_makes_app_run_start_the_debugger(monkeypatch, run_simple_calls):
    monkeypatch.setenv("FLASK_DEBUG", "off")
    Flask(__name__).run()
    assert run_simple_calls[0]["use_debugger"] is True


def test_flk404_flask_env_development_is_ignored(monkeypatch):
    monkeypatch.setenv("FLASK_ENV", "development")
    assert get_debug_flag() is False
    assert Flask(__name__).debug is False


def test_flk404_gunicorn_reload_does_not_turn_debug_on(monkeypatch, tmp_path):
    gunicorn_app = pytest.importorskip("gunicorn.app.wsgiapp")
    (tmp_path / "claims_reload_app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["gunicorn", "--reload", "claims_reload_app:app"])
    application = gunicorn_app.WSGIApplication()
    assert application.cfg.reload is True
    assert application.load().debug is False
