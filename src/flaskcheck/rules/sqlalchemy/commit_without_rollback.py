"""FLK601."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.flask import ancestors
from flaskcheck.semantic.model import BindingKind, ScopeKind, SemanticModel
from flaskcheck.semantic.sqlalchemy import (
    DB_SESSION,
    FUNCTIONS,
    SESSIONS,
    SqlaProject,
    called_function,
    describe,
    method_name,
    nodes_of,
    record_names,
)

_ERRORS = ("SQLAlchemyError", "DBAPIError", "IntegrityError", "OperationalError", "DatabaseError", "DataError",
           "InternalError", "ProgrammingError", "NotSupportedError", "InterfaceError", "StatementError")
_COMMIT_ERRORS = frozenset({"builtins.Exception", "builtins.BaseException", *(f"sqlalchemy.exc.{n}" for n in _ERRORS), *(f"sqlalchemy.{n}" for n in _ERRORS)})
_TRIES = (ast.Try, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
_CLEANUPS = frozenset({"close", "remove", "expunge_all"})


class CommitWithoutRollback(Rule):
    """
    ## What it does
    Reports a failed commit that is caught and swallowed without a rollback. That is a
    session's `commit()` (Flask-SQLAlchemy's `db.session`, or a SQLAlchemy `Session` /
    `scoped_session`) inside a `try` whose handler catches what a commit can raise (a bare
    `except`, `Exception`, `SQLAlchemyError`, `IntegrityError`, `DBAPIError`,
    `OperationalError` and the other `sqlalchemy.exc` database errors) and neither calls
    `rollback()` nor re-raises.

    It stays silent when the handler rolls back or raises, when the `try` has a `finally`
    that rolls back, closes or removes that session, when the commit sits inside
    `with <session>.begin():`, and when the handler only catches unrelated exceptions. A
    handler that calls a function of the same module that rolls back counts as rolling back.
    A session created in the same function (`session = Session()`, `with Session() as
    session:`) is reported only when the function uses it again after the `try`: a session
    that is thrown away cannot fail anyone. A session the checker cannot recognise (an
    unannotated parameter, `self.session`) is not reported.

    ## Why is this bad?
    A failed commit leaves the session in a failed transaction. Until it is rolled back,
    every later use of it (a query in the same view, a lazy load in the template, an
    `after_request` hook) raises `PendingRollbackError: This Session's transaction has been
    rolled back due to a previous exception during flush`. Flask-SQLAlchemy removes
    `db.session` when the request ends, so the damage lasts until then; a plain
    `scoped_session` that is never `remove()`d keeps failing in later requests on the same
    thread. A handler that returns at once (`return "taken", 409`) is harmless as long as
    nothing touches the session afterwards, which is why this is a warning.

    ## Example
    ```python
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.exc import IntegrityError

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String, unique=True)


    @app.post("/users")
    def create_user():
        db.session.add(User(email="a@example.com"))
        try:
            db.session.commit()  # error
        except IntegrityError:
            app.logger.info("duplicate e-mail")
        return {"users": User.query.count()}
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.exc import IntegrityError

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String, unique=True)


    @app.post("/users")
    def create_user():
        db.session.add(User(email="a@example.com"))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return {"error": "e-mail taken"}, 409
        return {"users": User.query.count()}
    ```

    ## References
    - [SQLAlchemy: "This Session's transaction has been rolled back due to a previous exception during flush"](https://docs.sqlalchemy.org/en/20/faq/sessions.html#this-session-s-transaction-has-been-rolled-back-due-to-a-previous-exception-during-flush-or-similar)
    - [SQLAlchemy: framing out a begin / commit / rollback block](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#framing-out-a-begin-commit-rollback-block)
    - [Flask-SQLAlchemy: modifying and querying data](https://flask-sqlalchemy.readthedocs.io/en/stable/queries/)
    """

    code = "FLK601"
    name = "commit-without-rollback"
    severity = Severity.WARNING

    valid = [
        # re-raised (after logging)
        Valid(
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
            "def save(obj):\n    db.session.add(obj)\n    try:\n        db.session.commit()\n    except Exception:\n        log('failed')\n        raise\n"
        ),
        # only unrelated exceptions are caught
        Valid(
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
            "def save(obj, raw):\n    try:\n        obj.age = int(raw)\n        db.session.commit()\n    except (ValueError, KeyError):\n        return 'bad input'\n"
        ),
        # the commit is in `else:`, which the handler does not cover
        Valid(
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
            "def save(obj, raw):\n    try:\n        obj.age = int(raw)\n    except Exception:\n        return 'bad input'\n    else:\n        db.session.commit()\n"
        ),
        # inside `with session.begin():`
        Valid(
            "from sqlalchemy.orm import sessionmaker\nfrom sqlalchemy import create_engine\n"
            "Session = sessionmaker(bind=create_engine('sqlite://'))\nsession = Session()\n\n"
            "def save(obj):\n    try:\n        with session.begin():\n            session.add(obj)\n            session.commit()\n    except Exception:\n        pass\n"
        ),
        # `finally:` closes the session
        Valid(
            "from sqlalchemy.orm import scoped_session, sessionmaker\nfrom sqlalchemy import create_engine\n"
            "db_session = scoped_session(sessionmaker(bind=create_engine('sqlite://')))\n\n"
            "def save(obj):\n    try:\n        db_session.add(obj)\n        db_session.commit()\n    except Exception as error:\n        print(error)\n    finally:\n        db_session.remove()\n"
        ),
        # the handler calls a helper of the module that rolls back
        Valid(
            "import flask_sqlalchemy\nfrom sqlalchemy import exc\ndb = flask_sqlalchemy.SQLAlchemy()\n\n"
            "def undo():\n    db.session.rollback()\n\n"
            "def save(obj):\n    try:\n        db.session.commit()\n    except exc.IntegrityError:\n        undo()\n        return False\n    return True\n"
        ),
        # a session created here and thrown away after the failure
        Valid(
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import Session\nengine = create_engine('sqlite://')\n\n"
            "def record_visit(visit):\n    session = Session(engine)\n    try:\n        session.add(visit)\n        session.commit()\n    except Exception:\n        print('visit not recorded')\n"
        ),
        # a `db` that is no SQLAlchemy object: a parameter, a sqlite3 connection, a git repository
        Valid("def save(db, obj):\n    try:\n        db.session.commit()\n    except Exception:\n        pass\n"),
        Valid("import sqlite3\nconn = sqlite3.connect('app.db')\n\ndef save():\n    try:\n        conn.commit()\n    except Exception:\n        pass\n"),
        Valid("from git import Repo\nrepo = Repo('.')\n\ndef snapshot():\n    try:\n        repo.index.commit('snapshot')\n    except Exception:\n        pass\n"),
        # an imported name that is not a SQLAlchemy extension
        Valid(files={
            "app/__init__.py": "",
            "app/store.py": "class Store:\n    session = None\n\nstore = Store()\n",
            "app/views.py": "from app.store import store\n\ndef save():\n    try:\n        store.session.commit()\n    except Exception:\n        pass\n",
        }),
    ]
    invalid = [
        Invalid(
            "from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy as SA\nimport sqlalchemy.exc as sa_exc\n\n"
            "app = Flask(__name__)\ndb = SA(app)\n\n"
            "@app.route('/tags', methods=['POST'])\ndef add_tag():\n    try:\n        db.session.commit()  # error\n    except sa_exc.IntegrityError:\n        pass\n    return 'ok'\n",
            message="`except sa_exc.IntegrityError` swallows a failed `db.session.commit()` without `rollback()`: until the request ends, every use of the session raises `PendingRollbackError`",
        ),
        # a plain scoped_session and a bare except
        Invalid(
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import scoped_session, sessionmaker\n"
            "db_session = scoped_session(sessionmaker(bind=create_engine('sqlite://')))\n\n"
            "def save(obj):\n    db_session.add(obj)\n    try:\n        db_session.commit()  # error\n    except:\n        print('failed')\n",
            message="bare `except` swallows a failed `db_session.commit()` without `rollback()`: until the session is rolled back, closed or removed, every use of it raises `PendingRollbackError`",
        ),
        # across modules, in a blueprint
        Invalid(files={
            "app/__init__.py": "from flask import Flask\nfrom app.extensions import db\n\ndef create_app():\n    app = Flask(__name__)\n    db.init_app(app)\n    return app\n",
            "app/extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "app/views.py": (
                "from flask import Blueprint, flash\nfrom sqlalchemy.exc import SQLAlchemyError\nfrom app.extensions import db\n\n"
                "bp = Blueprint('posts', __name__)\n\n@bp.post('/posts')\ndef create():\n    try:\n        db.session.commit()  # error\n    except SQLAlchemyError as error:\n        flash(str(error))\n    return 'ok'\n"
            ),
        }),
        # re-raised as something an outer handler swallows
        Invalid(
            "from flask_sqlalchemy import SQLAlchemy\nfrom sqlalchemy.exc import IntegrityError\ndb = SQLAlchemy()\n\n"
            "def save(obj):\n    try:\n        try:\n            db.session.commit()  # error\n        except IntegrityError:\n            raise ValueError('duplicate')\n    except Exception:\n        return False\n    return True\n"
        ),
        # a session parameter annotated as a SQLAlchemy Session (Airflow's `@provide_session` style)
        Invalid(
            "from typing import Optional\nfrom sqlalchemy.orm import Session\n\n"
            "def update(obj, session: Optional[Session] = None):\n    try:\n        session.commit()  # error\n    except Exception:\n        print('failed')\n"
        ),
        # a session created here and used again after the failure
        Invalid(
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n\n"
            "def import_rows(rows):\n    with SessionLocal() as session:\n        try:\n            session.add_all(rows)\n            session.commit()  # error\n        except Exception:\n            print('skipped')\n        return session.query(Row).count()\n"
        ),
        # an asyncio session from an async_sessionmaker
        Invalid(
            "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
            "SessionLocal = async_sessionmaker(create_async_engine('sqlite+aiosqlite://'))\n\n"
            "async def save(obj):\n    async with SessionLocal() as session:\n        session.add(obj)\n        try:\n"
            "            await session.commit()  # error\n        except Exception:\n            pass\n        await session.refresh(obj)\n"
        ),
        # a view in a factory, a project subclass of SQLAlchemy defined in another module
        Invalid(files={
            "shop/__init__.py": (
                "from flask import Flask\nfrom shop.db import db\n\ndef create_app():\n    app = Flask(__name__)\n    db.init_app(app)\n\n"
                "    @app.post('/cart')\n    def add_to_cart():\n        try:\n            db.session.commit()  # error\n        except BaseException:\n            pass\n        return 'ok'\n\n    return app\n"
            ),
            "shop/db.py": "from flask_sqlalchemy import SQLAlchemy\n\nclass ShopSQLAlchemy(SQLAlchemy):\n    pass\n\ndb = ShopSQLAlchemy()\n",
        }),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        if method_name(node) != "commit":
            return
        semantic = ctx.semantic
        receiver = node.func.value
        session = describe(semantic, receiver)
        if session is None:
            return
        caught = _swallowing_handler(semantic, node, receiver, session)
        if caught is not None:
            ctx.record(node, kind="commit", session=session, caught=caught, call=ast.unparse(node.func))

    def leave_module(self, ctx: FileContext) -> None:
        record_names(ctx)  # the module table every 6xx rule evaluates descriptors against

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        project = SqlaProject(index)
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] != "commit":
                continue
            kind = project.kind(fact.data["session"], summary)
            if kind not in SESSIONS:
                continue
            if kind == DB_SESSION:
                lasting = "until the request ends, every use of the session raises `PendingRollbackError`"
            else:
                lasting = "until the session is rolled back, closed or removed, every use of it raises `PendingRollbackError`"
            ctx.report_fact(fact, f"{fact.data['caught']} swallows a failed `{fact.data['call']}()` without `rollback()`: {lasting}")


def _swallowing_handler(semantic: SemanticModel, call: ast.Call, receiver: ast.expr, session: tuple) -> str | None:
    """How the first handler that catches the commit's failure and neither rolls back nor
    re-raises is written (`except IntegrityError`), or None."""
    child: ast.AST = call
    for ancestor in ancestors(call):
        if isinstance(ancestor, (*FUNCTIONS, ast.ClassDef)):
            return None
        if isinstance(ancestor, (ast.With, ast.AsyncWith)) and any(method_name(item.context_expr) == "begin" for item in ancestor.items):
            return None
        if isinstance(ancestor, _TRIES) and child in ancestor.body:
            handler, caught = _catching_handler(semantic, ancestor)
            if handler is not None:
                if _cleans_up(semantic, handler.body, session) or _cleans_up(semantic, ancestor.finalbody, session):
                    return None
                if not any(isinstance(n, ast.Raise) for n in nodes_of(handler.body)):
                    return None if _is_discarded_session(semantic, receiver, ancestor) else caught
        child = ancestor
    return None


def _catching_handler(semantic: SemanticModel, statement: ast.Try) -> tuple[ast.ExceptHandler | None, str]:
    for handler in statement.handlers:
        if handler.type is None:
            return handler, "bare `except`"
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(semantic.qualified_name(t) in _COMMIT_ERRORS for t in types):
            return handler, f"`except {ast.unparse(handler.type)}`"
    return None, ""


def _cleans_up(semantic: SemanticModel, statements: list[ast.stmt], session: tuple, depth: int = 3) -> bool:
    """A `rollback()` (any receiver), or `close()` / `remove()` of this session, here or in a
    function of this module called from here."""
    for node in nodes_of(statements):
        method = method_name(node)
        if method == "rollback":
            return True
        if method in _CLEANUPS and describe(semantic, node.func.value) == session:
            return True
        if isinstance(node, ast.Call) and depth:
            function = called_function(semantic, node)
            if function is not None and not isinstance(function, ast.Lambda) and _cleans_up(semantic, function.body, session, depth - 1):
                return True
    return False


def _is_discarded_session(semantic: SemanticModel, receiver: ast.expr, statement: ast.Try) -> bool:
    """A session made in this function (assigned or `with ... as`) and not used after the `try`."""
    binding = semantic.binding_of(receiver)
    if binding is None or binding.kind not in (BindingKind.ASSIGNMENT, BindingKind.OTHER):
        return False
    scope = binding.scope
    if scope.kind is not ScopeKind.FUNCTION:
        return False
    end = statement.end_lineno or statement.lineno
    for node in nodes_of(scope.node.body):
        if isinstance(node, ast.Name) and node.id == binding.name and node.lineno > end and semantic.binding_of(node) is binding:
            return False
    return True
