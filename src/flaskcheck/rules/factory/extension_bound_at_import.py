"""FLK203."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.extensions import extension_app_arguments, is_extension_class
from flaskcheck.semantic.flask import (
    app_candidate,
    flask_name,
    is_at_module_level,
    is_under_main_guard,
    keyword_value,
)


class ExtensionBoundAtImport(Rule):
    """
    ## What it does
    Reports a Flask extension constructed at module level with the app object as its
    argument: `db = SQLAlchemy(app)`, `CORS(app)`, `Limiter(get_remote_address, app=app)`.
    An extension is a class from a `flask_*` package (`flask_sqlalchemy.SQLAlchemy`,
    `flask_migrate.Migrate`, `flask_login.LoginManager`, `flask_wtf.csrf.CSRFProtect`,
    `flask_mail.Mail`, `flask_cors.CORS`, `flask_limiter.Limiter`, `flask_caching.Cache`,
    `flask_talisman.Talisman`, ...), resolved through imports. The app is an app object
    created in the module, one imported from another module of the project, or one a
    project app factory returned (`app = create_app()`).

    It stays silent when the extension is created without the app and bound with
    `init_app(app)`, when it is created inside a function (an app factory), under
    `if __name__ == "__main__":` (script code that no importer runs), when it is given
    something that is not a Flask app (a blueprint, a FastAPI app) or that the checker cannot
    trace to one (a parameter, the result of a dynamic import), and when it is given
    `current_app` (that fails at import time: FLK101).

    ## Why is this bad?
    The extension is bound to the one app object that exists at import time. Any other app,
    such as the one a test fixture builds with its own configuration or the one an app
    factory returns, was never registered with it: Flask-SQLAlchemy answers its first query
    with `RuntimeError: The current Flask app is not registered with this 'SQLAlchemy'
    instance`. And the extension reads the configuration when it is constructed:
    Flask-SQLAlchemy creates its engine there, so a test that later points
    `SQLALCHEMY_DATABASE_URI` at a scratch database still talks to the configured one.
    Created without the app and bound with `init_app(app)` in the factory, one extension
    object serves every app.

    ## Example
    ```python
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///blog.db"
    db = SQLAlchemy(app)  # error
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()


    def create_app(test_config=None):
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///blog.db"
        app.config.from_mapping(test_config or {})
        db.init_app(app)
        return app
    ```

    Keep the extension objects in their own module (`extensions.py`) so that models and
    views import `db` from there, never from the module that creates the app.

    ## References
    - [Flask: application factories](https://flask.palletsprojects.com/en/stable/patterns/appfactories/)
    - [Flask: Flask extensions, `init_app`](https://flask.palletsprojects.com/en/stable/extensiondev/#the-extension-class-and-initialization)
    - [Flask-SQLAlchemy: the application factory pattern](https://flask-sqlalchemy.readthedocs.io/en/stable/quickstart/#initialize-the-extension)
    """

    code = "FLK203"
    name = "extension-bound-at-import"
    severity = Severity.WARNING

    valid = [
        # created without the app, bound with init_app (at module level too: the spec's exemption)
        Valid("from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\n\napp = Flask(__name__)\ndb = SQLAlchemy()\ndb.init_app(app)\n"),
        # inside a factory, and inside a function a factory calls
        Valid(
            "from flask import Flask\nfrom flask_cors import CORS\nfrom flask_migrate import Migrate\nfrom flask_sqlalchemy import SQLAlchemy\n\n"
            "def register_extensions(app):\n    CORS(app)\n\n"
            "def create_app():\n    app = Flask(__name__)\n    db = SQLAlchemy(app)\n    Migrate(app, db)\n    register_extensions(app)\n    return app\n"
        ),
        # script code: no importer runs it
        Valid("from flask import Flask\nfrom flask_cors import CORS\n\nif __name__ == '__main__':\n    app = Flask(__name__)\n    CORS(app)\n    app.run()\n"),
        # given a blueprint, not the app (flask-restx's Api on a blueprint)
        Valid("from flask import Blueprint\nfrom flask_restx import Api\n\nbp = Blueprint('api', __name__)\napi = Api(bp)\n"),
        # given configuration only
        Valid("from flask_sqlalchemy import SQLAlchemy\nfrom flask_caching import Cache\n\ndb = SQLAlchemy(session_options={'autoflush': False})\ncache = Cache(config={'CACHE_TYPE': 'SimpleCache'})\n"),
        Valid("from flask_mail import Mail\n\nmail = Mail(app=None)\n"),
        # not Flask: a FastAPI app, and a Celery app called `app` handed to a flask_* helper
        Valid("from fastapi import FastAPI\nfrom flask_cors import CORS\n\napp = FastAPI()\nCORS(app)\n"),
        Valid(files={
            "tasks.py": "from celery import Celery\n\napp = Celery('tasks')\n",
            "monitor.py": "from flask_caching import Cache\nfrom tasks import app\n\ncache = Cache(app)\n",
        }),
        # not an extension class: a lowercase helper from a flask_* package, and a class of another package
        Valid("from flask import Flask\nfrom flask_cors import cross_origin\nfrom celery import Celery\n\napp = Flask(__name__)\nwrapped = cross_origin(app)\ncelery = Celery(app)\n"),
        # a local variable named like an extension and an app
        Valid("def SQLAlchemy(app):\n    return app\n\napp = object()\ndb = SQLAlchemy(app)\n"),
        # `current_app` at import time is FLK101's
        Valid("from flask import current_app\nfrom flask_cors import CORS\n\nCORS(current_app)\n"),
    ]
    invalid = [
        Invalid(
            "import flask\nimport flask_sqlalchemy\n\napp = flask.Flask(__name__)\ndb = flask_sqlalchemy.SQLAlchemy(app)  # error\n",
            message="`SQLAlchemy(app)` at import time binds the extension to this one app object",
        ),
        Invalid(
            "from flask import Flask\nfrom flask_login import LoginManager as Logins\n\napplication = Flask(__name__)\nlogins = Logins(app=application)  # error\n",
            message="`LoginManager(app=application)` at import time binds the extension to this one app object",
        ),
        # the app given as a keyword after another positional argument
        Invalid("from flask import Flask\nfrom flask_limiter import Limiter\nfrom flask_limiter.util import get_remote_address\n\napp = Flask(__name__)\nlimiter = Limiter(get_remote_address, app=app)  # error\n"),
        # several at once, in an `if`, and without a name
        Invalid(
            "from flask import Flask\nfrom flask_migrate import Migrate\nfrom flask_sqlalchemy import SQLAlchemy\nfrom flask_talisman import Talisman\nimport os\n\n"
            "app = Flask(__name__)\ndb = SQLAlchemy(app)  # error\nmigrate = Migrate(app, db)  # error\nif os.environ.get('HTTPS'):\n    Talisman(app)  # error\n"
        ),
        # the app imported from another module of the project
        Invalid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n\nfrom blog import extensions\n",
            "blog/extensions.py": "from flask_wtf.csrf import CSRFProtect\nfrom flask_mail import Mail\nfrom . import app\n\ncsrf = CSRFProtect(app)  # error\nmail = Mail(app)  # error\n",
        }),
        # the app returned by a project factory at import time
        Invalid(files={
            "blog/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
            "wsgi.py": "from flask_cors import CORS\nfrom blog import create_app\n\napp = create_app()\nCORS(app)  # error\n",
        }),
        # quart and apiflask share Flask's API
        Invalid("from apiflask import APIFlask\nfrom flask_caching import Cache\n\napp = APIFlask(__name__)\ncache = Cache(app, config={'CACHE_TYPE': 'SimpleCache'})  # error\n"),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if semantic.scope_of(node) is not semantic.module_scope:
            return
        extension = semantic.qualified_name(node.func)
        if not is_extension_class(extension) or not is_at_module_level(node) or is_under_main_guard(node):
            return
        for argument in extension_app_arguments(node):
            if flask_name(semantic, argument) == "flask.current_app":
                return
            candidate = app_candidate(semantic, argument)
            if candidate is None:
                continue
            given = ast.unparse(argument) if argument is not keyword_value(node, "app") else f"app={ast.unparse(argument)}"
            message = f"`{extension.rpartition('.')[2]}({given})` at import time binds the extension to this one app object"
            if candidate == "":
                ctx.report(node, message)
            else:
                ctx.record(node, candidate=candidate, message=message)
            return

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        for summary, fact in index.facts(self.code):
            if index.is_app_candidate(fact.data["candidate"], summary):
                ctx.report_fact(fact, fact.data["message"])
