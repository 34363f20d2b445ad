"""FLK504."""

from __future__ import annotations

from flaskcheck.engine.context import ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import RoutingIndex


class BlueprintNeverRegistered(Rule):
    """
    ## What it does
    Reports a `Blueprint(...)` (also `APIBlueprint`, `flask_smorest.Blueprint`) created in the
    project and never passed to any `.register_blueprint(...)` call: on an app, on another
    blueprint, or on an API object such as flask-smorest's `Api`. Registrations are followed
    through imports, aliases, module attributes (`views.bp`), functions that return the
    blueprint, and `for` loops over literal lists or tuples (also module-level ones imported
    from another module).

    It stays silent when the project registers any value the checker cannot resolve (a
    parameter, a list built at run time, a plugin hook, `map(app.register_blueprint, ...)`):
    that value may be the blueprint. It also stays silent for a blueprint a function
    returns (registering it is the caller's business) and for one created inside
    `with pytest.raises(...)` (a test expecting the constructor to fail).

    ## Why is this bad?
    A blueprint's routes, error handlers, hooks, templates and static files exist only once it
    is registered. Until then every URL it defines answers 404 and every `url_for` pointing at
    it raises `BuildError`, usually because the factory forgot a line after the blueprint was
    added.

    ## Example
    ```python
    from flask import Blueprint, Flask

    main = Blueprint("main", __name__)
    reports = Blueprint("reports", __name__, url_prefix="/reports")  # error


    @main.route("/")
    def index():
        return "home"


    @reports.route("/monthly")
    def monthly():
        return "report"


    def create_app():
        app = Flask(__name__)
        app.register_blueprint(main)
        return app
    ```

    ## Use instead
    ```python
    from flask import Blueprint, Flask

    main = Blueprint("main", __name__)
    reports = Blueprint("reports", __name__, url_prefix="/reports")


    @main.route("/")
    def index():
        return "home"


    @reports.route("/monthly")
    def monthly():
        return "report"


    def create_app():
        app = Flask(__name__)
        for blueprint in (main, reports):
            app.register_blueprint(blueprint)
        return app
    ```

    ## References
    - [Flask: registering blueprints](https://flask.palletsprojects.com/en/stable/blueprints/#registering-blueprints)
    """

    code = "FLK504"
    name = "blueprint-never-registered"
    severity = Severity.WARNING

    valid = [
        # through imports, aliases, module attributes, a package re-export
        Valid(files={
            "shop/__init__.py": (
                "from flask import Flask\nfrom shop import blueprints\nfrom shop.blueprints import cart as basket\n\n"
                "def create_app():\n    app = Flask(__name__)\n    app.register_blueprint(blueprints.catalog)\n    app.register_blueprint(basket)\n    return app\n"
            ),
            "shop/blueprints/__init__.py": "from .catalog import bp as catalog\nfrom .cart import cart\n",
            "shop/blueprints/catalog.py": "from flask import Blueprint\nbp = Blueprint('catalog', __name__)\n",
            "shop/blueprints/cart.py": "import flask\ncart = flask.Blueprint('cart', __name__)\n",
        }),
        # a collection in another module, nested registration, flask-smorest's Api
        Valid(files={
            "api/__init__.py": (
                "from flask import Flask\nfrom flask_smorest import Api\nfrom api.resources import BLUEPRINTS, pets\n\n"
                "def create_app():\n    app = Flask(__name__)\n    api = Api(app)\n    for blp in BLUEPRINTS:\n        api.register_blueprint(blp)\n"
                "    api.register_blueprint(pets)\n    return app\n"
            ),
            "api/resources.py": (
                "from flask import Blueprint as FlaskBlueprint\nfrom flask_smorest import Blueprint\n"
                "pets = Blueprint('pets', __name__)\nusers = Blueprint('users', __name__)\nadmin = FlaskBlueprint('admin', __name__)\n"
                "users.register_blueprint(admin)\nBLUEPRINTS = [users]\n"
            ),
        }),
        # a loop over modules, registering each module's `bp`
        Valid(files={
            "pkg/__init__.py": "from flask import Flask\nfrom pkg import orders, users\n\napp = Flask(__name__)\nfor module in (orders, users):\n    app.register_blueprint(module.bp)\n",
            "pkg/orders.py": "from flask import Blueprint\nbp = Blueprint('orders', __name__)\n",
            "pkg/users.py": "from flask import Blueprint\nbp = Blueprint('users', __name__)\n",
        }),
        # registered through a value the checker cannot resolve: silent rather than guess
        Valid(files={
            "portal/__init__.py": "from flask import Flask\nfrom portal.plugins import discover\n\ndef create_app():\n    app = Flask(__name__)\n    for bp in discover():\n        app.register_blueprint(bp)\n    return app\n",
            "portal/plugins.py": "from flask import Blueprint\nblog = Blueprint('blog', __name__)\n\ndef discover():\n    return [blog]\n",
        }),
        Valid(
            "from flask import Blueprint, Flask\nbp = Blueprint('b', __name__)\n\ndef register(app, blueprint):\n    app.register_blueprint(blueprint)\n\n"
            "app = Flask(__name__)\nregister(app, bp)\n"
        ),
        Valid(
            "from flask import Blueprint, Flask\na = Blueprint('a', __name__)\nb = Blueprint('b', __name__)\napp = Flask(__name__)\nlist(map(app.register_blueprint, [a, b]))\n"
        ),
        # made and returned by a function; loop with prefixes; registered in a test
        Valid(
            "from flask import Blueprint, Flask\n\ndef make_blueprint(name):\n    bp = Blueprint(name, __name__)\n    return bp\n\n"
            "def create_app():\n    app = Flask(__name__)\n    app.register_blueprint(make_blueprint('x'))\n    return app\n"
        ),
        Valid(
            "from flask import Blueprint, Flask\nshop = Blueprint('shop', __name__)\nblog = Blueprint('blog', __name__)\napp = Flask(__name__)\n"
            "for bp, prefix in [(shop, '/shop'), (blog, '/blog')]:\n    app.register_blueprint(bp, url_prefix=prefix)\n"
        ),
        Valid(
            "import flask\n\ndef test_blueprint(app):\n    bp = flask.Blueprint('bp', __name__)\n    app.register_blueprint(bp)\n",
            path="tests/test_blueprints.py",
        ),
        Valid(
            "import flask\nimport pytest\n\ndef test_dotted_name():\n    with pytest.raises(ValueError):\n        flask.Blueprint('a.b', __name__)\n",
            path="tests/test_names.py",
        ),
        # look-alike: a Sanic blueprint; a subclass instance is not a `Blueprint(...)` of the project
        Valid("from sanic import Blueprint\nbp = Blueprint('b')\n"),
        Valid(
            "from flask import Blueprint, Flask\n\nclass AdminBlueprint(Blueprint):\n    pass\n\n"
            "main = Blueprint('main', __name__)\nadmin = AdminBlueprint('admin', __name__)\napp = Flask(__name__)\n"
            "app.register_blueprint(main)\napp.register_blueprint(admin)\n"
        ),
    ]
    invalid = [
        # a package: the blueprint in a sub-package, the factory registers only the other one
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\nfrom shop.blueprints.admin import admin\n\ndef create_app():\n    app = Flask(__name__)\n    app.register_blueprint(admin)\n    return app\n",
            "shop/blueprints/__init__.py": "",
            "shop/blueprints/admin.py": "from flask import Blueprint\nadmin = Blueprint('admin', __name__)\n",
            "shop/blueprints/api.py": "from flask import Blueprint as B\napi = B('api', __name__, url_prefix='/api')  # error\n\n@api.get('/ping')\ndef ping():\n    return 'pong'\n",
        }, message="blueprint `api` is never registered: none of its routes exist and `url_for` to them raises `BuildError`"),
        # a collection that leaves one out; a blueprint nested in nothing
        Invalid(
            "from flask import Blueprint, Flask\nfrom apiflask import APIBlueprint\n"
            "one = Blueprint('one', __name__)\ntwo = APIBlueprint('two', __name__)  # error\nthree = Blueprint('three', __name__)\nchild = Blueprint('child', __name__)  # error\n"
            "ALL = (one, three)\n\napp = Flask(__name__)\nfor blueprint in ALL:\n    app.register_blueprint(blueprint)\n"
        ),
        # a blueprint in a function that never registers it
        Invalid(
            "from flask import Blueprint, Flask\n\ndef create_app():\n    app = Flask(__name__)\n    bp = Blueprint('local', __name__)  # error\n\n"
            "    @bp.route('/')\n    def index():\n        return ''\n\n    return app\n"
        ),
    ]

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        routing = RoutingIndex.of(index)
        if routing.has_unresolved_registrations:
            return
        for key, blueprint in routing.blueprints.items():
            if routing.is_registered(key) or blueprint.definition.returned_by or blueprint.definition.guarded:
                continue
            ctx.report_fact(
                blueprint.fact(self.code),
                f"blueprint `{blueprint.name}` is never registered: none of its routes exist and `url_for` to them raises `BuildError`",
            )
