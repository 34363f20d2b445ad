"""The consequences FLK101-FLK105 state in their docs, shown on real Flask, Flask-Login and Celery.

Each test names the rule and the claim it proves. No network and no server: module code run
with `exec`, threads and processes started from test-client requests, Celery in eager mode.
"""

from __future__ import annotations

import asyncio
import contextvars
import multiprocessing
import runpy
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import (
    Flask,
    copy_current_request_context,
    current_app,
    g,
    render_template_string,
    request,
    session,
    url_for,
)

flask_login = pytest.importorskip("flask_login")
celery_module = pytest.importorskip("celery")
kombu_exceptions = pytest.importorskip("kombu.exceptions")


def run_module(source: str) -> dict:
    """Run `source` the way an import runs a module's top level."""
    namespace = {"__name__": "mod"}
    exec(compile(textwrap.dedent(source), "mod.py", "exec"), namespace)  # noqa: S102 - the code under test
    return namespace


def outcome(function, *args):
    """The function's result, or the exception it raised."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - the exception is what the tests look at
        return error


def in_thread(function, *args):
    box: list = []
    thread = threading.Thread(target=lambda: box.append(outcome(function, *args)))
    thread.start()
    thread.join(5)
    return box[0]


def make_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", **config)

    @app.get("/")
    def index():
        return "home"

    return app


def is_error(result, kind: type, text: str) -> bool:
    return isinstance(result, kind) and text in str(result)


APP_CONTEXT_ERROR = "Working outside of application context"
REQUEST_CONTEXT_ERROR = "Working outside of request context"
URL_ERROR = "Unable to build URLs outside an active request without 'SERVER_NAME' configured"


# -- FLK101 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "message"), [
    ("from flask import current_app\nUPLOAD = current_app.config['UPLOAD_FOLDER']\n", APP_CONTEXT_ERROR),
    ("from flask import g\ng.db = None\n", APP_CONTEXT_ERROR),
    ("from flask import request\nPATH = request.path\n", REQUEST_CONTEXT_ERROR),
    ("from flask import session\nHAS = 'user' in session\n", REQUEST_CONTEXT_ERROR),
    ("from flask import request\nTEXT = str(request)\n", REQUEST_CONTEXT_ERROR),
    ("from flask import url_for\nHOME = url_for('index')\n", APP_CONTEXT_ERROR),
    ("from flask import jsonify\nOK = jsonify(ok=True)\n", APP_CONTEXT_ERROR),
    ("from flask import render_template_string\nPAGE = render_template_string('hi')\n", APP_CONTEXT_ERROR),
    ("from flask import flash\nflash('hi')\n", REQUEST_CONTEXT_ERROR),
    ("from flask import current_app\nclass Config:\n    DEBUG = current_app.debug\n", APP_CONTEXT_ERROR),
    ("from flask import g\ndef send(to=g.user):\n    return to\n", APP_CONTEXT_ERROR),
])
def test_flk101_import_time_use_raises(source, message):
    with pytest.raises(RuntimeError, match=message):
        run_module(source)


def test_flk101_iterating_an_unbound_proxy_raises_type_error_and_equality_nothing():
    with pytest.raises(TypeError, match="'LocalProxy' object is not iterable"):
        run_module("from flask import session\nfor key in session:\n    pass\n")
    with pytest.raises(TypeError, match="'LocalProxy' object is not iterable"):
        run_module("from flask import session\nKEYS = list(session)\n")
    namespace = run_module("from flask import g, request\nSAME = g == None\nOTHER = request != 1\n")
    assert (namespace["SAME"], namespace["OTHER"]) == (False, True)  # compared by identity


def test_flk101_current_user_is_none_at_import_time():
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'name'"):
        run_module("from flask_login import current_user\nNAME = current_user.name\n")
    namespace = run_module("from flask_login import current_user\nTEXT = str(current_user)\nSAME = current_user == None\n")
    assert (namespace["TEXT"], namespace["SAME"]) == ("None", True)  # what `None` can do works


def test_flk101_main_block_fails_the_same_way(tmp_path):
    script = tmp_path / "serve.py"
    script.write_text("from flask import Flask, url_for\napp = Flask(__name__)\nif __name__ == '__main__':\n    print(url_for('index'))\n")
    with pytest.raises(RuntimeError, match=APP_CONTEXT_ERROR):
        runpy.run_path(str(script), run_name="__main__")


def test_flk101_binding_truth_tests_is_none_repr_and_guards_raise_nothing():
    namespace = run_module("""
        from flask import request, current_app, session, has_request_context, has_app_context
        r = request
        TRUTH = bool(current_app)
        IS_NONE = request is None
        TEXT = repr(session)
        PATH = request.path if has_request_context() else None
        NAME = has_app_context() and current_app.name
        try:
            DEBUG = current_app.debug
        except RuntimeError:
            DEBUG = None
    """)
    assert namespace["TRUTH"] is False  # an unbound proxy is falsy
    assert namespace["IS_NONE"] is False
    assert "unbound" in namespace["TEXT"]
    assert (namespace["PATH"], namespace["NAME"], namespace["DEBUG"]) == (None, False, None)


def test_flk101_app_context_covers_app_level_names_only():
    app = make_app()
    with app.app_context():
        namespace = run_module("""
            from flask import current_app, g, render_template_string, jsonify
            NAME = current_app.name
            g.user = None
            PAGE = render_template_string('hi')
            BODY = jsonify(ok=True).get_json()
        """)
        assert namespace["PAGE"] == "hi"
        with pytest.raises(RuntimeError, match=REQUEST_CONTEXT_ERROR):
            run_module("from flask import session\nsession['x'] = 1\n")
        with pytest.raises(RuntimeError, match=REQUEST_CONTEXT_ERROR):
            run_module("from flask import flash\nflash('hi')\n")
        with pytest.raises(RuntimeError, match=URL_ERROR):
            run_module("from flask import url_for\nHOME = url_for('index')\n")


def test_flk101_url_for_in_app_context_works_with_server_name():
    app = make_app(SERVER_NAME="shop.example.com")
    with app.app_context():
        assert run_module("from flask import url_for\nHOME = url_for('index')\n")["HOME"] == "http://shop.example.com/"


def test_flk101_test_request_context_covers_everything():
    app = make_app()
    with app.test_request_context("/x"):
        namespace = run_module("from flask import request, url_for, session\nPATH = request.path\nHOME = url_for('index')\nsession['a'] = 1\n")
    assert (namespace["PATH"], namespace["HOME"]) == ("/x", "/")


def test_flk101_a_module_run_inside_an_app_context_reads_current_app():
    """What Flask-Migrate does for `migrations/env.py`: it runs under `flask db`'s app context."""
    app = make_app()
    with app.app_context():
        assert run_module("from flask import current_app\nNAME = current_app.name\n")["NAME"] == app.name


# -- FLK102 ---------------------------------------------------------------------------------


def read_path():
    return request.path


def run_view(view, **config):
    """The value a view put in `results`, after one request."""
    results: list = []
    app = make_app(**config)
    app.add_url_rule("/work", "work", lambda: view(app, results) or "ok")
    assert app.test_client().get("/work").status_code == 200
    return results[0]


def test_flk102_thread_has_no_request_context():
    result = run_view(lambda app, out: out.append(in_thread(read_path)))
    assert is_error(result, RuntimeError, REQUEST_CONTEXT_ERROR)


def test_flk102_timer_has_no_request_context():
    def view(app, out):
        timer = threading.Timer(0.0, lambda: out.append(outcome(read_path)))
        timer.start()
        timer.join(5)

    assert is_error(run_view(view), RuntimeError, REQUEST_CONTEXT_ERROR)


def test_flk102_executor_submit_and_map_have_no_request_context():
    def view(app, out):
        with ThreadPoolExecutor(1) as pool:
            out.append((outcome(pool.submit(read_path).result), outcome(lambda: list(pool.map(lambda _: read_path(), [1])))))

    submitted, mapped = run_view(view)
    assert is_error(submitted, RuntimeError, REQUEST_CONTEXT_ERROR)
    assert is_error(mapped, RuntimeError, REQUEST_CONTEXT_ERROR)


def test_flk102_run_in_executor_has_no_request_context_but_to_thread_has():
    def view(app, out):
        async def both():
            loop = asyncio.get_running_loop()
            in_executor = await loop.run_in_executor(None, lambda: outcome(read_path))
            return in_executor, await asyncio.to_thread(read_path)

        out.append(asyncio.run(both()))

    in_executor, to_thread = run_view(view)
    assert is_error(in_executor, RuntimeError, REQUEST_CONTEXT_ERROR)
    assert to_thread == "/work"


def test_flk102_copy_current_request_context_and_copy_context_run_work():
    def view(app, out):
        out.append(in_thread(copy_current_request_context(read_path)))
        ctx = contextvars.copy_context()
        out.append(in_thread(ctx.run, read_path))

    results: list = []
    app = make_app()
    app.add_url_rule("/work", "work", lambda: view(app, results) or "ok")
    app.test_client().get("/work")
    assert results == ["/work", "/work"]


def test_flk102_app_context_in_the_thread_covers_current_app_not_request():
    def work(app):
        with app.app_context():
            name = current_app.name
            g.x = 1
            page = render_template_string("hi")
            return name, page, outcome(read_path)

    def view(app, out):
        out.append(in_thread(work, current_app._get_current_object()))

    name, page, path = run_view(view)
    assert page == "hi" and name
    assert is_error(path, RuntimeError, REQUEST_CONTEXT_ERROR)


def test_flk102_current_app_app_context_fails_in_the_thread():
    def work():
        with current_app.app_context():
            return "never"

    assert is_error(run_view(lambda app, out: out.append(in_thread(work))), RuntimeError, APP_CONTEXT_ERROR)


def test_flk102_current_user_is_none_in_the_thread():
    def view(app, out):
        out.append(in_thread(lambda: flask_login.current_user.is_authenticated))

    app = make_app()
    flask_login.LoginManager(app)
    results: list = []
    app.add_url_rule("/work", "work", lambda: view(app, results) or "ok")
    app.test_client().get("/work")
    assert is_error(results[0], AttributeError, "'NoneType' object has no attribute 'is_authenticated'")


@pytest.mark.parametrize(("server_name", "works"), [(None, False), ("shop.example.com", True)])
def test_flk102_url_for_in_a_thread_app_context_needs_server_name(server_name, works):
    def work(app):
        with app.app_context():
            return url_for("index")

    result = run_view(lambda app, out: out.append(in_thread(work, app)), SERVER_NAME=server_name)
    if works:
        assert result == "http://shop.example.com/"
    else:
        assert is_error(result, RuntimeError, URL_ERROR)


PROCESS_MODULE = """
from flask import Flask, g, request

app = Flask(__name__)


def read_path(queue):
    try:
        queue.put(request.path)
    except RuntimeError as error:
        queue.put(str(error).splitlines()[0])


def write_g(queue):
    g.seen = "child"
    queue.put(g.seen)


def receive(queue, proxy):
    queue.put("received")
"""


@pytest.fixture
def process_module(tmp_path, monkeypatch):
    (tmp_path / "ctx_process_job.py").write_text(PROCESS_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import ctx_process_job

    yield ctx_process_job
    sys.modules.pop("ctx_process_job", None)


def run_process(method: str, target, *args):
    context = multiprocessing.get_context(method)
    queue = context.Queue()
    process = context.Process(target=target, args=(queue, *args))
    process.start()
    try:
        return queue.get(timeout=30)
    finally:
        process.join(30)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method")
def test_flk102_process_under_fork_reads_a_frozen_copy_and_loses_writes(process_module):
    with process_module.app.test_request_context("/report"):
        g.seen = "parent"
        assert run_process("fork", process_module.read_path) == "/report"
        assert run_process("fork", process_module.write_g) == "child"
        assert g.seen == "parent"  # the child's write is lost


def test_flk102_process_under_spawn_has_no_request_context(process_module):
    with process_module.app.test_request_context("/report"):
        assert run_process("spawn", process_module.read_path) == "Working outside of request context."


# -- FLK103 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("proxy", "message"), [
    (lambda: request, REQUEST_CONTEXT_ERROR),
    (lambda: session, REQUEST_CONTEXT_ERROR),
    (lambda: g, APP_CONTEXT_ERROR),
    (lambda: current_app, APP_CONTEXT_ERROR),
])
def test_flk103_a_proxy_passed_to_a_thread_is_unbound_there(proxy, message):
    result = run_view(lambda app, out: out.append(in_thread(lambda obj: obj.anything, proxy())))
    assert is_error(result, RuntimeError, message)


def test_flk103_the_real_app_object_and_copied_context_work():
    def view(app, out):
        out.append(in_thread(lambda real: real.name, current_app._get_current_object()))
        out.append(in_thread(copy_current_request_context(lambda req: req.path), request))
        out.append(asyncio.run(asyncio.to_thread(lambda req: req.path, request)))

    results: list = []
    app = make_app()
    app.add_url_rule("/work", "work", lambda: view(app, results) or "ok")
    app.test_client().get("/work")
    assert results == [app.name, "/work", "/work"]


@pytest.fixture
def eager_celery():
    celery = celery_module.Celery("claims", broker="memory://")
    celery.conf.task_always_eager = True
    return celery


@pytest.mark.parametrize(("proxy", "type_name"), [
    (lambda: request, "Request"),
    (lambda: session, "SecureCookieSession"),
    (lambda: g, "_AppCtxGlobals"),
    (lambda: current_app, "Flask"),
])
def test_flk103_celery_cannot_serialise_a_proxy(eager_celery, proxy, type_name):
    @eager_celery.task
    def audit(value):
        return "ok"

    app = make_app()
    with app.test_request_context("/"):
        with pytest.raises(kombu_exceptions.EncodeError, match=f"Object of type {type_name} is not JSON serializable"):
            audit.delay(proxy())
        assert audit.delay(request.path).get() == "ok"


def test_flk103_a_spawned_process_cannot_receive_a_proxy(process_module):
    context = multiprocessing.get_context("spawn")
    with process_module.app.test_request_context("/report"):
        process = context.Process(target=process_module.receive, args=(context.Queue(), request))
        with pytest.raises(Exception, match="wrong class") as raised:
            process.start()
    assert "PicklingError" in type(raised.value).__name__


# -- FLK104 ---------------------------------------------------------------------------------


def test_flk104_a_global_rebound_under_a_lock_leaks_between_concurrent_requests():
    app = Flask(__name__)
    state = {"current": None}
    lock = threading.Lock()
    both_wrote = threading.Barrier(2, timeout=5)

    @app.get("/whoami")
    def whoami():
        with lock:
            state["current"] = request.args["user"]  # what `global current; current = ...` does
        both_wrote.wait()
        return state["current"]

    answers: dict[str, str] = {}

    def ask(user):
        answers[user] = app.test_client().get(f"/whoami?user={user}").text

    threads = [threading.Thread(target=ask, args=(user,)) for user in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert answers["alice"] == answers["bob"]  # one of them received the other's name


def test_flk104_a_module_list_keeps_earlier_requests_entries():
    app = Flask(__name__)
    visits: list[str] = []

    @app.get("/visit")
    def visit():
        visits.append(request.args["user"])
        return ",".join(visits)

    client = app.test_client()
    client.get("/visit?user=alice")
    assert client.get("/visit?user=bob").text == "alice,bob"


def test_flk104_concurrent_requests_lose_an_update_without_a_lock():
    app = Flask(__name__)
    counts = {"hits": 0}
    both_read = threading.Barrier(2, timeout=5)

    @app.get("/hit")
    def hit():
        seen = counts["hits"]  # the read and the write of `counts["hits"] += 1`, made visible
        both_read.wait()
        counts["hits"] = seen + 1
        return "ok"

    threads = [threading.Thread(target=app.test_client().get, args=("/hit",)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert counts["hits"] == 1  # two requests, one update lost


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method")
def test_flk104_each_worker_process_keeps_its_own_copy():
    counts = {"hits": 0}
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def worker():
        counts["hits"] += 1
        queue.put(counts["hits"])

    process = context.Process(target=worker)
    process.start()
    assert queue.get(timeout=10) == 1
    process.join(10)
    assert counts["hits"] == 0  # the parent (another worker) never saw it


# -- FLK105 ---------------------------------------------------------------------------------


def flask_task_base(app):
    class FlaskTask(celery_module.Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    return FlaskTask


def test_flk105_a_task_without_a_base_fails_outside_any_context(eager_celery):
    @eager_celery.task
    def sender():
        return current_app.config["MAIL_SENDER"]

    with pytest.raises(RuntimeError, match=APP_CONTEXT_ERROR):
        sender.delay().get()


def test_flk105_an_eager_task_called_from_a_view_hides_the_failure(eager_celery):
    @eager_celery.task
    def sender():
        return current_app.config["MAIL_SENDER"]

    app = make_app(MAIL_SENDER="shop@example.com")
    app.add_url_rule("/send", "send", lambda: sender.delay().get())
    assert app.test_client().get("/send").text == "shop@example.com"


def test_flk105_a_base_that_enters_app_context_gives_app_level_names():
    app = make_app(MAIL_SENDER="shop@example.com")
    celery = celery_module.Celery("claims", broker="memory://", task_cls=flask_task_base(app))
    celery.conf.task_always_eager = True

    @celery.task
    def digest():
        g.count = 1
        return current_app.config["MAIL_SENDER"], render_template_string("{{ n }}", n=g.count)

    assert tuple(digest.delay().get()) == ("shop@example.com", "1")


def read_request_path():
    return request.path


def read_session():
    return session.get("x")


def build_url():
    return url_for("index")


def read_user_name():
    return flask_login.current_user.name


def read_mail_sender():
    return current_app.config["MAIL_SENDER"]


def read_path_and_url():
    return request.path, url_for("index")


def celery_with_base(app, base=None):
    celery = celery_module.Celery("claims", broker="memory://", task_cls=base or flask_task_base(app))
    celery.conf.task_always_eager = True
    return celery


@pytest.mark.parametrize(("use", "error", "message"), [
    (read_request_path, RuntimeError, REQUEST_CONTEXT_ERROR),
    (read_session, RuntimeError, REQUEST_CONTEXT_ERROR),
    (build_url, RuntimeError, URL_ERROR),
    (read_user_name, AttributeError, "'NoneType' object has no attribute 'name'"),
])
def test_flk105_with_the_base_a_worker_still_has_no_request(use, error, message):
    app = make_app()
    flask_login.LoginManager(app)
    task = celery_with_base(app).task(use)
    with pytest.raises(error, match=message):
        task.delay().get()


def test_flk105_with_the_base_url_for_works_once_server_name_is_set():
    app = make_app(SERVER_NAME="shop.example.com")
    assert celery_with_base(app).task(build_url).delay().get() == "http://shop.example.com/"


def test_flk105_celery_task_base_assignment_and_task_prerun_push_the_context():
    app = make_app(MAIL_SENDER="shop@example.com")
    celery = celery_module.Celery("claims", broker="memory://")
    celery.Task = flask_task_base(app)
    celery.conf.task_always_eager = True
    assert celery.task(read_mail_sender).delay().get() == "shop@example.com"

    other = celery_module.Celery("claims-signal", broker="memory://")
    other.conf.task_always_eager = True
    pushed = []

    def push(*args, **kwargs):
        context = app.app_context()
        context.push()
        pushed.append(context)

    celery_module.signals.task_prerun.connect(push, weak=False)
    try:
        assert other.task(read_mail_sender).delay().get() == "shop@example.com"
    finally:
        celery_module.signals.task_prerun.disconnect(push)
        for context in reversed(pushed):
            context.pop()


def test_flk105_a_base_that_enters_a_test_request_context_gives_request():
    app = make_app()

    class RequestTask(celery_module.Task):
        def __call__(self, *args, **kwargs):
            with app.app_context(), app.test_request_context("/"):
                return self.run(*args, **kwargs)

    assert tuple(celery_with_base(app, RequestTask).task(read_path_and_url).delay().get()) == ("/", "/")


def test_flk105_with_app_context_inside_the_task(eager_celery):
    app = make_app(MAIL_SENDER="shop@example.com")

    @eager_celery.task
    def sender():
        with app.app_context():
            return current_app.config["MAIL_SENDER"]

    assert sender.delay().get() == "shop@example.com"
