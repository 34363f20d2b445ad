"""The consequences FLK701-FLK704 state in their docs, shown on real Flask, Werkzeug and Gunicorn.

Servers bind 127.0.0.1 only, every wait is bounded, and every process started is stopped.
"""

from __future__ import annotations

import http.client
import importlib.util
import io
import logging
import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import werkzeug.serving
from click.testing import CliRunner
from flask import (
    Flask,
    got_request_exception,
    jsonify,
    request,
    send_file,
    send_from_directory,
)
from flask.cli import FlaskGroup, ScriptInfo
from werkzeug.exceptions import InternalServerError
from werkzeug.utils import secure_filename


@pytest.fixture
def run_simple_calls(monkeypatch):
    """`app.run()` and `flask run` hand the app to Werkzeug's `run_simple`: record, do not serve."""
    calls: list[dict] = []

    def capture(hostname, port, application, **options):
        calls.append({"hostname": hostname, "port": port, **options})

    monkeypatch.setattr(werkzeug.serving, "run_simple", capture)
    monkeypatch.setattr("flask.cli.run_simple", capture)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    return calls


def write_module(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return path


def import_module(path: Path):
    """Import a file as a WSGI server does (`gunicorn name:app`): not as `__main__`."""
    spec = importlib.util.spec_from_file_location(path.stem + "_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- FLK701 ------------------------------------------------------------------------------------


def test_flk701_app_run_at_import_time_starts_the_development_server(tmp_path, run_simple_calls):
    path = write_module(tmp_path, "wsgi", "from flask import Flask\napp = Flask(__name__)\napp.run(port=8123, threaded=True)\n")
    import_module(path)
    # the import itself started Werkzeug's development server, threaded or not
    assert [(call["port"], call["threaded"]) for call in run_simple_calls] == [(8123, True)]


def test_flk701_under_the_main_guard_only_python_file_py_starts_it(tmp_path, run_simple_calls):
    path = write_module(tmp_path, "app", "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run()\n")
    import_module(path)
    assert run_simple_calls == []  # `gunicorn app:app` imports it: nothing starts
    runpy.run_path(str(path), run_name="__main__")  # `python app.py`
    assert len(run_simple_calls) == 1


def test_flk701_flask_run_is_the_development_server(tmp_path, monkeypatch, run_simple_calls):
    monkeypatch.chdir(tmp_path)
    saved = dict(os.environ)  # the `flask` command writes FLASK_RUN_FROM_CLI into os.environ
    app = Flask(__name__)
    cli = FlaskGroup(create_app=lambda: app)
    try:
        result = CliRunner().invoke(cli, ["run", "--with-threads"], obj=ScriptInfo(create_app=lambda: app))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert result.exit_code == 0, result.output
    assert run_simple_calls and run_simple_calls[0]["threaded"] is True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, timeout: float) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.status, response.getheader("Server", "")
    finally:
        connection.close()


@pytest.mark.skipif(shutil.which("gunicorn") is None, reason="gunicorn is not installed")
def test_flk701_gunicorn_importing_the_module_serves_werkzeug_and_never_its_own_port(tmp_path):
    dev_port, gunicorn_port = _free_port(), _free_port()
    write_module(tmp_path, "wapp", f"from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef index():\n    return 'hi'\n\napp.run(host='127.0.0.1', port={dev_port})\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{gunicorn_port}", "wapp:app"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_"))},
    )
    try:
        deadline = time.monotonic() + 15
        answer = None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = _get(dev_port, timeout=0.5)
            except OSError:
                time.sleep(0.1)
        assert answer is not None and answer[0] == 200
        assert answer[1].startswith("Werkzeug/")  # the development server, inside the Gunicorn worker
        with pytest.raises(OSError):  # the worker is stuck in the import: a timeout
            _get(gunicorn_port, timeout=1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the worker never finishes booting: no graceful stop
        process.wait(timeout=10)


# -- FLK702 ------------------------------------------------------------------------------------


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def failing_app(**config) -> tuple[Flask, Recorder, list, list]:
    """An app whose `/boom` raises; its log records, `got_request_exception` and hooks recorded."""
    app = Flask(__name__)
    app.config.update(config)
    recorder = Recorder()
    app.logger.addHandler(recorder)
    signals: list[BaseException] = []
    hooks: list[str] = []

    def on_exception(sender, exception, **extra):
        signals.append(exception)

    got_request_exception.connect(on_exception, app, weak=False)

    @app.get("/boom")
    def boom():
        raise ValueError("boom-marker")

    @app.after_request
    def security_headers(response):
        hooks.append("after_request")
        return response

    return app, recorder, signals, hooks


def test_flk702_an_exception_handler_swallows_log_and_signal():
    app, recorder, signals, _ = failing_app()

    @app.errorhandler(Exception)
    def handle(error):
        return jsonify(error="Something went wrong"), 500

    response = app.test_client().get("/boom")
    assert response.status_code == 500 and response.json == {"error": "Something went wrong"}
    assert recorder.records == [] and signals == []  # the exception vanished


def test_flk702_a_500_handler_runs_after_flask_logged_and_signalled():
    app, recorder, signals, _ = failing_app()
    seen = []

    @app.errorhandler(500)
    def server_error(error):
        seen.append(error.original_exception)
        return "custom 500 page", 500

    response = app.test_client().get("/boom")
    assert response.status_code == 500 and response.data == b"custom 500 page"
    assert [str(e) for e in signals] == ["boom-marker"]
    assert recorder.records and recorder.records[0].exc_info[1] is signals[0]
    assert isinstance(seen[0], ValueError)


def test_flk702_logging_or_reraising_in_the_handler_records_it():
    app, recorder, signals, _ = failing_app()

    @app.errorhandler(Exception)
    def handle(error):
        app.logger.exception("Unhandled exception")
        return "sorry", 500

    app.test_client().get("/boom")
    assert recorder.records[0].exc_info[1].args == ("boom-marker",)

    app, recorder, signals, _ = failing_app()

    @app.errorhandler(Exception)
    def reraise(error):
        raise error

    # Flask logs and signals, then hands the InternalServerError to the same handler, which
    # raises again: the WSGI server answers 500, and nothing was lost on the way
    with pytest.raises(InternalServerError):
        app.test_client().get("/boom")
    assert [str(e) for e in signals] == ["boom-marker"] and recorder.records


def test_flk702_propagate_exceptions_skips_the_500_handler_and_after_request_but_not_exception_handlers():
    app, _, _, hooks = failing_app(PROPAGATE_EXCEPTIONS=True)
    handled = []

    @app.errorhandler(500)
    def server_error(error):
        handled.append("500")
        return "custom 500 page", 500

    with pytest.raises(ValueError, match="boom-marker"):  # straight to the WSGI server
        app.test_client().get("/boom")
    assert handled == [] and hooks == []

    app, recorder, signals, _ = failing_app(PROPAGATE_EXCEPTIONS=True)

    @app.errorhandler(Exception)
    def handle(error):
        return "swallowed", 500

    assert app.test_client().get("/boom").data == b"swallowed"  # still swallowed
    assert recorder.records == [] and signals == []


def test_flk702_sentry_reports_without_propagate_exceptions_unless_a_handler_swallows():
    sentry_sdk = pytest.importorskip("sentry_sdk")
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.transport import Transport

    events: list = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            events.extend(item.payload.json for item in envelope.items if item.type == "event")

    sentry_sdk.init(dsn="https://key@sentry.invalid/1", transport=Capture, integrations=[FlaskIntegration()], default_integrations=False, shutdown_timeout=0)
    try:
        app, _, _, _ = failing_app()  # PROPAGATE_EXCEPTIONS left unset
        assert app.test_client().get("/boom").status_code == 500
        assert any(e["exception"]["values"][0]["value"] == "boom-marker" for e in events)

        events.clear()
        app, _, _, _ = failing_app()

        @app.errorhandler(Exception)
        def handle(error):
            return "sorry", 500

        app.test_client().get("/boom")
        assert events == []
    finally:
        sentry_sdk.get_client().close(timeout=0)
        sentry_sdk.get_global_scope().set_client(None)


# -- FLK703 ------------------------------------------------------------------------------------


def test_flk703_a_static_view_on_the_default_static_folder_never_runs(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("from the static folder")
    app = Flask(__name__, root_path=str(tmp_path))
    calls = []

    @app.route("/static/<path:filename>")
    def static_files(filename):
        calls.append(filename)
        return "from the view"

    response = app.test_client().get("/static/a.txt")
    assert response.data == b"from the static folder"
    assert calls == []


def test_flk703_an_assets_view_serves_every_file_through_python(tmp_path):
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "app.js").write_text("console.log(1)")
    app = Flask(__name__, root_path=str(tmp_path), static_folder=None)
    calls = []

    @app.route("/assets/<path:filename>")
    def assets(filename):
        calls.append(filename)
        return send_from_directory(tmp_path / "dist", filename)

    assert app.test_client().get("/assets/app.js").data == b"console.log(1)"
    assert calls == ["app.js"]


# -- FLK704 ------------------------------------------------------------------------------------


@pytest.fixture
def files_app(tmp_path):
    """`files/` holds a public file; `secret.txt` sits next to it, outside."""
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "public.txt").write_text("public")
    (tmp_path / "secret.txt").write_text("the-secret")
    app = Flask(__name__, root_path=str(tmp_path))
    folder = str(tmp_path / "files")

    @app.get("/send")
    def send():
        return send_file(os.path.join(folder, request.args["name"]))

    @app.get("/read/<path:name>")
    def read(name):
        with open(os.path.join(folder, name)) as handle:
            return handle.read()

    @app.post("/upload")
    def upload():
        upload = request.files["doc"]
        with open(os.path.join(folder, upload.filename), "wb") as out:
            out.write(upload.read())
        return "stored"

    @app.get("/safe")
    def safe():
        return send_from_directory(folder, request.args["name"])

    @app.get("/secure")
    def secure():
        return send_file(os.path.join(folder, secure_filename(request.args["name"])))

    @app.get("/joined/<name>")
    def joined(name):
        return send_file(os.path.join(folder, name))

    @app.get("/raw/<name>")
    def raw(name):
        return send_file(name)

    return app, tmp_path


def test_flk704_a_path_from_the_query_string_reads_any_file(files_app):
    app, root = files_app
    client = app.test_client()
    assert client.get("/send", query_string={"name": "../secret.txt"}).data == b"the-secret"
    # an absolute path replaces the folder in os.path.join
    assert client.get("/send", query_string={"name": str(root / "secret.txt")}).data == b"the-secret"
    assert client.get("/read/../secret.txt").data == b"the-secret"  # `open()` with a path converter


def test_flk704_an_uploaded_file_s_own_name_writes_outside_the_folder(files_app):
    app, root = files_app
    response = app.test_client().post("/upload", data={"doc": (io.BytesIO(b"planted"), "../planted.txt")})
    assert response.data == b"stored"
    assert (root / "planted.txt").read_bytes() == b"planted"  # next to `files/`, not in it


def test_flk704_send_from_directory_and_secure_filename_refuse(files_app):
    app, _ = files_app
    client = app.test_client()
    assert client.get("/safe", query_string={"name": "../secret.txt"}).status_code == 404
    secured = client.get("/secure", query_string={"name": "../secret.txt"})  # became `files/secret.txt`, which does not exist
    assert secured.status_code == 500 and b"the-secret" not in secured.data
    assert client.get("/safe", query_string={"name": "public.txt"}).data == b"public"


def test_flk704_the_default_converter_refuses_slashes_but_reaches_the_app_folder(files_app):
    app, _ = files_app
    client = app.test_client()
    assert client.get("/joined/..%2Fsecret.txt").status_code == 404  # no `/` in a `<name>`
    assert client.get("/joined/public.txt").data == b"public"
    assert client.get("/raw/secret.txt").data == b"the-secret"  # the whole path: any file next to the app
    assert client.get("/joined/..").status_code == 500  # `..` alone names the folder above: IsADirectoryError

