"""FLK503."""

from __future__ import annotations

from flaskcheck.engine.context import ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import ANY_METHOD, UNKNOWN, Route, RoutingIndex


class DuplicateEndpoint(Rule):
    """
    ## What it does
    Reports, on one app or one blueprint:
    - (error) two different view functions registered under the same endpoint: the same
      function name, or the same `endpoint=` (two `def index` in different modules, a function
      redefined with the name of another, two `X.as_view("name")` calls with one name);
    - (warning) the same rule registered twice for the same method, by different views.

    It reports the registration (route decorator or `add_url_rule` call) that comes later in
    path and line order. It stays silent for one function with several route decorators; for
    routes on different blueprints, or on a blueprint and the app (their endpoints differ:
    `bp.index` and `index`); for `add_url_rule` without a view function; for registrations in
    exclusive branches of one `if` or `try` statement, or inside `with pytest.raises(...)`;
    and for endpoints, views or methods the checker cannot evaluate.

    ## Why is this bad?
    Flask refuses to map one endpoint to two functions: the app fails at start-up with
    `AssertionError: View function mapping is overwriting an existing endpoint function: index`
    (for a blueprint, when it is registered). Whichever app or worker imports the code cannot
    start. A rule registered twice for the same method is quieter: the first registration
    wins and the second view is never reached.

    ## Example
    ```python
    from flask import Flask

    app = Flask(__name__)


    @app.route("/")
    def index():
        return "home"


    @app.route("/about")  # error
    def index():
        return "about"
    ```

    ## Use instead
    ```python
    from flask import Flask

    app = Flask(__name__)


    @app.route("/")
    def index():
        return "home"


    @app.route("/about")
    def about():
        return "about"
    ```

    ## References
    - [Flask: `add_url_rule` and endpoints](https://flask.palletsprojects.com/en/stable/api/#flask.Flask.add_url_rule)
    - [Flask: blueprint resources and endpoints](https://flask.palletsprojects.com/en/stable/blueprints/#building-urls)
    """

    code = "FLK503"
    name = "duplicate-endpoint"
    severity = Severity.ERROR

    valid = [
        # one function, several route decorators
        Valid(
            "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/')\n@app.route('/index')\n@app.route('/home', endpoint='home')\n"
            "def index():\n    return ''\n\napp.add_url_rule('/start', view_func=index)\n"
        ),
        # the same name on two blueprints, and on a blueprint and the app
        Valid(files={
            "shop/__init__.py": "from flask import Flask\nfrom .admin import admin\nfrom .public import public\napp = Flask(__name__)\n\n@app.route('/')\ndef index():\n    return ''\n\napp.register_blueprint(admin)\napp.register_blueprint(public)\n",
            "shop/admin.py": "from flask import Blueprint\nadmin = Blueprint('admin', __name__, url_prefix='/admin')\n\n@admin.route('/')\ndef index():\n    return ''\n",
            "shop/public.py": "from flask import Blueprint\npublic = Blueprint('public', __name__)\n\n@public.route('/')\ndef index():\n    return ''\n",
        }),
        # add_url_rule without a view function: the view is attached by endpoint later
        Valid(
            "from flask import Flask\napp = Flask(__name__)\n\ndef index():\n    return ''\n\n"
            "app.add_url_rule('/', 'index')\napp.view_functions['index'] = index\napp.add_url_rule('/', 'index', index)\n"
        ),
        # exclusive branches, and a test that expects the AssertionError
        Valid(
            "import os\nfrom flask import Flask\napp = Flask(__name__)\n\nif os.environ.get('MAINTENANCE'):\n"
            "    @app.route('/')\n    def index():\n        return 'down'\nelse:\n    @app.route('/')\n    def index():\n        return 'up'\n"
        ),
        Valid(
            "import flask\nimport pytest\n\ndef test_duplicate():\n    app = flask.Flask(__name__)\n\n    @app.route('/')\n    def index():\n        return ''\n\n"
            "    with pytest.raises(AssertionError):\n        @app.route('/other')\n        def index():\n            return ''\n",
            path="tests/test_routes.py",
        ),
        # separate apps: one per factory call in tests, one per module
        Valid(
            "from flask import Flask\n\ndef test_one():\n    app = Flask(__name__)\n\n    @app.route('/')\n    def index():\n        return ''\n\n"
            "def test_two():\n    app = Flask(__name__)\n\n    @app.route('/')\n    def index():\n        return ''\n",
            path="tests/test_app.py",
        ),
        Valid(files={
            "shop.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.add_url_rule('/', 'index', lambda: '')\n    return app\n",
            "tests/test_extra.py": (
                "from shop import create_app\n\ndef test_a():\n    app = create_app()\n\n    @app.route('/extra')\n    def extra():\n        return 'a'\n\n"
                "def test_b():\n    app = create_app()\n\n    @app.route('/extra')\n    def extra():\n        return 'b'\n"
            ),
        }),
        # the same rule for different methods; the same view function twice
        Valid(
            "from flask import Blueprint\nbp = Blueprint('items', __name__)\n\n@bp.get('/items')\ndef list_items():\n    return ''\n\n"
            "@bp.post('/items')\ndef create_item():\n    return ''\n\n@bp.route('/items/<int:id>', methods=['PUT'])\n@bp.route('/items/<int:id>', methods=['PATCH'])\ndef update(id):\n    return ''\n"
        ),
        # one MethodView bound to one name, used twice; methods the checker cannot read
        Valid(
            "from flask import Flask\nfrom flask.views import MethodView\napp = Flask(__name__)\n\nclass Items(MethodView):\n    def get(self):\n        return ''\n\n"
            "view = Items.as_view('items')\napp.add_url_rule('/items', view_func=view)\napp.add_url_rule('/items/', view_func=view)\n"
            "app.add_url_rule('/things', view_func=view, methods=METHODS)\n"
        ),
        # a non-literal endpoint cannot be compared
        Valid(
            "from flask import Flask\napp = Flask(__name__)\n\nfor name in ('a', 'b'):\n    app.add_url_rule(f'/{name}', endpoint=name, view_func=lambda: name)\n"
        ),
        # look-alikes: Bottle and FastAPI allow repeated function names; a Celery `app`
        Valid(
            "from bottle import Bottle\napp = Bottle()\n\n@app.route('/')\ndef index():\n    return 'a'\n\n@app.route('/about')\ndef index():\n    return 'b'\n"
        ),
        Valid(
            "from celery import Celery\napp = Celery('tasks')\n\n@app.task(name='sync')\ndef sync():\n    pass\n\n@app.task(name='sync')\ndef sync():\n    pass\n"
        ),
        Valid(
            "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/a')\ndef index():\n    return 1\n\n@app.get('/b')\ndef index():\n    return 2\n"
        ),
    ]
    invalid = [
        # two modules define `index` on one blueprint
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    from shop.blueprints.catalog import bp\n    app.register_blueprint(bp)\n    return app\n",
            "shop/blueprints/__init__.py": "",
            "shop/blueprints/catalog/__init__.py": "from flask import Blueprint\nbp = Blueprint('catalog', __name__)\nfrom . import products, categories\n",
            "shop/blueprints/catalog/products.py": "from . import bp\n\n@bp.route('/products')  # error\ndef index():\n    return ''\n",
            "shop/blueprints/catalog/categories.py": "from shop.blueprints.catalog import bp as catalog\n\n@catalog.route('/categories')\ndef index():\n    return ''\n",
        }, message="endpoint `catalog.index` is already taken by `index` (shop/blueprints/catalog/categories.py:3): Flask raises `AssertionError: View function mapping is overwriting an existing endpoint function` at start-up"),
        # the same `endpoint=` for two functions; add_url_rule; `import flask`
        Invalid(
            "import flask\napp = flask.Flask(__name__)\n\n@app.route('/report', endpoint='report')\ndef monthly():\n    return ''\n\n"
            "def yearly():\n    return ''\n\napp.add_url_rule('/report/yearly', 'report', yearly)  # error\n",
            severity=Severity.ERROR,
        ),
        # two as_view calls with one name create two functions
        Invalid(
            "from flask import Blueprint\nfrom flask.views import MethodView\nbp = Blueprint('api', __name__)\n\n"
            "class Users(MethodView):\n    def get(self, id=None):\n        return ''\n\n"
            "bp.add_url_rule('/users', view_func=Users.as_view('users'))\n"
            "bp.add_url_rule('/users/<int:id>', view_func=Users.as_view('users'))  # error\n"
        ),
        # a factory: routes on the app it creates
        Invalid(
            "from flask import Flask as F\n\ndef create_app():\n    app = F(__name__)\n\n    @app.get('/')\n    def home():\n        return ''\n\n"
            "    @app.get('/start')  # error\n    def home():\n        return ''\n\n    return app\n"
        ),
        # the same rule and method twice: the second view is unreachable
        Invalid(
            "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/login', methods=['GET', 'POST'])\ndef login():\n    return ''\n\n"
            "@app.post('/login')  # error\ndef do_login():\n    return ''\n",
            severity=Severity.WARNING,
            message="`POST /login` is already registered on the app by `login` (app.py:4): this route is never reached",
        ),
        # an app made by a project factory and imported elsewhere is that factory's app
        Invalid(files={
            "wsgi.py": "from site_app import create_app\napp = create_app()\n\n@app.route('/health', endpoint='home')  # error\ndef health():\n    return 'ok'\n",
            "site_app.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.add_url_rule('/', 'home', lambda: 'home')\n    return app\n",
        }),
    ]

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        routing = RoutingIndex.of(index)
        groups: dict[tuple[str, str], list[Route]] = {}
        for route in routing.routes:
            if route.definition.guarded or not route.owner.key:
                continue
            groups.setdefault((route.owner.kind, route.owner.key), []).append(route)
        for (kind, key), routes in groups.items():
            where = f"blueprint `{routing.blueprints[key].name}`" if kind == "blueprint" else "the app"
            ordered = sorted(routes, key=lambda r: r.sort_key)
            for position, later in enumerate(ordered):
                earlier_routes = [r for r in ordered[:position] if not _exclusive(r, later)]
                clash = next((r for r in earlier_routes if _same_endpoint(r, later)), None)
                if clash is not None:
                    endpoint = routing.endpoints_of(later)[0] if kind == "blueprint" else later.endpoint
                    ctx.report_fact(
                        later.fact(self.code),
                        f"endpoint `{endpoint}` is already taken by `{clash.function}` ({clash.relative}:{clash.line}): "
                        "Flask raises `AssertionError: View function mapping is overwriting an existing endpoint function` at start-up",
                    )
                    continue
                shadow = next((r for r in earlier_routes if _same_rule(r, later)), None)
                if shadow is not None:
                    methods = "/".join(sorted(set(shadow.methods) & set(later.methods)))
                    ctx.report_fact(
                        later.fact(self.code),
                        f"`{methods} {later.rule}` is already registered on {where} by `{shadow.function}` ({shadow.relative}:{shadow.line}): this route is never reached",
                        severity=Severity.WARNING,
                    )


def _same_view(first: Route, second: Route) -> bool:
    """One function (or one `as_view` result): same key, and the same `def` where both are known."""
    if first.view != second.view:
        return False
    lines = (first.definition.view_line, second.definition.view_line)
    return 0 in lines or lines[0] == lines[1]


def _same_endpoint(first: Route, second: Route) -> bool:
    """Two different view functions under one endpoint (Flask's AssertionError)."""
    if UNKNOWN in (first.endpoint, second.endpoint) or first.endpoint != second.endpoint:
        return False
    if first.view is None or second.view is None:
        return False
    return not _same_view(first, second)


def _same_rule(first: Route, second: Route) -> bool:
    """The same rule string for a common method, by different views."""
    if UNKNOWN in (first.rule, second.rule) or first.rule != second.rule:
        return False
    if first.definition.scoped or second.definition.scoped or first.view is None or second.view is None:
        return False
    if ANY_METHOD in first.methods or ANY_METHOD in second.methods or not set(first.methods) & set(second.methods):
        return False
    return not _same_view(first, second)


def _exclusive(first: Route, second: Route) -> bool:
    """In different branches of one `if` or `try` statement of one module: only one runs."""
    if first.path != second.path:
        return False
    branches = dict(marker.partition("|")[::2] for marker in first.definition.branch)
    for marker in second.definition.branch:
        statement, _, part = marker.partition("|")
        if branches.get(statement, part) != part:
            return True
    return False
