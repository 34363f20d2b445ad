"""FLK605."""

from __future__ import annotations

import ast
import re

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.flask import ancestors, enclosing_function, keyword_value
from flaskcheck.semantic.model import BindingKind, ScopeKind, SemanticModel
from flaskcheck.semantic.sqlalchemy import (
    SESSIONS,
    SQL_TEXT,
    SqlaProject,
    describe,
    method_name,
    nodes_of,
)

_EXECUTE_METHODS = frozenset({"execute", "executemany", "exec_driver_sql"})
_SQL_KEYWORDS = re.compile(
    r"\b(select|insert|update|delete|create|drop|alter|truncate|pragma|show|describe|grant|revoke|merge|"
    r"vacuum|analyze|kill|cancel|copy|lock|comment|refresh|explain|values|where|set)\b",
    re.IGNORECASE,
)
_NUMBER_FUNCTIONS = frozenset({
    "builtins.int", "builtins.float", "builtins.len", "builtins.round", "builtins.abs", "builtins.bool",
    "math.ceil", "math.floor", "math.trunc",
})
_TRUSTED_ATTRIBUTES = frozenset({"__tablename__"})  # set by the code that declares a model
_QUOTING_METHODS = frozenset({"quote", "quote_identifier", "quote_schema", "format_table", "format_column", "compile"})
_DEPTH = 6


class SqlBuiltFromString(Rule):
    """
    ## What it does
    Reports SQL built from non-constant values and passed to `text()` or `execute()`.
    `text(...)` and `<x>.execute(...)` (a SQLAlchemy session or connection, a DB-API cursor)
    are reported when they receive SQL built with an f-string, `%` formatting, `.format()` or
    `+` from values that are not constants, either directly or through a local variable of
    the same function assigned that way.

    To stay precise on the DB-API's `cursor.execute`, which any object may have, an
    `execute` is reported only when the literal parts of the string read like SQL (a keyword
    such as `SELECT`, `UPDATE`, `WHERE`). Values that cannot carry an injection count as
    constants: literals, module-level names bound once (their value is fixed at import),
    numbers (`int(...)`, `len(...)`), placeholder lists (`", ".join("?" * len(ids))`),
    identifiers quoted by the dialect (`preparer.quote(name)`), SQL compiled by SQLAlchemy
    (`stmt.compile(...)`), and local variables built only from these. SQL built outside any
    function (module level, class bodies such as `__table_args__`) is not reported: it is
    fixed when the module is imported, before any request exists.

    ## Why is this bad?
    A value formatted into SQL becomes SQL: `text(f"SELECT * FROM users WHERE name = '{name}'")`
    with `name = "x' OR '1'='1"` returns every row, and other payloads update or drop tables.
    Bound parameters (`text("... WHERE name = :name")` with `{"name": name}`) send the value
    separately, so it is never parsed as SQL. On SQLAlchemy 2, a plain string passed to
    `Session.execute` without `text()` cannot inject: it crashes with
    `ArgumentError: Textual SQL expression ... should be explicitly declared as text(...)`,
    and the message says so.

    ## Example
    ```python
    from flask import Flask, request
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    @app.get("/users")
    def find_users():
        name = request.args["name"]
        rows = db.session.execute(text(f"SELECT id FROM users WHERE name = '{name}'"))  # error
        return {"ids": [row.id for row in rows]}
    ```

    ## Use instead
    ```python
    from flask import Flask, request
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    db = SQLAlchemy()
    app = Flask(__name__)
    db.init_app(app)


    @app.get("/users")
    def find_users():
        name = request.args["name"]
        rows = db.session.execute(text("SELECT id FROM users WHERE name = :name"), {"name": name})
        return {"ids": [row.id for row in rows]}
    ```

    Table or column names chosen at runtime cannot be parameters: pick them from a fixed
    allow-list, or build the statement with SQLAlchemy (`select(table).where(...)`).

    ## References
    - [SQLAlchemy: using textual SQL](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text)
    - [SQLAlchemy: sending parameters](https://docs.sqlalchemy.org/en/20/tutorial/dbapi_transactions.html#sending-parameters)
    - [OWASP: SQL injection prevention](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    """

    code = "FLK605"
    name = "sql-built-from-string"
    severity = Severity.ERROR

    valid = [
        # bound parameters, in each driver's style
        Valid("import sqlite3\n\ndef find(conn, name):\n    return conn.execute('SELECT * FROM users WHERE name = ?', (name,)).fetchall()\n"),
        Valid("def find(cursor, name):\n    cursor.execute('SELECT * FROM users WHERE name = %s', (name,))\n    return cursor.fetchall()\n"),
        Valid("def find(cursor, name):\n    cursor.execute('SELECT * FROM users WHERE name = %(name)s', {'name': name})\n"),
        # only constants interpolated: literals, a module-level constant, a number, placeholders
        Valid(
            "from sqlalchemy import text\nTABLE = 'users'\nLIMIT = 50\n\n"
            "def recent(session, ids):\n"
            "    placeholders = ', '.join('?' * len(ids))\n"
            "    session.execute(text(f'SELECT * FROM {TABLE} LIMIT {LIMIT}'))\n"
            "    session.execute(text('SELECT * FROM %s WHERE n < %d' % (TABLE, int(LIMIT))))\n"
            "    return session.execute(text(f'SELECT * FROM {TABLE} WHERE id IN ({placeholders})'), ids)\n"
        ),
        Valid(
            "def by_ids(cursor, ids):\n"
            "    marks = ', '.join(f':id{i}' for i in range(len(ids)))\n"
            "    sql = 'SELECT * FROM users WHERE id IN (' + marks + ')'\n"
            "    cursor.execute(sql, {f'id{i}': v for i, v in enumerate(ids)})\n"
        ),
        # an identifier quoted by the dialect, SQL compiled by SQLAlchemy
        Valid(
            "from sqlalchemy import text\n\ndef drop(conn, table):\n"
            "    name = conn.dialect.identifier_preparer.quote(table)\n"
            "    conn.execute(text(f'DROP TABLE {name}'))\n"
            "    conn.execute(text(f'INSERT INTO archive {stmt.compile(conn)}'))\n"
        ),
        # a module-level name bound once to a computed value, and SQL built at import time
        Valid(
            "import os\nfrom sqlalchemy import Index, text\nSCHEMA = os.environ.get('DB_SCHEMA', 'public')\n\n"
            "class Event:\n    __table_args__ = (Index('ix', 'state', postgresql_where=text(f'state = {State.pending}')),)\n\n"
            "def count(conn):\n    return conn.execute(text(f'SELECT count(*) FROM {SCHEMA}.events'))\n"
        ),
        # `execute` of something that is not SQL (a shell command)
        Valid("def run(command, name):\n    command.execute(f'deploy {name} --force')\n    command.execute('exec ' + name)\n"),
        # values checked against an allow-list of constants, loops over constants, numbers
        Valid(
            "from sqlalchemy import text\nSORTABLE = ('name', 'created')\nNOW_BY_DIALECT = {'sqlite': 'CURRENT_TIMESTAMP', 'postgresql': 'now()'}\n\n"
            "def listing(conn, order, direction, timeout):\n"
            "    if order not in SORTABLE:\n        raise ValueError(order)\n"
            "    if direction in ('asc', 'desc'):\n        conn.execute(text(f'SELECT * FROM users ORDER BY {order} {direction}'))\n"
            "    for table in ('users', 'groups'):\n        conn.execute(text(f'DELETE FROM {table} WHERE stale'))\n"
            "    for dialect, now in NOW_BY_DIALECT.items():\n        conn.execute(text(f'UPDATE users SET seen = {now}'))\n"
            "    conn.exec_driver_sql(f'SET LOCAL lock_timeout = {max(1, timeout)}')\n"
        ),
        # a `text` that is not SQLAlchemy's
        Valid("from app.i18n import text\n\ndef greet(name):\n    return text(f'Hello {name}, SELECT a plan')\n"),
        # psycopg2's composable SQL, and a query built with SQLAlchemy
        Valid("from psycopg2 import sql\n\ndef count(cursor, table):\n    cursor.execute(sql.SQL('SELECT count(*) FROM {}').format(sql.Identifier(table)))\n"),
        Valid("from sqlalchemy import select\n\ndef find(session, User, name):\n    return session.execute(select(User).where(User.name == name)).scalars().all()\n"),
        # a name built from a parameter but later replaced by a constant is still built... only when it reaches execute
        Valid("def find(cursor, name):\n    message = f'looking up {name}'\n    cursor.execute('SELECT * FROM users')\n    return message\n"),
    ]
    invalid = [
        # a DB-API cursor, `%` formatting through a local variable
        Invalid(
            "from flask import Blueprint, request as rq\nimport sqlite3\n\nbp = Blueprint('search', __name__)\n\n"
            "@bp.get('/search')\ndef search():\n    conn = sqlite3.connect('app.db')\n    query = \"SELECT * FROM posts WHERE title LIKE '%%%s%%'\" % rq.args['q']\n"
            "    return {'rows': conn.execute(query).fetchall()}  # error\n",
            message="`conn.execute()` gets SQL built with `%` formatting from non-constant values: an injection point",
        ),
        # `.format()`, `+` and augmented assignment
        Invalid(
            "def find(cursor, name, order):\n"
            "    cursor.execute('SELECT * FROM users WHERE name = \\'{}\\''.format(name))  # error\n"
            "    cursor.execute('SELECT * FROM users ORDER BY ' + order)  # error\n"
            "    sql = 'SELECT * FROM users WHERE 1 = 1'\n    sql += \" AND name = '\" + name + \"'\"\n    cursor.execute(sql)  # error\n"
        ),
        # `sqlalchemy.text` imported as a module attribute, a helper in a factory
        Invalid(
            "import sqlalchemy as sa\n\ndef create_app():\n    def lookup(conn, email):\n"
            "        stmt = sa.text(f\"SELECT id FROM users WHERE email = '{email}'\")  # error\n        return conn.execute(stmt)\n    return lookup\n",
            message="`sa.text()` gets SQL built with an f-string from non-constant values: an injection point",
        ),
        # a plain string to Session.execute: crashes on SQLAlchemy 2
        Invalid(
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n\n"
            "def count(table):\n    return db.session.execute(f'SELECT count(*) FROM {table}').scalar()  # error\n",
            message="`db.session.execute()` gets a plain SQL string built with an f-string from non-constant values: on SQLAlchemy 2 it raises `ArgumentError` (it crashes); wrapped in `text()` it would be an injection point",
        ),
        Invalid(files={
            "app/__init__.py": "",
            "app/db.py": "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\nSessionLocal = sessionmaker(bind=create_engine('sqlite://'))\n",
            "app/report.py": (
                "from app.db import SessionLocal\n\ndef totals(year):\n    with SessionLocal() as session:\n"
                "        return session.execute('SELECT sum(total) FROM orders WHERE year = ' + year)  # error\n"
            ),
        }, message="`session.execute()` gets a plain SQL string built with `+` concatenation from non-constant values: on SQLAlchemy 2 it raises `ArgumentError` (it crashes); wrapped in `text()` it would be an injection point"),
        # an allow-list that is optional (a parameter, not constants) does not make the value safe
        Invalid(
            "from sqlalchemy import text\n\ndef apply_sorting(query, order_by, allowed=None):\n    column = order_by.lstrip('-')\n"
            "    if allowed and column not in allowed:\n        raise ValueError(column)\n"
            "    for name in (column, 'id'):\n        query = query.order_by(text(f'{name} asc'))  # error\n    return query\n"
        ),
        # a value joined without placeholders is still the value
        Invalid(
            "from sqlalchemy import text\n\ndef by_names(conn, names):\n"
            "    listed = ', '.join(f\"'{n}'\" for n in names)\n    return conn.execute(text(f'SELECT * FROM users WHERE name IN ({listed})'))  # error\n"
        ),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if method_name(node) in _EXECUTE_METHODS:
            argument = node.args[0] if node.args else keyword_value(node, "statement")
            receiver = node.func.value
        elif semantic.qualified_name(node.func) in SQL_TEXT:
            argument = node.args[0] if node.args else keyword_value(node, "text")
            receiver = None
        else:
            return
        if not isinstance(argument, (ast.JoinedStr, ast.BinOp, ast.Call, ast.Name)):
            return
        function = enclosing_function(node)
        if function is None:
            return  # built at import time
        built = _built_sql(semantic, argument, function, _DEPTH)
        if built is None:
            return
        how, literal_text = built
        if receiver is not None and not _SQL_KEYWORDS.search(literal_text):
            return
        session = describe(semantic, receiver) if receiver is not None else None
        ctx.record(node, kind="sql", how=how, call=ast.unparse(node.func), session=session)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        project = SqlaProject(index)
        for summary, fact in index.facts(self.code):
            data = fact.data
            if data["kind"] != "sql":
                continue
            if data["session"] is not None and project.kind(data["session"], summary) in SESSIONS:
                ctx.report_fact(fact, f"`{data['call']}()` gets a plain SQL string built with {data['how']} from non-constant values: on SQLAlchemy 2 it raises `ArgumentError` (it crashes); wrapped in `text()` it would be an injection point")
            else:
                ctx.report_fact(fact, f"`{data['call']}()` gets SQL built with {data['how']} from non-constant values: an injection point")


def _built_sql(semantic: SemanticModel, expr: ast.AST | None, function: ast.AST, depth: int) -> tuple[str, str] | None:
    """(how, its literal text) when `expr` is SQL built from non-constant values, directly
    or through a local variable of `function`."""
    if expr is None or depth <= 0:
        return None
    if isinstance(expr, ast.JoinedStr):
        if any(isinstance(part, ast.FormattedValue) and not _is_trusted(semantic, part.value, function, depth) for part in expr.values):
            return "an f-string", _literal_text(expr)
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and _is_string(semantic, expr.left, function, depth):
        values = expr.right.elts if isinstance(expr.right, ast.Tuple) else expr.right.values if isinstance(expr.right, ast.Dict) else [expr.right]
        if any(not _is_trusted(semantic, value, function, depth) for value in values):
            return "`%` formatting", _literal_text(expr.left)
        return None
    if method_name(expr) == "format" and _is_string(semantic, expr.func.value, function, depth):
        values = [*expr.args, *(k.value for k in expr.keywords)]
        if any(not _is_trusted(semantic, value, function, depth) for value in values):
            return "`.format()`", _literal_text(expr.func.value)
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        parts = _added_parts(expr)
        inner = [found for found in (_built_sql(semantic, part, function, depth - 1) for part in parts) if found]
        if inner:
            return inner[0]
        if any(_is_string(semantic, part, function, depth) for part in parts) and any(not _is_trusted(semantic, part, function, depth) for part in parts):
            return "`+` concatenation", " ".join(_literal_text(part) for part in parts)
        return None
    if isinstance(expr, ast.Name):
        for value, augmented in _local_assignments(semantic, expr, function):
            found = _built_sql(semantic, value, function, depth - 1)
            if found is None and augmented and not _is_trusted(semantic, value, function, depth - 1):
                found = ("`+` concatenation", _literal_text(value))
            if found is not None:
                how, text = found
                return how, " ".join([text, *(_literal_text(v) for v, _ in _local_assignments(semantic, expr, function))])
    return None


def _added_parts(expr: ast.AST) -> list[ast.AST]:
    parts: list[ast.AST] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            stack.extend((node.right, node.left))
        else:
            parts.append(node)
    return parts


def _local_assignments(semantic: SemanticModel, name: ast.Name, function: ast.AST) -> list[tuple[ast.AST, bool]]:
    """The values assigned to a local variable of `function` before `name` reads it
    (`(value, True)` for `+=`)."""
    binding = semantic.binding_of(name)
    if binding is None or binding.scope.kind is not ScopeKind.FUNCTION or binding.scope.node is not function:
        return []
    if binding.kind not in (BindingKind.ASSIGNMENT, BindingKind.OTHER):
        return []
    found = []
    for node in nodes_of(function.body):
        if getattr(node, "lineno", 0) >= name.lineno:
            continue
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name.id for t in node.targets) or isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name.id and node.value is not None:
            found.append((node.value, False))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name.id and isinstance(node.op, ast.Add):
            found.append((node.value, True))
    return found


def _is_string(semantic: SemanticModel, expr: ast.AST, function: ast.AST, depth: int) -> bool:
    """A str literal or module constant, an f-string, or a local variable holding one."""
    constant = semantic.constant_value(expr)
    if constant is not None:
        return isinstance(constant.value, str)
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        return depth > 0 and _is_string(semantic, expr.left, function, depth - 1)
    if isinstance(expr, ast.Name) and depth > 0:
        return any(_is_string(semantic, value, function, depth - 1) for value, _ in _local_assignments(semantic, expr, function))
    return False


def _is_trusted(semantic: SemanticModel, expr: ast.AST, function: ast.AST, depth: int) -> bool:
    """A value that cannot carry an injection (see the rule's docs)."""
    if depth <= 0:
        return False
    if semantic.constant_value(expr) is not None:
        return True
    if isinstance(expr, ast.JoinedStr):
        return all(_is_trusted(semantic, p.value, function, depth - 1) for p in expr.values if isinstance(p, ast.FormattedValue))
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_trusted(semantic, e, function, depth - 1) for e in expr.elts)
    if isinstance(expr, ast.BinOp):
        if isinstance(expr.op, ast.Mult):  # "?" * len(ids), ["?"] * n: what is repeated decides
            return any(_is_trusted(semantic, side, function, depth - 1) and not _is_number_like(semantic, side) for side in (expr.left, expr.right))
        return _is_trusted(semantic, expr.left, function, depth - 1) and _is_trusted(semantic, expr.right, function, depth - 1)
    if isinstance(expr, ast.Call):
        return _is_trusted_call(semantic, expr, function, depth)
    if isinstance(expr, ast.Name):
        return _is_trusted_name(semantic, expr, function, depth)
    if isinstance(expr, ast.Attribute):
        return expr.attr in _TRUSTED_ATTRIBUTES
    return False


def _is_number_like(semantic: SemanticModel, expr: ast.AST) -> bool:
    constant = semantic.constant_value(expr)
    if constant is not None:
        return isinstance(constant.value, (int, float))
    return isinstance(expr, ast.Call) and semantic.qualified_name(expr.func) in _NUMBER_FUNCTIONS


def _is_trusted_call(semantic: SemanticModel, call: ast.Call, function: ast.AST, depth: int) -> bool:
    called = semantic.qualified_name(call.func)
    if called in _NUMBER_FUNCTIONS:
        return True
    if called in ("builtins.max", "builtins.min") and call.args:  # max(1, n) is a number
        return any(_is_number_like(semantic, a) for a in call.args) or all(_is_trusted(semantic, a, function, depth - 1) for a in call.args)
    method = method_name(call)
    if method in _QUOTING_METHODS:
        return True
    if method in ("items", "keys", "values"):  # of a constant mapping
        return _is_trusted(semantic, call.func.value, function, depth - 1)
    if method == "join" and _is_string(semantic, call.func.value, function, depth) and call.args:
        return _is_trusted_sequence(semantic, call.args[0], function, depth - 1)
    if method == "format":
        return _is_trusted(semantic, call.func.value, function, depth - 1) and all(
            _is_trusted(semantic, v, function, depth - 1) for v in [*call.args, *(k.value for k in call.keywords)])
    if semantic.qualified_name(call.func) == "builtins.str" and call.args:
        return _is_trusted(semantic, call.args[0], function, depth - 1)
    return False


def _is_trusted_sequence(semantic: SemanticModel, expr: ast.AST, function: ast.AST, depth: int) -> bool:
    """What `", ".join(...)` joins: constants, repeated placeholders, or a comprehension of
    placeholders numbered by `range(...)` / `enumerate(...)` indexes."""
    if isinstance(expr, (ast.GeneratorExp, ast.ListComp)):
        numbered = set()
        for generator in expr.generators:
            iterated = semantic.qualified_name(generator.iter.func) if isinstance(generator.iter, ast.Call) else None
            target = generator.target
            if iterated == "builtins.range" and isinstance(target, ast.Name):
                numbered.add(target.id)
            elif iterated == "builtins.enumerate" and isinstance(target, ast.Tuple) and isinstance(target.elts[0], ast.Name):
                numbered.add(target.elts[0].id)
        names = {n.id for n in ast.walk(expr.elt) if isinstance(n, ast.Name)}
        return names <= numbered
    return _is_trusted(semantic, expr, function, depth)


def _is_trusted_name(semantic: SemanticModel, name: ast.Name, function: ast.AST, depth: int) -> bool:
    binding = semantic.binding_of(name)
    if binding is None:
        return False
    if binding.scope is semantic.module_scope:
        return len(binding.scope.bindings.get(name.id, ())) == 1 and binding.kind in (BindingKind.ASSIGNMENT, BindingKind.IMPORT)
    if _is_checked_against_constants(semantic, name, function, depth):
        return True
    loop = getattr(binding.node, "flk_parent", None)
    if isinstance(loop, ast.Tuple):  # for dialect, sql in SQL_BY_DIALECT.items():
        loop = getattr(loop, "flk_parent", None)
    if isinstance(loop, (ast.For, ast.AsyncFor)) and binding.node in ast.walk(loop.target):
        return _is_trusted(semantic, loop.iter, function, depth - 1)  # for table in ("a", "b"):
    assigned = _local_assignments(semantic, name, function)
    return bool(assigned) and all(_is_trusted(semantic, value, function, depth - 1) for value, _ in assigned)


def _is_checked_against_constants(semantic: SemanticModel, name: ast.Name, function: ast.AST, depth: int) -> bool:
    """An allow-list check: inside `if name in ("a", "b"):` / `if name == "a":`, or after
    `if name not in ALLOWED: raise ...` (or `return`) earlier in the function."""
    child: ast.AST = name
    for ancestor in ancestors(name):
        if ancestor is function:
            break
        if isinstance(ancestor, ast.If) and child in ancestor.body and _compares(semantic, ancestor.test, name.id, (ast.Eq, ast.In), function, depth):
            return True
        child = ancestor
    for node in nodes_of(function.body):
        if isinstance(node, ast.If) and node.lineno < name.lineno and node.body and isinstance(node.body[-1], (ast.Raise, ast.Return, ast.Continue)):
            if _compares(semantic, node.test, name.id, (ast.NotEq, ast.NotIn), function, depth):
                return True
    return False


def _compares(semantic: SemanticModel, test: ast.AST, name: str, operators: tuple, function: ast.AST, depth: int) -> bool:
    """`name in (...)` alone or joined by `and` (`not in` alone or joined by `or`)."""
    joiner = ast.And if ast.Eq in operators else ast.Or
    tests = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, joiner) else [test]
    for item in tests:
        if (isinstance(item, ast.Compare) and len(item.ops) == 1 and isinstance(item.ops[0], operators)
                and isinstance(item.left, ast.Name) and item.left.id == name and _is_trusted(semantic, item.comparators[0], function, depth - 1)):
            return True
    return False


def _literal_text(expr: ast.AST) -> str:
    """The literal string parts of an expression (what makes it read like SQL)."""
    return " ".join(n.value for n in ast.walk(expr) if isinstance(n, ast.Constant) and isinstance(n.value, str))
