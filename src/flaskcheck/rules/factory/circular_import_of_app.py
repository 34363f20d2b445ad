"""FLK201."""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.graph import ImportGraph
from flaskcheck.project.index import (
    Fact,
    ImportEdge,
    ModuleSummary,
    ProjectIndex,
    source_root_of,
)
from flaskcheck.semantic.flask import (
    APP_CLASSES,
    call_name,
    is_at_module_level,
    is_under_main_guard,
    parent,
)


@dataclass(frozen=True, slots=True)
class _Step:
    """One import statement the app module's import runs on its way round the cycle."""

    module: str  # the importing module
    edge: ImportEdge


@dataclass(frozen=True, slots=True)
class _Cycle:
    app_module: str
    steps: tuple[_Step, ...]  # from the app module's import to the import that closes the cycle
    missing: str | None  # a name the cycle imports from the app module before it is bound


class CircularImportOfApp(Rule):
    """
    ## What it does
    Reports module-level imports that form a cycle through the module that creates the
    Flask app at import time (`app = Flask(__name__)`, or `app = create_app()` at module
    level). Each import statement of the cycle outside the app module is reported, and the
    message spells the cycle out in the order Python runs it when the app module is imported
    (`app.py -> models.py -> app.py`).

    It is an error when the app module's import that enters the cycle runs before the app
    module binds a name that another module of the cycle imports from it: that import fails
    with `ImportError: cannot import name 'db' from partially initialized module 'app'`. It is
    a warning when every such name is bound first, as in the "import the views at the
    bottom" pattern: that works, but only until the imports are reordered (an import sorter
    moves the bottom import to the top), and running the app module as `python app.py`
    imports it a second time under its own name, which runs the cycle again from the middle
    (`ImportError: cannot import name 'index' from partially initialized module 'views'`).

    Imports inside functions and under `if TYPE_CHECKING:` do not form cycles, so they are
    never reported. Imports the checker cannot resolve (`importlib.import_module(...)`,
    `__import__`, modules outside the linted files) are not followed: a cycle closed that way
    is not reported. A cycle is followed within one source root (the folder holding the
    top-level package), so apps linted together do not mix.

    ## Why is this bad?
    The app module and the modules that need it import each other, so whichever is imported
    first sees the other half-initialized. When a model or a view needs `db` or `app` before
    the app module has bound it, the app does not start. Even when the order happens to work,
    the app object is global state fixed at import time: a second app built by a test has
    none of the routes (FLK202), and a harmless-looking reordering of the imports breaks the
    start-up.

    The fix is the application factory. Extensions are created without the app in their own
    module (`db = SQLAlchemy()`) and bound with `db.init_app(app)` inside `create_app()`;
    views live on blueprints registered by the factory; code that needs the app at request
    time uses `current_app`. No module then imports the app object, and the cycle is gone.

    ## Example
    ```python
    # app.py
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    from models import User

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///blog.db"
    db = SQLAlchemy(app)

    import views

    # models.py
    from app import db  # error


    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(80))

    # views.py
    from app import app, db  # error
    from models import User


    @app.route("/users/<int:user_id>")
    def show_user(user_id):
        app.logger.info("showing user %s", user_id)
        return db.get_or_404(User, user_id).name
    ```

    `models.py` fails with `ImportError: cannot import name 'db' from partially initialized
    module 'app'` (an error); `views.py` works only because `import views` comes after `app`
    and `db` are bound (a warning).

    ## Use instead
    ```python
    # extensions.py
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()

    # models.py
    from extensions import db


    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(80))

    # views.py
    from flask import Blueprint, current_app

    from extensions import db
    from models import User

    bp = Blueprint("users", __name__)


    @bp.route("/users/<int:user_id>")
    def show_user(user_id):
        current_app.logger.info("showing user %s", user_id)
        return db.get_or_404(User, user_id).name

    # app.py
    from flask import Flask

    from extensions import db
    from views import bp


    def create_app(test_config=None):
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///blog.db"
        app.config.from_mapping(test_config or {})
        db.init_app(app)
        app.register_blueprint(bp)
        return app
    ```

    Run it with `flask --app app:create_app run`, or `gunicorn "app:create_app()"`; tests
    call `create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})`.

    ## References
    - [Flask: application factories](https://flask.palletsprojects.com/en/stable/patterns/appfactories/)
    - [Flask: large applications as packages, circular imports](https://flask.palletsprojects.com/en/stable/patterns/packages/)
    - [Flask: the application context, `current_app`](https://flask.palletsprojects.com/en/stable/appcontext/)
    - [Flask-SQLAlchemy: initialize the extension with `init_app`](https://flask-sqlalchemy.readthedocs.io/en/stable/quickstart/#initialize-the-extension)
    """

    code = "FLK201"
    name = "circular-import-of-app"
    severity = Severity.ERROR

    valid = [
        # the import that closes the cycle is inside a function, or for type checking only
        Valid(files={
            "app.py": "from flask import Flask\n\nimport models\n\napp = Flask(__name__)\n",
            "models.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import app\n\ndef config():\n    from app import app\n    return app.config\n",
        }),
        # a factory: no app object at import time, so a cycle through the package is not this rule's
        Valid(files={
            "blog/__init__.py": "from flask import Flask\nfrom blog import views\n\ndef create_app():\n    app = Flask(__name__)\n    app.register_blueprint(views.bp)\n    return app\n",
            "blog/views.py": "from flask import Blueprint\nimport blog\n\nbp = Blueprint('views', __name__)\n",
        }),
        # extensions in their own module: no cycle through the app module
        Valid(files={
            "app.py": "from flask import Flask\nfrom extensions import db\nimport views\n\napp = Flask(__name__)\ndb.init_app(app)\napp.register_blueprint(views.bp)\n",
            "extensions.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
            "views.py": "from flask import Blueprint\nfrom extensions import db\n\nbp = Blueprint('views', __name__)\n",
        }),
        # a cycle that does not contain the app module
        Valid(files={
            "app.py": "from flask import Flask\nimport models\n\napp = Flask(__name__)\n",
            "models.py": "import schemas\n",
            "schemas.py": "import models\n",
        }),
        # a Celery app called `app` in a cycle
        Valid(files={
            "tasks.py": "from celery import Celery\n\napp = Celery('tasks')\nimport jobs\n",
            "jobs.py": "from tasks import app\n",
        }),
        # a submodule of the app package, not the app package's names (`from blog import views`)
        Valid(files={
            "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\nfrom blog import views\n",
            "blog/views.py": "from blog import helpers\n",
            "blog/helpers.py": "",
        }),
        # dynamic imports are not followed
        Valid(files={
            "app.py": "import importlib\nfrom flask import Flask\n\napp = Flask(__name__)\nviews = importlib.import_module('views')\n",
            "views.py": "from app import app\n",
        }),
        # two apps linted together, with namesake modules: neither has a cycle of its own
        Valid(files={
            "examples/one/app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
            "examples/one/views.py": "from app import app\n",
            "examples/two/app.py": "from flask import Flask\nimport views\n\napp = Flask(__name__)\n",
        }),
        # the app is created only when the module runs as a script
        Valid(files={
            "serve.py": "from flask import Flask\nimport views\n\nif __name__ == '__main__':\n    app = Flask(__name__)\n    app.run()\n",
            "views.py": "import serve\n",
        }),
    ]
    invalid = [
        # the Flask docs' package pattern: works, but only while the import stays at the bottom
        Invalid(
            files={
                "blog/__init__.py": "from flask import Flask\n\napp = Flask(__name__)\n\nimport blog.views\n",
                "blog/views.py": "from blog import app  # error\n\n@app.route('/')\ndef index():\n    return 'hi'\n",
            },
            message="import cycle through the app module `blog/__init__.py -> blog/views.py -> blog/__init__.py`: works only while `blog/__init__.py` binds `app` before line 5",
            severity=Severity.WARNING,
        ),
        # relative imports, an alias, and the app module entering the cycle before binding `db`
        Invalid(
            files={
                "shop/__init__.py": "import flask\nfrom . import models\n\napp = flask.Flask(__name__)\ndb = object()\n",
                "shop/models.py": "from . import db as database  # error\n",
            },
            message="import cycle through the app module `shop/__init__.py -> shop/models.py -> shop/__init__.py`: `shop/__init__.py` enters it on line 2, before it binds `db` (`ImportError: cannot import name 'db'`)",
            severity=Severity.ERROR,
        ),
        # a longer cycle: each import statement outside the app module is reported
        Invalid(
            files={
                "app.py": "from flask import Flask\nfrom auth import login_manager\n\napp = Flask(__name__)\ndb = object()\n",
                "auth.py": "from models import User  # error\nlogin_manager = object()\n",
                "models.py": "from app import db  # error\nclass User:\n    pass\n",
            },
            message="import cycle through the app module `app.py -> auth.py -> models.py -> app.py`: `app.py` enters it on line 2, before it binds `db` (`ImportError: cannot import name 'db'`)",
        ),
        # `import pkg` closes the cycle: no name is needed while importing, a warning
        Invalid(
            files={
                "app.py": "from flask import Flask\n\napp = Flask(__name__)\nimport views\n",
                "views.py": "import app  # error\n\ndef index():\n    return app.app.name\n",
            },
            message="import cycle through the app module `app.py -> views.py -> app.py`: works only while the cycle uses no name of `app.py` at import time",
            severity=Severity.WARNING,
        ),
        # `from app import *` takes whatever is bound so far
        Invalid(
            files={
                "app.py": "from flask import Flask\n\napp = Flask(__name__)\nfrom views import *\n",
                "views.py": "from app import *  # error\n",
            },
            message="import cycle through the app module `app.py -> views.py -> app.py`: works only while `app.py` binds what `import *` takes from it before line 4",
            severity=Severity.WARNING,
        ),
        # the app made by a project factory at import time, and an import in a `try`
        Invalid(files={
            "factory.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "application.py": "from factory import create_app\n\napp = create_app()\ntry:\n    import views\nexcept ImportError:\n    views = None\n",
            "views.py": "from application import app  # error\n",
        }),
        # APIFlask, and a package whose submodules import each other on the way
        Invalid(files={
            "api/__init__.py": "from apiflask import APIFlask\n\napp = APIFlask(__name__)\nfrom api import routes\n",
            "api/routes.py": "from api.schemas import UserSchema  # error\n",
            "api/schemas.py": "from api import app  # error\nUserSchema = dict\n",
        }),
    ]

    def __init__(self) -> None:
        self.first_import: ast.AST | None = None
        self.spans: list[tuple[int, int, int, int]] = []
        self.apps: list[str] = []
        self.made: dict[str, str] = {}  # module-level name -> the project function whose result it is

    def visit_Import(self, node: ast.Import | ast.ImportFrom, ctx: FileContext) -> None:
        if not is_at_module_level(node):
            return
        self.first_import = self.first_import or node
        self.spans.append(ctx.span(node))

    visit_ImportFrom = visit_Import

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        statement = parent(node)
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is not node:
            return
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = [target.id for target in targets if isinstance(target, ast.Name)]
        if not names or not is_at_module_level(node) or is_under_main_guard(node):
            return
        if call_name(ctx.semantic, node) in APP_CLASSES:
            self.apps.extend(names)
            return
        callee = ctx.semantic.qualified_name(node.func)
        if callee and not callee.startswith("builtins."):
            self.made.update(dict.fromkeys(names, callee))

    def leave_module(self, ctx: FileContext) -> None:
        if self.first_import is not None:
            ctx.record(self.first_import, spans=self.spans, apps=self.apps, made=self.made)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        recorded = {summary.path: fact for summary, fact in index.facts(self.code)}
        for group in _source_groups(index):
            graph = ImportGraph(ProjectIndex(group))
            modules = graph.index.modules
            for component in graph.components():
                members = set(component)
                for name in component:
                    if _creates_app(modules[name], recorded.get(modules[name].path), index):
                        _report(ctx, graph, name, members, recorded)


def _source_groups(index: ProjectIndex) -> list[list[ModuleSummary]]:
    """The project's Python modules by source root, so that namesakes of separate apps do not mix."""
    groups: dict[str, list[ModuleSummary]] = {}
    for summary in index.summaries:
        if summary.is_python and summary.module_name:
            groups.setdefault(source_root_of(summary), []).append(summary)
    return [groups[root] for root in sorted(groups)]


def _creates_app(summary: ModuleSummary, fact: Fact | None, index: ProjectIndex) -> bool:
    """Does the module create a Flask app at import time (`Flask(...)` or a project factory)?"""
    if fact is None:
        return False
    if fact.data["apps"]:
        return True
    return any(index.is_app_factory(callee, summary) for callee in fact.data["made"].values())


def _report(ctx: ProjectContext, graph: ImportGraph, app_module: str, members: set[str], recorded: dict[str, Fact]) -> None:
    """Report each import statement, outside the app module, of each cycle through it."""
    modules = graph.index.modules
    best: dict[tuple[str, int, int], _Cycle] = {}
    for cycle in _cycles(graph, app_module, members):
        for step in cycle.steps[1:]:
            key = (step.module, step.edge.line, step.edge.column)
            if key not in best or (best[key].missing is None and cycle.missing is not None):
                best[key] = cycle
    root = source_root_of(modules[app_module])
    for (module, line, column), cycle in sorted(best.items(), key=lambda item: (modules[item[0][0]].relative, item[0][1], item[0][2])):
        fact = _fact_at(recorded.get(modules[module].path), line, column)
        if fact is None:
            continue
        severity = Severity.ERROR if cycle.missing is not None else Severity.WARNING
        ctx.report_fact(fact, _message(cycle, modules, root), severity=severity)


def _cycles(graph: ImportGraph, app_module: str, members: set[str]) -> list[_Cycle]:
    """Run the imports as Python does when the app module is imported (depth first, in
    statement order, each module once), within the component, and keep every import that
    comes back to the app module while it is still running."""
    modules = graph.index.modules
    app = modules[app_module]
    started = {app_module}
    found: list[_Cycle] = []
    path: list[_Step] = []
    work = [iter(_ordered_imports(graph, app_module, members))]
    while work:
        step = next(work[-1], None)
        if step is None:
            work.pop()
            if path:
                path.pop()
            continue
        target = step.edge.target
        if target == app_module:
            steps = (*path, step)
            found.append(_Cycle(app_module, steps, _missing_name(step.edge, steps[0].edge, app, app_module, modules)))
            continue
        if target in started:
            continue
        started.add(target)
        path.append(step)
        work.append(iter(_ordered_imports(graph, target, members)))
    return found


def _ordered_imports(graph: ImportGraph, module: str, members: set[str]) -> list[_Step]:
    """The module's imports of other component members, in the order its statements run."""
    modules = graph.index.modules
    steps = []
    for target, edges in graph.edges.get(module, {}).items():
        if target not in members:
            continue
        for edge in edges:
            if target != edge.target or _imports_module_itself(edge, modules):
                steps.append((edge.line, edge.column, _position(edge, target), _Step(module, dataclasses.replace(edge, target=target))))
    return [step for *_, step in sorted(steps, key=lambda item: item[:3])]


def _position(edge: ImportEdge, target: str) -> int:
    """Within one statement: the module itself first, then the submodules in the order named."""
    if target == edge.target:
        return -1
    name = target.rpartition(".")[2]
    return edge.names.index(name) if name in edge.names else len(edge.names)


def _imports_module_itself(edge: ImportEdge, modules: dict[str, ModuleSummary]) -> bool:
    """`import blog` or `from blog import <a name it binds>`; `from blog import views` only
    imports the submodule `blog.views`, like `import blog.views`."""
    return not edge.names or any(name == "*" or f"{edge.target}.{name}" not in modules for name in edge.names)


def _missing_name(closing: ImportEdge, entering: ImportEdge, app: ModuleSummary, app_module: str, modules: dict[str, ModuleSummary]) -> str | None:
    """A name the closing import takes from the app module that is bound only at or after the
    app module's import that entered the cycle (`ImportError` at start-up)."""
    for name in closing.names:
        if name == "*" or f"{app_module}.{name}" in modules:
            continue
        bound = app.first_bound.get(name)
        if bound is not None and bound >= entering.line:
            return name
    return None


def _fact_at(fact: Fact | None, line: int, column: int) -> Fact | None:
    """The module's recorded fact, moved to the import statement at (line, column)."""
    if fact is None:
        return None
    for start_line, start_column, end_line, end_column in fact.data["spans"]:
        if (start_line, start_column) == (line, column):
            return dataclasses.replace(fact, line=line, column=column, end_line=end_line, end_column=end_column, data={})
    return None


def _display(summary: ModuleSummary, root: str) -> str:
    relative = summary.relative
    prefix = "" if root in ("", ".") else root + "/"
    return relative[len(prefix):] if prefix and relative.startswith(prefix) else relative


def _message(cycle: _Cycle, modules: dict[str, ModuleSummary], root: str) -> str:
    names = [cycle.app_module, *(step.edge.target for step in cycle.steps)]
    spelled = " -> ".join(_display(modules[name], root) for name in names)
    app_path = _display(modules[cycle.app_module], root)
    entering = cycle.steps[0].edge.line
    head = f"import cycle through the app module `{spelled}`"
    if cycle.missing is not None:
        return f"{head}: `{app_path}` enters it on line {entering}, before it binds `{cycle.missing}` (`ImportError: cannot import name '{cycle.missing}'`)"
    closing = [name for name in cycle.steps[-1].edge.names if f"{cycle.app_module}.{name}" not in modules]
    if not closing:
        return f"{head}: works only while the cycle uses no name of `{app_path}` at import time"
    if "*" in closing:
        return f"{head}: works only while `{app_path}` binds what `import *` takes from it before line {entering}"
    quoted = [f"`{name}`" for name in closing]
    listing = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
    return f"{head}: works only while `{app_path}` binds {listing} before line {entering}"
