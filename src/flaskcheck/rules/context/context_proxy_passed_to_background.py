"""FLK103."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.context import (
    CELERY_CALL_METHODS,
    HAND_OFF_WORDS,
    PROCESS,
    PROXIES,
    CeleryProject,
    candidate_names,
    celery_call,
    celery_facts,
    context_name,
    hand_off,
    module_root,
    resolve_callable,
    short_name,
    task_decorator,
)
from flaskcheck.semantic.flask import is_same_project

# Method names of the calls that can receive a proxy (`Thread`, `submit`, `delay`...).
_RECEIVING_METHODS = HAND_OFF_WORDS | CELERY_CALL_METHODS
# What Celery's JSON serialiser names when it refuses each proxy's object.
_SERIALISED_TYPES = {
    "flask.request": "Request",
    "flask.session": "SecureCookieSession",
    "flask.g": "_AppCtxGlobals",
    "flask.current_app": "Flask",
}


class ContextProxyPassedToBackground(Rule):
    """
    ## What it does
    Reports a context proxy itself (`current_app`, `request`, `session`, `g`, Flask-Login's
    `current_user`) passed as an argument to background work: to `threading.Thread` /
    `threading.Timer` (in `args` or `kwargs`), an executor's `submit` / `map`,
    `loop.run_in_executor`, `multiprocessing.Process`, or a Celery task's `.delay()`,
    `.apply_async()` or `.s()`. It is reported at the call that receives the proxy.

    It stays silent when plain data or `current_app._get_current_object()` is passed; when
    the receiving callable is wrapped in (or decorated with) `copy_current_request_context`
    or runs through `contextvars.copy_context().run`; and for `asyncio.to_thread`, which
    copies the context. A `.delay()` counts when its receiver is a Celery task of the
    project (`@<celery app>.task` or `@shared_task`, also imported from another module).

    ## Why is this bad?
    A proxy is not the object: it looks the object up in the current context each time it
    is used. In the new thread there is no context, so the first use raises
    `RuntimeError: Working outside of request context` (or `application context`). A
    process started with the spawn or forkserver method cannot even receive it: pickling the
    proxy fails with `PicklingError`. Celery
    serialises task arguments, and the call itself fails with
    `EncodeError: Object of type Request is not JSON serializable` (`Flask`,
    `SecureCookieSession`, `_AppCtxGlobals`, your user class), in eager mode too.

    ## Example
    ```python
    import threading

    from flask import Flask, request

    app = Flask(__name__)


    def audit(req):
        print(req.remote_addr, req.path)


    @app.get("/reports")
    def reports():
        threading.Thread(target=audit, args=(request,)).start()  # error
        return "ok"
    ```

    ## Use instead
    ```python
    import threading

    from flask import Flask, request

    app = Flask(__name__)


    def audit(remote_addr, path):
        print(remote_addr, path)


    @app.get("/reports")
    def reports():
        threading.Thread(target=audit, args=(request.remote_addr, request.path)).start()
        return "ok"
    ```

    Pass the values the work needs; for the app itself, pass
    `current_app._get_current_object()` and enter its `app_context()` in the thread.

    ## References
    - [Flask: notes on proxies](https://flask.palletsprojects.com/en/stable/reqcontext/#notes-on-proxies)
    - [Celery: serializers](https://docs.celeryq.dev/en/stable/userguide/calling.html#serializers)
    """

    code = "FLK103"
    name = "context-proxy-passed-to-background"
    severity = Severity.ERROR

    valid = [
        Valid(
            "import threading\nfrom flask import Flask, current_app\napp = Flask(__name__)\n\ndef work(app):\n    with app.app_context():\n        pass\n\n"
            "@app.get('/')\ndef index():\n    threading.Thread(target=work, args=(current_app._get_current_object(),)).start()\n    return ''\n"
        ),
        # the receiving callable copies the request context
        Valid(
            "import threading\nfrom flask import Flask, request, copy_current_request_context\napp = Flask(__name__)\n\n"
            "@app.get('/')\ndef index():\n    @copy_current_request_context\n    def work(req):\n        print(req.path)\n"
            "    threading.Thread(target=work, args=(request,)).start()\n    return ''\n"
        ),
        Valid(
            "from concurrent.futures import ThreadPoolExecutor\nfrom flask import request, copy_current_request_context\npool = ThreadPoolExecutor()\n\n"
            "def work(req):\n    return req.path\n\ndef view():\n    return pool.submit(copy_current_request_context(work), request).result()\n"
        ),
        Valid("import asyncio\nfrom flask import request\n\ndef work(req):\n    return req.path\n\nasync def view():\n    return await asyncio.to_thread(work, request)\n"),
        # plain data to a Celery task
        Valid(
            "from celery import Celery\nfrom flask import request\ncelery = Celery(__name__)\n\n@celery.task\ndef audit(path):\n    print(path)\n\n"
            "def view():\n    audit.delay(request.path)\n    audit.apply_async(args=(request.path,))\n"
        ),
        # not a Celery task, not a proxy
        Valid("from flask import request\nfrom rq import Queue\nimport time\n\ndef view(job):\n    job.delay(request)\n"),
        Valid("import threading\nimport urllib.request\n\ndef view(request):\n    threading.Thread(target=print, args=(request,)).start()\n    threading.Thread(target=print, args=(urllib.request,)).start()\n"),
        Valid("import threading\nfrom sqlalchemy.orm import session\n\nthreading.Thread(target=print, args=(session,)).start()\n"),
    ]
    invalid = [
        Invalid(
            "import threading\nfrom flask import current_app as app_proxy\n\ndef work(app):\n    pass\n\ndef view():\n    threading.Thread(target=work, kwargs={'app': app_proxy}).start()  # error\n",
            message="`current_app` itself is passed to `threading.Thread`: the proxy is looked up in the new thread, which has no app context "
            "(`RuntimeError: Working outside of application context`); pass `current_app._get_current_object()`",
        ),
        Invalid(
            "import flask\nfrom concurrent.futures import ThreadPoolExecutor\n\ndef work(store):\n    return store.get('cart')\n\n"
            "def view():\n    with ThreadPoolExecutor() as pool:\n        return pool.submit(work, flask.session).result()  # error\n"
        ),
        Invalid(
            "import threading, multiprocessing\nfrom flask import g\nfrom flask_login import current_user\n\n"
            "def view():\n    threading.Timer(1, print, [g]).start()  # error\n"
            "    multiprocessing.Process(target=print, args=(current_user,)).start()  # error\n"
        ),
        # Celery: the task in the same module, with `shared_task`, and imported
        Invalid(
            "from celery import Celery\nfrom flask import Flask, request\napp = Flask(__name__)\ncelery = Celery(app.name)\n\n"
            "@celery.task\ndef audit(req):\n    print(req)\n\n@app.get('/')\ndef index():\n    audit.delay(request)  # error\n    return ''\n",
            message="`request` itself is passed to `audit.delay()`: Celery serialises task arguments and the call fails "
            "(`EncodeError: Object of type Request is not JSON serializable`); pass the data the task needs",
        ),
        Invalid(files={
            "reports/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "reports/extensions.py": "from celery import Celery\ncelery = Celery('reports')\n",
            "reports/tasks.py": "from celery import shared_task\nfrom .extensions import celery\n\n@shared_task\ndef build(app):\n    pass\n\n@celery.task(bind=True)\ndef mail(self, user):\n    pass\n",
            "reports/views.py": (
                "from flask import Blueprint, current_app\nfrom flask_login import current_user\nfrom . import tasks\nfrom .tasks import build\nbp = Blueprint('r', __name__)\n\n"
                "@bp.post('/')\ndef create():\n    build.apply_async(args=(current_app,))  # error\n    tasks.mail.s(current_user).delay()  # error\n    return ''\n"
            ),
        }),
        Invalid(files={
            "app/__init__.py": "",
            "app/celery_app.py": "from app.factory import make_celery\ncelery = make_celery()\n",
            "app/factory.py": "from celery import Celery\n\ndef make_celery():\n    celery = Celery('app')\n    return celery\n",
            "app/views.py": "from flask import g\nfrom app.celery_app import celery\n\n@celery.task\ndef work(x):\n    pass\n\ndef view():\n    work.delay(g)  # error\n",
        }),
    ]

    def __init__(self) -> None:
        self._names: frozenset[str] | None = None

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr not in _RECEIVING_METHODS:
            return
        if not isinstance(function, (ast.Attribute, ast.Name)) or not self._may_hold_proxy(node, ctx):
            return
        semantic = ctx.semantic
        call = celery_call(semantic, node)
        if call is not None:
            proxy = _first_proxy(ctx, call.arguments)
            if proxy is None or call.task is None:
                return
            receiver = f"{short_name(call.task)}.{call.method}()"
            ctx.record(node, kind="celery_call", task=call.task, message=_celery_message(proxy, receiver))
            return
        handoff = hand_off(semantic, node)
        if handoff is None or handoff.carries_context:
            return
        callee = resolve_callable(semantic, handoff.target)
        if callee is not None and callee.copies_context:
            return
        proxy = _first_proxy(ctx, handoff.arguments)
        if proxy is not None:
            ctx.report(node, _hand_off_message(proxy, handoff.api, handoff.kind))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if not node.decorator_list or semantic.scope_of(node) is not semantic.module_scope:
            return
        decorator = task_decorator(semantic, node)
        if decorator is not None:
            ctx.record(node, kind="task", name=f"{semantic.module_name}.{node.name}" if semantic.module_name else node.name, app=decorator.app)

    visit_AsyncFunctionDef = visit_FunctionDef

    def leave_module(self, ctx: FileContext) -> None:
        for node, data in celery_facts(ctx.semantic):
            ctx.record(node, **data)

    def _may_hold_proxy(self, node: ast.Call, ctx: FileContext) -> bool:
        """A cheap test first: does any argument mention a name that may be a proxy?"""
        if self._names is None:
            self._names = candidate_names(ctx.semantic)
        if not self._names:
            return False
        for argument in [*node.args, *(k.value for k in node.keywords)]:
            for part in ast.walk(argument):
                if isinstance(part, ast.Name) and part.id in self._names:
                    return True
        return False

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        celery = CeleryProject(index, self.code)
        tasks: dict[str, list[tuple[str, str]]] = {}
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] == "task":
                tasks.setdefault(fact.data["name"], []).append((module_root(summary), fact.data["app"]))
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] != "celery_call":
                continue
            root = module_root(summary)
            defined = celery.defined(fact.data["task"], root)
            if any(is_same_project(root, task_root) and celery.is_app(app, task_root) for task_root, app in tasks.get(defined, ())):
                ctx.report_fact(fact, fact.data["message"])


def _first_proxy(ctx: FileContext, arguments: tuple[ast.expr, ...]) -> str | None:
    """The canonical name of the first argument that is a proxy itself (not data read from it)."""
    for argument in arguments:
        if isinstance(argument, (ast.Name, ast.Attribute)):
            name = context_name(ctx.semantic, argument)
            if name in PROXIES:
                return name
    return None


def _hand_off_message(proxy: str, api: str, kind: str) -> str:
    short = short_name(proxy)
    if kind == PROCESS:
        return (f"`{short}` itself is passed to `{api}`: under the spawn and forkserver start methods the proxy cannot be pickled (`PicklingError`), "
                "and under fork the child works on a frozen copy whose writes to `session` and `g` are lost; pass the data the work needs")
    if proxy == "flask.current_app":
        return (f"`{short}` itself is passed to `{api}`: the proxy is looked up in the new thread, which has no app context "
                "(`RuntimeError: Working outside of application context`); pass `current_app._get_current_object()`")
    if proxy == "flask_login.current_user":
        return f"`{short}` itself is passed to `{api}`: the proxy is looked up in the new thread, where it is `None`; pass the user's id"
    context = "app" if proxy == "flask.g" else "request"
    error = "application" if context == "app" else "request"
    return (f"`{short}` itself is passed to `{api}`: the proxy is looked up in the new thread, which has no {context} context "
            f"(`RuntimeError: Working outside of {error} context`); pass the data the work needs")


def _celery_message(proxy: str, receiver: str) -> str:
    type_name = _SERIALISED_TYPES.get(proxy, "<your user class>")
    return (f"`{short_name(proxy)}` itself is passed to `{receiver}`: Celery serialises task arguments and the call fails "
            f"(`EncodeError: Object of type {type_name} is not JSON serializable`); pass the data the task needs")
