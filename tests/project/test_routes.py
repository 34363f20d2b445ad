"""The routing index from real files: blueprints, registrations, prefixes, routes, endpoints,
hooks, error handlers and the flags for endpoints the checker cannot see."""

from __future__ import annotations

import pickle

from flaskcheck.engine.analysis import analyze_file
from flaskcheck.engine.files import Excluder, discover
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import (
    ANY_METHOD,
    UNKNOWN,
    Owner,
    RoutingIndex,
    join_prefix,
    prefix_segments,
)
from flaskcheck.semantic.routing import FlaskModule, rule_variables
from tests.conftest import write_tree


def index_of(root, files) -> ProjectIndex:
    write_tree(root, files)
    found, _ = discover([root], root, root, Excluder([]), lambda rel: False)
    return ProjectIndex([analyze_file(f).summary for f in found])


def routing_of(root, files) -> RoutingIndex:
    return RoutingIndex(index_of(root, files))


SHOP = {
    "shop/__init__.py": (
        "from flask import Flask\nfrom shop.blueprints import api as api_module, catalog\nfrom shop.blueprints.admin import admin, reports\n\n"
        "def create_app():\n    app = Flask(__name__)\n"
        "    for bp in (catalog.bp, admin):\n        app.register_blueprint(bp)\n"
        "    app.register_blueprint(api_module.api, url_prefix='/v2', name='api_v2')\n"
        "    app.register_blueprint(api_module.api)\n"
        "    admin.register_blueprint(reports, url_prefix='/r')\n\n"
        "    @app.before_request\n    def open_db():\n        pass\n\n"
        "    @app.route('/health', methods=['GET', 'HEAD'])\n    def health():\n        return 'ok'\n\n"
        "    return app\n"
    ),
    "shop/blueprints/__init__.py": "",
    "shop/blueprints/catalog.py": (
        "from flask import Blueprint\nfrom flask.views import MethodView\n"
        "bp = Blueprint('catalog', __name__, static_folder='static', template_folder='templates')\n\n"
        "@bp.route('/')\n@bp.route('/page/<int:page>')\ndef index(page=1):\n    return ''\n\n"
        "class ItemAPI(MethodView):\n    def get(self, item_id):\n        return ''\n\n    def delete(self, item_id):\n        return ''\n\n"
        "bp.add_url_rule('/items/<int:item_id>', view_func=ItemAPI.as_view('item'))\n"
        "bp.add_url_rule('/about', 'about_page', index, methods=['GET'])\n\n"
        "@bp.errorhandler(404)\ndef not_found(error):\n    return 'nf', 404\n"
    ),
    "shop/blueprints/api.py": (
        "import flask\napi = flask.Blueprint('api', __name__, url_prefix='/api')\n\n"
        "@api.post('/orders/<uuid:order_id>/lines/<path:rest>', endpoint='order_lines')\ndef lines(order_id, rest):\n    return ''\n"
    ),
    "shop/blueprints/admin.py": (
        "from flask import Blueprint, g\nfrom werkzeug.exceptions import NotFound\n"
        "admin = Blueprint('admin', __name__, url_prefix='/admin')\nreports = Blueprint('reports', __name__, url_prefix='/reports')\n\n"
        "@admin.before_request\ndef load_account():\n    g.account = 1\n\n"
        "@admin.before_app_request\ndef everywhere():\n    pass\n\n"
        "def count():\n    pass\n\nadmin.after_request(count)\n\n"
        "@admin.app_errorhandler(NotFound)\ndef nf(error):\n    return 'nf', 404\n\n"
        "@reports.get('/monthly')\ndef monthly():\n    return ''\n"
    ),
}


def test_blueprints_and_their_arguments(tmp_path):
    routing = routing_of(tmp_path, SHOP)
    assert sorted(routing.blueprints) == ["shop.blueprints.admin.admin", "shop.blueprints.admin.reports", "shop.blueprints.api.api", "shop.blueprints.catalog.bp"]
    catalog = routing.blueprints["shop.blueprints.catalog.bp"]
    assert (catalog.name, catalog.url_prefix, catalog.static_folder, catalog.template_folder) == ("catalog", None, "static", "templates")
    assert (catalog.module, catalog.variable, catalog.relative, catalog.line) == ("shop.blueprints.catalog", "bp", "shop/blueprints/catalog.py", 3)
    assert routing.blueprints["shop.blueprints.api.api"].url_prefix == "/api"


def test_registrations_resolve_through_imports_aliases_and_loops(tmp_path):
    routing = routing_of(tmp_path, SHOP)
    assert not routing.has_unresolved_registrations
    assert all(routing.is_registered(key) for key in routing.blueprints)
    [nested] = routing.registrations_of("shop.blueprints.admin.reports")
    assert nested.owner == Owner("blueprint", "shop.blueprints.admin.admin")
    app = Owner("app", "shop.create_app()")
    assert {r.owner for r in routing.registrations_of("shop.blueprints.api.api")} == {app}
    assert routing.parents("shop.blueprints.admin.reports") == {"shop.blueprints.admin.admin"}
    assert routing.is_nested_in("shop.blueprints.admin.reports", "shop.blueprints.admin.admin")
    assert not routing.is_nested_in("shop.blueprints.admin.admin", "shop.blueprints.admin.reports")


def test_effective_prefixes_and_names_follow_flask(tmp_path):
    routing = routing_of(tmp_path, SHOP)
    api = routing.mounts("shop.blueprints.api.api")
    assert [(m.app, m.url_prefix, m.name) for m in api] == [("shop.create_app()", "/v2", "api_v2"), ("shop.create_app()", "/api", "api")]
    assert routing.effective_prefixes("shop.blueprints.api.api") == ["/v2", "/api"]
    [reports] = routing.mounts("shop.blueprints.admin.reports")
    assert (reports.url_prefix, reports.name, reports.parents) == ("/admin/r", "admin.reports", ("shop.blueprints.admin.admin",))
    assert routing.effective_prefixes("shop.blueprints.catalog.bp") == [None]


def test_routes_with_rules_methods_endpoints_and_variables(tmp_path):
    routing = routing_of(tmp_path, SHOP)
    catalog = {(r.rule, r.endpoint): r for r in routing.blueprint_routes("shop.blueprints.catalog.bp")}
    assert set(catalog) == {("/", "index"), ("/page/<int:page>", "index"), ("/items/<int:item_id>", "item"), ("/about", "about_page")}
    page = catalog[("/page/<int:page>", "index")]
    assert (page.methods, page.variables, page.function, page.view, page.module, page.line) == (
        ("GET",), ("page",), "index", "shop.blueprints.catalog.index", "shop.blueprints.catalog", 6)
    item = catalog[("/items/<int:item_id>", "item")]
    assert (item.methods, item.view_class, item.function) == (("DELETE", "GET"), "shop.blueprints.catalog.ItemAPI", "item")
    assert catalog[("/about", "about_page")].definition.explicit_endpoint
    [lines] = routing.blueprint_routes("shop.blueprints.api.api")
    assert (lines.methods, lines.endpoint, lines.variables) == (("POST",), "order_lines", ("order_id", "rest"))
    [health] = routing.app_routes("shop.create_app()")
    assert (health.rule, health.methods, health.owner) == ("/health", ("GET", "HEAD"), Owner("app", "shop.create_app()"))
    assert [r.rule for r in routing.routes_of_view("shop.blueprints.catalog.ItemAPI")] == ["/items/<int:item_id>"]
    assert routing.apps == {"shop.create_app()"}


def test_endpoint_names_as_flask_builds_them(tmp_path):
    routing = routing_of(tmp_path, SHOP)
    [lines] = routing.blueprint_routes("shop.blueprints.api.api")
    assert routing.endpoints_of(lines) == ["api_v2.order_lines", "api.order_lines"]
    [monthly] = routing.blueprint_routes("shop.blueprints.admin.reports")
    assert routing.endpoints_of(monthly) == ["admin.reports.monthly"]
    assert routing.endpoint_names() == {
        "static", "health", "catalog.index", "catalog.item", "catalog.about_page", "catalog.static",
        "api_v2.order_lines", "api.order_lines", "admin.reports.monthly",
    }
    assert not routing.has_unseen_endpoints


def test_hooks_and_error_handlers_with_their_scope(tmp_path):
    routing = routing_of(tmp_path, SHOP)
    hooks = {h.function: h for h in routing.hooks}
    assert hooks["shop.create_app.open_db"].scope == "app"
    assert (hooks["shop.blueprints.admin.load_account"].scope, hooks["shop.blueprints.admin.load_account"].blueprint) == ("blueprint", "shop.blueprints.admin.admin")
    assert hooks["shop.blueprints.admin.everywhere"].scope == "app"
    assert (hooks["shop.blueprints.admin.count"].kind, hooks["shop.blueprints.admin.count"].scope) == ("after_request", "blueprint")
    admin_views = {h.function for h in routing.hooks_running_for(Owner("blueprint", "shop.blueprints.admin.reports"), "before_request")}
    assert admin_views == {"shop.create_app.open_db", "shop.blueprints.admin.load_account", "shop.blueprints.admin.everywhere"}
    catalog_views = {h.function for h in routing.hooks_running_for(Owner("blueprint", "shop.blueprints.catalog.bp"))}
    assert catalog_views == {"shop.create_app.open_db", "shop.blueprints.admin.everywhere"}
    handlers = {(h.code, h.exception, h.app_wide, h.owner.kind) for h in routing.error_handlers}
    assert handlers == {(404, None, False, "blueprint"), (None, "werkzeug.exceptions.NotFound", True, "blueprint")}


def test_collections_functions_and_smorest_api(tmp_path):
    routing = routing_of(tmp_path, {
        "api/__init__.py": (
            "from flask import Flask\nfrom flask_smorest import Api\nfrom api.resources import BLUEPRINTS, make_blueprint\n\n"
            "def create_app():\n    app = Flask(__name__)\n    api = Api(app)\n"
            "    for blp in BLUEPRINTS:\n        api.register_blueprint(blp)\n"
            "    for blp, prefix in [(make_blueprint(), '/made'), (BLUEPRINTS[0], '/again')]:\n        app.register_blueprint(blp, url_prefix=prefix)\n"
            "    return app\n"
        ),
        "api/resources.py": (
            "from flask_smorest import Blueprint\npets = Blueprint('pets', __name__, url_prefix='/pets')\n"
            "users = Blueprint('users', __name__)\nBLUEPRINTS = [pets, users]\n\n"
            "def make_blueprint():\n    made = Blueprint('made', __name__)\n    return made\n"
        ),
    })
    assert routing.has_unresolved_registrations  # `BLUEPRINTS[0]` is a subscript
    assert routing.is_registered("api.resources.pets") and routing.is_registered("api.resources.users")
    assert routing.blueprints["api.resources.make_blueprint.made"].definition.returned_by == "api.resources.make_blueprint"
    [made] = routing.mounts("api.resources.make_blueprint.made")
    assert (made.url_prefix, made.app) == ("/made", "api.create_app()")
    [pets] = routing.mounts("api.resources.pets")
    assert (pets.url_prefix, pets.app) == ("/pets", None)  # registered on the smorest Api: app unknown


def test_unresolved_registrations_and_unseen_endpoints(tmp_path):
    routing = routing_of(tmp_path, {
        "app.py": (
            "from flask import Blueprint, Flask\nfrom flask_restx import Api\nfrom flask_admin import Admin\n"
            "from plugins import load\nfrom flask_dance.contrib.github import make_github_blueprint\n\n"
            "app = Flask(__name__)\nbp = Blueprint('b', __name__)\n\n"
            "def register(target, blueprint):\n    target.register_blueprint(blueprint)\n\n"
            "list(map(app.register_blueprint, load()))\napp.register_blueprint(make_github_blueprint())\n"
            "app.add_url_rule('/x', endpoint=ENDPOINT_NAME, view_func=lambda: '')\n"
            "register_view(bp, routes=['/y'], view_func=View.as_view('y_view'))\n\n"
            "def init(application):\n    application.add_url_rule('/z', 'z', lambda: 'z')\n"
        ),
        "plugins.py": "def load():\n    return []\n",
    })
    reasons = sorted(u.reason for u in routing.unseen)
    assert reasons == sorted([
        "`flask_restx` adds endpoints through its own API",
        "`flask_admin` adds endpoints through its own API",
        "a blueprint registered through a value the checker cannot resolve",
        "a blueprint registered through a value the checker cannot resolve",
        "a blueprint the checker does not model (`flask_dance.contrib.github.make_github_blueprint`, from outside the project)",
        "an endpoint given as an expression the checker cannot evaluate",
        "a view registered through code the checker cannot follow",
        "a route on an object the checker cannot resolve",
    ])
    assert len(routing.unresolved_registrations) == 2
    assert routing.loose_endpoints == {"y_view", "z"}
    [dynamic] = [r for r in routing.routes if r.rule == "/x"]
    assert dynamic.endpoint == UNKNOWN
    [loose] = routing.unresolved_routes
    assert (loose.rule, loose.endpoint, loose.owner.kind) == ("/z", "z", "unknown")


def test_look_alikes_are_not_routes(tmp_path):
    routing = routing_of(tmp_path, {
        "api.py": (
            "from fastapi import APIRouter, FastAPI\nfrom sanic import Blueprint\napp = FastAPI()\nrouter = APIRouter()\nbp = Blueprint('b')\n\n"
            "@app.get('/a')\ndef a():\n    return 1\n\n@router.route('/b')\ndef b():\n    return 2\n\n@bp.route('/c')\nasync def c(request):\n    return 3\n"
        ),
    })
    assert routing.routes == [] and routing.unresolved_routes == [] and routing.blueprints == {}


def test_apps_made_by_a_factory_share_one_key_and_rebound_names_do_not(tmp_path):
    routing = routing_of(tmp_path, {
        "wsgi.py": "from site_app import create_app\napp = create_app()\n\n@app.route('/extra')\ndef extra():\n    return ''\n",
        "site_app.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.add_url_rule('/', 'home', lambda: '')\n    return app\n",
        "tests/test_apps.py": (
            "import flask\nfrom site_app import create_app\n\ndef test_two_apps():\n    app = flask.Flask(__name__)\n    app.add_url_rule('/', 'a', lambda: '')\n"
            "    app = flask.Flask(__name__)\n    app.add_url_rule('/', 'a', lambda: '')\n\n"
            "def test_factory():\n    app = create_app()\n    app.add_url_rule('/t', 't', lambda: '')\n"
        ),
    })
    assert {r.rule for r in routing.app_routes("site_app.create_app()")} == {"/", "/extra"}
    assert {r.owner.key for r in routing.routes if r.in_test} == {
        "test_apps.test_two_apps.app@5", "test_apps.test_two_apps.app@7", "test_apps.test_factory.app",
    }


def test_namesake_modules_keep_their_blueprints_apart(tmp_path):
    blueprint = "from flask import Blueprint\nbp = Blueprint('{name}', __name__)\n"
    app = "from flask import Flask\nfrom views import bp\napp = Flask(__name__)\napp.register_blueprint(bp)\n"
    routing = routing_of(tmp_path, {
        "one/app.py": app, "one/views.py": blueprint.format(name="one"),
        "two/app.py": app, "two/views.py": blueprint.format(name="two"),
    })
    assert sorted(routing.blueprints) == ["views.bp@one/views.py", "views.bp@two/views.py"]
    assert all(routing.is_registered(key) for key in routing.blueprints)
    assert {r.owner.key for r in routing.registrations} == {"app.app@one/app.py", "app.app@two/app.py"}


def test_module_facts_are_plain_and_absent_when_empty(tmp_path):
    index = index_of(tmp_path, {"plain.py": "import os\nx = os.getcwd()\n", "views.py": SHOP["shop/blueprints/catalog.py"]})
    plain, views = index.modules["plain"], index.modules["views"]
    assert plain.flask is None
    assert isinstance(views.flask, FlaskModule)
    assert pickle.loads(pickle.dumps(views)).flask == views.flask


def test_the_index_is_built_once_per_project_index(tmp_path):
    index = index_of(tmp_path, SHOP)
    assert RoutingIndex.of(index) is RoutingIndex.of(index)


def test_small_helpers():
    assert rule_variables("/u/<int:user_id>/<path:rest>/<name>") == ("user_id", "rest", "name")
    assert rule_variables("/r/<regex('[a-z]{2}'):lang>") == ("lang",)
    assert prefix_segments("/api/v1/") == ("api", "v1") and prefix_segments(None) == () and prefix_segments(UNKNOWN) == ()
    assert join_prefix("/api/", "/v1") == "/api/v1" and join_prefix(None, "/v1") == "/v1" and join_prefix("/api", None) == "/api"
    assert join_prefix("/api", UNKNOWN) == UNKNOWN
    assert ANY_METHOD == "*"
