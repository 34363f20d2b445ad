"""FLK204."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.flask import enclosing_function, is_wsgi_entry_file
from flaskcheck.semantic.model import Binding, BindingKind

_APP_ATTRIBUTES = ("config", "logger", "extensions")


class AppImportedForConfig(Rule):
    """
    ## What it does
    Reports the import of the app object (`from blog import app`) in a module other than
    the app's own, when functions of that module read `app.config`, `app.logger` or
    `app.extensions` through it. The import can be at module level or inside the function.

    It stays silent when the functions use `current_app` instead, in WSGI entry files
    (`wsgi.py`, `run.py`, `manage.py`, ...) and test code, when the imported name is not a
    Flask app of the project (a Celery app called `app`, a name the checker cannot resolve,
    such as one from a dynamic import or from a module outside the linted files), and for
    reads at module level (configuration done while the module is imported).

    ## Why is this bad?
    The helper always reads the one app object its module imported, never the app that is
    handling the request. Under an app factory, or in a test that builds its own app with
    its own configuration, the helper reads the wrong settings (the production mail sender,
    the production API key), logs through the wrong logger and finds the wrong extension
    state. The import also ties the module to the module that creates the app, which is how
    circular imports (FLK201) start. `current_app` is the app of the active request or app
    context, whichever app that is.

    ## Example
    ```python
    # blog/__init__.py
    from flask import Flask

    app = Flask(__name__)
    app.config["MAIL_SENDER"] = "news@example.com"

    # blog/mail.py
    from blog import app  # error


    def sender():
        return app.config["MAIL_SENDER"]
    ```

    ## Use instead
    ```python
    # blog/__init__.py
    from flask import Flask


    def create_app(test_config=None):
        app = Flask(__name__)
        app.config["MAIL_SENDER"] = "news@example.com"
        app.config.from_mapping(test_config or {})
        return app

    # blog/mail.py
    from flask import current_app


    def sender():
        return current_app.config["MAIL_SENDER"]
    ```

    ## References
    - [Flask: the application context, `current_app`](https://flask.palletsprojects.com/en/stable/appcontext/)
    - [Flask: application factories](https://flask.palletsprojects.com/en/stable/patterns/appfactories/)
    """

    code = "FLK204"
    name = "app-imported-for-config"
    severity = Severity.WARNING

    valid = [
        # `current_app`, in a package with a factory
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
            "blog/utils.py": "from flask import current_app as app\n\ndef sender():\n    app.logger.info('sending')\n    return app.config['MAIL_SENDER']\n",
        }),
        # the app's own module
        Valid("from flask import Flask\napp = Flask(__name__)\n\ndef sender():\n    return app.config['MAIL_SENDER']\n"),
        # WSGI entry files and test code
        Valid(files={
            "blog/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "manage.py": "from blog import app\n\ndef show_config():\n    print(app.config)\n",
            "tests/test_config.py": "from blog import app\n\ndef test_debug_off():\n    assert not app.config['DEBUG']\n",
            "blog/checks.py": "from blog import app\n\nclass TestConfig:\n    def test_key(self):\n        assert app.config['SECRET_KEY']\n",
        }),
        # read at module level: configuration while importing (other rules' business)
        Valid(files={
            "blog/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "blog/settings.py": "from blog import app\n\napp.config['MAIL_SENDER'] = 'news@example.com'\nSENDER = app.config['MAIL_SENDER']\n",
        }),
        # imported only for other uses (routes), or other attributes
        Valid(files={
            "blog/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "blog/views.py": "from blog import app\n\n@app.route('/')\ndef index():\n    return app.name\n",
        }),
        # not Flask: a Celery app called `app`, and an unresolvable import
        Valid(files={
            "worker.py": "from celery import Celery\napp = Celery('worker')\n",
            "jobs.py": "from worker import app\nfrom elsewhere import app as other\n\ndef broker():\n    return app.config, other.config['X']\n",
        }),
        # a parameter or local variable called `app` shadows the import
        Valid(files={
            "blog/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "blog/helpers.py": "from blog import app\n\ndef sender(app):\n    return app.config['MAIL_SENDER']\n\ndef other():\n    app = make()\n    return app.logger\n",
        }),
    ]
    invalid = [
        Invalid(
            files={
                "blog/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
                "blog/mail.py": "from . import app as application  # error\n\ndef sender():\n    application.logger.info('sending')\n    return application.config['MAIL_SENDER']\n\ndef backend():\n    return application.extensions['mail']\n",
            },
            message="`application.config`, `application.extensions` and `application.logger` read in `backend()` and `sender()` through the app object imported from `blog`, not the app of the current context",
        ),
        # an import inside the function (the usual way round a circular import)
        Invalid(files={
            "blog/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "blog/mail.py": "def sender():\n    from blog import app  # error\n    return app.config['MAIL_SENDER']\n",
        }),
        # an app re-exported by a package, read in a method and a nested function
        Invalid(files={
            "core/app.py": "from flask import Flask\napp = Flask(__name__)\n",
            "core/__init__.py": "from core.app import app\n",
            "plugins/stats.py": "from core import app  # error\n\nclass Stats:\n    def limit(self):\n        def inner():\n            return app.config.get('LIMIT')\n        return inner()\n",
        }),
        # the app made by a project factory at import time
        Invalid(files={
            "factory.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
            "application.py": "from factory import create_app\napp = create_app()\n",
            "helpers.py": "from application import app  # error\n\ndef debug_enabled():\n    return app.config['DEBUG']\n",
        }),
    ]

    def __init__(self) -> None:
        self.uses: dict[int, tuple[Binding, set[str], set[str]]] = {}  # id(binding) -> (binding, attributes, functions)

    def visit_Attribute(self, node: ast.Attribute, ctx: FileContext) -> None:
        if node.attr not in _APP_ATTRIBUTES or not isinstance(node.value, ast.Name):
            return
        if enclosing_function(node) is None or ctx.is_test_code(node):
            return
        binding = ctx.semantic.binding_of(node.value)
        if binding is None or binding.kind is not BindingKind.IMPORT or not isinstance(binding.node, ast.ImportFrom) or not binding.qualified:
            return
        _, attributes, functions = self.uses.setdefault(id(binding), (binding, set(), set()))
        attributes.add(f"{node.value.id}.{node.attr}")
        functions.add(_function_name(node))

    def leave_module(self, ctx: FileContext) -> None:
        if is_wsgi_entry_file(ctx.relative):
            return
        for binding, attributes, functions in self.uses.values():
            ctx.record(binding.node, imported=binding.qualified, attributes=sorted(attributes), functions=sorted(functions))

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        for summary, fact in index.facts(self.code):
            if fact.in_test_code:
                continue
            imported = fact.data["imported"]
            found = index.defining(imported, summary)
            if found is None or found[0] is summary or not index.is_app(imported, summary):
                continue
            ctx.report_fact(fact, _message(fact.data, imported.rpartition(".")[0]))


def _function_name(node: ast.AST) -> str:
    """The name of the outermost named function around `node` (a lambda's: its enclosing one)."""
    name = "<lambda>"
    function = enclosing_function(node)
    while function is not None:
        if not isinstance(function, ast.Lambda):
            name = function.name
        function = enclosing_function(function)
    return name


def _listing(items: list[str]) -> str:
    quoted = [f"`{item}`" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _message(data: dict, module: str) -> str:
    functions = [f"{name}()" for name in data["functions"]]
    if len(functions) > 3:
        functions = [*functions[:2], f"{len(functions) - 2} more functions"]
        where = ", ".join(f"`{f}`" for f in functions[:2]) + f" and {functions[2]}"
    else:
        where = _listing(functions)
    return f"{_listing(data['attributes'])} read in {where} through the app object imported from `{module}`, not the app of the current context"
