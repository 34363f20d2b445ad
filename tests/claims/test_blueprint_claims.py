"""Claims proved: the consequence each 5xx blueprint rule's docs state, shown on real Flask.

Each test writes a small app, imports it, drives it with the test client (no network, no
server), and lints the same source to tie the claim to the rule's finding.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

import pytest
from flask import Blueprint, Flask, url_for
from werkzeug.routing import BuildError

from flaskcheck.engine.examples import lint_folder

_MODULE_NUMBERS = itertools.count()


def load_module(folder: Path, source: str):
    """Write `source` as `app.py` in `folder` and import it under a fresh name."""
    path = folder / "app.py"
    path.write_text(source, encoding="utf-8")
    name = f"flk_blueprint_claim_{next(_MODULE_NUMBERS)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def write_app(folder: Path, source: str) -> None:
    (folder / "app.py").write_text(source, encoding="utf-8")


def flagged(folder: Path, code: str) -> list[tuple[int, str]]:
    return [(d.line, d.severity.value) for d in lint_folder(folder, (code,)) if d.code == code]


# -- FLK501 blueprint-prefix-repeated-in-route ---------------------------------------------------

PREFIX_APP = """\
from flask import Blueprint, Flask

api = Blueprint("api", __name__, url_prefix="/api")
items = Blueprint("items", __name__, url_prefix="/api")
v1 = Blueprint("v1", __name__, url_prefix="/v1")


@api.route("/api/users")
def users():
    return "users"


@items.route("/api/items")
def list_items():
    return "items"


@v1.route("/api/v1/ping")
def ping():
    return "pong"


api.register_blueprint(v1)
app = Flask(__name__)
app.register_blueprint(api)
app.register_blueprint(items, url_prefix="/v2")
"""


def test_flk501_the_prefix_is_doubled_and_a_registration_prefix_replaces_the_blueprints(tmp_path):
    module = load_module(tmp_path, PREFIX_APP)
    assert flagged(tmp_path, "FLK501") == [(8, "warning"), (18, "warning")]
    client = module.app.test_client()
    assert client.get("/api/users").status_code == 404
    assert client.get("/api/api/users").text == "users"
    # the registration's url_prefix replaces the Blueprint's: /v2, not /api/v2
    assert client.get("/v2/api/items").text == "items"
    assert client.get("/api/v2/api/items").status_code == 404
    # a nested blueprint gets its parent's prefix in front
    assert client.get("/api/v1/api/v1/ping").text == "pong"
    assert client.get("/api/v1/ping").status_code == 404


# -- FLK502 blueprint-errorhandler-for-routing-error ---------------------------------------------

HANDLER_APP = """\
from flask import Blueprint, Flask, abort

shop = Blueprint("shop", __name__, url_prefix="/shop")


@shop.errorhandler(404)
def shop_not_found(error):
    return "shop 404", 404


@shop.errorhandler(405)
def shop_not_allowed(error):
    return "shop 405", 405


@shop.get("/cart")
def cart():
    return "cart"


app = Flask(__name__)
app.register_blueprint(shop)
"""


def test_flk502_a_blueprint_handler_never_sees_unmatched_urls_or_methods(tmp_path):
    module = load_module(tmp_path, HANDLER_APP)
    assert flagged(tmp_path, "FLK502") == [(6, "warning"), (11, "warning")]
    client = module.app.test_client()
    unmatched = client.get("/shop/nope")
    assert unmatched.status_code == 404 and "shop 404" not in unmatched.text  # Flask's own page
    wrong_method = client.post("/shop/cart")
    assert wrong_method.status_code == 405 and "shop 405" not in wrong_method.text


def test_flk502_stays_silent_when_the_blueprints_own_view_raises_404(tmp_path):
    source = HANDLER_APP.replace('    return "cart"', '    abort(404)').replace('@shop.errorhandler(405)', '@shop.app_errorhandler(405)')
    module = load_module(tmp_path, source)
    assert flagged(tmp_path, "FLK502") == []
    client = module.app.test_client()
    assert client.get("/shop/cart").text == "shop 404"  # raised in the blueprint's view: its handler runs
    assert client.post("/shop/cart").text == "shop 405"  # app-wide handler: runs for routing errors


# -- FLK503 duplicate-endpoint -------------------------------------------------------------------

DUPLICATE_APP = """\
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "home"


@app.route("/about")
def index():
    return "about"
"""


def test_flk503_two_functions_under_one_endpoint_fail_at_start_up(tmp_path):
    write_app(tmp_path, DUPLICATE_APP)
    assert flagged(tmp_path, "FLK503") == [(11, "error")]
    with pytest.raises(AssertionError, match="View function mapping is overwriting an existing endpoint function: index"):
        load_module(tmp_path, DUPLICATE_APP)


BLUEPRINT_DUPLICATE_APP = """\
from flask import Blueprint, Flask
from flask.views import MethodView

api = Blueprint("api", __name__)


class Users(MethodView):
    def get(self, id=None):
        return "users"


api.add_url_rule("/users", view_func=Users.as_view("users"))
api.add_url_rule("/users/<int:id>", view_func=Users.as_view("users"))


def create_app():
    app = Flask(__name__)
    app.register_blueprint(api)
    return app
"""


def test_flk503_on_a_blueprint_the_assertion_comes_when_it_is_registered(tmp_path):
    module = load_module(tmp_path, BLUEPRINT_DUPLICATE_APP)  # defining the blueprint works
    assert flagged(tmp_path, "FLK503") == [(13, "error")]
    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: api.users"):
        module.create_app()


def test_flk503_one_function_with_several_routes_is_fine():
    app = Flask(__name__)

    @app.route("/")
    @app.route("/index")
    def index():
        return "home"

    client = app.test_client()
    assert client.get("/").text == client.get("/index").text == "home"


SHADOWED_APP = """\
from flask import Blueprint, Flask

app = Flask(__name__)


@app.route("/login", methods=["GET", "POST"])
def login():
    return "first"


@app.post("/login")
def do_login():
    return "second"
"""


def test_flk503_the_same_rule_and_method_twice_leaves_the_second_unreachable(tmp_path):
    module = load_module(tmp_path, SHADOWED_APP)
    assert flagged(tmp_path, "FLK503") == [(11, "warning")]
    client = module.app.test_client()
    assert client.post("/login").text == "first"
    assert client.get("/login").text == "first"


# -- FLK504 blueprint-never-registered -----------------------------------------------------------

UNREGISTERED_APP = """\
from flask import Blueprint, Flask

main = Blueprint("main", __name__)
reports = Blueprint("reports", __name__, url_prefix="/reports")


@main.route("/")
def index():
    return "home"


@reports.route("/monthly")
def monthly():
    return "report"


app = Flask(__name__)
app.register_blueprint(main)
"""


def test_flk504_an_unregistered_blueprint_serves_nothing_and_url_for_fails(tmp_path):
    module = load_module(tmp_path, UNREGISTERED_APP)
    assert flagged(tmp_path, "FLK504") == [(4, "warning")]
    client = module.app.test_client()
    assert client.get("/").text == "home"
    assert client.get("/reports/monthly").status_code == 404
    with module.app.test_request_context(), pytest.raises(BuildError):
        url_for("reports.monthly")


# -- FLK505 blueprint-hook-scope -----------------------------------------------------------------

HOOK_APP = """\
from flask import Blueprint, Flask, g

admin = Blueprint("admin", __name__, url_prefix="/admin")
child = Blueprint("child", __name__, url_prefix="/child")
shop = Blueprint("shop", __name__, url_prefix="/shop")


@admin.before_request
def load_account():
    g.account = "root"


@admin.route("/")
def dashboard():
    return g.account


@child.route("/")
def nested():
    return g.account


@shop.route("/")
def storefront():
    return g.account


@shop.route("/safe")
def safe():
    return g.get("account") or "anonymous"


app = Flask(__name__)


@app.route("/")
def home():
    return g.account


admin.register_blueprint(child)
app.register_blueprint(admin)
app.register_blueprint(shop)
"""


def test_flk505_a_blueprint_hook_does_not_run_for_other_blueprints_or_the_app(tmp_path):
    module = load_module(tmp_path, HOOK_APP)
    assert flagged(tmp_path, "FLK505") == [(25, "warning")]  # once per module: the first offending read
    module.app.config["PROPAGATE_EXCEPTIONS"] = True
    client = module.app.test_client()
    assert client.get("/admin/").text == "root"
    assert client.get("/admin/child/").text == "root"  # nested blueprints run their parent's hooks
    assert client.get("/shop/safe").text == "anonymous"
    for url in ("/shop/", "/"):
        with pytest.raises(AttributeError, match="^account$"):
            client.get(url)


def test_flk505_an_app_wide_hook_runs_for_every_blueprint():
    app = Flask(__name__)
    admin = Blueprint("admin", __name__)
    shop = Blueprint("shop", __name__)

    @admin.before_app_request
    def load_account():
        from flask import g

        g.account = "root"

    @shop.route("/")
    def storefront():
        from flask import g

        return g.account

    app.register_blueprint(admin)
    app.register_blueprint(shop)
    assert app.test_client().get("/").text == "root"
