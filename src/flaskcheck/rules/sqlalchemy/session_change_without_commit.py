"""FLK602."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex
from flaskcheck.semantic.config import config_settings
from flaskcheck.semantic.flask import is_app_or_blueprint
from flaskcheck.semantic.model import ScopeKind
from flaskcheck.semantic.sqlalchemy import (
    SESSIONS,
    STDLIB,
    TEARDOWN_HOOKS,
    SqlaProject,
    called_function,
    describe,
    fact_at,
    function_key,
    hook_names,
    hook_registrations,
    is_interesting,
    is_view_function,
    method_name,
    needs_hold,
    plain_needs,
    query_root,
    record_url_rule,
    registered_functions,
)

_SESSION_CHANGES = frozenset({"add", "add_all", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings", "bulk_update_mappings"})
_QUERY_CHANGES = frozenset({"update", "delete"})
_DML = frozenset({"sqlalchemy.update", "sqlalchemy.insert", "sqlalchemy.delete", "sqlalchemy.sql.update", "sqlalchemy.sql.insert", "sqlalchemy.sql.delete"})
_NOT_PROJECT = frozenset({"flask", "flask_sqlalchemy", "sqlalchemy", "werkzeug", "jinja2", "flask_login", "flask_wtf", "wtforms", "celery", *STDLIB})
_DEPTH = 12


class SessionChangeWithoutCommit(Rule):
    """
    ## What it does
    Reports a view that changes the session and never commits. A change is adding, deleting
    or merging objects on the session (`db.session.add`, `add_all`, `delete`, `merge`, the
    `bulk_*` methods), a bulk `update()` / `delete()` through a query, or
    `session.execute(update(...))`, made by the view or by project functions it calls. It
    never commits when neither the view nor any project function it calls (or any of its
    project decorators) calls `commit()` or enters `with session.begin():`.

    It stays silent when a request hook commits (`after_request`, `teardown_request`,
    `teardown_appcontext`, or their blueprint `*_app_request` forms, calling `commit()`
    directly or through project functions), when `SQLALCHEMY_COMMIT_ON_TEARDOWN` is set
    (Flask-SQLAlchemy 2), and for helper functions that change and `flush()` for an id: only
    views are reported, and a view that calls a committing function is fine. Any `.commit()`
    call counts as a commit, whatever its receiver, and so does any call of a function or
    method whose name starts with `commit` or `save` (`post.save()`, `commit_changes()`): the
    checker cannot follow methods of objects, and such a method often commits. Calls it cannot
    follow are not assumed to change anything.

    ## Why is this bad?
    Flask-SQLAlchemy removes the session when the request ends, and removing it rolls back
    whatever was not committed. The view's own queries see the change (autoflush sends it to
    the database inside the transaction), so the page looks right, but the row is gone
    afterwards: nothing is saved, and no error says so.

    ## Example
    ```python
    from flask import Flask, request
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    class Note(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        text = db.Column(db.String)


    @app.post("/notes")
    def add_note():
        db.session.add(Note(text=request.form["text"]))  # error
        return {"notes": Note.query.count()}
    ```

    ## Use instead
    ```python
    from flask import Flask, request
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    class Note(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        text = db.Column(db.String)


    @app.post("/notes")
    def add_note():
        db.session.add(Note(text=request.form["text"]))
        db.session.commit()
        return {"notes": Note.query.count()}
    ```

    ## References
    - [Flask-SQLAlchemy: inserting, updating, deleting](https://flask-sqlalchemy.readthedocs.io/en/stable/queries/#insert-update-delete)
    - [SQLAlchemy: committing](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#committing)
    """

    code = "FLK602"
    name = "session-change-without-commit"
    severity = Severity.WARNING

    valid = [
        # the change is committed by a helper the view calls
        Valid(
            "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\ndb = SQLAlchemy(app)\n\n"
            "def save(obj):\n    db.session.add(obj)\n    db.session.commit()\n\n"
            "@app.post('/a')\ndef a():\n    obj = object()\n    save(obj)\n    return 'ok'\n"
        ),
        # a teardown hook commits
        Valid(
            "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\ndb = SQLAlchemy(app)\n\n"
            "@app.teardown_request\ndef commit_session(exc):\n    if exc is None:\n        db.session.commit()\n\n"
            "@app.post('/a')\ndef a():\n    db.session.add(object())\n    return 'ok'\n"
        ),
        Valid(files={
            "app/__init__.py": "from flask import Flask\nfrom app.db import db, commit_all\napp = Flask(__name__)\napp.after_request(commit_all)\n",
            "app/db.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\ndef commit_all(response):\n    db.session.commit()\n    return response\n",
            "app/views.py": "from app import app\nfrom app.db import db\n\n@app.delete('/a/<int:id>')\ndef a(id):\n    db.session.delete(db.session.get(object, id))\n    return 'ok'\n",
        }),
        # a helper adds and flushes for an id; the view commits
        Valid(
            "from flask import Blueprint\nfrom flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\nbp = Blueprint('b', __name__)\n\n"
            "def new_order(cart):\n    order = object()\n    db.session.add(order)\n    db.session.flush()\n    return order.id\n\n"
            "@bp.post('/checkout')\ndef checkout():\n    order_id = new_order(None)\n    db.session.commit()\n    return str(order_id)\n"
        ),
        # `with session.begin():` commits; a project decorator commits
        Valid(
            "from flask import Flask\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\napp = Flask(__name__)\n"
            "Session = sessionmaker(bind=create_engine('sqlite://'))\n\n"
            "@app.post('/a')\ndef a():\n    with Session.begin() as session:\n        session.add(object())\n    return 'ok'\n"
        ),
        Valid(
            "import functools\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\ndb = SQLAlchemy(app)\n\n"
            "def transactional(view):\n    @functools.wraps(view)\n    def wrapper(*args, **kwargs):\n        result = view(*args, **kwargs)\n        db.session.commit()\n        return result\n    return wrapper\n\n"
            "@app.post('/a')\n@transactional\ndef a():\n    db.session.add(object())\n    return 'ok'\n"
        ),
        # the called function's decorator runs it in a session that commits (Airflow's `@provide_session`)
        Valid(files={
            "proj/__init__.py": "",
            "proj/session.py": (
                "import contextlib\nimport functools\nfrom sqlalchemy.orm import scoped_session, sessionmaker\nSession = scoped_session(sessionmaker())\n\n"
                "@contextlib.contextmanager\ndef create_session():\n    session = Session()\n    try:\n        yield session\n        session.commit()\n"
                "    except Exception:\n        session.rollback()\n        raise\n\n"
                "def provide_session(func):\n    @functools.wraps(func)\n    def wrapper(*args, **kwargs):\n"
                "        with create_session() as session:\n            return func(*args, session=session, **kwargs)\n    return wrapper\n"
            ),
            "proj/delete.py": (
                "from sqlalchemy import delete\nfrom sqlalchemy.orm import Session\nfrom proj.session import provide_session\n\n"
                "@provide_session\ndef delete_dag(dag_id, session: Session = None):\n    session.execute(delete(Dag).where(Dag.id == dag_id))\n"
            ),
            "proj/views.py": (
                "from flask import Blueprint\nfrom proj import delete\nbp = Blueprint('api', __name__)\n\n"
                "@bp.route('/dags/<dag_id>', methods=['DELETE'])\ndef delete_dag(dag_id):\n    delete.delete_dag(dag_id)\n    return 'ok'\n"
            ),
        }),
        # Flask-SQLAlchemy 2's commit on teardown
        Valid(
            "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\napp.config['SQLALCHEMY_COMMIT_ON_TEARDOWN'] = True\ndb = SQLAlchemy(app)\n\n"
            "@app.post('/a')\ndef a():\n    db.session.add(object())\n    return 'ok'\n"
        ),
        # not a session: a set, a parameter called `session`, a requests session; not a view
        Valid(
            "import requests\nfrom flask import Flask\napp = Flask(__name__)\nseen = set()\nhttp = requests.Session()\n\n"
            "@app.post('/a')\ndef a(session=None):\n    seen.add(1)\n    session.add(1)\n    http.delete('https://example.com/x')\n    return 'ok'\n"
        ),
        Valid("from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\ndef import_rows(rows):\n    db.session.add_all(rows)\n"),
        # a FastAPI route is no Flask view
        Valid(
            "from fastapi import FastAPI\nfrom flask_sqlalchemy import SQLAlchemy\napp = FastAPI()\ndb = SQLAlchemy()\n\n"
            "@app.post('/items')\ndef create_item():\n    db.session.add(object())\n    return {}\n"
        ),
        # a method the checker cannot follow, named like a save, commits
        Valid(
            "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\ndb = SQLAlchemy(app)\n\n"
            "@app.post('/topics/<int:tid>/read')\ndef mark_read(tid):\n    db.session.add(object())\n    topic = load(tid)\n    topic.save()\n    return 'ok'\n"
        ),
        # a view that only reads
        Valid(
            "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\napp = Flask(__name__)\ndb = SQLAlchemy(app)\n\n"
            "class User(db.Model):\n    pass\n\n@app.get('/users')\ndef users():\n    return {'n': User.query.filter_by(active=True).count()}\n"
        ),
    ]
    invalid = [
        # a bulk update through a model's query, in a blueprint, with an import alias
        Invalid(
            "from flask import Blueprint\nfrom flask_sqlalchemy import SQLAlchemy as SA\ndb = SA()\nbp = Blueprint('users', __name__)\n\n"
            "class User(db.Model):\n    pass\n\n"
            "@bp.route('/deactivate', methods=['POST'])\ndef deactivate():\n    User.query.filter_by(active=True).update({'active': False})  # error\n    return 'ok'\n",
            message="view `deactivate` changes the session (`User.query.filter_by(active=True).update`) and nothing commits: the change is rolled back when the request ends",
        ),
        # through a project function of another module; the view in a MethodView
        Invalid(files={
            "app/__init__.py": "",
            "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "app/services.py": "from app.extensions import db\n\ndef archive(post):\n    post.archived = True\n    db.session.merge(post)\n",
            "app/views.py": (
                "from flask.views import MethodView\nfrom app import services\n\n"
                "class PostAPI(MethodView):\n    def delete(self, post_id):\n        services.archive(post_id)  # error\n        return '', 204\n"
            ),
        }, message="view `delete` calls `services.archive`, which changes the session, and nothing commits: the change is rolled back when the request ends"),
        # a plain SQLAlchemy session and `execute(update(...))`; a view in a factory
        Invalid(
            "import flask\nfrom sqlalchemy import update\nfrom sqlalchemy.orm import scoped_session, sessionmaker\n"
            "db_session = scoped_session(sessionmaker())\n\n"
            "def create_app():\n    app = flask.Flask(__name__)\n\n    @app.post('/reset')\n    def reset():\n"
            "        db_session.execute(update(Counter).values(n=0))  # error\n        db_session.flush()\n        return 'ok'\n\n    return app\n"
        ),
        # a view registered with add_url_rule; the hook is a before_request (it runs first)
        Invalid(files={
            "shop/__init__.py": (
                "from flask import Flask\nfrom shop.views import add_item\nfrom shop.db import db\napp = Flask(__name__)\n"
                "app.add_url_rule('/cart', view_func=add_item, methods=['POST'])\n\n@app.before_request\ndef begin():\n    db.session.commit()\n"
            ),
            "shop/db.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
            "shop/views.py": "from shop.db import db\n\ndef add_item():\n    db.session.add_all([object()])  # error\n    return 'ok'\n",
        }),
    ]

    def __init__(self) -> None:
        self._functions: dict[int, _Function] = {}  # def id -> what it does, filled call by call

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        record_url_rule(node, ctx)
        self._check_commit_on_teardown(node, ctx)
        method = method_name(node)
        if method in TEARDOWN_HOOKS and node.args and is_app_or_blueprint(ctx.semantic, node.func.value):
            target = _call_target(ctx, ast.Call(func=node.args[0], args=[], keywords=[]))
            if target is not None:  # `app.after_request(commit_all)` with `commit_all` from another module
                ctx.record(node, kind="hook", target=target)
        owners = _owners(node)
        if not owners:
            return
        if _is_commit_call(node):
            for owner in owners:  # a decorator commits in its nested wrapper
                self._function(owner).commits = True
            return
        needs = _change_needs(ctx, node)
        if needs is not None:
            self._function(owners[0]).changes.append([list(ctx.span(node)), plain_needs(needs), _text(node.func)])
            return
        target = _call_target(ctx, node)
        if target is not None:
            self._function(owners[0]).calls.append([list(ctx.span(node)), target, _text(node.func)])
            for owner in owners[1:]:  # a decorator's wrapper calls a committing context manager
                self._function(owner).nested.append(target)

    def visit_With(self, node: ast.With | ast.AsyncWith, ctx: FileContext) -> None:
        if any(method_name(item.context_expr) == "begin" for item in node.items):  # `with session.begin():` commits
            for owner in _owners(node):
                self._function(owner).commits = True

    visit_AsyncWith = visit_With

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check_commit_on_teardown(node, ctx)

    def _check_commit_on_teardown(self, node: ast.AST, ctx: FileContext) -> None:
        for setting in config_settings(node, ctx.semantic):
            if setting.key == "SQLALCHEMY_COMMIT_ON_TEARDOWN" and not (isinstance(setting.value, ast.Constant) and not setting.value.value):
                ctx.record(node, kind="commit_on_teardown")

    def _function(self, node: ast.AST) -> _Function:
        found = self._functions.get(id(node))
        if found is None:
            found = self._functions[id(node)] = _Function(node)
        return found

    def leave_module(self, ctx: FileContext) -> None:
        if not self._functions:
            return
        semantic = ctx.semantic
        hooks = hook_registrations(semantic)
        for function in self._functions.values():
            node = function.node
            decorators = [t for t in (_call_target(ctx, d if isinstance(d, ast.Call) else ast.Call(func=d, args=[], keywords=[])) for d in node.decorator_list) if t]
            ctx.record(node, kind="function", key=function_key(semantic, node), name=node.name, view=is_view_function(semantic, node),
                       hooks=sorted(hook_names(semantic, node, hooks)), commits=function.commits, changes=function.changes,
                       calls=function.calls, nested=function.nested, decorators=decorators)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = [(s, f) for s, f in index.facts(self.code)]
        if any(f.data["kind"] == "commit_on_teardown" for _, f in facts):
            return
        graph = _CallGraph(index, SqlaProject(index), [(s, f) for s, f in facts if f.data["kind"] == "function"])
        hooks = [(s.path, f.data["key"]) for s, f in graph.functions.values() if set(f.data["hooks"]) & TEARDOWN_HOOKS]
        hooks += [graph.resolve(s, f.data["target"]) for s, f in facts if f.data["kind"] == "hook"]
        if any(hook is not None and graph.commits(*hook) for hook in hooks):
            return  # a hook commits for every view (precision: not only the app it belongs to)
        views = registered_functions(index, self.code)
        for summary, fact in graph.functions.values():
            if not (fact.data["view"] or fact.data["key"] in views) or graph.commits(summary.path, fact.data["key"]):
                continue
            found = graph.first_change(summary, fact)
            if found is None:
                continue
            span, text, direct = found
            view = fact.data["name"]
            if direct:
                message = f"view `{view}` changes the session (`{text}`) and nothing commits: the change is rolled back when the request ends"
            else:
                message = f"view `{view}` calls `{text}`, which changes the session, and nothing commits: the change is rolled back when the request ends"
            ctx.report_fact(fact_at(fact, span), message)


@dataclass(slots=True)
class _Function:
    """What one def of the module does, gathered while its calls are visited."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    commits: bool = False
    changes: list = field(default_factory=list)  # [span, needs, text]
    calls: list = field(default_factory=list)  # [span, target, text]
    nested: list = field(default_factory=list)  # targets called by nested functions (for commits)


def _is_commit_call(call: ast.Call) -> bool:
    """`x.commit()`, and calls named like a commit or a save (`post.save()`, `commit_all()`)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name.startswith(("commit", "save"))


def _owners(node: ast.AST) -> list[ast.AST]:
    """The defs whose bodies hold `node`, nearest first (lambdas and comprehensions belong to
    the def around them)."""
    found = []
    scope = getattr(node, "flk_scope", None)
    while scope is not None:
        if scope.kind is ScopeKind.FUNCTION:
            found.append(scope.node)
        elif scope.kind in (ScopeKind.CLASS, ScopeKind.MODULE) and not found:
            return []
        scope = scope.parent
    return found


def _text(expr: ast.AST) -> str:
    """`db.session.add` for a dotted name, else the expression's source."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        return ".".join([expr.id, *reversed(parts)])
    return ast.unparse(expr) + "".join(f".{part}" for part in reversed(parts))


def _change_needs(ctx: FileContext, call: ast.Call) -> list | None:
    """What must hold for `call` to change the session: a session receiver, or the start of a
    query chain for a bulk `update()` / `delete()`."""
    semantic = ctx.semantic
    method = method_name(call)
    if method in _QUERY_CHANGES:
        root = query_root(semantic, call.func.value)
        if root is not None:
            return [root]
    if method in _SESSION_CHANGES or (method == "execute" and call.args and _is_dml(ctx, call.args[0])):
        receiver = describe(semantic, call.func.value)
        if receiver is not None and is_interesting(receiver):
            return [(receiver, SESSIONS)]
    return None


def _is_dml(ctx: FileContext, statement: ast.AST) -> bool:
    """`update(User).where(...).values(...)`: a chain that starts with an UPDATE/INSERT/DELETE."""
    node = statement
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return isinstance(node, ast.Call) and ctx.semantic.qualified_name(node.func) in _DML


def _call_target(ctx: FileContext, call: ast.Call) -> list | None:
    """A call of a project function: ["key", key] for one of this module, ["name", dotted] for
    an imported one (the index resolves it)."""
    semantic = ctx.semantic
    function = called_function(semantic, call)
    if function is not None and not isinstance(function, ast.Lambda):
        return ["key", function_key(semantic, function)]
    dotted = semantic.qualified_name(call.func)
    if dotted is None or dotted.split(".")[0] in _NOT_PROJECT:
        return None
    return ["name", dotted]


class _CallGraph:
    """Functions by (path, key), and what they reach through the project functions they call."""

    def __init__(self, index: ProjectIndex, project: SqlaProject, facts: list[tuple[ModuleSummary, Fact]]) -> None:
        self.index = index
        self.project = project
        self.functions = {(s.path, f.data["key"]): (s, f) for s, f in facts}
        self._commits: dict[tuple[str, str], bool] = {}
        self._changes: dict[tuple[str, str], bool] = {}

    def resolve(self, summary: ModuleSummary, target: list) -> tuple[str, str] | None:
        kind, name = target
        if kind == "key":
            return (summary.path, name)
        found = self.index.defining(name, summary)
        if found is not None and found[0].module_name:
            return (found[0].path, f"{found[0].module_name}.{found[1]}")
        parts = name.split(".")
        for end in range(len(parts) - 1, 0, -1):  # `pkg.module.Class.method`
            module = self.index.module(".".join(parts[:end]), summary)
            if module is not None:
                return (module.path, name)
        return None

    def commits(self, path: str, key: str, depth: int = _DEPTH) -> bool:
        return self._reaches(path, key, depth, self._commits, lambda s, f: f.data["commits"], ("calls", "decorators", "nested"))

    def changes(self, path: str, key: str, depth: int = _DEPTH) -> bool:
        return self._reaches(path, key, depth, self._changes, lambda s, f: any(needs_hold(self.project, c[1], s) for c in f.data["changes"]), ("calls",))

    def _reaches(self, path: str, key: str, depth: int, memo: dict, own, fields: tuple[str, ...]) -> bool:
        node = (path, key)
        if node in memo:
            return memo[node]
        found = self.functions.get(node)
        if found is None or depth <= 0:
            return False
        memo[node] = False  # a cycle reaches nothing new
        summary, fact = found
        result = own(summary, fact)
        for name in fields:
            for item in fact.data[name] if not result else ():
                target = self.resolve(summary, item[1] if name == "calls" else item)
                if target is not None and self._reaches(*target, depth - 1, memo, own, fields):
                    result = True
                    break
        memo[node] = result
        return result

    def first_change(self, summary: ModuleSummary, fact: Fact) -> tuple[list, str, bool] | None:
        """(span, text, direct) of the view's first change, or first call of a changing function."""
        events = [(c[0], c[2], True) for c in fact.data["changes"] if needs_hold(self.project, c[1], summary)]
        for span, target, text in fact.data["calls"]:
            resolved = self.resolve(summary, target)
            if resolved is not None and self.changes(*resolved):
                events.append((span, text, False))
        return min(events, key=lambda event: (event[0][0], event[0][1])) if events else None
