"""FLK205."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.flask import is_at_module_level, is_under_main_guard
from flaskcheck.semantic.model import BindingKind


class BlueprintRegisteredAtImport(Rule):
    """
    ## What it does
    Reports `<app>.register_blueprint(...)` run at module level in a module that imported
    the app object from another module of the project (`from blog import app`,
    `import blog` then `blog.app`): the blueprint registers itself when its module is
    imported.

    It stays silent when the registration happens in the module that created the app (or
    called the app factory), inside any function (an app factory), under
    `if __name__ == "__main__":`, and when the receiver is not a Flask app of the project
    (a blueprint registering a nested one, a name the checker cannot resolve).

    ## Why is this bad?
    Whether the blueprint exists now depends on who imported its module, and when. If
    nothing imports it, its URLs answer 404. If it is first imported after the app has
    handled a request (a lazy import in a view or a CLI command), Flask raises
    `AssertionError: The setup method 'register_blueprint' can no longer be called on the
    application`. If the module is imported a second time (reloaded, or imported under a
    second module name through another `sys.path` entry), the new blueprint object clashes
    with the old one:
    `ValueError: The name 'admin' is already registered for a different blueprint`. And the
    blueprint only ever reaches the one app object the module imported, never the app a test
    or a factory builds.

    ## Example
    ```python
    # blog/__init__.py
    from flask import Flask

    app = Flask(__name__)

    from blog import admin

    # blog/admin.py
    from flask import Blueprint

    from blog import app

    bp = Blueprint("admin", __name__, url_prefix="/admin")


    @bp.route("/")
    def dashboard():
        return "admin"


    app.register_blueprint(bp)  # error
    ```

    ## Use instead
    ```python
    # blog/__init__.py
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        from blog import admin

        app.register_blueprint(admin.bp)
        return app

    # blog/admin.py
    from flask import Blueprint

    bp = Blueprint("admin", __name__, url_prefix="/admin")


    @bp.route("/")
    def dashboard():
        return "admin"
    ```

    ## References
    - [Flask: modular applications with blueprints](https://flask.palletsprojects.com/en/stable/blueprints/#registering-blueprints)
    - [Flask: application factories](https://flask.palletsprojects.com/en/stable/patterns/appfactories/)
    """

    code = "FLK205"
    name = "blueprint-registered-at-import"
    severity = Severity.WARNING

    valid = [
        # the module that creates the app registers the blueprints
        Valid(files={
            "blog/__init__.py": "from flask import Flask\nfrom blog.admin import bp\n\napp = Flask(__name__)\napp.register_blueprint(bp)\n",
            "blog/admin.py": "from flask import Blueprint\n\nbp = Blueprint('admin', __name__)\n",
        }),
        # the module that calls the factory registers them
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "wsgi.py": "from blog import create_app\nfrom blog.admin import bp\n\napp = create_app()\napp.register_blueprint(bp)\n",
            "blog/admin.py": "from flask import Blueprint\n\nbp = Blueprint('admin', __name__)\n",
        }),
        # inside a function: an app factory, or a hook the factory calls
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "blog/admin.py": "from flask import Blueprint\nfrom blog import app\n\nbp = Blueprint('admin', __name__)\n\ndef init_app(target=app):\n    target.register_blueprint(bp)\n\ndef register():\n    app.register_blueprint(bp)\n",
        }),
        # script code: no importer runs it
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "run_admin.py": "from flask import Blueprint\nfrom blog import app\n\nif __name__ == '__main__':\n    app.register_blueprint(Blueprint('x', __name__))\n    app.run()\n",
        }),
        # a blueprint registering a nested blueprint on import is not the app
        Valid(files={
            "blog/api/__init__.py": "from flask import Blueprint\n\napi = Blueprint('api', __name__, url_prefix='/api')\n",
            "blog/api/users.py": "from flask import Blueprint\nfrom blog.api import api\n\nusers = Blueprint('users', __name__)\napi.register_blueprint(users)\n",
        }),
        # a look-alike: a FastAPI-style object called `app`
        Valid(files={
            "service.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "routes.py": "from service import app\nfrom plugin import bp\n\napp.register_blueprint(bp)\n",
        }),
        # the origin cannot be resolved: stay silent rather than guess
        Valid("from flask import Blueprint\nfrom somewhere_else import app\n\nbp = Blueprint('x', __name__)\napp.register_blueprint(bp)\n"),
        Valid("import importlib\nfrom flask import Blueprint\n\napp = importlib.import_module('blog').app\napp.register_blueprint(Blueprint('x', __name__))\n"),
    ]
    invalid = [
        # aliases, relative imports, `import pkg` then `pkg.app`
        Invalid(
            files={
                "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n\nfrom blog import admin, api, shop\n",
                "blog/admin.py": "from flask import Blueprint\nfrom . import app as application\n\nbp = Blueprint('admin', __name__)\napplication.register_blueprint(bp, url_prefix='/admin')  # error\n",
                "blog/api.py": "import flask\nimport blog\n\nbp = flask.Blueprint('api', __name__)\nblog.app.register_blueprint(bp)  # error\n",
                "blog/shop.py": "from flask import Blueprint\nfrom blog import app\n\nbp = Blueprint('shop', __name__)\ntry:\n    app.register_blueprint(bp)  # error\nexcept ValueError:\n    pass\n",
            },
            message="`app.register_blueprint(...)` runs when this module is imported, on the app object imported from `blog`",
        ),
        # a blueprint in a sub-package, reaching the app with a two-dot relative import
        Invalid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n\nimport blog.admin.views\n",
            "blog/admin/__init__.py": "from flask import Blueprint\n\nbp = Blueprint('admin', __name__, url_prefix='/admin')\n",
            "blog/admin/views.py": "from .. import app\nfrom . import bp\n\n@bp.route('/')\ndef dashboard():\n    return 'admin'\n\napp.register_blueprint(bp)  # error\n",
        }),
        # an app re-exported by a package, and one an imported factory made
        Invalid(files={
            "core/app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "core/__init__.py": "from core.app import app\n",
            "plugins/stats.py": "from flask import Blueprint\nfrom core import app\n\nbp = Blueprint('stats', __name__)\napp.register_blueprint(bp)  # error\n",
        }),
        Invalid(files={
            "factory.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "wsgi.py": "from factory import create_app\n\napp = create_app()\n",
            "plugins/stats.py": "from flask import Blueprint\nfrom wsgi import app\n\nbp = Blueprint('stats', __name__)\napp.register_blueprint(bp)  # error\n",
        }),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        if not isinstance(node.func, ast.Attribute) or node.func.attr != "register_blueprint":
            return
        if not is_at_module_level(node) or is_under_main_guard(node):
            return
        receiver = node.func.value
        imported = imported_name(ctx, receiver)
        if imported is None:
            return
        message = f"`{ast.unparse(receiver)}.register_blueprint(...)` runs when this module is imported, on the app object imported from `{imported.rpartition('.')[0]}`"
        ctx.record(node, imported=imported, message=message)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        for summary, fact in index.facts(self.code):
            found = index.defining(fact.data["imported"], summary)
            if found is None or found[0] is summary:
                continue
            if index.is_app(fact.data["imported"], summary):
                ctx.report_fact(fact, fact.data["message"])


def imported_name(ctx: FileContext, expr: ast.AST) -> str | None:
    """`pkg.app` for a name or attribute chain that starts at an import (`app`, `pkg.app`)."""
    base = expr
    while isinstance(base, ast.Attribute):
        base = base.value
    binding = ctx.semantic.binding_of(base)
    if binding is None or binding.kind is not BindingKind.IMPORT:
        return None
    qualified = ctx.semantic.qualified_name(expr)
    return qualified if qualified and "." in qualified else None
