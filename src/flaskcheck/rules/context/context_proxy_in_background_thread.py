"""FLK102."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.context import (
    PROCESS,
    REQUEST,
    URL,
    Callee,
    HandOff,
    ReachedUse,
    candidate_names,
    failure,
    hand_off,
    reachable_uses,
    resolve_callable,
)


class ContextProxyInBackgroundThread(Rule):
    """
    ## What it does
    Reports a callable handed to `threading.Thread(target=...)`, `threading.Timer`,
    `submit` / `map` of a `concurrent.futures` executor, `loop.run_in_executor` or
    `multiprocessing.Process(target=...)` that uses Flask's context proxies or helpers
    (`current_app`, `request`, `session`, `g`, `current_user`, `url_for`,
    `render_template(_string)`, `flash`, `jsonify`), directly or through functions of the
    same module it calls (up to three calls deep). It is reported at the call that hands the
    callable off.

    It stays silent when the callable is decorated with or wrapped in
    `copy_current_request_context`, runs through `.run` of a `contextvars.copy_context()`, or
    is run by `asyncio.to_thread` (which copies the context); when the callable uses only
    `current_app`, `g`, `render_template(_string)` and `jsonify` inside
    `with <app>.app_context():` of a real app object (not `current_app`, which is itself
    unbound in the new thread), or `url_for` there while `SERVER_NAME` is configured; and
    under `has_request_context()` / `has_app_context()`. An executor counts when its
    constructor is in view (`ThreadPoolExecutor(...)` bound to a name, `with ... as pool`,
    or `self.<attr>` set in the class); others (Flask-Executor, which copies the context, or
    an executor imported from another module) are not checked. Callables imported from other
    modules and `Thread` subclasses overriding `run` are not followed.

    ## Why is this bad?
    Flask's contexts live in context variables of the thread that handles the request. A
    new thread or executor worker starts without them, so the first use raises
    `RuntimeError: Working outside of request context` (or `application context`);
    `current_user` is `None` there. The response has usually been sent already, so the
    error shows up only in the logs and the work (an e-mail, a report) silently never
    happens. A `multiprocessing.Process` fails the same way under the spawn and forkserver
    start methods (the default on macOS, on Windows, and on Linux from Python 3.14); under
    fork the child works on a frozen copy of the request, and its writes to `session` and
    `g` are lost.

    ## Example
    ```python
    import threading

    from flask import Flask, request

    app = Flask(__name__)


    def send_receipt():
        print("receipt for", request.form["email"])


    @app.post("/orders")
    def create_order():
        threading.Thread(target=send_receipt).start()  # error
        return "", 202
    ```

    ## Use instead
    ```python
    import threading

    from flask import Flask, request

    app = Flask(__name__)


    def send_receipt(email):
        print("receipt for", email)


    @app.post("/orders")
    def create_order():
        threading.Thread(target=send_receipt, args=(request.form["email"],)).start()
        return "", 202
    ```

    Pass the thread the data it needs, or wrap the callable in
    `flask.copy_current_request_context` when it must see the request. For app-level work,
    pass `current_app._get_current_object()` and enter `app.app_context()` in the thread.

    ## References
    - [Flask: `copy_current_request_context`](https://flask.palletsprojects.com/en/stable/api/#flask.copy_current_request_context)
    - [Flask: the application context](https://flask.palletsprojects.com/en/stable/appcontext/)
    - [Python: `contextvars` and threads](https://docs.python.org/3/library/contextvars.html)
    """

    code = "FLK102"
    name = "context-proxy-in-background-thread"
    severity = Severity.ERROR

    valid = [
        # copy_current_request_context, as a decorator or a wrapper
        Valid(
            "import threading\nfrom flask import Flask, request, copy_current_request_context\napp = Flask(__name__)\n\n"
            "@app.post('/')\ndef index():\n    @copy_current_request_context\n    def work():\n        print(request.path)\n"
            "    threading.Thread(target=work).start()\n    return ''\n"
        ),
        Valid(
            "from concurrent.futures import ThreadPoolExecutor\nimport flask\napp = flask.Flask(__name__)\npool = ThreadPoolExecutor(2)\n\n"
            "def work():\n    return flask.session['user']\n\n@app.get('/')\ndef index():\n    pool.submit(flask.copy_current_request_context(work))\n    return ''\n"
        ),
        # contextvars.copy_context().run, asyncio.to_thread
        Valid(
            "import contextvars, threading\nfrom flask import Flask, request\napp = Flask(__name__)\n\ndef work():\n    print(request.path)\n\n"
            "@app.get('/')\ndef index():\n    ctx = contextvars.copy_context()\n    threading.Thread(target=ctx.run, args=(work,)).start()\n    return ''\n"
        ),
        Valid(
            "import asyncio\nfrom flask import Flask, request\napp = Flask(__name__)\n\ndef work():\n    return request.path\n\n"
            "@app.get('/')\nasync def index():\n    return await asyncio.to_thread(work)\n"
        ),
        # a real app's context inside the thread covers the app-level names
        Valid(
            "import threading\nfrom flask import Flask, current_app, g, render_template_string\napp = Flask(__name__)\n\n"
            "def work(app):\n    with app.app_context():\n        current_app.logger.info('done')\n        g.x = 1\n        render_template_string('hi')\n\n"
            "@app.get('/')\ndef index():\n    threading.Thread(target=work, args=(current_app._get_current_object(),)).start()\n    return ''\n"
        ),
        Valid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.config['SERVER_NAME'] = 'shop.example.com'\n    return app\n",
            "shop/jobs.py": (
                "import threading\nfrom flask import url_for\nfrom shop import create_app\n\n"
                "def notify():\n    app = create_app()\n    with app.app_context():\n        print(url_for('index'))\n\n"
                "def start():\n    threading.Thread(target=notify).start()\n"
            ),
        }),
        # guarded, or plain data only
        Valid(
            "import threading\nfrom flask import request, has_request_context\n\n"
            "def log(message):\n    if has_request_context():\n        message = f'{request.path}: {message}'\n    print(message)\n\n"
            "threading.Thread(target=log, args=('hi',)).start()\n"
        ),
        Valid("import threading\nfrom flask import request\n\ndef work(email):\n    print(email)\n\ndef view():\n    threading.Thread(target=work, args=(request.form['email'],)).start()\n"),
        # executors this checker cannot see are not checked (Flask-Executor copies the context)
        Valid("from flask import Flask, request\nfrom flask_executor import Executor\napp = Flask(__name__)\nexecutor = Executor(app)\n\ndef work():\n    return request.path\n\n@app.get('/')\ndef index():\n    executor.submit(work)\n    return ''\n"),
        # a callable from another module is not followed
        Valid("import threading\nfrom reports.jobs import build\n\ndef view():\n    threading.Thread(target=build).start()\n"),
        # look-alikes: a parameter named request, urllib.request
        Valid("import threading\nimport urllib.request\n\ndef fetch(request):\n    urllib.request.urlopen(request.full_url)\n\nthreading.Thread(target=fetch, args=(req,)).start()\n"),
        Valid("import threading\nfrom requests import session\n\ndef ping():\n    session().get('https://example.com')\n\nthreading.Timer(5, ping).start()\n"),
        Valid("import threading\nfrom flask import request\n\ndef work():\n    r = request\n    if r:\n        pass\n\nthreading.Thread(target=work).start()\n"),
    ]
    invalid = [
        Invalid(
            "from threading import Timer as Later\nfrom flask import current_app as app_proxy\n\n"
            "def flush():\n    app_proxy.logger.info('flushed')\n\ndef view():\n    Later(5.0, flush).start()  # error\n",
            message="`threading.Timer` runs `flush` in another thread, where `current_app` (line 5) has no app context: `RuntimeError: Working outside of application context`",
        ),
        # executors: with-as, module level, map, run_in_executor, through a called function
        Invalid(
            "from concurrent.futures import ThreadPoolExecutor\nfrom flask import request\n\n"
            "def audit():\n    print(request.remote_addr)\n\ndef work(item):\n    audit()\n    return item\n\n"
            "def view():\n    with ThreadPoolExecutor() as pool:\n        pool.submit(work, 1)  # error\n        list(pool.map(work, [1, 2]))  # error\n",
            message="`ThreadPoolExecutor.submit` runs `work` in another thread, where `request` (line 5, through `audit`) has no request context: `RuntimeError: Working outside of request context`",
        ),
        Invalid(
            "import concurrent.futures\nimport flask\nEXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=4)\n\n"
            "def render(name):\n    return flask.render_template('report.html', name=name)\n\n"
            "def view():\n    EXECUTOR.submit(render, 'x')  # error\n"
        ),
        Invalid(
            "import asyncio\nfrom flask import session\n\ndef read():\n    return session['cart']\n\n"
            "async def view():\n    loop = asyncio.get_running_loop()\n    return await loop.run_in_executor(None, read)  # error\n"
        ),
        # processes
        Invalid(
            "import multiprocessing\nfrom flask import request\n\ndef export():\n    print(request.args)\n\n"
            "def view():\n    multiprocessing.Process(target=export).start()  # error\n",
            message="`multiprocessing.Process` runs `export` in another process, where `request` (line 5) needs the request context: "
            "this fails under the spawn and forkserver start methods, and under fork writes to `session` and `g` are lost",
        ),
        Invalid(
            "from concurrent.futures import ProcessPoolExecutor\nfrom flask import g\n\ndef work():\n    g.count = 1\n\n"
            "def view():\n    with ProcessPoolExecutor() as pool:\n        pool.submit(work)  # error\n"
        ),
        Invalid(
            "import multiprocessing as mp\nfrom flask import request\n\ndef export():\n    print(request.args)\n\n"
            "def view():\n    ctx = mp.get_context('spawn')\n    ctx.Process(target=export, daemon=True).start()  # error\n"
        ),
        # an executor kept on the object, made in __init__
        Invalid(
            "from concurrent.futures import ThreadPoolExecutor\nfrom flask import current_app\n\nclass Mailer:\n"
            "    def __init__(self):\n        self._pool = ThreadPoolExecutor(max_workers=2)\n\n"
            "    def _send(self, to):\n        print(current_app.config['MAIL_SERVER'], to)\n\n"
            "    def send(self, to):\n        return self._pool.submit(self._send, to)  # error\n"
        ),
        # current_app is unbound in the thread: its app_context() fails, and request needs more
        Invalid(
            "import threading\nfrom flask import current_app, request\n\ndef work():\n    with current_app.app_context():\n        print('x')\n\n"
            "def other(app):\n    with app.app_context():\n        print(request.path)\n\n"
            "def view():\n    threading.Thread(target=work).start()  # error\n    threading.Thread(target=other, args=(1,)).start()  # error\n"
        ),
        # url_for in an app context with no SERVER_NAME anywhere
        Invalid(
            "import threading\nfrom flask import Flask, url_for\napp = Flask(__name__)\n\ndef notify():\n    with app.app_context():\n        print(url_for('index'))\n\n"
            "def view():\n    threading.Thread(target=notify).start()  # error\n",
            message="`threading.Thread` runs `notify` in another thread, where `url_for` (line 7) has an app context but no request, and no `SERVER_NAME` is configured: "
            "`RuntimeError: Unable to build URLs outside an active request without 'SERVER_NAME' configured`",
        ),
        # lambdas, functools.partial, methods, nested functions, flask_login
        Invalid(
            "import functools, threading\nfrom flask import request\nfrom flask_login import current_user\n\n"
            "def log(what):\n    print(what, current_user.id)\n\n"
            "def view():\n    threading.Thread(target=lambda: print(request.path)).start()  # error\n"
            "    threading.Thread(target=functools.partial(log, 'x')).start()  # error\n"
        ),
        Invalid(
            "import threading\nfrom flask import Flask, flash\nfrom flask.views import MethodView\n\n"
            "class Import(MethodView):\n    def notify(self):\n        flash('done')\n\n"
            "    def post(self):\n        threading.Thread(target=self.notify, daemon=True).start()  # error\n        return ''\n"
        ),
        Invalid(files={
            "reports/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    from .views import bp\n    app.register_blueprint(bp)\n    return app\n",
            "reports/views.py": (
                "import threading\nfrom flask import Blueprint, jsonify, request\nbp = Blueprint('reports', __name__)\n\n"
                "@bp.post('/reports')\ndef build():\n    def run():\n        print(request.json['title'])\n"
                "    worker = threading.Thread(target=run)  # error\n    worker.start()\n    return jsonify(status='queued'), 202\n"
            ),
        }),
    ]

    def __init__(self) -> None:
        self._names: frozenset[str] | None = None

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        handoff = hand_off(ctx.semantic, node)
        if handoff is None or handoff.carries_context:
            return
        callee = resolve_callable(ctx.semantic, handoff.target)
        if callee is None or callee.copies_context or callee.function is None:
            return
        if self._names is None:
            self._names = candidate_names(ctx.semantic)
        if not self._names:
            return
        pending: ReachedUse | None = None
        for reached in reachable_uses(ctx.semantic, callee.function, names=self._names):
            if reached.guard.covers(reached.use.need):
                continue
            if reached.use.need == URL and reached.guard.app and handoff.kind != PROCESS:
                pending = pending or reached  # fine once SERVER_NAME is configured
                continue
            ctx.report(node, message(handoff, callee, reached))
            return
        if pending is not None:
            ctx.record(node, kind="url_for_in_app_context", message=message(handoff, callee, pending))


    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] == "url_for_in_app_context" and not index.configures_server_name(summary):
                ctx.report_fact(fact, fact.data["message"])


def message(handoff: HandOff, callee: Callee, reached: ReachedUse) -> str:
    use = reached.use
    runs = f"`{handoff.api}` runs {'a lambda' if callee.name == 'lambda' else f'`{callee.name}`'}"
    where = f"`{use.short}` (line {use.node.lineno}{', through ' + ', '.join(f'`{name}`' for name in reached.via) if reached.via else ''})"
    if handoff.kind == PROCESS:
        return (f"{runs} in another process, where {where} needs the {'request' if use.need != 'app' else 'app'} context: "
                "this fails under the spawn and forkserver start methods, and under fork writes to `session` and `g` are lost")
    if use.need == URL and reached.guard.app:
        return f"{runs} in another thread, where {where} has an app context but no request, and no `SERVER_NAME` is configured: {failure(use.name, use.how, app_context=True)}"
    missing = "no request context" if use.need == REQUEST else "no app context"
    if use.name == "flask_login.current_user":
        missing = "no request"
    return f"{runs} in another thread, where {where} has {missing}: {failure(use.name, use.how)}"
