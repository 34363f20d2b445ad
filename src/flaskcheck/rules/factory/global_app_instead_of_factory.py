"""FLK202."""

from __future__ import annotations

import ast
from collections import defaultdict

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ModuleSummary, ProjectIndex
from flaskcheck.semantic.flask import (
    APP_CLASSES,
    call_name,
    is_at_module_level,
    is_under_main_guard,
    is_wsgi_entry_file,
    parent,
)


class GlobalAppInsteadOfFactory(Rule):
    """
    ## What it does
    Reports a `Flask(...)` app created at module level when another module of the project
    imports that app object by name at module level (`from blog import app`), directly or
    through a package that re-exports it.

    It stays silent for a single-module app, when only WSGI entry files (`wsgi.py`,
    `run.py`, `manage.py`, ...) or test code import the app, for imports inside functions or
    under `if TYPE_CHECKING:`, and for `import blog` followed by `blog.app` (the checker
    reports imports by name only). Imports it cannot resolve (`importlib.import_module(...)`,
    modules outside the linted files) are not counted.

    ## Why is this bad?
    Every module that imports the app object is tied to that one app, configured once at
    import time. A test cannot build a second app with its own configuration: the routes,
    blueprints and extensions were attached to the first one when the modules were
    imported, so the second app has none of them and answers 404. The configuration cannot
    depend on the environment the app is created for (testing, staging), and the imports
    between the app module and the modules it loads form the cycles FLK201 reports. An app
    factory (`create_app()`) builds a fresh, fully configured app on each call; other
    modules use blueprints, extensions created without the app, and `current_app`.

    ## Example
    ```python
    # blog/__init__.py
    from flask import Flask

    app = Flask(__name__)  # error
    app.config["TITLE"] = "Blog"

    from blog import views

    # blog/views.py
    from blog import app


    @app.route("/")
    def index():
        return "posts"
    ```

    ## Use instead
    ```python
    # blog/__init__.py
    from flask import Flask


    def create_app(test_config=None):
        app = Flask(__name__)
        app.config["TITLE"] = "Blog"
        app.config.from_mapping(test_config or {})
        from blog import views

        app.register_blueprint(views.bp)
        return app

    # blog/views.py
    from flask import Blueprint

    bp = Blueprint("posts", __name__)


    @bp.route("/")
    def index():
        return "posts"
    ```

    ## References
    - [Flask: application factories](https://flask.palletsprojects.com/en/stable/patterns/appfactories/)
    - [Flask tutorial: the application factory](https://flask.palletsprojects.com/en/stable/tutorial/factory/)
    """

    code = "FLK202"
    name = "global-app-instead-of-factory"
    severity = Severity.INFO

    valid = [
        # a single-module app
        Valid("from flask import Flask\n\napp = Flask(__name__)\n\n@app.route('/')\ndef index():\n    return 'hi'\n"),
        # only WSGI entry files and test code import it
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "wsgi.py": "from blog import app\n",
            "manage.py": "from blog import app\n",
            "tests/test_app.py": "from blog import app\n\ndef test_index():\n    assert app.test_client().get('/').status_code == 404\n",
            "conftest.py": "from blog import app as flask_app\n",
        }),
        # imported inside functions or for type checking only
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "blog/cli.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from blog import app\n\ndef main():\n    from blog import app\n    app.run()\n",
        }),
        # the module is imported, not the app object by name
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "blog/views.py": "import blog\n\n@blog.app.route('/')\ndef index():\n    return 'hi'\n",
        }),
        # a factory: other modules import the factory, not an app object
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
            "blog/cli.py": "from blog import create_app\n\napp = create_app()\n",
        }),
        # other names of the app module, and a Celery app called `app`
        Valid(files={
            "blog/__init__.py": "from flask import Flask\nfrom celery import Celery\n\napp = Flask(__name__)\ndb = object()\ncelery = Celery(__name__)\n",
            "blog/models.py": "from blog import db, celery as app\n",
        }),
        Valid(files={
            "tasks.py": "from celery import Celery\n\napp = Celery('tasks')\n",
            "jobs.py": "from tasks import app\n",
        }),
        # created under `if __name__ == "__main__":`: a script
        Valid(files={
            "serve.py": "from flask import Flask\n\nif __name__ == '__main__':\n    app = Flask(__name__)\n    app.run()\n",
            "other.py": "from serve import app\n",
        }),
    ]
    invalid = [
        Invalid(
            files={
                "blog/__init__.py": "import flask\n\napp = flask.Flask(__name__)  # error\n\nfrom . import views\n",
                "blog/views.py": "from . import app as application\n",
                "blog/admin.py": "from blog import app\n",
                "blog/api.py": "try:\n    from blog import app\nexcept ImportError:\n    app = None\n",
                "blog/feeds.py": "from blog import app\n",
                "wsgi.py": "from blog import app\n",
            },
            message="the app object is created at import time and imported by `blog/admin.py`, `blog/api.py` and 2 more modules, tying those modules to this one app",
        ),
        # a re-export: the package imports the app from its own module, views import it from the package
        Invalid(files={
            "core/app.py": "from flask import Flask as F\n\napplication = F(__name__)  # error\n",
            "core/__init__.py": "from core.app import application\n",
            "plugins/stats.py": "from core import application\n",
        }),
        # several apps: only the imported one is reported
        Invalid(files={
            "apps.py": "from quart import Quart\n\npublic = Quart(__name__)  # error\nadmin = Quart(__name__)\n",
            "views.py": "from apps import public\n",
        }),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        if ctx.semantic.scope_of(node) is not ctx.semantic.module_scope or call_name(ctx.semantic, node) not in APP_CLASSES:
            return
        if not is_at_module_level(node) or is_under_main_guard(node):
            return
        statement = parent(node)
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        else:
            return
        names = [target.id for target in targets if isinstance(target, ast.Name)]
        if names:
            ctx.record(node, names=names)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = list(index.facts(self.code))
        if not facts:
            return
        wanted = {(summary.path, name) for summary, fact in facts for name in fact.data["names"]}
        importers: dict[tuple[str, str], set[str]] = defaultdict(set)
        for summary in index.summaries:
            if not summary.is_python or summary.is_test or is_wsgi_entry_file(summary.relative):
                continue
            for qualified in _imported_names(summary):
                found = index.defining(qualified, summary)
                if found is not None and found[0] is not summary and (found[0].path, found[1]) in wanted:
                    importers[(found[0].path, found[1])].add(summary.relative)
        for summary, fact in facts:
            found = sorted(set().union(*(importers.get((summary.path, name), set()) for name in fact.data["names"])))
            if found:
                ctx.report_fact(fact, _message(found))


def _imported_names(summary: ModuleSummary) -> list[str]:
    """Names imported by name at module level (not in functions, not for TYPE_CHECKING)."""
    return [f"{edge.target}.{name}" for edge in summary.import_edges for name in edge.names if name != "*" and edge.target]


def _message(importers: list[str]) -> str:
    quoted = [f"`{path}`" for path in importers]
    if len(quoted) > 3:
        listing = f"{quoted[0]}, {quoted[1]} and {len(quoted) - 2} more modules"
    elif len(quoted) > 1:
        listing = ", ".join(quoted[:-1]) + " and " + quoted[-1]
    else:
        listing = quoted[0]
    tied = "that module" if len(importers) == 1 else "those modules"
    return f"the app object is created at import time and imported by {listing}, tying {tied} to this one app"
