"""FLK603."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.context import (
    PROCESS,
    CeleryProject,
    celery_facts,
    context_task_bases,
    hand_off,
    module_root,
    resolve_callable,
    task_decorator,
)
from flaskcheck.semantic.flask import is_at_module_level, is_same_project
from flaskcheck.semantic.sqlalchemy import (
    SqlaProject,
    context_uses,
    fact_at,
    needs_hold,
    plain_needs,
)

_FAILURE = "`RuntimeError: Working outside of application context`"


class DbSessionInBackground(Rule):
    """
    ## What it does
    Reports Flask-SQLAlchemy's `db.session` or a model's `.query` used without an app context
    in a background thread, process, executor job or Celery task. It looks at:
    - a function handed to `threading.Thread(target=)`, `threading.Timer`,
      `Executor.submit` / `map`, `loop.run_in_executor` or `multiprocessing.Process`, which
      uses them directly or through functions of the same module it calls (reported at the
      call that hands the function off);
    - a Celery task (`@<celery>.task`, `@shared_task`) that uses them, when the project has no
      task base that pushes an app context (reported at the first such use in the task body,
      or at the call of the module's function that makes it).

    It stays silent when the background code enters an app context itself
    (`with app.app_context():`, `app.app_context().push()`; `current_app.app_context()` does
    not count in a thread, where `current_app` is unbound), when the function is wrapped in
    `copy_current_request_context` or run through a copied `contextvars` context or
    `asyncio.to_thread`, when a Celery task base class's `__call__` (or a `task_prerun`
    handler) pushes an app context anywhere in the project, when the project uses
    Flask-CeleryExt (whose task class does), or a module pushes one for good at
    import time (`create_app().app_context().push()`, the worker module pattern), and for
    sessions that need no app context (a plain SQLAlchemy `Session` or `scoped_session` the
    code creates itself).

    ## Why is this bad?
    `db.session` and `Model.query` look up the current app to find the engine. A new thread,
    a process started with spawn or forkserver, or a Celery worker has no app context, so the
    first use raises `RuntimeError: Working outside of application context`. In a Celery
    task the failure hides in tests: with `task_always_eager`, a task called from a view runs
    inside that request's context and works.

    ## Example
    ```python
    import threading

    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    class Visit(db.Model):
        id = db.Column(db.Integer, primary_key=True)


    def record_visit():
        db.session.add(Visit())
        db.session.commit()


    @app.get("/")
    def index():
        threading.Thread(target=record_visit).start()  # error
        return "ok"
    ```

    ## Use instead
    ```python
    import threading

    from flask import Flask, current_app
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    class Visit(db.Model):
        id = db.Column(db.Integer, primary_key=True)


    def record_visit(app):
        with app.app_context():
            db.session.add(Visit())
            db.session.commit()


    @app.get("/")
    def index():
        threading.Thread(target=record_visit, args=(current_app._get_current_object(),)).start()
        return "ok"
    ```

    For Celery, give the app a task base that runs every task in an app context, as in the
    Flask documentation's `FlaskTask`.

    ## References
    - [Flask: background tasks with Celery](https://flask.palletsprojects.com/en/stable/patterns/celery/)
    - [Flask: the application context](https://flask.palletsprojects.com/en/stable/appcontext/)
    - [Flask-SQLAlchemy: the application context](https://flask-sqlalchemy.readthedocs.io/en/stable/contexts/)
    """

    code = "FLK603"
    name = "db-session-in-background"
    severity = Severity.ERROR

    valid = [
        # the thread enters an app context of a real app; a copied request context
        Valid(
            "import threading\nfrom flask import Flask, copy_current_request_context\nfrom flask_sqlalchemy import SQLAlchemy\n"
            "db = SQLAlchemy()\napp = Flask(__name__)\n\n"
            "def work():\n    with app.app_context():\n        db.session.execute(db.select(1))\n\n"
            "@app.get('/')\ndef index():\n    threading.Thread(target=work).start()\n\n"
            "    @copy_current_request_context\n    def inline():\n        db.session.commit()\n\n    threading.Thread(target=inline).start()\n    return 'ok'\n"
        ),
        # asyncio.to_thread carries the context
        Valid(
            "import asyncio\nfrom flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
            "def count():\n    return db.session.execute(db.select(1)).scalar()\n\n"
            "async def view():\n    return await asyncio.to_thread(count)\n"
        ),
        # a plain SQLAlchemy session needs no app context
        Valid(
            "import threading\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\nengine = create_engine('sqlite://')\n\n"
            "def work():\n    with Session(engine) as session:\n        session.execute('SELECT 1')\n\n"
            "threading.Thread(target=work).start()\n"
        ),
        # Celery with a task base that pushes an app context (Flask docs' FlaskTask)
        Valid(
            "from celery import Celery, Task\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\n"
            "db = SQLAlchemy()\n\ndef create_app():\n    app = Flask(__name__)\n    db.init_app(app)\n\n"
            "    class FlaskTask(Task):\n        def __call__(self, *args, **kwargs):\n            with app.app_context():\n                return self.run(*args, **kwargs)\n\n"
            "    celery_app = Celery(app.name, task_cls=FlaskTask)\n    return app\n\n"
            "celery = Celery(__name__)\n\n@celery.task\ndef purge():\n    db.session.execute(db.delete(Token))\n"
        ),
        # the worker module pushes an app context for good at import time
        Valid(files={
            "proj/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "proj/tasks.py": "from celery import Celery\nfrom flask_sqlalchemy import SQLAlchemy\ncelery = Celery(__name__)\ndb = SQLAlchemy()\n\n@celery.task\ndef purge():\n    db.session.commit()\n",
            "celery_worker.py": "from proj import create_app\nfrom proj.tasks import celery\n\napp = create_app()\napp.app_context().push()\n",
        }),
        # a task that enters the app context itself
        Valid(
            "from celery import shared_task\nfrom flask_sqlalchemy import SQLAlchemy\nfrom app import create_app\ndb = SQLAlchemy()\n\n"
            "@shared_task\ndef purge():\n    app = create_app()\n    with app.app_context():\n        db.session.commit()\n"
        ),
        # `.task` on something that is not a Celery app; a `session` that is not Flask-SQLAlchemy's
        Valid(
            "from huey import RedisHuey\nfrom flask_sqlalchemy import SQLAlchemy\nhuey = RedisHuey()\ndb = SQLAlchemy()\n\n"
            "@huey.task()\ndef purge():\n    db.session.commit()\n"
        ),
        Valid(
            "import threading\nimport requests\nhttp = requests.Session()\n\n"
            "class Client:\n    session = http\n\ndef work():\n    Client.session.get('https://example.com')\n\nthreading.Thread(target=work).start()\n"
        ),
    ]
    invalid = [
        # an executor; the use through a helper of the same module; an aliased import
        Invalid(
            "from concurrent.futures import ThreadPoolExecutor\nfrom flask import Blueprint\nfrom flask_sqlalchemy import SQLAlchemy as SA\n"
            "db = SA()\nbp = Blueprint('reports', __name__)\npool = ThreadPoolExecutor(4)\n\n"
            "class Report(db.Model):\n    pass\n\n"
            "def count_reports():\n    return Report.query.count()\n\ndef build(kind):\n    return count_reports()\n\n"
            "@bp.post('/reports')\ndef create():\n    pool.submit(build, 'daily')  # error\n    return 'ok'\n",
            message="`Report.query` is used in `build`, which `ThreadPoolExecutor.submit` runs without an app context: it raises `RuntimeError: Working outside of application context`",
        ),
        # `current_app.app_context()` in the thread does not help: current_app is unbound there
        Invalid(
            "import threading\nfrom flask import current_app\nfrom flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
            "class Mailer:\n    def send_later(self):\n        threading.Timer(5, self._send).start()  # error\n\n"
            "    def _send(self):\n        with current_app.app_context():\n            db.session.commit()\n"
        ),
        # a process; a lambda
        Invalid(
            "import multiprocessing\nfrom flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
            "def reindex():\n    multiprocessing.Process(target=lambda: db.session.execute(db.text('REINDEX'))).start()  # error\n",
            message="`db.session` is used in `lambda`, which `multiprocessing.Process` runs without an app context: under the spawn and forkserver start methods it raises `RuntimeError: Working outside of application context`; under fork the child shares the parent's database connections",
        ),
        # a Celery task across modules, no task base; the models and db imported
        Invalid(files={
            "app/__init__.py": "",
            "app/extensions.py": "from celery import Celery\nfrom flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\ncelery = Celery(__name__)\n",
            "app/models.py": "from app.extensions import db\n\nclass User(db.Model):\n    pass\n",
            "app/tasks.py": (
                "from app.extensions import celery, db\nfrom app.models import User\n\n"
                "def _inactive():\n    return User.query.filter_by(active=False)\n\n"
                "@celery.task(bind=True)\ndef purge(self):\n    users = _inactive().all()  # error\n    db.session.commit()\n"
            ),
        }, message="Celery task `purge` uses `User.query` without an app context, and no task base pushes one: on a worker it raises `RuntimeError: Working outside of application context` (eager-mode tests that call the task from a view run it inside the request and hide this)"),
        Invalid(
            "from celery import shared_task\nimport flask_sqlalchemy\ndb = flask_sqlalchemy.SQLAlchemy()\n\n"
            "@shared_task\ndef nightly():\n    db.session.execute(db.text('VACUUM'))  # error\n"
        ),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if _is_module_level_push(node):
            ctx.record(node, kind="task_base")  # `app.app_context().push()` when the worker imports the module
            return
        found = hand_off(semantic, node)
        if found is None or found.carries_context:
            return
        callee = resolve_callable(semantic, found.target)
        if callee is None or callee.copies_context or callee.function is None:
            return
        uses = context_uses(semantic, callee.function)
        if uses:
            ctx.record(node, kind="hand_off", api=found.api, process=found.kind == PROCESS, callee=callee.name,
                       uses=[[use.text, plain_needs([use.need])] for use in uses])

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> None:
        decorator = task_decorator(ctx.semantic, node)
        if decorator is None:
            return
        uses = context_uses(ctx.semantic, node)
        if uses:
            ctx.record(node, kind="task", app=decorator.app, name=node.name,
                       uses=[[list(ctx.span(use.node)), use.text, plain_needs([use.need])] for use in uses])

    visit_AsyncFunctionDef = visit_FunctionDef

    def leave_module(self, ctx: FileContext) -> None:
        for node, data in celery_facts(ctx.semantic):
            ctx.record(node, **data)
        for base in context_task_bases(ctx.semantic):
            ctx.record(base.node, kind="task_base")
        body = ctx.semantic.tree.body
        if body and ctx.semantic.imports_module("flask_celeryext"):
            ctx.record(body[0], kind="task_base")  # Flask-CeleryExt's tasks run in an app context

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        project = SqlaProject(index)
        celery = CeleryProject(index, self.code)
        bases = [module_root(summary) for summary, fact in index.facts(self.code) if fact.data.get("kind") == "task_base"]
        for summary, fact in index.facts(self.code):
            data = fact.data
            if data["kind"] == "hand_off":
                use = next((u for u in data["uses"] if needs_hold(project, u[1], summary)), None)
                if use is not None:
                    ctx.report_fact(fact, _hand_off_message(use[0], data))
            elif data["kind"] == "task":
                root = module_root(summary)
                if not celery.is_app(data["app"], root) or any(is_same_project(root, base) for base in bases):
                    continue
                use = next((u for u in data["uses"] if needs_hold(project, u[2], summary)), None)
                if use is not None:
                    ctx.report_fact(fact_at(fact, use[0]), (
                        f"Celery task `{data['name']}` uses `{use[1]}` without an app context, and no task base pushes one: on a worker it raises {_FAILURE} "
                        "(eager-mode tests that call the task from a view run it inside the request and hide this)"))


def _is_module_level_push(call: ast.Call) -> bool:
    """`create_app().app_context().push()` at module level (a worker module's pattern)."""
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "push" and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Attribute) and func.value.func.attr == "app_context" and is_at_module_level(call))


def _hand_off_message(text: str, data: dict) -> str:
    where = f"`{text}` is used in `{data['callee']}`, which `{data['api']}` runs without an app context"
    if data["process"]:
        return f"{where}: under the spawn and forkserver start methods it raises {_FAILURE}; under fork the child shares the parent's database connections"
    return f"{where}: it raises {_FAILURE}"
