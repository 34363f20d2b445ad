"""FLK809."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import RoutingIndex
from flaskcheck.semantic.flask import ROUTE_METHODS
from flaskcheck.semantic.model import BindingKind

# Extensions whose `exempt` decorator records the view by name and returns it unchanged.
_NAME_RECORDERS = frozenset({
    "flask_wtf.CSRFProtect", "flask_wtf.csrf.CSRFProtect", "flask_limiter.Limiter", "flask_limiter.extension.Limiter",
})


class RouteDecoratorNotOutermost(Rule):
    """
    ## What it does
    Reports a decorator written above a route decorator (`@app.route`, `@bp.route`,
    `@bp.get`...) of the same function, such as `@login_required`, `@cache.cached` or
    `@limiter.limit`. It stays silent when the decorator above is itself a route decorator,
    a request hook or error handler registration, or an `exempt` decorator of Flask-WTF's
    `CSRFProtect` or Flask-Limiter's `Limiter` (they record the view by name, so their place
    does not matter). An `.exempt` on an object whose class the checker cannot resolve is
    taken to be one of those.

    ## Why is this bad?
    Decorators apply bottom-up: the route decorator registers the function it receives,
    which is the undecorated view. The decorator above wraps a function Flask never calls,
    so it never runs for requests: `@login_required` above `@app.route` leaves the page open
    to anonymous users, and a rate limit above it never limits.

    ## Example
    ```python
    from flask import Flask
    from flask_login import login_required

    app = Flask(__name__)


    @login_required  # error
    @app.route("/secret")
    def secret():
        return "secret data"
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_login import login_required

    app = Flask(__name__)


    @app.route("/secret")
    @login_required
    def secret():
        return "secret data"
    ```

    ## References
    - [Flask: view decorators](https://flask.palletsprojects.com/en/stable/patterns/viewdecorators/)
    """

    code = "FLK809"
    name = "route-decorator-not-outermost"
    severity = Severity.ERROR

    valid = [
        Valid("""
from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

app = Flask(__name__)
bp = Blueprint("api", __name__)
csrf = CSRFProtect(app)
limiter = Limiter(get_remote_address, app=app)


@csrf.exempt
@limiter.exempt
@app.route("/hook", methods=["POST"])
@app.route("/webhook", methods=["POST"])
def hook():
    return "ok"


@bp.get("/items")
@bp.post("/items")
def items():
    return "items"


@app.errorhandler(404)
@app.route("/missing")
def missing(error=None):
    return "missing", 404
"""),
        # `csrf` made in another module
        Valid(files={
            "ext.py": """
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
""",
            "app.py": """
from flask import Flask

from ext import csrf

app = Flask(__name__)
csrf.init_app(app)


@csrf.exempt
@app.route("/hook", methods=["POST"])
def hook():
    return "ok"
""",
        }),
        # `.route` of something that is not Flask
        Valid("""
from fastapi import APIRouter

from auth import login_required

router = APIRouter()


@login_required
@router.get("/x")
def x():
    return "x"
"""),
    ]
    invalid = [
        Invalid(files={
            "pkg/__init__.py": """
from flask import Flask

from pkg.views import bp


def create_app():
    app = Flask(__name__)
    app.register_blueprint(bp)
    return app
""",
            "pkg/cache.py": """
from flask_caching import Cache

cache = Cache()
""",
            "pkg/views.py": """
from flask import Blueprint
from flask_login import login_required as lr

from pkg.cache import cache

bp = Blueprint("pkg", __name__)


@cache.cached(timeout=60)  # error
@bp.get("/report")
@lr
def report():
    return "report"


@bp.route("/a")
@lr  # error
@bp.route("/b")
def a_or_b():
    return "a or b"
""",
        }, message="`@cache.cached(...)` sits above the route decorator `@bp.get(...)`: Flask registered the undecorated view, so it never runs for requests"),
        # inside an app factory; `.exempt` of an object that is not CSRFProtect or Limiter
        Invalid("""
import functools

import flask


class Registry:
    def exempt(self, view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)
        return wrapper


registry = Registry()


def create_app():
    app = flask.Flask(__name__)

    @registry.exempt  # error
    @app.route("/")
    def index():
        return "home"

    return app
"""),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> None:
        decorators = node.decorator_list
        lowest = max((i for i, d in enumerate(decorators) if _looks_like_route(d)), default=None)
        if lowest is None or lowest == 0:
            return
        for decorator in decorators[:lowest]:
            if _looks_like_route(decorator):
                continue
            exempt = _exempt_receiver(ctx, decorator)
            if exempt is True:
                continue
            below = next(d for d in decorators[decorators.index(decorator) + 1:] if _looks_like_route(d))
            ctx.record(
                decorator, below=ctx.span(below)[:2], exempt=exempt,
                text=_short(ctx, decorator), route_text=_short(ctx, below),
            )

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        """Module-level `csrf = CSRFProtect()` / `limiter = Limiter(...)`: what `@csrf.exempt`
        in other modules stands for."""
        if ctx.semantic.scope_of(node) is not ctx.semantic.module_scope or not isinstance(node.value, ast.Call):
            return
        if ctx.semantic.qualified_name(node.value.func) not in _NAME_RECORDERS:
            return
        for target in node.targets:
            if isinstance(target, ast.Name):
                ctx.record(node, recorder=target.id)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = list(index.facts(self.code))
        if not facts:
            return
        routing = RoutingIndex.of(index)
        routes = {(r.path, r.span.line, r.span.column) for r in routing.routes + routing.unresolved_routes if r.definition.kind == "decorator"}
        registrations = {(h.path, h.span.line, h.span.column) for h in [*routing.hooks, *routing.error_handlers]}
        recorders = {(summary.path, fact.data["recorder"]) for summary, fact in facts if "recorder" in fact.data}
        for summary, fact in facts:
            if "recorder" in fact.data:
                continue
            place = (fact.path, fact.line, fact.column)
            if place in routes or place in registrations:
                continue
            if (fact.path, *fact.data["below"]) not in routes:
                continue
            exempt = fact.data["exempt"]
            if isinstance(exempt, str):
                found = index.defining(exempt, summary)
                if found is None or (found[0].path, found[1]) in recorders:
                    continue
            ctx.report_fact(
                fact,
                f"`@{fact.data['text']}` sits above the route decorator `@{fact.data['route_text']}`: "
                "Flask registered the undecorated view, so it never runs for requests",
            )


def _looks_like_route(decorator: ast.AST) -> bool:
    return isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.func.attr in ROUTE_METHODS


def _exempt_receiver(ctx: FileContext, decorator: ast.AST) -> bool | str | None:
    """For `@x.exempt` / `@x.exempt(...)`: True when `x` is a `CSRFProtect` or `Limiter` made in
    this module, or cannot be resolved; the dotted name of an imported or module-level `x` (checked
    in the project phase); None for other decorators or other objects."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if not isinstance(target, ast.Attribute) or target.attr != "exempt":
        return None
    receiver = target.value
    semantic = ctx.semantic
    if not isinstance(receiver, ast.Name):
        return True
    binding = semantic.binding_of(receiver)
    if binding is None:
        return True
    if binding.kind is BindingKind.IMPORT:
        return binding.qualified or True
    value = binding.value if binding.kind is BindingKind.ASSIGNMENT else None
    if isinstance(value, ast.Call):
        called = semantic.qualified_name(value.func)
        if called in _NAME_RECORDERS:
            return True
        return None if called is not None else True
    if binding.kind in (BindingKind.PARAMETER, BindingKind.OTHER):
        return True
    return None


def _short(ctx: FileContext, decorator: ast.AST) -> str:
    """`login_required`, `cache.cached(...)`: the decorator's source, arguments elided."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    text = ast.get_source_segment(ctx.source.text, target) or "decorator"
    text = " ".join(text.split())
    return f"{text}(...)" if isinstance(decorator, ast.Call) else text
