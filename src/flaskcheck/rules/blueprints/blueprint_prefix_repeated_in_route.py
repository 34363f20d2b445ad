"""FLK501."""

from __future__ import annotations

from flaskcheck.engine.context import ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import UNKNOWN, Route, RoutingIndex, prefix_segments


class BlueprintPrefixRepeatedInRoute(Rule):
    """
    ## What it does
    Reports a route of a blueprint whose rule starts with the blueprint's effective
    `url_prefix` again, segment for segment: `/api/users` on a blueprint mounted at `/api`.
    The effective prefix is the `url_prefix=` of `register_blueprint(...)` where one is given
    (it replaces the `Blueprint(...)` one), else the `Blueprint(...)` value; for a nested
    blueprint the parent's prefix comes in front. The rule looks at every registration and
    reports when at least one of them repeats the prefix.

    It stays silent when the leading segments differ (`/user` and `/users/...`), when every
    registration replaces the prefix with another, when a prefix is not a literal (read from
    the config), when it contains a URL variable (`/<lang>`), and for a blueprint the project
    never registers visibly while some registration of an unresolved value passes a
    `url_prefix=` of its own.

    ## Why is this bad?
    Flask joins the prefix and the rule, so the route is served at `/api/api/users` and the
    URL everyone expects, `/api/users`, answers 404. Links built with `url_for` hide the
    mistake in the app's own pages; API clients and bookmarks find it.

    ## Example
    ```python
    from flask import Blueprint, Flask

    api = Blueprint("api", __name__, url_prefix="/api")


    @api.route("/api/users")  # error
    def users():
        return {"users": []}


    app = Flask(__name__)
    app.register_blueprint(api)
    ```

    ## Use instead
    ```python
    from flask import Blueprint, Flask

    api = Blueprint("api", __name__, url_prefix="/api")


    @api.route("/users")
    def users():
        return {"users": []}


    app = Flask(__name__)
    app.register_blueprint(api)
    ```

    ## References
    - [Flask: registering blueprints](https://flask.palletsprojects.com/en/stable/blueprints/#registering-blueprints)
    - [Flask: nesting blueprints](https://flask.palletsprojects.com/en/stable/blueprints/#nesting-blueprints)
    """

    code = "FLK501"
    name = "blueprint-prefix-repeated-in-route"
    severity = Severity.WARNING

    valid = [
        # a longer first segment is a different segment
        Valid(
            "from flask import Blueprint, Flask\nbp = Blueprint('user', __name__, url_prefix='/user')\n\n"
            "@bp.route('/users/<int:id>')\ndef show(id):\n    return ''\n\napp = Flask(__name__)\napp.register_blueprint(bp)\n"
        ),
        # the only registration replaces the repeated prefix
        Valid(
            "from flask import Blueprint, Flask\nitems = Blueprint('items', __name__, url_prefix='/api')\n\n"
            "@items.get('/api/items')\ndef index():\n    return ''\n\napp = Flask(__name__)\napp.register_blueprint(items, url_prefix='/v2')\n"
        ),
        # a prefix read from the config cannot be compared
        Valid(
            "from flask import Blueprint, Flask\nbp = Blueprint('forum', __name__, url_prefix='/forum')\n\n"
            "@bp.route('/forum/topics')\ndef topics():\n    return ''\n\n"
            "def create_app():\n    app = Flask(__name__)\n    app.register_blueprint(bp, url_prefix=app.config['FORUM_PREFIX'])\n    return app\n"
        ),
        # routes on the app itself have no prefix; blueprints without one neither
        Valid(
            "from flask import Blueprint, Flask\napp = Flask(__name__)\nbp = Blueprint('pages', __name__)\n\n"
            "@app.route('/api/health')\ndef health():\n    return ''\n\n@bp.route('/pages/about')\ndef about():\n    return ''\n\napp.register_blueprint(bp)\n"
        ),
        Valid(
            "from flask import Blueprint, Flask\nbp = Blueprint('root', __name__, url_prefix='/')\n\n"
            "@bp.route('/x')\ndef x():\n    return ''\n\napp = Flask(__name__)\napp.register_blueprint(bp)\n"
        ),
        # never registered visibly, while a value the checker cannot resolve is registered with a prefix
        Valid(files={
            "portal/__init__.py": (
                "from flask import Flask\nfrom portal.plugins import load_blueprints\n\n"
                "def create_app():\n    app = Flask(__name__)\n    for blueprint, prefix in load_blueprints():\n"
                "        app.register_blueprint(blueprint, url_prefix=prefix)\n    return app\n"
            ),
            "portal/plugins/__init__.py": "def load_blueprints():\n    return []\n",
            "portal/plugins/admin.py": (
                "from flask import Blueprint\nbp = Blueprint('admin', __name__, url_prefix='/admin')\n\n"
                "@bp.route('/admin/users')\ndef users():\n    return ''\n"
            ),
        }),
        # a URL variable in the prefix: Werkzeug rejects the doubled variable instead
        Valid(
            "from flask import Blueprint, Flask\nbp = Blueprint('i18n', __name__, url_prefix='/<lang>')\n\n"
            "@bp.route('/<lang>/home')\ndef home(lang):\n    return ''\n\napp = Flask(__name__)\napp.register_blueprint(bp)\n"
        ),
        # look-alikes: FastAPI's router and Sanic's blueprint are not Flask blueprints
        Valid(
            "from fastapi import APIRouter\nrouter = APIRouter(prefix='/api')\n\n@router.get('/api/users')\ndef users():\n    return []\n"
        ),
        Valid(
            "from sanic import Blueprint\nbp = Blueprint('api', url_prefix='/api')\n\n@bp.route('/api/users')\nasync def users(request):\n    return None\n"
        ),
    ]
    invalid = [
        Invalid(
            "from flask import Blueprint, Flask\nitems = Blueprint('items', __name__, url_prefix='/api')\n\n"
            "@items.get('/v2/items')  # error\ndef index():\n    return ''\n\napp = Flask(__name__)\napp.register_blueprint(items, url_prefix='/v2')\n",
            message="rule `/v2/items` repeats the prefix `/v2` of blueprint `items`: Flask serves it at `/v2/v2/items`",
        ),
        # `import flask` style, add_url_rule, a rule without its leading slash
        Invalid(
            "import flask\nbp = flask.Blueprint('admin', __name__, url_prefix='/admin/')\n\n"
            "def dashboard():\n    return ''\n\n"
            "bp.add_url_rule('admin/dashboard', view_func=dashboard)  # error\n"
            "bp.add_url_rule('/administrators', 'list', dashboard)\n"
            "app = flask.Flask(__name__)\napp.register_blueprint(bp)\n"
        ),
        # a package: blueprints in a sub-package, registered by the factory through an alias
        Invalid(files={
            "shop/__init__.py": (
                "from flask import Flask\nfrom shop.blueprints import api as api_module\n\n"
                "def create_app():\n    app = Flask(__name__)\n    app.register_blueprint(api_module.bp)\n    return app\n"
            ),
            "shop/blueprints/__init__.py": "",
            "shop/blueprints/api.py": "from flask import Blueprint as B\nbp = B('api', __name__, url_prefix='/api/v1')\n",
            "shop/blueprints/views.py": (
                "from .api import bp\n\n@bp.route('/api/v1/orders/<int:order_id>', methods=['GET'])  # error\n"
                "def order(order_id):\n    return ''\n\n@bp.route('/api/orders')\ndef orders():\n    return ''\n"
            ),
        }),
        # nested: the parent's prefix comes in front of the child's
        Invalid(
            "from flask import Blueprint, Flask\napi = Blueprint('api', __name__, url_prefix='/api')\n"
            "v1 = Blueprint('v1', __name__, url_prefix='/v1')\nplain = Blueprint('plain', __name__)\n\n"
            "@v1.route('/api/v1/users')  # error\ndef users():\n    return ''\n\n"
            "@v1.route('/v1/items')\ndef items():\n    return ''\n\n"
            "@plain.route('/api/status')  # error\ndef status():\n    return ''\n\n"
            "api.register_blueprint(v1)\napi.register_blueprint(plain)\napp = Flask(__name__)\napp.register_blueprint(api)\n",
            message="rule `/api/v1/users` repeats the prefix `/api/v1` of blueprint `v1`: Flask serves it at `/api/v1/api/v1/users`",
        ),
        # one of two registrations keeps the repeated prefix; registration through a loop
        Invalid(
            "from flask import Blueprint, Flask\nbp = Blueprint('docs', __name__, url_prefix='/docs')\nother = Blueprint('other', __name__)\n\n"
            "@bp.route('/docs/index')  # error\ndef index():\n    return ''\n\n"
            "def create_app():\n    app = Flask(__name__)\n    for blueprint in (bp, other):\n        app.register_blueprint(blueprint)\n"
            "    app.register_blueprint(bp, url_prefix='/help', name='help')\n    return app\n"
        ),
        # apiflask's APIBlueprint takes url_prefix as a keyword
        Invalid(
            "from apiflask import APIBlueprint, APIFlask\npets = APIBlueprint('pets', __name__, url_prefix='/pets')\n\n"
            "@pets.get('/pets')  # error\ndef index():\n    return []\n\napp = APIFlask(__name__)\napp.register_blueprint(pets)\n"
        ),
        # never registered: the Blueprint's own prefix is the one it would get
        Invalid(
            "from flask import Blueprint\nbp = Blueprint('reports', __name__, url_prefix='/reports')\n\n"
            "@bp.route('/reports/monthly')  # error\ndef monthly():\n    return ''\n"
        ),
    ]

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        routing = RoutingIndex.of(index)
        prefixed_unknown = any(r.url_prefix is not None for r in routing.unresolved_registrations)
        for route in routing.routes:
            if not route.owner.is_blueprint or route.rule == UNKNOWN:
                continue
            if not routing.is_registered(route.owner.key) and prefixed_unknown:
                continue
            repeated = _repeated_prefix(route, routing.effective_prefixes(route.owner.key))
            if repeated is None:
                continue
            name = routing.blueprints[route.owner.key].name
            served = repeated.rstrip("/") + "/" + route.rule.lstrip("/")
            ctx.report_fact(route.fact(self.code), f"rule `{route.rule}` repeats the prefix `{repeated}` of blueprint `{name}`: Flask serves it at `{served}`")


def _repeated_prefix(route: Route, prefixes: list[str | None]) -> str | None:
    """The first effective prefix the rule starts with again, segment for segment."""
    rule = prefix_segments(route.rule)
    for prefix in prefixes:
        segments = prefix_segments(prefix)
        if not segments or any("<" in segment for segment in segments):
            continue
        if rule[: len(segments)] == segments:
            return prefix
    return None
