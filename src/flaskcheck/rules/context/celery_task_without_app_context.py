"""FLK105."""

from __future__ import annotations

import ast
from collections import defaultdict

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex
from flaskcheck.semantic.context import (
    REQUEST,
    URL,
    CeleryProject,
    candidate_names,
    celery_facts,
    context_task_bases,
    failure,
    module_root,
    reachable_uses,
    task_decorator,
)
from flaskcheck.semantic.flask import is_same_project

_EAGER_NOTE = "eager-mode tests that call the task from a view hide this"


class CeleryTaskWithoutAppContext(Rule):
    """
    ## What it does
    Reports a Celery task (`@<celery app>.task`, `@shared_task`) that uses Flask's context
    proxies or helpers (`current_app`, `g`, `request`, `session`, `current_user`, `url_for`,
    `render_template(_string)`, `flash`, `jsonify`), directly or through functions of the
    same module it calls, when the worker has no context for them:
    - any of them, when the project has no task base that pushes an app context (a class
      whose `__call__` enters `app_context()`, installed through `Celery(task_cls=...)`,
      `celery.Task = ...` or `base=`, or a `task_prerun` signal handler that pushes one);
    - with such a base, still `request`, `session`, `flash` and `current_user` (a worker
      never has a request), and `url_for` when no `SERVER_NAME` is configured anywhere.

    It is reported at the first offending use in the task body (for a use in a called
    function, at that call). It stays silent for uses inside `with <app>.app_context():` in
    the task (app-level names; `url_for` too once `SERVER_NAME` is configured) or
    `with <app>.test_request_context(...):` (all names), and under
    `has_request_context()` / `has_app_context()`; and for all names when the project's task
    base can also enter a request context (a `__call__` that creates a
    `test_request_context`, as some projects offer per task). A project that loads its config from a
    file or the environment (`from_envvar`, `from_pyfile`, `from_prefixed_env`) may set
    `SERVER_NAME` there, so `url_for` is not reported for it. `db.session` in tasks is FLK603's.

    ## Why is this bad?
    A Celery worker runs the task with no Flask context at all, so the first use raises
    `RuntimeError: Working outside of application context` and the task fails on every run
    (`current_user` is `None` there). A task base that enters `app.app_context()` gives
    tasks `current_app`, `g` and templates, but no request: `request`, `session` and
    `flash` still raise, and `url_for` cannot build a URL without `SERVER_NAME`. Tests with
    `task_always_eager` that call the task from a view run it inside that view's request
    and pass, which hides the failure until the first real worker runs it.

    ## Example
    ```python
    from celery import Celery
    from flask import Flask, current_app

    app = Flask(__name__)
    celery = Celery(app.name, broker="redis://localhost:6379/0")


    @celery.task
    def send_digest(user_id):
        sender = current_app.config["MAIL_SENDER"]  # error
        print("digest for", user_id, "from", sender)
    ```

    ## Use instead
    ```python
    from celery import Celery, Task
    from flask import Flask, current_app

    app = Flask(__name__)


    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)


    celery = Celery(app.name, broker="redis://localhost:6379/0", task_cls=FlaskTask)


    @celery.task
    def send_digest(user_id):
        sender = current_app.config["MAIL_SENDER"]
        print("digest for", user_id, "from", sender)
    ```

    Pass request data (the user's id, the URL already built) as task arguments.

    ## References
    - [Flask: background tasks with Celery](https://flask.palletsprojects.com/en/stable/patterns/celery/)
    - [Flask: the application context](https://flask.palletsprojects.com/en/stable/appcontext/)
    """

    code = "FLK105"
    name = "celery-task-without-app-context"
    severity = Severity.ERROR

    valid = [
        # the Flask docs' pattern: a factory installs the base, tasks use shared_task
        Valid(files={
            "reports/__init__.py": (
                "from celery import Celery, Task\nfrom flask import Flask\n\n"
                "def celery_init_app(app):\n    class FlaskTask(Task):\n        def __call__(self, *args, **kwargs):\n            with app.app_context():\n                return self.run(*args, **kwargs)\n\n"
                "    celery_app = Celery(app.name, task_cls=FlaskTask)\n    celery_app.set_default()\n    return celery_app\n\n"
                "def create_app():\n    app = Flask(__name__)\n    celery_init_app(app)\n    return app\n"
            ),
            "reports/tasks.py": "from celery import shared_task\nfrom flask import current_app, g, render_template\n\n@shared_task\ndef build(report_id):\n    g.report = report_id\n    current_app.logger.info('building')\n    return render_template('report.html')\n",
        }),
        # `celery.Task = ContextTask` in a factory, for a Celery app of the extensions module
        Valid(files={
            "forum/__init__.py": "",
            "forum/extensions.py": "from celery import Celery\ncelery = Celery('forum')\n",
            "forum/app.py": (
                "from flask import Flask\nfrom forum.extensions import celery\n\n"
                "def configure_celery_app(app, celery):\n    TaskBase = celery.Task\n\n    class ContextTask(TaskBase):\n        def __call__(self, *args, **kwargs):\n"
                "            with app.app_context():\n                return TaskBase.__call__(self, *args, **kwargs)\n\n    celery.Task = ContextTask\n"
            ),
            "forum/email.py": "from flask import current_app, url_for\nfrom forum.extensions import celery\n\n@celery.task\ndef send(to):\n    print(current_app.config['MAIL'], url_for('index', _external=True))\n",
            "forum/settings.py": "SERVER_NAME = 'forum.example.com'\n",
        }),
        # a base that can run tasks in a request context (a task option, as Indico has)
        Valid(files={
            "portal/__init__.py": "",
            "portal/celery.py": (
                "from contextlib import ExitStack\nfrom celery import Celery\nfrom portal.app import make_app\n\n"
                "class PortalCelery(Celery):\n    def patch(self):\n        app = make_app()\n\n        class PortalTask(self.Task):\n            def __call__(s, *args, **kwargs):\n"
                "                stack = ExitStack()\n                stack.enter_context(app.app_context())\n                if getattr(s, 'request_context', False):\n"
                "                    stack.enter_context(app.test_request_context())\n                with stack:\n                    return super().__call__(*args, **kwargs)\n\n"
                "celery = PortalCelery('portal')\n"
            ),
            "portal/tasks.py": "from flask import session\nfrom portal.celery import celery\n\n@celery.task(request_context=True)\ndef build():\n    session.lang = 'en'\n",
        }),
        # a task_prerun handler that pushes the context
        Valid(
            "from celery import Celery\nfrom celery.signals import task_prerun\nfrom flask import Flask, current_app\napp = Flask(__name__)\ncelery = Celery(__name__)\n\n"
            "@task_prerun.connect\ndef push_context(*args, **kwargs):\n    app.app_context().push()\n\n@celery.task\ndef work():\n    return current_app.name\n"
        ),
        # contexts inside the task
        Valid(
            "from celery import Celery\nfrom flask import Flask, current_app, request, jsonify\nfrom myapp import create_app\ncelery = Celery(__name__)\n\n"
            "@celery.task\ndef work():\n    app = create_app()\n    with app.app_context():\n        current_app.logger.info('x')\n        jsonify(ok=True)\n"
            "    with app.test_request_context('/'):\n        print(request.path)\n"
        ),
        # plain data only; db.session is FLK603's
        Valid("from celery import shared_task\nfrom myapp.extensions import db\n\n@shared_task\ndef cleanup(user_id, url):\n    db.session.execute('DELETE FROM t')\n    print(url)\n"),
        # look-alikes: Celery's own current_app, a huey task, the task's own request
        Valid("from celery import Celery, current_app\napp = Celery(__name__)\n\n@app.task(bind=True)\ndef work(self):\n    return current_app.conf.broker_url, self.request.id\n"),
        Valid("from huey import RedisHuey\nfrom flask import current_app\nhuey = RedisHuey()\n\n@huey.task()\ndef work():\n    return current_app.name\n"),
        Valid("from flask import Flask, current_app\napp = Flask(__name__)\n\n@app.route('/')\ndef task():\n    return current_app.name\n"),
    ]
    invalid = [
        # with a base: a worker still never has a request
        Invalid(
            "from celery import Celery, Task\nfrom flask import Flask, request, session, flash, current_app as cur\nfrom flask_login import current_user\napp = Flask(__name__)\n\n"
            "class ContextTask(Task):\n    def __call__(self, *args, **kwargs):\n        with app.app_context():\n            return self.run(*args, **kwargs)\n\n"
            "celery = Celery(app.name, task_cls=ContextTask)\n\n"
            "@celery.task\ndef audit():\n    cur.logger.info('audit')\n    print(request.path)  # error\n    session['x'] = 1\n\n"
            "@celery.task\ndef notify():\n    flash('done')  # error\n\n@celery.task\ndef greet():\n    return current_user.name  # error\n",
            message="Celery task `audit` uses `request`: a worker never has a request context, even with a task base that pushes an app context: "
            "`RuntimeError: Working outside of request context`; eager-mode tests that call the task from a view hide this",
        ),
        # with a base, url_for needs SERVER_NAME
        Invalid(
            "from celery import Celery, Task\nfrom flask import Flask, url_for\napp = Flask(__name__)\n\n"
            "class ContextTask(Task):\n    def __call__(self, *args, **kwargs):\n        with app.app_context():\n            return super().__call__(*args, **kwargs)\n\n"
            "celery = Celery(app.name)\ncelery.Task = ContextTask\n\n@celery.task\ndef link(id):\n    return url_for('item', id=id, _external=True)  # error\n",
            message="Celery task `link` calls `url_for` and no `SERVER_NAME` is configured: "
            "`RuntimeError: Unable to build URLs outside an active request without 'SERVER_NAME' configured`; eager-mode tests that call the task from a view hide this",
        ),
        # shared_task, imported Celery apps, made by a factory; through a helper
        Invalid(
            "import flask\nfrom celery import shared_task\n\ndef sender():\n    return flask.current_app.config['MAIL_SENDER']\n\n"
            "@shared_task(ignore_result=True)\ndef mail(to):\n    print(to)\n    return sender()  # error\n",
            message="Celery task `mail` uses `current_app` (line 5, through `sender`) with no app context: the project's Celery app has no task base that pushes one: "
            "`RuntimeError: Working outside of application context`; eager-mode tests that call the task from a view hide this",
        ),
        # a Celery app called `app`, next to a Flask app called `flask_app`
        Invalid(
            "from celery import Celery\nfrom flask import Flask, current_app\nflask_app = Flask(__name__)\napp = Celery(__name__)\n\n"
            "@app.task\ndef ping():\n    return current_app.name  # error\n"
        ),
        Invalid(files={
            "reports/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "reports/celery.py": "from celery import Celery\n\ndef make_celery(name):\n    return Celery(name)\n\ncelery = make_celery('reports')\n",
            "reports/tasks.py": "from flask import g, render_template\nfrom reports.celery import celery\n\n@celery.task\ndef build(report_id):\n    g.report_id = report_id  # error\n    return render_template('report.html')\n",
        }),
        # a base whose __call__ pushes nothing does not count; neither does another project's base
        Invalid(files={
            "examples/shop/shop/__init__.py": "",
            "examples/shop/shop/tasks.py": (
                "from celery import Celery, Task\nfrom flask import current_app\n\nclass LoggedTask(Task):\n    def __call__(self, *args, **kwargs):\n        print('start')\n        return self.run(*args, **kwargs)\n\n"
                "celery = Celery('shop', task_cls=LoggedTask)\n\n@celery.task\ndef work():\n    return current_app.name  # error\n"
            ),
            "examples/forum/forum/__init__.py": (
                "from celery import Celery, Task\nfrom flask import Flask\napp = Flask(__name__)\n\n"
                "class ContextTask(Task):\n    def __call__(self, *args, **kwargs):\n        with app.app_context():\n            return self.run(*args, **kwargs)\n"
            ),
        }),
    ]

    def __init__(self) -> None:
        self._names: frozenset[str] | None = None

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> None:
        if not node.decorator_list:
            return
        semantic = ctx.semantic
        decorator = task_decorator(semantic, node)
        if decorator is None:
            return
        if self._names is None:
            self._names = candidate_names(semantic)
        seen: set[str] = set()
        for reached in reachable_uses(semantic, node, names=self._names):
            category = _category(reached.use.need, reached.guard.app, reached.guard.request)
            if category is None or category in seen:
                continue
            seen.add(category)
            use = reached.use
            ctx.record(reached.node, kind="use", task=node.name, app=decorator.app, category=category, name=use.name, how=use.how,
                       line=use.node.lineno, via=list(reached.via))

    visit_AsyncFunctionDef = visit_FunctionDef

    def leave_module(self, ctx: FileContext) -> None:
        for node, data in celery_facts(ctx.semantic):
            ctx.record(node, **data)
        if ctx.semantic.imports_module("celery") or "app_context" in ctx.source.text:
            for base in context_task_bases(ctx.semantic):
                ctx.record(base.node, kind="context_base", request=base.guard.request)


    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        celery = CeleryProject(index, self.code)
        bases: set[str] = set()
        request_bases: set[str] = set()  # bases that can enter a request context too
        uses: dict[tuple[str, str], list[tuple[str, Fact, ModuleSummary]]] = defaultdict(list)
        for summary, fact in index.facts(self.code):
            kind = fact.data["kind"]
            root = module_root(summary)
            if kind == "context_base":
                bases.add(root)
                if fact.data["request"]:
                    request_bases.add(root)
            elif kind == "use":
                uses[(fact.path, fact.data["task"])].append((root, fact, summary))
        for found in uses.values():
            offending = []
            for root, fact, summary in found:
                if any(is_same_project(root, other) for other in request_bases):
                    continue  # the project's task base can run tasks in a request context
                has_base = any(is_same_project(root, other) for other in bases)
                has_server_name = index.configures_server_name(summary)
                if celery.is_app(fact.data["app"], root) and _offends(fact.data["category"], has_base, has_server_name):
                    offending.append((fact.line, fact.column, fact, has_base))
            if offending:
                _, _, fact, has_base = min(offending, key=lambda item: (item[0], item[1]))
                ctx.report_fact(fact, _message(fact, has_base))


def _category(need: str, app_context: bool, request_context: bool) -> str | None:
    """How a use stands without a request: "request" (always fails in a worker), "url" /
    "url_in_app" (`url_for` outside / inside an app context the task enters), "app"
    (needs a task base), or None (covered)."""
    if request_context:
        return None
    if need == REQUEST:
        return "request"
    if need == URL:
        return "url_in_app" if app_context else "url"
    return None if app_context else "app"


def _offends(category: str, has_base: bool, has_server_name: bool) -> bool:
    if category == "request":
        return True
    if category == "app":
        return not has_base
    if category == "url":
        return not (has_base and has_server_name)
    return not has_server_name


def _message(fact: Fact, has_base: bool) -> str:
    data = fact.data
    short = data["name"].rpartition(".")[2]
    verb = "calls" if short == "url_for" else "uses"
    through = f" (line {data['line']}, through {', '.join(f'`{name}`' for name in data['via'])})" if data["via"] else ""
    where = f"Celery task `{data['task']}` {verb} `{short}`{through}"
    category = data["category"]
    if category == "request":
        return f"{where}: a worker never has a request context, even with a task base that pushes an app context: {failure(data['name'], data['how'])}; {_EAGER_NOTE}"
    if category == "url_in_app" or (category == "url" and has_base):
        return f"{where} and no `SERVER_NAME` is configured: {failure(data['name'], data['how'], app_context=True)}; {_EAGER_NOTE}"
    return f"{where} with no app context: the project's Celery app has no task base that pushes one: {failure(data['name'], data['how'])}; {_EAGER_NOTE}"
