"""FLK808."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import ANY_METHOD, RoutingIndex
from flaskcheck.semantic.flask import (
    enclosing_class,
    enclosing_function,
    flask_name,
    string_value,
)
from flaskcheck.semantic.routing import function_key

_CHECKED = ("POST", "PUT", "PATCH", "DELETE")
_ALWAYS = frozenset({"HEAD", "OPTIONS"})


class MethodNotInRoute(Rule):
    """
    ## What it does
    Reports a comparison of `request.method` with `"POST"`, `"PUT"`, `"PATCH"` or `"DELETE"`
    (`==`, `!=`, `in (...)`, `not in (...)`) in a view none of whose rules allows that method.
    A route allows `GET` (with `HEAD` and `OPTIONS`) unless `methods=` says otherwise;
    `@bp.post` allows `POST`; a `MethodView` allows the methods it defines. With `in (...)`
    it reports only when none of the listed methods is allowed.

    It stays silent for functions that are not views as far as the checker can see (helpers
    called from views, views registered through code it cannot follow), and for routes whose
    `methods=` is not a literal list.

    ## Why is this bad?
    Flask answers a method the route does not allow with `405 Method Not Allowed` before the
    view runs: the branch can never run, and the form that posts to this URL fails.

    ## Example
    ```python
    from flask import Flask, request

    app = Flask(__name__)


    @app.route("/contact")
    def contact():
        if request.method == "POST":  # error
            return "thanks"
        return "form"
    ```

    ## Use instead
    ```python
    from flask import Flask, request

    app = Flask(__name__)


    @app.route("/contact", methods=["GET", "POST"])
    def contact():
        if request.method == "POST":
            return "thanks"
        return "form"
    ```

    ## References
    - [Flask: HTTP methods](https://flask.palletsprojects.com/en/stable/quickstart/#http-methods)
    """

    code = "FLK808"
    name = "method-not-in-route"
    severity = Severity.ERROR

    valid = [
        Valid("""
from flask import Blueprint, Flask, request
from flask.views import MethodView

app = Flask(__name__)
bp = Blueprint("bp", __name__)


@bp.post("/a")
def a():
    return "posted" if request.method == "POST" else "?"


@app.route("/b")
@app.route("/b/edit", methods=["POST"])
def b():
    if request.method in ("POST", "PUT"):
        return "saved"
    return "form"


class Items(MethodView):
    def get(self):
        return "list"

    def post(self):
        if request.method == "POST":
            return "made"


app.add_url_rule("/items", view_func=Items.as_view("items"))
app.add_url_rule("/c", "c", lambda: "c" if request.method != "DELETE" else "", methods=["GET", "DELETE"])
"""),
        # not a view; a `methods=` the checker cannot read; a local variable named `request`
        Valid("""
from flask import Flask, request

app = Flask(__name__)
METHODS = load_methods()


def helper():
    return request.method == "POST"


@app.route("/x", methods=METHODS)
def x():
    return "ok" if request.method == "DELETE" else "no"


@app.route("/y")
def y():
    request = get_request()
    return request.method == "POST"
"""),
    ]
    invalid = [
        Invalid("""
from flask import Flask, request as rq

app = Flask(__name__)


@app.route("/edit", methods=["GET", "POST"])
def edit():
    if rq.method == "DELETE":  # error
        return "gone"
    if "PUT" == rq.method:  # error
        return "put"
    if rq.method in {"PATCH", "DELETE"}:  # error
        return "patched"
    return "ok"
""", message="`request.method` is compared with `DELETE`, but the route of `edit` allows only GET, POST: the branch never runs, clients get 405"),
        Invalid(files={
            "pkg/__init__.py": """
from flask import Flask

from pkg.views import bp


def create_app():
    app = Flask(__name__)
    app.register_blueprint(bp)
    return app
""",
            "pkg/views.py": """
import flask
from flask.views import MethodView

bp = flask.Blueprint("pkg", __name__)


@bp.get("/settings")
def settings():
    if flask.request.method == "POST":  # error
        return "saved"
    return "form"


class Things(MethodView):
    def get(self):
        if flask.request.method == "DELETE":  # error
            return "never"
        return "list"


bp.add_url_rule("/things", view_func=Things.as_view("things"))
""",
        }),
        # a view registered with `add_url_rule` in another module
        Invalid(files={
            "app.py": """
from flask import Flask

from views import upload

app = Flask(__name__)
app.add_url_rule("/upload", view_func=upload)
""",
            "views.py": """
from flask import request


def upload():
    if request.method == "POST":  # error
        return "stored"
    return "form"
""",
        }),
    ]

    def visit_Compare(self, node: ast.Compare, ctx: FileContext) -> None:
        if len(node.ops) != 1:
            return
        left, right = node.left, node.comparators[0]
        if not _is_request_method(ctx, left):
            left, right = right, left
            if not _is_request_method(ctx, left) or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
                return
        compared = _methods(node.ops[0], right)
        if not compared:
            return
        function = enclosing_function(node)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        owner = enclosing_class(function)
        class_key = function_key(ctx.semantic, owner) if owner is not None and owner.body.count(function) else None
        ctx.record(node, view=function_key(ctx.semantic, function), name=function.name, view_class=class_key, methods=compared)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = list(index.facts(self.code))
        if not facts:
            return
        routing = RoutingIndex.of(index)
        routes_by_view: dict[str, list] = {}
        for route in routing.routes + routing.unresolved_routes:
            for key in {route.view, route.view_class} - {None}:
                routes_by_view.setdefault(key, []).append(route)
        for summary, fact in facts:
            view_class = fact.data["view_class"]
            key = view_class or routing.function_id(fact.data["view"], summary)
            routes = routes_by_view.get(key, [])
            if not routes:
                continue
            allowed = {method for route in routes for method in route.methods}
            if ANY_METHOD in allowed:
                continue
            allowed |= _ALWAYS
            compared = fact.data["methods"]
            if any(method in allowed for method in compared):
                continue
            listed = ", ".join(sorted(allowed - _ALWAYS))
            what = "`, `".join(compared)
            subject = f"`{fact.data['name']}`" if view_class is None else f"`{view_class.rpartition('.')[2]}`"
            ctx.report_fact(
                fact,
                f"`request.method` is compared with `{what}`, but the route of {subject} allows only {listed}: the branch never runs, clients get 405",
            )


def _is_request_method(ctx: FileContext, expr: ast.AST) -> bool:
    return isinstance(expr, ast.Attribute) and expr.attr == "method" and flask_name(ctx.semantic, expr.value) == "flask.request"


def _methods(op: ast.cmpop, value: ast.AST) -> list[str]:
    """The checked methods `request.method` is compared with (upper case); empty otherwise."""
    if isinstance(op, (ast.Eq, ast.NotEq)):
        values = [value]
    elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        values = list(value.elts)
    else:
        return []
    names = [string_value(v) for v in values]
    if not all(names):
        return []
    upper = [name.upper() for name in names]
    return upper if all(name in _CHECKED for name in upper) else []
