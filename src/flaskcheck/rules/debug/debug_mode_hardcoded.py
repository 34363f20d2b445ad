"""FLK401."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex
from flaskcheck.semantic.debug import is_in_debug_branch
from flaskcheck.project.index import source_root_of
from flaskcheck.semantic.config import config_settings, setting_node
from flaskcheck.semantic.flask import (
    app_candidate,
    is_dev_or_test_module,
    is_dev_or_test_name,
    is_in_dev_or_test_class,
    is_same_project,
    is_under_dev_or_test_condition,
    is_under_main_guard,
    keyword_value,
    name_words,
    string_value,
)
from flaskcheck.semantic.model import BindingKind, SemanticModel

_RUN_SIMPLE = frozenset({"werkzeug.serving.run_simple", "werkzeug.run_simple"})
_ALL_INTERFACES = frozenset({"0.0.0.0", "::", "[::]"})
_FLASK_PACKAGES = frozenset({"flask", "quart", "apiflask"})
_CONFIG_WORDS = frozenset({"config", "configs", "settings", "configuration"})


class DebugModeHardcoded(Rule):
    """
    ## What it does
    Reports debug mode switched on in the source:

    - `app.run(debug=True)`, `app.run(use_debugger=True)` and werkzeug's
      `run_simple(..., use_debugger=True)`, which start the interactive Werkzeug debugger
      (error; a warning under `if __name__ == "__main__":`, which runs only as a script).
      The message escalates for `host="0.0.0.0"`.
    - `app.debug = True`, `app.config["DEBUG"] = True`, `app.config.update(DEBUG=True)`,
      and `DEBUG = True` at module level or in a class of a module the app loads as config
      (named by `from_object` / `from_pyfile`, or a module named `config` or `settings`): an
      error when the project also starts the app with `app.run()`, which then starts the
      debugger, else a warning.

    It stays silent inside a development or test class or module (`DevelopmentConfig`,
    `settings_dev.py`), under a development condition (`if config_name == "development":`),
    in a branch chosen by a debug flag (`if args.debug:
    app.run(debug=True)` is `app.run(debug=args.debug)`: the test names a name, attribute,
    key or environment variable containing `debug`), for a base config class whose `DEBUG = True` only development or test
    subclasses inherit, for `app.run(debug=True, use_debugger=False)`, and for
    `use_evalex=True` on its own (the default: it does nothing without the debugger).
    `.run()` counts only on a Flask app: the app itself, an imported app, or the result of a
    project function that returns one (`create_app()`). Flask-SocketIO's `socketio.run(app,
    debug=True)` and Dash's `app.run(debug=True)` are other servers' APIs and are not checked.

    ## Why is this bad?
    The Werkzeug debugger answers every unhandled exception with a traceback showing source
    code and local variables, and offers a Python console in the browser. With
    `host="0.0.0.0"` that is open to the whole network, and only the debugger PIN, printed in
    the server log, guards the console.

    Under Gunicorn or uWSGI a hardcoded `DEBUG = True` starts no debugger, but unhandled
    exceptions then propagate past the app's 500 handler and its `after_request` hooks: the
    client gets the server's bare error page without the security headers those hooks add.
    `flask run` overwrites the flag from `FLASK_DEBUG`, so the setting also misleads.

    ## Example
    ```python
    from flask import Flask

    app = Flask(__name__)


    @app.get("/")
    def index():
        return "hello"


    app.run(host="0.0.0.0", debug=True)  # error
    ```

    ## Use instead
    ```python
    from flask import Flask

    app = Flask(__name__)


    @app.get("/")
    def index():
        return "hello"
    ```

    Serve the app with a WSGI server (`gunicorn app:app`) and develop with
    `flask --app app run --debug`, which keeps debug mode out of the code.

    ## References
    - [Flask: debug mode](https://flask.palletsprojects.com/en/stable/debugging/)
    - [Flask: `DEBUG`](https://flask.palletsprojects.com/en/stable/config/#DEBUG)
    - [Werkzeug: debugger PIN](https://werkzeug.palletsprojects.com/en/stable/debug/#debugger-pin)
    """

    code = "FLK401"
    name = "debug-mode-hardcoded"
    severity = Severity.ERROR
    in_tests = False

    valid = [
        Valid("from flask import Flask\napp = Flask(__name__)\napp.run(use_evalex=True)\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\napp.run(debug=False)\napp.run(debug=True, use_debugger=False)\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n", path="run_dev.py"),
        Valid("import sys\nfrom flask import Flask\napp = Flask(__name__)\nif '--debug' in sys.argv:\n    app.run(debug=True)\nelse:\n    app.run()\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\nif os.environ.get('FLASK_DEBUG') == '1':\n    app.config['DEBUG'] = True\n"),
        Valid("from flask import Flask\n\ndef create_app(config_name):\n    app = Flask(__name__)\n    if config_name == 'development':\n        app.debug = True\n    return app\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n", path="tests/conftest.py"),
        Valid("class DevelopmentConfig:\n    DEBUG = True\n\nclass TestingConfig:\n    DEBUG = True\n", path="config.py"),
        Valid("DEBUG = True\n", path="settings_local.py"),
        # a base class whose DEBUG only development subclasses inherit
        Valid("class Config:\n    DEBUG = True\n\nclass DevConfig(Config):\n    pass\n\nclass ProductionConfig(Config):\n    DEBUG = False\n", path="config.py"),
        # a module nobody loads as config; a settings module in a project without Flask
        Valid("DEBUG = True\n", path="constants.py"),
        Valid(files={"mysite/settings.py": "DEBUG = True\n", "mysite/urls.py": "from django.urls import path\n"}),
        # not Flask: Celery, FastAPI, SocketIO, Dash, a local name
        Valid("from celery import Celery\napp = Celery('tasks')\napp.debug = True\n"),
        Valid("import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI(debug=True)\nuvicorn.run(app, debug=True)\n"),
        Valid("from flask import Flask\nfrom flask_socketio import SocketIO\napp = Flask(__name__)\nsocketio = SocketIO(app)\nsocketio.run(app, debug=True)\n"),
        Valid("import dash\napp = dash.Dash(__name__)\napp.run(debug=True)\n"),
        Valid("class Server:\n    def run(self, debug=False):\n        pass\n\napp = Server()\napp.run(debug=True)\n"),
        Valid(files={
            "pkg/__init__.py": "",
            "pkg/worker.py": "from celery import Celery\n\ndef make_celery():\n    return Celery('tasks')\n",
            "pkg/main.py": "from pkg.worker import make_celery\napp = make_celery()\napp.run(debug=True)\n",
        }),
    ]
    invalid = [
        Invalid("import flask\napp = flask.Flask(__name__)\napp.run(debug=True)  # error\n",
                message="`app.run(debug=True)` starts the interactive Werkzeug debugger: tracebacks with source code, and a Python console guarded only by a PIN"),
        Invalid("from flask import Flask as F\napp = F(__name__)\n\nif __name__ == '__main__':\n    app.run('0.0.0.0', 5000, True)  # error\n",
                severity=Severity.WARNING,
                message="`app.run(debug=True)` with host `0.0.0.0` serves the interactive Werkzeug debugger to the whole network: anyone who reaches the port gets tracebacks with source code, and only the PIN printed in the server log guards its Python console"),
        Invalid("from werkzeug.serving import run_simple\nfrom flask import Flask\napp = Flask(__name__)\nrun_simple('localhost', 5000, app, use_debugger=True)  # error\n"),
        Invalid("from flask import Flask\napp = Flask(__name__)\napp.run(use_debugger=True, use_evalex=True)  # error\n"),
        # factories, in the same module and imported
        Invalid("from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n\nif __name__ == '__main__':\n    create_app().run(debug=True)  # error\n", severity=Severity.WARNING),
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app(config='shop.config.ProductionConfig'):\n    app = Flask(__name__)\n    app.config.from_object(config)\n    return app\n",
            "shop/config.py": "class Config:\n    DEBUG = False\n\nclass ProductionConfig(Config):\n    DEBUG = True  # error\n\nclass DevelopmentConfig(Config):\n    DEBUG = True\n",
            "wsgi.py": "from shop import create_app\napp = create_app()\n\ndef main():\n    app.run(debug=True)  # error\n",
        }),
        Invalid(files={
            "app/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "run.py": "from app import app\napp.run(host='0.0.0.0', port=8080, debug=True)  # error\n",
        }),
        # config forms: warning without app.run(), error with it
        Invalid("from flask import Flask\napp = Flask(__name__)\napp.config['DEBUG'] = True  # error\n", severity=Severity.WARNING,
                message="`DEBUG` is hardcoded to `True`: unhandled exceptions skip the 500 handler and `after_request` hooks"),
        Invalid("from flask import Flask\napp = Flask(__name__)\napp.debug = True  # error\napp.run()\n",
                message="`app.debug` is hardcoded to `True`, and the project starts the app with `app.run()`, which then starts the interactive Werkzeug debugger"),
        Invalid("import flask\n\ndef create_app():\n    app = flask.Flask(__name__)\n    app.config.update(\n        TESTING=False,\n        DEBUG=True,  # error\n    )\n    return app\n", severity=Severity.WARNING),
        Invalid("from flask import Flask\nDEBUG = True  # error\napp = Flask(__name__)\napp.config.from_object(__name__)\n", severity=Severity.WARNING),
        Invalid(files={
            "default_settings.py": "DEBUG = True  # error\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\napp.config.from_pyfile('default_settings.py')\n",
        }),
        Invalid(files={
            "prod.py": "class Production:\n    DEBUG = True  # error\n",
            "app.py": "from flask import Flask\nfrom prod import Production\napp = Flask(__name__)\napp.config.from_object(Production)\napp.run()\n",
        }, severity=Severity.ERROR),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        self._check_settings(node, ctx)
        function = node.func
        if isinstance(function, ast.Attribute) and function.attr == "run":
            self._check_run(node, ctx)
        elif isinstance(function, ast.Attribute) and function.attr in ("from_object", "from_pyfile"):
            self._record_load(node, ctx)
        elif ctx.semantic.qualified_name(function) in _RUN_SIMPLE and _is_true(ctx.semantic, _argument(node, "use_debugger", 4)):
            if not _is_dev_or_test(node, ctx):
                severity = Severity.WARNING if is_under_main_guard(node) else None
                ctx.report(node, _start_message("`run_simple(use_debugger=True)`", _argument(node, "hostname", 0)), severity=severity)

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "debug" and _is_true(ctx.semantic, node.value):
                self._record_setting(node, ctx, form="attribute", app=app_candidate(ctx.semantic, target.value))

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts: dict[str, list[tuple[ModuleSummary, Fact]]] = {}
        for summary, fact in index.facts(self.code):
            facts.setdefault(fact.data["kind"], []).append((summary, fact))
        starts = [(s, f) for s, f in facts.get("start", []) if index.is_app_candidate(f.data["app"], s)]
        started = [source_root_of(s) for s, f in starts if not f.in_test_code]
        for summary, fact in starts:
            if fact.data["debugger"] and not fact.data["dev"]:
                ctx.report_fact(fact, fact.data["message"], severity=Severity.WARNING if fact.data["main"] else None)
        loads = [fact.data for _, fact in facts.get("load", [])]
        uses_flask = any(target.split(".")[0] in _FLASK_PACKAGES for s in index.summaries for target in s.imports.values())
        for summary, fact in facts.get("setting", []):
            root = source_root_of(summary)
            if not _applies(fact.data, summary, loads, index, uses_flask):
                continue
            runs = any(is_same_project(root, other) for other in started)
            severity = Severity.WARNING if fact.data["main"] or not runs else Severity.ERROR
            ctx.report_fact(fact, _setting_message(fact.data["form"], runs), severity=severity)

    # -- per module ----------------------------------------------------------------------

    def _check_run(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        candidate = app_candidate(semantic, node.func.value)
        if candidate is None:
            return
        debug = _argument(node, "debug", 2)
        use_debugger = keyword_value(node, "use_debugger")
        debugger = _is_true(semantic, use_debugger) or (_is_true(semantic, debug) and not _is_false(use_debugger))
        flag = "use_debugger=True" if _is_true(semantic, use_debugger) else "debug=True"
        label = f"`{ast.unparse(node.func)}({flag})`"
        message = _start_message(label, _argument(node, "host", 0))
        ctx.record(node, kind="start", app=candidate, debugger=debugger, message=message,
                   main=is_under_main_guard(node), dev=_is_dev_or_test(node, ctx))

    def _check_settings(self, node: ast.AST, ctx: FileContext) -> None:
        for setting in config_settings(node, ctx.semantic):
            if setting.key != "DEBUG" or setting.form == "attribute" or not _is_true(ctx.semantic, setting.value):
                continue
            if setting.form == "class" and not _reaches_production(setting.owner_class, ctx.semantic):
                continue
            owner = setting.owner_class.name if setting.owner_class is not None else None
            self._record_setting(setting_node(setting), ctx, form=setting.form, owner=owner)

    def _record_setting(self, node: ast.AST, ctx: FileContext, *, form: str, app: str | None = "", owner: str | None = None) -> None:
        if app is None or _is_dev_or_test(node, ctx):
            return
        ctx.record(node, kind="setting", form=form, app=app, owner=owner, main=is_under_main_guard(node))

    def _record_load(self, node: ast.Call, ctx: FileContext) -> None:
        argument = node.args[0] if node.args else None
        if node.func.attr == "from_pyfile":
            name = string_value(argument)
            if name:
                ctx.record(node, kind="load", file=PurePosixPath(name).name)
            return
        target = _loaded_object(argument, ctx.semantic)
        if target:
            ctx.record(node, kind="load", object=target)


def _argument(call: ast.Call, name: str, position: int) -> ast.expr | None:
    value = keyword_value(call, name)
    if value is None and len(call.args) > position and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        value = call.args[position]
    return value


def _is_true(semantic: SemanticModel, expr: ast.AST | None) -> bool:
    constant = semantic.constant_value(expr)
    return constant is not None and constant.value is True


def _is_false(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False


def _is_dev_or_test(node: ast.AST, ctx: FileContext) -> bool:
    """In a development or test module or class, or in a branch a debug flag (or a development
    condition such as `if config_name == "development":`) chooses."""
    if is_dev_or_test_module(ctx.semantic.module_name, ctx.relative) or is_in_dev_or_test_class(node):
        return True
    return is_in_debug_branch(node) or is_under_dev_or_test_condition(node)


def _loaded_object(argument: ast.expr | None, semantic: SemanticModel) -> str | None:
    """What `from_object(argument)` loads: an import string, a module or a class."""
    if isinstance(argument, ast.Name) and argument.id == "__name__":
        return semantic.module_name
    if isinstance(argument, ast.Name):
        binding = semantic.binding_of(argument)
        if binding is not None and binding.kind is BindingKind.PARAMETER:
            argument = _parameter_default(binding.node, binding.scope.node)
    text = string_value(argument)
    return text if text is not None else semantic.qualified_name(argument)


def _parameter_default(parameter: ast.AST, function: ast.AST) -> ast.expr | None:
    """The default value of a function parameter (`config="shop.config.ProductionConfig"`)."""
    arguments = getattr(function, "args", None)
    if arguments is None:
        return None
    positional = [*arguments.posonlyargs, *arguments.args]
    if parameter in positional:
        offset = positional.index(parameter) - (len(positional) - len(arguments.defaults))
        return arguments.defaults[offset] if offset >= 0 else None
    if parameter in arguments.kwonlyargs:
        return arguments.kw_defaults[arguments.kwonlyargs.index(parameter)]
    return None


def _subclasses(cls: ast.ClassDef, semantic: SemanticModel) -> list[ast.ClassDef]:
    qualified = f"{semantic.module_name}.{cls.name}"
    return [
        node for node in semantic.nodes
        if isinstance(node, ast.ClassDef) and any(semantic.qualified_name(base) == qualified for base in node.bases)
    ]


def _sets_debug(cls: ast.ClassDef) -> bool:
    return any(isinstance(t, ast.Name) and t.id == "DEBUG" for s in cls.body if isinstance(s, (ast.Assign, ast.AnnAssign)) for t in getattr(s, "targets", [getattr(s, "target", None)]))


def _reaches_production(cls: ast.ClassDef, semantic: SemanticModel, depth: int = 8) -> bool:
    """Does a class's `DEBUG` reach a class that is not development or test: the class itself
    when nothing in the module inherits from it, else a subclass that does not set it again."""
    if is_dev_or_test_name(cls.name):
        return False
    heirs = _subclasses(cls, semantic)
    if not heirs or depth == 0:
        return True
    return any(not _sets_debug(heir) and _reaches_production(heir, semantic, depth - 1) for heir in heirs)


def _applies(data: dict, summary: ModuleSummary, loads: list[dict], index: ProjectIndex, uses_flask: bool) -> bool:
    """Is a recorded `DEBUG = True` one the app reads? (By its module's name only in a project
    that uses Flask: Django's `settings.py` says `DEBUG = True` too.)"""
    form = data["form"]
    if form == "attribute":
        return index.is_app_candidate(data["app"], summary)
    if form in ("item", "call"):
        return True
    module = summary.module_name
    target = f"{module}.{data['owner']}" if form == "class" else module
    if any(_same_dotted(load.get("object"), target) for load in loads):
        return True
    if form == "module" and any(load.get("file") == PurePosixPath(summary.relative).name for load in loads):
        return True
    return uses_flask and _is_config_module(module)


def _same_dotted(loaded: str | None, target: str) -> bool:
    if not loaded:
        return False
    return loaded == target or target.endswith("." + loaded) or loaded.endswith("." + target)


def _is_config_module(module: str) -> bool:
    return any(set(name_words(part)) & _CONFIG_WORDS for part in module.split("."))


def _start_message(label: str, host: ast.expr | None) -> str:
    if string_value(host) in _ALL_INTERFACES:
        return (
            f"{label} with host `{string_value(host)}` serves the interactive Werkzeug debugger to the whole network: anyone who reaches "
            "the port gets tracebacks with source code, and only the PIN printed in the server log guards its Python console"
        )
    return f"{label} starts the interactive Werkzeug debugger: tracebacks with source code, and a Python console guarded only by a PIN"


def _setting_message(form: str, runs: bool) -> str:
    subject = "`app.debug`" if form == "attribute" else "`DEBUG`"
    if runs:
        return f"{subject} is hardcoded to `True`, and the project starts the app with `app.run()`, which then starts the interactive Werkzeug debugger"
    return f"{subject} is hardcoded to `True`: unhandled exceptions skip the 500 handler and `after_request` hooks"
