"""FLK810."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import RoutingIndex
from flaskcheck.semantic.flask import flask_name
from flaskcheck.semantic.model import child_nodes
from flaskcheck.semantic.routing import function_key

_BODY_CALLS = frozenset({"flask.render_template", "flask.render_template_string", "flask.jsonify"})


class ErrorHandlerWithoutStatus(Rule):
    """
    ## What it does
    Reports an error handler (`@app.errorhandler(...)`, `@bp.app_errorhandler(...)`,
    `register_error_handler(...)`) for a 4xx/5xx status code or an exception class that
    returns a body without a status: a string, an f-string, `render_template(...)`,
    `render_template_string(...)`, a dict literal or `jsonify(...)`. It is reported at the
    handler's `def` line.

    It stays silent for `(body, status)` tuples (any tuple), for a response object built and
    returned through a variable or another call (`make_response(body, 404)`, a response whose
    `status_code` is set), for returning the `HTTPException` itself or `e.get_response()`, and
    for handlers of 1xx-3xx codes.

    ## Why is this bad?
    Flask sends whatever the handler returns. A body alone is a `200 OK` response: the "not
    found" page tells browsers, crawlers, caches and API clients that the request succeeded,
    and monitoring no longer sees the errors.

    ## Example
    ```python
    from flask import Flask, render_template

    app = Flask(__name__)


    @app.errorhandler(404)
    def not_found(error):  # error
        return render_template("404.html")
    ```

    ## Use instead
    ```python
    from flask import Flask, render_template

    app = Flask(__name__)


    @app.errorhandler(404)
    def not_found(error):
        return render_template("404.html"), 404
    ```

    ## References
    - [Flask: handling application errors](https://flask.palletsprojects.com/en/stable/errorhandling/)
    """

    code = "FLK810"
    name = "error-handler-without-status"
    severity = Severity.WARNING

    valid = [
        Valid("""
from flask import Flask, jsonify, make_response
from werkzeug.exceptions import HTTPException

app = Flask(__name__)


@app.errorhandler(404)
def not_found(error):
    return {"error": "not found"}, 404


@app.errorhandler(HTTPException)
def http_error(error):
    return error


@app.errorhandler(403)
def forbidden(error):
    return error.get_response()


@app.errorhandler(500)
def server_error(error):
    response = make_response("broken")
    response.status_code = 500
    return response


@app.errorhandler(410)
def gone(error):
    return make_response(jsonify(error="gone"), 410)


@app.errorhandler(301)
def moved(error):
    return "moved"


@app.route("/")
def index():
    return "home"
"""),
        # not a Flask error handler
        Valid("""
from myframework import errorhandler


@errorhandler(404)
def not_found(error):
    return "not found"
"""),
    ]
    invalid = [
        Invalid(files={
            "pkg/__init__.py": """
from flask import Flask

from pkg.errors import bp, on_value_error


def create_app():
    app = Flask(__name__)
    app.register_blueprint(bp)
    app.register_error_handler(ValueError, on_value_error)
    return app
""",
            "pkg/errors.py": """
import flask
from werkzeug.exceptions import NotFound

bp = flask.Blueprint("errors", __name__)


@bp.app_errorhandler(NotFound)
def not_found(error):  # error
    return flask.jsonify(error="not found")


def on_value_error(error):  # error
    if flask.request.is_json:
        return {"error": str(error)}, 400
    return f"bad value: {error}"
""",
        }, message="error handler `not_found` returns a body without a status code: the error page is served with `200 OK`"),
        Invalid("""
from flask import Flask, render_template as render


def create_app():
    app = Flask(__name__)

    @app.errorhandler(500)
    def server_error(error):  # error
        return render("500.html")

    return app
"""),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> None:
        if not node.args.args and not node.args.posonlyargs and node.args.vararg is None:
            return  # a handler receives the error
        if any(_is_body(ctx, value) for value in _returned_values(node)):
            ctx.record(node, function=function_key(ctx.semantic, node), name=node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = list(index.facts(self.code))
        if not facts:
            return
        routing = RoutingIndex.of(index)
        handlers = {h.function for h in routing.error_handlers if h.function and _is_error(h.code, h.exception)}
        for _summary, fact in facts:
            if fact.data["function"] in handlers:
                ctx.report_fact(fact, f"error handler `{fact.data['name']}` returns a body without a status code: the error page is served with `200 OK`")


def _is_error(code: int | None, exception: str | None) -> bool:
    if code is not None:
        return 400 <= code <= 599
    return exception is not None


def _returned_values(function: ast.AST) -> list[ast.expr]:
    """The values of the `return` statements of `function`'s own body (not nested functions)."""
    found = []
    pending = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node.value)
        pending.extend(child_nodes(node))
    return found


def _is_body(ctx: FileContext, value: ast.expr) -> bool:
    """A response body alone: a string, f-string, dict literal, or a template / `jsonify` call."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str)
    if isinstance(value, (ast.JoinedStr, ast.Dict)):
        return True
    if isinstance(value, ast.Call):
        return flask_name(ctx.semantic, value.func) in _BODY_CALLS
    return False
