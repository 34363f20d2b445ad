"""FLK402."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.config import config_settings
from flaskcheck.semantic.flask import app_candidate, keyword_value
from flaskcheck.semantic.model import SemanticModel

_ENVIRONMENT_READS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})
_RUN_SIMPLE = frozenset({"werkzeug.serving.run_simple", "werkzeug.run_simple"})
_STRING_METHODS = frozenset({"lower", "upper", "strip", "casefold", "title", "capitalize"})
_DEBUG_KEYWORDS = ("debug", "use_debugger")
_DEBUGGED_APPLICATION = frozenset({"werkzeug.debug.DebuggedApplication", "werkzeug.DebuggedApplication"})


class DebugFlagFromEnvString(Rule):
    """
    ## What it does
    Reports a debug setting taken from an environment variable as a raw string:
    `os.environ.get("DEBUG")` (with or without a default), `os.getenv(...)`,
    `os.environ[...]`, `bool(os.getenv(...))`, or such a read in `and` / `or`, used as the
    value of `DEBUG` (any config form), `app.debug`, `app.run(debug=...)` or
    `use_debugger=...`, directly or through a variable (a conditional expression choosing
    the value by such a string included). It also reports an `if` whose test is such a
    string of a variable whose name contains `DEBUG` (`if os.getenv("FLASK_DEBUG"):`,
    `if not ...`) when a branch of it sets debug mode (`DEBUG`, `app.debug`,
    `.run(debug=...)`, `use_debugger=`, `DebuggedApplication`): `"0"` takes that branch just
    the same. A truth test whose branches do not touch debug mode
    (`if os.getenv("SQLALCHEMY_DEBUG"): logging.basicConfig(...)`), and a presence test of
    another variable (`if os.getenv("HEROKU"): app.debug = False`), are not reported.

    It stays silent when the string is compared (`== "1"`, `.lower() in ("1", "true")`) or
    converted by `int()`, `strtobool`, `json.loads`, environs' `env.bool()`, decouple's
    `config("DEBUG", cast=bool)`, or loaded by `app.config.from_prefixed_env()` (which parses
    JSON). `.run(debug=...)` counts only on a Flask app (see FLK401).

    ## Why is this bad?
    Environment variables are strings, and every non-empty string is true: `DEBUG=0`,
    `DEBUG=false` and `DEBUG=False` all turn debug mode on. `app.run()` then passes the
    string on as `use_debugger`, so the interactive Werkzeug debugger starts exactly when the
    operator tried to turn it off.

    ## Example
    ```python
    import os

    from flask import Flask

    app = Flask(__name__)
    app.config["DEBUG"] = os.environ.get("FLASK_DEBUG", False)  # error
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask

    app = Flask(__name__)
    app.config["DEBUG"] = os.environ.get("FLASK_DEBUG", "0").lower() in ("1", "true", "yes")
    ```

    Or let Flask parse it: `app.config.from_prefixed_env()` reads `FLASK_DEBUG` as JSON
    (`0` and `false` are false; `False`, `no` and `off` stay truthy strings there, which
    FLK404 reports in deployment files).

    ## References
    - [Flask: `from_prefixed_env`](https://flask.palletsprojects.com/en/stable/api/#flask.Config.from_prefixed_env)
    - [Flask: `DEBUG`](https://flask.palletsprojects.com/en/stable/config/#DEBUG)
    """

    code = "FLK402"
    name = "debug-flag-from-env-string"
    severity = Severity.ERROR

    valid = [
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = os.getenv('FLASK_DEBUG') == '1'\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.debug = int(os.environ.get('DEBUG', 0))\n"),
        Valid("import os\nimport json\nfrom distutils.util import strtobool\nfrom flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = strtobool(os.getenv('DEBUG', 'no'))\napp.run(debug=json.loads(os.environ['DEBUG']))\n"),
        Valid("from environs import Env\nfrom flask import Flask\nenv = Env()\napp = Flask(__name__)\napp.config['DEBUG'] = env.bool('DEBUG', False)\n"),
        Valid("from decouple import config\n\nclass Config:\n    DEBUG = config('DEBUG', default=False, cast=bool)\n", path="settings.py"),
        Valid("from flask import Flask\napp = Flask(__name__)\napp.config.from_prefixed_env()\n"),
        # an environment string that is no debug setting
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['SERVER_NAME'] = os.getenv('SERVER_NAME')\nif os.getenv('SENTRY_DSN'):\n    pass\n"),
        Valid("import logging\nimport os\nif os.environ.get('SQLALCHEMY_DEBUG'):\n    logging.basicConfig(level=logging.INFO)\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\nif os.environ.get('HEROKU'):\n    app.debug = False\n"),
        # not a Flask app
        Valid("import os\nimport dash\napp = dash.Dash(__name__)\napp.run(debug=os.getenv('DEBUG'))\n"),
        Valid("import os\nfrom celery import Celery\napp = Celery('tasks')\napp.debug = os.getenv('DEBUG')\n"),
    ]
    invalid = [
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.run(debug=os.environ.get('DEBUG'))  # error\n",
                message="debug flag from `os.environ.get('DEBUG')`: an environment string is true whenever it is set, so `0` and `false` turn debug mode on"),
        Invalid("from os import getenv\n\nclass Config:\n    DEBUG = bool(getenv('FLASK_DEBUG'))  # error\n", path="config.py"),
        Invalid("import os\nDEBUG = os.getenv('DEBUG', 'True') and not os.getenv('CI')  # error\n", path="settings.py"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config.update(DEBUG=os.environ['DEBUG'].lower())  # error\n"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\ndebug = os.environ.get('APP_DEBUG')  # error\napp.config['DEBUG'] = debug\napp.run(use_debugger=debug)\n"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\nif os.getenv('FLASK_DEBUG'):  # error\n    app.config['DEBUG'] = True\n"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\nif not os.environ.get('DEBUG'):  # error\n    pass\nelse:\n    app.debug = True\n"),
        Invalid("import os\nfrom flask import Flask\nfrom werkzeug.debug import DebuggedApplication\napp = Flask(__name__)\nif os.environ.get('WERKZEUG_DEBUGGER', False):  # error\n    app.wsgi_app = DebuggedApplication(app.wsgi_app)\n"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.run(debug=True if os.getenv('DEBUG') else False)  # error\n"),
        Invalid(files={
            "pkg/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "manage.py": "import os\nfrom pkg import create_app\napp = create_app()\napp.run(debug=os.getenv('DEBUG', False))  # error\n",
        }),
    ]

    def __init__(self) -> None:
        self._reported: set[int] = set()
        self._app_sinks: list[tuple[ast.expr, str]] = []  # (offending value, app candidate)

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        self._check_settings(node, ctx)
        semantic = ctx.semantic
        values = [keyword_value(node, name) for name in _DEBUG_KEYWORDS]
        if semantic.qualified_name(node.func) in _RUN_SIMPLE:
            self._check_value(values[1], ctx)
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "run":
            candidate = app_candidate(semantic, node.func.value)
            if candidate is not None:
                for value in [*values, node.args[2] if len(node.args) > 2 else None]:
                    offending = _offending(value, semantic)
                    if offending is not None:
                        self._app_sinks.append((offending, candidate))

    def visit_If(self, node: ast.If, ctx: FileContext) -> None:
        offending = _offending(node.test, ctx.semantic)
        if offending is None or "DEBUG" not in _variable_name(_string_read(offending, ctx.semantic), ctx.semantic).upper():
            return  # a presence test (`if os.getenv("HEROKU"):`) is meant as one
        if _sets_debug_mode([*node.body, *node.orelse], ctx.semantic):
            self._report(offending, ctx)

    def leave_module(self, ctx: FileContext) -> None:
        for value, candidate in self._app_sinks:
            if id(value) not in self._reported:
                self._reported.add(id(value))
                ctx.record(value, kind="sink", app=candidate, message=_message(value, ctx.semantic))

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] == "sink" and index.is_app_candidate(fact.data["app"], summary):
                ctx.report_fact(fact, fact.data["message"])

    def _check_settings(self, node: ast.AST, ctx: FileContext) -> None:
        for setting in config_settings(node, ctx.semantic):
            if setting.key == "DEBUG" and setting.form != "attribute":  # `app.debug = ...`: below
                self._check_value(setting.value, ctx)
        if not isinstance(node, ast.Assign):
            return
        for target in node.targets:
            if not isinstance(target, ast.Attribute) or target.attr != "debug":
                continue
            candidate = app_candidate(ctx.semantic, target.value)
            offending = _offending(node.value, ctx.semantic)
            if candidate == "" and offending is not None:
                self._report(offending, ctx)
            elif candidate is not None and offending is not None:
                self._app_sinks.append((offending, candidate))

    def _check_value(self, value: ast.expr | None, ctx: FileContext) -> None:
        offending = _offending(value, ctx.semantic)
        if offending is not None:
            self._report(offending, ctx)

    def _report(self, value: ast.expr, ctx: FileContext) -> None:
        if id(value) in self._reported:
            return
        self._reported.add(id(value))
        ctx.report(value, _message(value, ctx.semantic))


def _environment_read(expr: ast.AST | None, semantic: SemanticModel) -> bool:
    if isinstance(expr, ast.Subscript):
        return semantic.qualified_name(expr.value) == "os.environ"
    return isinstance(expr, ast.Call) and semantic.qualified_name(expr.func) in _ENVIRONMENT_READS


def _string_read(expr: ast.AST | None, semantic: SemanticModel, depth: int = 2) -> ast.AST | None:
    """The environment read whose raw string, or the truth of it, `expr` evaluates to."""
    if _environment_read(expr, semantic):
        return expr
    if isinstance(expr, ast.Name) and depth:
        return _string_read(semantic.assigned_value(expr), semantic, depth - 1)
    if isinstance(expr, (ast.BoolOp, ast.IfExp)):
        parts = expr.values if isinstance(expr, ast.BoolOp) else [expr.test, expr.body, expr.orelse]
        return next((read for read in (_string_read(part, semantic, depth) for part in parts) if read is not None), None)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return _string_read(expr.operand, semantic, depth)
    if not isinstance(expr, ast.Call):
        return None
    if semantic.qualified_name(expr.func) == "builtins.bool" and len(expr.args) == 1:
        return _string_read(expr.args[0], semantic, depth)
    if isinstance(expr.func, ast.Attribute) and expr.func.attr in _STRING_METHODS and not expr.args:
        return _string_read(expr.func.value, semantic, depth)  # `.lower()` alone is still a string
    return None


def _offending(expr: ast.expr | None, semantic: SemanticModel) -> ast.expr | None:
    """The expression to report: `expr` itself, or the value a variable in it was assigned,
    when it evaluates to an environment string (or its truth)."""
    if isinstance(expr, ast.Name):
        value = semantic.assigned_value(expr)
        return value if value is not None and _string_read(value, semantic) is not None else None
    return expr if _string_read(expr, semantic) is not None else None


def _variable_name(read: ast.AST, semantic: SemanticModel) -> str:
    """The environment variable's name, when it is a constant ("" otherwise)."""
    key = read.slice if isinstance(read, ast.Subscript) else read.args[0] if read.args else None
    constant = semantic.constant_value(key)
    return constant.value if constant is not None and isinstance(constant.value, str) else ""


def _sets_debug_mode(statements: list[ast.stmt], semantic: SemanticModel) -> bool:
    """Does any of these statements set `DEBUG` / `app.debug`, pass `debug=` / `use_debugger=`,
    or wrap `DebuggedApplication`?"""
    for statement in statements:
        for node in ast.walk(statement):
            if any(setting.key == "DEBUG" for setting in config_settings(node, semantic)):
                return True
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "debug" for t in node.targets):
                return True
            if isinstance(node, ast.Call) and (_debug_keywords(node) or semantic.qualified_name(node.func) in _DEBUGGED_APPLICATION):
                return True
    return False


def _debug_keywords(call: ast.Call) -> bool:
    """`.run(debug=...)`, or any call passing `use_debugger=` (`app.run`, `run_simple`)."""
    if keyword_value(call, "use_debugger") is not None:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr == "run" and keyword_value(call, "debug") is not None


def _message(value: ast.expr, semantic: SemanticModel) -> str:
    read = _string_read(value, semantic)
    return f"debug flag from `{ast.unparse(read)}`: an environment string is true whenever it is set, so `0` and `false` turn debug mode on"
