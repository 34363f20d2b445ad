"""FLK604."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.context import celery_call, hand_off, module_root
from flaskcheck.semantic.flask import flask_name, is_same_project
from flaskcheck.semantic.model import BindingKind, SemanticModel
from flaskcheck.semantic.sqlalchemy import (
    SqlaProject,
    needs_hold,
    orm_object_needs,
    plain_needs,
)

_DETACHED = ("once the request's session is removed the object is detached, and its expired attributes (all of them after a `commit()`) "
             "and lazy relationships raise `DetachedInstanceError`; until then it shares a session that is not thread-safe")


class OrmObjectPassedToBackground(Rule):
    """
    ## What it does
    Reports an ORM object loaded in a function and passed to a thread, an executor or a Celery
    task. The object is a local variable bound to what `Model.query.get(...)`, `.first()`,
    `.one()`, `.one_or_none()`, `.get_or_404()`, `.first_or_404()`, `db.session.get(...)`,
    `db.get_or_404(...)`, `db.one_or_404(...)`, `db.first_or_404(...)` or
    `db.session.scalar(select(Model)...)` returns. Passed to a thread or executor
    (`threading.Thread(args=...)`, `Timer`, `Executor.submit`, `loop.run_in_executor`,
    `multiprocessing.Process`, also through `functools.partial`) it is a warning; passed to a
    Celery `.delay()`, `.apply_async()` or `.s()` it is an error.

    It stays silent when the primary key or other plain data is passed (`user.id`), and,
    for Celery, when the project changes how task arguments are serialized: a Celery task
    class that overrides `apply_async` or `delay` (Indico wraps ORM objects there), or a
    `pickle` task serializer.

    ## Why is this bad?
    An ORM object belongs to the session that loaded it. Flask-SQLAlchemy removes that
    session when the request ends: the object is detached, and every attribute that is not
    loaded yet raises `DetachedInstanceError` in the background code. That includes lazy
    relationships, and after a `commit()` (which expires every attribute by default) all of
    its columns too. Until the request ends, the object is shared with a session that is not
    thread-safe. Celery's default JSON serializer cannot encode it at all: `.delay(user)`
    raises `kombu.exceptions.EncodeError: Object of type User is not JSON serializable`
    in the view.

    ## Example
    ```python
    from celery import Celery
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)
    celery = Celery(__name__)


    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)


    @celery.task
    def send_welcome(user):
        pass


    @app.post("/users/<int:user_id>/welcome")
    def welcome(user_id):
        user = db.get_or_404(User, user_id)
        send_welcome.delay(user)  # error
        return "queued"
    ```

    ## Use instead
    ```python
    from celery import Celery
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)
    celery = Celery(__name__)


    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)


    @celery.task
    def send_welcome(user_id):
        pass


    @app.post("/users/<int:user_id>/welcome")
    def welcome(user_id):
        user = db.get_or_404(User, user_id)
        send_welcome.delay(user.id)
        return "queued"
    ```

    The background code loads the object again by its key, in its own session (with an app
    context, see FLK603).

    ## References
    - [SQLAlchemy: session basics, is the session thread-safe?](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#is-the-session-thread-safe-is-asyncsession-safe-to-share-in-concurrent-tasks)
    - [SQLAlchemy: DetachedInstanceError](https://docs.sqlalchemy.org/en/20/errors.html#error-bhk3)
    - [Celery: serializers](https://docs.celeryq.dev/en/stable/userguide/calling.html#serializers)
    """

    code = "FLK604"
    name = "orm-object-passed-to-background"
    severity = Severity.WARNING

    valid = [
        # the primary key or plain data
        Valid(
            "import threading\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\napp = Flask(__name__)\n\n"
            "class User(db.Model):\n    pass\n\ndef notify(user_id, email):\n    pass\n\n"
            "@app.post('/u/<int:uid>')\ndef u(uid):\n    user = User.query.get_or_404(uid)\n"
            "    threading.Thread(target=notify, args=(user.id, user.email)).start()\n    return 'ok'\n"
        ),
        # a count or a column is no ORM object; a dict `.get` is no session
        Valid(
            "from celery import shared_task\nfrom flask_sqlalchemy import SQLAlchemy\nfrom sqlalchemy import func, select\ndb = SQLAlchemy()\n\n"
            "class User(db.Model):\n    pass\n\n@shared_task\ndef report(n):\n    pass\n\n"
            "def enqueue(options):\n    total = db.session.scalar(select(func.count(User.id)))\n    report.delay(total)\n"
            "    limit = options.get('limit', 10)\n    report.delay(limit)\n"
        ),
        # a task class that serializes ORM objects itself (Indico), and a pickle serializer
        Valid(files={
            "proj/__init__.py": "",
            "proj/celery.py": (
                "from celery import Celery\ncelery = Celery(__name__)\n\n"
                "class ModelAwareTask(celery.Task):\n    def apply_async(self, args=None, kwargs=None, **options):\n        return super().apply_async(wrap(args), wrap(kwargs), **options)\n"
            ),
            "proj/views.py": (
                "from flask_sqlalchemy import SQLAlchemy\nfrom proj.celery import celery\ndb = SQLAlchemy()\n\n"
                "class Event(db.Model):\n    pass\n\n@celery.task\ndef build(event):\n    pass\n\n"
                "def start(event_id):\n    event = Event.query.get(event_id)\n    build.delay(event)\n"
            ),
        }),
        Valid(
            "from celery import Celery\nfrom flask_sqlalchemy import SQLAlchemy\ncelery = Celery(__name__, task_serializer='pickle', accept_content=['pickle'])\ndb = SQLAlchemy()\n\n"
            "class Event(db.Model):\n    pass\n\n@celery.task\ndef build(event):\n    pass\n\n"
            "def start(event_id):\n    event = Event.query.get(event_id)\n    build.delay(event)\n"
        ),
        # `.first()` of something that is not a query
        Valid("import threading\n\ndef start(rows, work):\n    row = rows.first()\n    threading.Thread(target=work, args=(row,)).start()\n"),
    ]
    invalid = [
        Invalid(
            "import threading\nfrom flask import Blueprint\nfrom flask_sqlalchemy import SQLAlchemy as SA\ndb = SA()\nbp = Blueprint('b', __name__)\n\n"
            "class Order(db.Model):\n    pass\n\ndef ship(order):\n    pass\n\n"
            "@bp.post('/orders/<int:oid>/ship')\ndef ship_view(oid):\n    order = Order.query.filter_by(id=oid).first_or_404()\n"
            "    threading.Thread(target=ship, args=(order,)).start()  # error\n    return 'ok'\n",
            severity=Severity.WARNING,
            message="`order` holds an ORM object (`Order.query.filter_by(id=oid).first_or_404()`) and is passed to `threading.Thread`: " + _DETACHED,
        ),
        # an executor and functools.partial; db.session.get
        Invalid(
            "import functools\nfrom concurrent.futures import ThreadPoolExecutor\nfrom flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n"
            "executor = ThreadPoolExecutor()\n\nclass Doc(db.Model):\n    pass\n\ndef render(doc, fmt):\n    pass\n\n"
            "def export(doc_id):\n    doc = db.session.get(Doc, doc_id)\n    executor.submit(functools.partial(render, doc), 'pdf')  # error\n"
            "    executor.submit(render, doc, 'html')  # error\n",
        ),
        # Celery apply_async and .s, across modules, with select()
        Invalid(files={
            "app/__init__.py": "",
            "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/models.py": "from app.extensions import db\n\nclass Invoice(db.Model):\n    pass\n",
            "app/tasks.py": "from celery import shared_task\n\n@shared_task\ndef mail(invoice):\n    pass\n",
            "app/views.py": (
                "from sqlalchemy import select\nfrom app.extensions import db\nfrom app.models import Invoice\nfrom app.tasks import mail\n\n"
                "def send(number):\n    invoice = db.session.scalar(select(Invoice).where(Invoice.number == number))\n"
                "    mail.apply_async(args=[invoice], countdown=10)  # error\n    return mail.s(invoice)  # error\n"
            ),
        }, severity=Severity.ERROR,
            message="`invoice` holds an ORM object (`db.session.scalar(select(Invoice).where(Invoice.number == number))`) and is passed to Celery's `.apply_async()`: with the default JSON serializer the call fails with `EncodeError` (the object is not JSON serializable)"),
    ]

    def __init__(self) -> None:
        self._pickle_recorded = False

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        self._check_serializer(node, ctx)
        found = hand_off(semantic, node)
        if found is not None and not found.carries_context:
            arguments = [*found.arguments, *_partial_arguments(semantic, found.target)]
            self._check_arguments(arguments, ctx, how="thread", api=found.api)
            return
        call = celery_call(semantic, node)
        if call is not None:
            self._check_arguments(call.arguments, ctx, how="celery", api=f".{call.method}()")

    def _check_arguments(self, arguments: list | tuple, ctx: FileContext, *, how: str, api: str) -> None:
        semantic = ctx.semantic
        for argument in arguments:
            if not isinstance(argument, ast.Name):
                continue
            binding = semantic.binding_of(argument)
            if binding is None or binding.kind is not BindingKind.ASSIGNMENT:
                continue
            needs = orm_object_needs(semantic, binding.value)
            if needs:
                ctx.record(argument, kind="pass", how=how, api=api, name=argument.id, source=ast.unparse(binding.value), needs=plain_needs(needs))

    def visit_ClassDef(self, node: ast.ClassDef, ctx: FileContext) -> None:
        if node.bases and any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in ("apply_async", "delay") for s in node.body):
            ctx.record(node, kind="custom_apply")

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        for target in node.targets:
            name = target.id if isinstance(target, ast.Name) else target.attr if isinstance(target, ast.Attribute) else None
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                name = target.slice.value
            if isinstance(name, str) and "serializer" in name.lower() and _is_pickle(node.value):
                ctx.record(node, kind="pickle")

    def _check_serializer(self, node: ast.Call, ctx: FileContext) -> None:
        """`Celery(task_serializer="pickle")`, `conf.update(task_serializer="pickle")`."""
        for keyword in node.keywords:
            if keyword.arg and "serializer" in keyword.arg.lower() and _is_pickle(keyword.value):
                ctx.record(node, kind="pickle")

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        project = SqlaProject(index)
        custom = [module_root(s) for s, f in index.facts(self.code) if f.data["kind"] in ("custom_apply", "pickle")]
        for summary, fact in index.facts(self.code):
            data = fact.data
            if data["kind"] != "pass" or not needs_hold(project, data["needs"], summary):
                continue
            head = f"`{data['name']}` holds an ORM object (`{data['source']}`) and is passed to"
            if data["how"] == "thread":
                ctx.report_fact(fact, f"{head} `{data['api']}`: {_DETACHED}")
            elif not any(is_same_project(module_root(summary), root) for root in custom):
                ctx.report_fact(fact, f"{head} Celery's `{data['api']}`: with the default JSON serializer the call fails with `EncodeError` (the object is not JSON serializable)", severity=Severity.ERROR)


def _partial_arguments(semantic: SemanticModel, target: ast.AST | None) -> list[ast.expr]:
    """The arguments `functools.partial(f, ...)` binds, when the hand-off runs a partial."""
    if isinstance(target, ast.Call) and flask_name(semantic, target.func) == "functools.partial":
        return [*target.args[1:], *(k.value for k in target.keywords if k.arg)]
    return []


def _is_pickle(value: ast.AST) -> bool:
    return isinstance(value, ast.Constant) and value.value == "pickle"
