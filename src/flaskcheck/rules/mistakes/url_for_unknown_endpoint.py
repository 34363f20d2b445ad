"""FLK805."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext, TextContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex
from flaskcheck.project.routes import UNKNOWN, Route, RoutingIndex
from flaskcheck.semantic.flask import flask_name, keyword_value
from flaskcheck.semantic.templates import is_template_path, template_url_for_calls


class UrlForUnknownEndpoint(Rule):
    """
    ## What it does
    Checks every `url_for("name")` with a constant endpoint, in Python modules and in Jinja
    templates, against the endpoints the project's routes define: app views (`"index"`),
    blueprint views (`"bp_name.func"`, with the name the blueprint is registered under),
    relative `".func"` in a module whose routes all belong to one blueprint, `"static"`,
    `"<bp>.static"` for blueprints with a `static_folder`, `add_url_rule` endpoints and
    `View.as_view("name")`. It also reports a call that omits a URL variable the endpoint's
    only rule requires (`/user/<int:id>` without `id=`), unless the app or the blueprint
    registers a `url_defaults` function that may supply it.

    It stays silent whenever the project defines endpoints the checker cannot see
    (Flask-RESTful/RESTX resources, Flask-Admin, Flask-AppBuilder, Connexion, a non-literal
    `endpoint=`, routes on objects it cannot resolve, blueprints registered dynamically), for
    a non-constant endpoint, for `**values`, and for relative endpoints in templates (they
    depend on the blueprint of the current request). Templates are the files below a folder
    named `templates` (`.html`, `.jinja`, `.jinja2`, `.j2`, `.txt`, `.xml`), below the
    literal `template_folder=` of an app or blueprint (relative to its module), and below
    the folders listed in the `templates` key of `[tool.flaskcheck]`, parsed with Jinja2's
    own parser. A template Jinja cannot parse is reported as FLK001.

    ## Why is this bad?
    `url_for` raises `werkzeug.routing.BuildError` for an endpoint no route defines, or
    when a required variable is missing: the page that builds the link fails with a 500,
    typically after a view was renamed or moved into a blueprint.

    ## Example
    ```python
    from flask import Flask, redirect, url_for

    app = Flask(__name__)


    @app.route("/")
    def index():
        return redirect(url_for("home"))  # error


    @app.route("/user/<int:user_id>")
    def profile(user_id):
        return redirect(url_for("profile"))  # error
    ```

    ## Use instead
    ```python
    from flask import Flask, redirect, url_for

    app = Flask(__name__)


    @app.route("/")
    def index():
        return redirect(url_for("index"))


    @app.route("/user/<int:user_id>")
    def profile(user_id):
        return redirect(url_for("profile", user_id=user_id))
    ```

    ## References
    - [Flask: URL building](https://flask.palletsprojects.com/en/stable/quickstart/#url-building)
    - [Flask API: `url_for`](https://flask.palletsprojects.com/en/stable/api/#flask.url_for)
    """

    code = "FLK805"
    name = "url-for-unknown-endpoint"
    severity = Severity.ERROR

    valid = [
        Valid("""
from flask import Flask, url_for
from flask.views import MethodView

app = Flask(__name__)


class UserAPI(MethodView):
    def get(self):
        return url_for("users") + url_for("static", filename="app.css")


app.add_url_rule("/users", view_func=UserAPI.as_view("users"))
app.add_url_rule("/old", "legacy", lambda: "old")


def links():
    return url_for("legacy")
"""),
        Valid(files={
            "shop/__init__.py": """
from flask import Flask


def create_app():
    app = Flask(__name__)
    from shop.views import bp
    app.register_blueprint(bp, url_prefix="/shop")
    return app
""",
            "shop/views.py": """
from flask import Blueprint, url_for

bp = Blueprint("shop", __name__, static_folder="static")


@bp.route("/")
def index():
    return url_for(".index") + url_for("shop.index") + url_for("shop.static", filename="x.css")
""",
        }),
        # the app registers `url_defaults`: `lang` may be supplied there
        Valid("""
from flask import Flask, g, url_for

app = Flask(__name__)


@app.url_defaults
def add_language(endpoint, values):
    values.setdefault("lang", g.lang)


@app.route("/<lang>/about")
def about(lang):
    return url_for("about")
"""),
        # endpoints the checker cannot see: stay silent
        Valid("""
from flask import Flask, url_for
from flask_restful import Api, Resource

app = Flask(__name__)
api = Api(app)


class Item(Resource):
    def get(self):
        return {"next": url_for("item_list")}


api.add_resource(Item, "/item", endpoint="item_list")
"""),
        Valid("""
from flask import Flask, url_for

app = Flask(__name__)
ENDPOINT = get_endpoint_name()
app.add_url_rule("/x", ENDPOINT, lambda: "x")


@app.route("/")
def index():
    return url_for("anything")
"""),
        # not a constant endpoint, `**values`, and a `url_for` that is not Flask's
        Valid("""
from flask import Flask, url_for

app = Flask(__name__)


def url_for_local(url_for, name):
    return url_for(name)


@app.route("/u/<int:user_id>")
def user(user_id):
    target = request_target()
    return url_for(target) + url_for("user", **{"user_id": user_id})
"""),
        # several rules for one endpoint: the variable is not required by "its only rule"
        Valid("""
from flask import Flask, url_for

app = Flask(__name__)


@app.route("/posts/")
@app.route("/posts/<int:page>")
def posts(page=1):
    return url_for("posts")
"""),
        Valid(files={
            "app.py": """
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "home"
""",
            "templates/base.html": """<a href="{{ url_for('index') }}">home</a>
<link href="{{ url_for('static', filename='app.css') }}">
{{ url_for(endpoint_name) }} {{ url_for('.relative') }}
""",
        }),
    ]
    invalid = [
        Invalid("""
import flask

app = flask.Flask(__name__)


@app.route("/")
def index():
    return flask.url_for("indx")  # error
""", message="`url_for(\"indx\")`: no route defines endpoint `indx`: Flask raises `BuildError`"),
        Invalid("""
from flask import Flask, url_for as link

app = Flask(__name__)


@app.get("/orders/<int:order_id>/items/<item>")
def item(order_id, item):
    return link("item", order_id=1)  # error
""", message="`url_for(\"item\")` omits `item`, which the rule `/orders/<int:order_id>/items/<item>` requires: Flask raises `BuildError`"),
        # a blueprint view is `<blueprint name>.<function>`, not the bare function name
        Invalid(files={
            "shop/__init__.py": """
from flask import Flask
from shop.views import bp

app = Flask(__name__)
app.register_blueprint(bp)
""",
            "shop/views.py": """
from flask import Blueprint, redirect, url_for

bp = Blueprint("store", __name__)


@bp.route("/cart")
def cart():
    return redirect(url_for("cart"))  # error


@bp.route("/checkout")
def checkout():
    return redirect(url_for("shop.cart"))  # error


@bp.route("/pay")
def pay():
    return redirect(url_for(".carts"))  # error
""",
        }),
        # no static folder on the blueprint
        Invalid(files={
            "app.py": """
from flask import Blueprint, Flask, url_for

app = Flask(__name__)
admin = Blueprint("admin", __name__)


@admin.route("/")
def home():
    return url_for("admin.static", filename="a.css")  # error


app.register_blueprint(admin, url_prefix="/admin")
""",
        }),
        # inside a factory, and in a template
        Invalid(files={
            "blog/__init__.py": """
from flask import Flask, render_template, url_for


def create_app():
    app = Flask(__name__)

    @app.route("/")
    def index():
        return render_template("index.html", feed=url_for("feed"))  # error

    @app.route("/post/<slug>")
    def post(slug):
        return "post"

    return app
""",
            "blog/templates/index.html": """<ul>
  <li><a href="{{ url_for('index') }}">home</a></li>
  <li><a href="{{ url_for('archive') }}">archive</a></li> # error
  {% for p in posts %}<a href="{{ url_for('post') }}">{{ p }}</a>{% endfor %} # error
</ul>
""",
        }),
    ]

    # -- per file ------------------------------------------------------------------------------

    reads_templates = True  # and the folders of the `templates` config key

    @classmethod
    def is_text_target(cls, relative_path: str) -> bool:
        return is_template_path(relative_path)

    def check_text(self, ctx: TextContext) -> None:
        calls, error = template_url_for_calls(ctx.text)
        if error is not None:
            ctx.report_syntax_error(error.line, 1, error.message)
            return
        for call in calls:
            if call.endpoint is None or call.has_unpacking or call.endpoint.startswith("."):
                continue
            ctx.record_at(call.line, call.column, call.line, call.column + len("url_for"), endpoint=call.endpoint, keywords=call.keywords, module=None)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        if flask_name(ctx.semantic, node.func) != "flask.url_for":
            return
        first = node.args[0] if node.args else keyword_value(node, "endpoint")
        constant = ctx.semantic.constant_value(first) if first is not None else None
        if constant is None or not isinstance(constant.value, str) or not constant.value:
            return
        if any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
            return
        keywords = tuple(k.arg for k in node.keywords if k.arg and k.arg != "endpoint")
        ctx.record(node, endpoint=constant.value, keywords=keywords, module=ctx.semantic.module_name)

    # -- project -------------------------------------------------------------------------------

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = list(index.facts(self.code))
        if not facts:
            return
        routing = RoutingIndex.of(index)
        if routing.has_unseen_endpoints:
            return
        known = routing.endpoint_names() | routing.loose_endpoints
        routes_by_endpoint: dict[str, list[Route]] = {}
        for route in routing.routes:
            for name in routing.endpoints_of(route):
                routes_by_endpoint.setdefault(name, []).append(route)
        for summary, fact in facts:
            self._check(routing, known, routes_by_endpoint, summary, fact, ctx)

    def _check(self, routing: RoutingIndex, known: set[str], routes_by_endpoint: dict[str, list[Route]],
               summary: ModuleSummary, fact: Fact, ctx: ProjectContext) -> None:
        written = fact.data["endpoint"]
        candidates = [written]
        if written.startswith("."):
            candidates = _relative_names(routing, summary, written)
            if not candidates:
                return
        if any(UNKNOWN in name for name in candidates):
            return
        if not any(name in known for name in candidates):
            ctx.report_fact(fact, f"`url_for(\"{written}\")`: no route defines endpoint `{candidates[0]}`: Flask raises `BuildError`")
            return
        routes = [route for name in candidates for route in routes_by_endpoint.get(name, ())]
        if len({(r.summary.path, r.line) for r in routes}) != 1 or len(candidates) != 1:
            return
        route = routes[0]
        missing = [variable for variable in route.variables if variable not in fact.data["keywords"]]
        if not missing or route.rule == UNKNOWN:
            return
        if routing.hooks_running_for(route.owner, "url_defaults") or any(h.kind == "url_defaults" and h.scope == "unknown" for h in routing.hooks):
            return
        full_rule = route.rule
        ctx.report_fact(
            fact,
            f"`url_for(\"{written}\")` omits {', '.join(f'`{v}`' for v in missing)}, which the rule `{full_rule}` requires: Flask raises `BuildError`",
        )


def _relative_names(routing: RoutingIndex, summary: ModuleSummary, written: str) -> list[str]:
    """Full endpoint names for `.func` in a module whose routes (or blueprints) belong to
    exactly one blueprint; empty when that is not known."""
    keys = {route.owner.key for route in routing.routes if route.summary is summary and route.owner.is_blueprint}
    if not keys:
        keys = {key for key, blueprint in routing.blueprints.items() if blueprint.summary is summary}
    if len(keys) != 1 or any(route.summary is summary and route.owner.kind == "unknown" for route in routing.unresolved_routes):
        return []
    [key] = keys
    mounts = routing.mounts(key)
    if not mounts:
        return []
    return list(dict.fromkeys(f"{mount.name}.{written[1:]}" for mount in mounts))
