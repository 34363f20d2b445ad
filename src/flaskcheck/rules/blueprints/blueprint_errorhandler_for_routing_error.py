"""FLK502."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import ErrorHandler, RoutingIndex
from flaskcheck.semantic.flask import canonical_name, keyword_value
from flaskcheck.semantic.model import BindingKind, SemanticModel
from flaskcheck.semantic.routing import (
    enclosing_function_key,
    function_key,
    http_status,
)

_ROUTING_ERRORS = {404: "werkzeug.exceptions.NotFound", 405: "werkzeug.exceptions.MethodNotAllowed"}
_BY_EXCEPTION = {name: code for code, name in _ROUTING_ERRORS.items()}
_BY_EXCEPTION.update({"werkzeug.NotFound": 404, "werkzeug.MethodNotAllowed": 405})
_OR_404 = frozenset({"get_or_404", "first_or_404", "one_or_404"})
_ABORTS = frozenset({"flask.abort", "werkzeug.exceptions.abort", "werkzeug.abort"})
ANY_STATUS = 0  # `abort(status)` with a status the checker cannot evaluate
_CALL_DEPTH = 3


class BlueprintErrorhandlerForRoutingError(Rule):
    """
    ## What it does
    Reports `@bp.errorhandler(404)`, `(405)`, `(NotFound)` or `(MethodNotAllowed)` (and
    `bp.register_error_handler(...)` with those) on a blueprint, where the handler is meant
    for URLs nobody routes.

    It stays silent for `bp.app_errorhandler(...)` and `app.errorhandler(...)`, and when at
    least one view of the blueprint (or of a blueprint nested in it), or one of its
    `before_request` or `url_value_preprocessor` hooks, raises that status itself:
    `abort(404)`, `get_or_404`, `first_or_404`, `one_or_404`, `raise NotFound()` (for 405:
    `abort(405)`, `raise MethodNotAllowed()`; `abort(<expression>)` counts for both),
    directly or through project functions it calls (three calls deep). It also stays silent
    when a view of the blueprint cannot be resolved, or when the blueprint shows no routes
    while the project registers views the checker cannot see: such a view may raise the
    status.

    ## Why is this bad?
    Flask matches the URL before it knows which blueprint a request belongs to. An unmatched
    URL (404) or a method no route accepts (405) fails during routing, so no blueprint is
    involved and the app's handler (or Flask's default page) answers. The blueprint's handler
    only runs for errors raised in the blueprint's own views, so the custom "not found" page or
    JSON error body never appears for mistyped URLs.

    ## Example
    ```python
    from flask import Blueprint, jsonify

    api = Blueprint("api", __name__, url_prefix="/api")


    @api.errorhandler(404)  # error
    def not_found(error):
        return jsonify(error="not found"), 404


    @api.route("/status")
    def status():
        return jsonify(ok=True)
    ```

    ## Use instead
    ```python
    from flask import Blueprint, jsonify

    api = Blueprint("api", __name__, url_prefix="/api")


    @api.app_errorhandler(404)
    def not_found(error):
        return jsonify(error="not found"), 404


    @api.route("/status")
    def status():
        return jsonify(ok=True)
    ```

    `app_errorhandler` registers the handler on the app, so it answers every 404. To answer
    with JSON only under `/api`, check `request.path` inside that app-wide handler.

    ## References
    - [Flask: handling application errors, blueprint error handlers](https://flask.palletsprojects.com/en/stable/errorhandling/#blueprint-error-handlers)
    """

    code = "FLK502"
    name = "blueprint-errorhandler-for-routing-error"
    severity = Severity.WARNING

    valid = [
        # on the app, or app-wide from the blueprint
        Valid(
            "from flask import Blueprint, Flask\napp = Flask(__name__)\nbp = Blueprint('shop', __name__)\n\n"
            "@app.errorhandler(404)\ndef a(e):\n    return 'a', 404\n\n@bp.app_errorhandler(405)\ndef b(e):\n    return 'b', 405\n\n"
            "app.register_error_handler(404, a)\n"
        ),
        # a view of the blueprint raises 404 itself: the JSON-API pattern
        Valid(
            "from flask import Blueprint, abort\napi = Blueprint('api', __name__)\n\n"
            "@api.errorhandler(404)\ndef not_found(e):\n    return {'error': 'not found'}, 404\n\n"
            "@api.route('/items/<int:id>')\ndef item(id):\n    abort(404)\n"
        ),
        Valid(files={
            "app/__init__.py": "",
            "app/api/__init__.py": "from flask import Blueprint\nfrom werkzeug.exceptions import NotFound\napi = Blueprint('api', __name__)\napi.register_error_handler(NotFound, lambda e: ({'error': 'gone'}, 404))\n",
            "app/api/views.py": (
                "from flask.views import MethodView\nfrom app.models import Item\nfrom . import api\n\n"
                "class ItemAPI(MethodView):\n    def get(self, id):\n        return Item.query.get_or_404(id).name\n\n"
                "api.add_url_rule('/items/<int:id>', view_func=ItemAPI.as_view('item'))\n"
            ),
            "app/models.py": "class Item:\n    query = None\n",
        }),
        # through a project helper (in another module) that aborts
        Valid(files={
            "app/__init__.py": "",
            "app/helpers.py": "from flask import abort\n\ndef load(id):\n    if id > 3:\n        abort(404)\n    return id\n\ndef fetch(id):\n    return load(id)\n",
            "app/views.py": (
                "from flask import Blueprint\nfrom werkzeug import exceptions\nfrom app.helpers import fetch\nbp = Blueprint('b', __name__)\n\n"
                "@bp.errorhandler(exceptions.NotFound)\ndef nf(e):\n    return 'nf', 404\n\n@bp.route('/<int:id>')\ndef show(id):\n    return str(fetch(id))\n"
            ),
        }),
        # a nested blueprint's view raises it; a status from a variable may be 404
        Valid(
            "from flask import Blueprint, abort\nfrom werkzeug.exceptions import NotFound\nparent = Blueprint('parent', __name__)\nchild = Blueprint('child', __name__)\n\n"
            "@parent.errorhandler(404)\ndef nf(e):\n    return 'nf', 404\n\n@child.route('/x')\ndef x():\n    raise NotFound()\n\nparent.register_blueprint(child)\n"
        ),
        Valid(
            "from flask import Blueprint, abort\nbp = Blueprint('b', __name__)\n\n"
            "@bp.errorhandler(405)\ndef na(e):\n    return 'no', 405\n\n@bp.before_request\ndef check():\n    abort(STATUS)\n"
        ),
        # a view the checker cannot resolve may raise it
        Valid(
            "from flask import Blueprint\nfrom somewhere import make_view\nbp = Blueprint('b', __name__)\n\n"
            "@bp.errorhandler(404)\ndef nf(e):\n    return 'nf', 404\n\nbp.add_url_rule('/x', view_func=make_view('x'))\n"
        ),
        # handlers for other errors
        Valid(
            "from flask import Blueprint\nbp = Blueprint('b', __name__)\n\n@bp.errorhandler(500)\ndef e500(e):\n    return 'x', 500\n\n"
            "@bp.errorhandler(ValueError)\ndef bad(e):\n    return 'x', 400\n"
        ),
        # look-alike: a Sanic blueprint
        Valid("from sanic import Blueprint\nbp = Blueprint('b')\n\n@bp.exception(404)\ndef nf(request, e):\n    return None\n"),
    ]
    invalid = [
        Invalid(
            "from flask import Blueprint\nfrom werkzeug.exceptions import MethodNotAllowed, NotFound\nshop = Blueprint('shop', __name__, url_prefix='/shop')\n\n"
            "@shop.errorhandler(NotFound)  # error\ndef nf(e):\n    return 'nf', 404\n\n"
            "@shop.errorhandler(MethodNotAllowed)  # error\ndef na(e):\n    return 'na', 405\n\n"
            "@shop.route('/cart', methods=['POST'])\ndef cart():\n    return ''\n",
            message="`errorhandler(NotFound)` on blueprint `shop` handles only 404 errors raised in this blueprint's views; unmatched URLs fail during routing and need `app_errorhandler`",
        ),
        # register_error_handler, HTTPStatus, `import flask`, a view that raises only 404 (not 405)
        Invalid(
            "import flask\nfrom http import HTTPStatus\nbp = flask.Blueprint('b', __name__)\n\n"
            "def not_allowed(e):\n    return 'no', 405\n\n"
            "bp.register_error_handler(HTTPStatus.METHOD_NOT_ALLOWED, not_allowed)  # error\n\n"
            "@bp.route('/p/<int:id>')\ndef page(id):\n    flask.abort(404)\n"
        ),
        # multi-file: the handler in the blueprint's package, views in a sibling module
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    from shop.blueprints.admin import admin\n    app.register_blueprint(admin)\n    return app\n",
            "shop/blueprints/__init__.py": "",
            "shop/blueprints/admin/__init__.py": (
                "from flask import Blueprint, render_template\nadmin = Blueprint('admin', __name__, url_prefix='/admin')\n\n"
                "@admin.errorhandler(404)  # error\ndef missing(e):\n    return render_template('admin/404.html'), 404\n\nfrom . import views\n"
            ),
            "shop/blueprints/admin/views.py": "from . import admin\n\n@admin.route('/')\ndef index():\n    return 'admin'\n",
        }),
    ]

    def __init__(self) -> None:
        self._raises: dict[str, set[int]] = {}
        self._calls: dict[str, set[str]] = {}
        self._keys: dict[int, str | None] = {}
        self._flask_module: bool | None = None

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _OR_404:
            self._add(self._raises, node, ctx, 404)
            return
        semantic = ctx.semantic
        if semantic.scope_of(node) is semantic.module_scope or not self._is_flask_module(semantic):
            return
        target = _call_target(semantic, func)
        if target is None:
            return
        if canonical_name(target) in _ABORTS:
            self._add(self._raises, node, ctx, _abort_status(semantic, node))
        elif target.split(".")[0] == semantic.module_name.split(".")[0]:
            self._add(self._calls, node, ctx, target)

    def _is_flask_module(self, semantic: SemanticModel) -> bool:
        """Only modules that import Flask or Werkzeug hold views and the helpers that abort."""
        if self._flask_module is None:
            self._flask_module = any(semantic.imports_module(package) for package in ("flask", "quart", "apiflask", "werkzeug"))
        return self._flask_module

    def visit_Raise(self, node: ast.Raise, ctx: FileContext) -> None:
        exception = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        status = _BY_EXCEPTION.get(ctx.semantic.qualified_name(exception) or "")
        if status is not None:
            self._add(self._raises, node, ctx, status)

    def _add(self, table: dict, node: ast.AST, ctx: FileContext, value) -> None:
        scope = ctx.semantic.scope_of(node)
        if id(scope) not in self._keys:
            self._keys[id(scope)] = enclosing_function_key(ctx.semantic, node)
        key = self._keys[id(scope)]
        if key is not None:
            table.setdefault(key, set()).add(value)

    def leave_module(self, ctx: FileContext) -> None:
        if not self._raises and not self._calls:
            return
        anchor = ctx.semantic.tree.body[0]
        for function, statuses in self._raises.items():
            ctx.record(anchor, kind="raises", function=function, statuses=sorted(statuses))
        for function, callees in self._calls.items():
            ctx.record(anchor, kind="calls", function=function, callees=sorted(callees))

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        routing = RoutingIndex.of(index)
        handlers = [h for h in routing.error_handlers if h.owner.is_blueprint and not h.app_wide and _status_of(h) is not None]
        if not handlers:
            return
        raises: dict[str, set[int]] = {}
        calls: dict[str, set[str]] = {}
        for summary, fact in index.facts(self.code):
            function = fact.data["function"]
            if fact.data["kind"] == "raises":
                raises.setdefault(function, set()).update(fact.data["statuses"])
            else:
                calls.setdefault(function, set()).update(routing.function_id(c, summary) or c for c in fact.data["callees"])
        for handler in handlers:
            status = _status_of(handler)
            views = self._views(routing, handler.owner.key)
            if views is None or any(_may_raise(view, status, raises, calls) for view in views):
                continue
            shown = f"errorhandler({_argument_text(handler)})"
            name = routing.blueprints[handler.owner.key].name
            ctx.report_fact(
                handler.fact(self.code),
                f"`{shown}` on blueprint `{name}` handles only {status} errors raised in this blueprint's views; "
                "unmatched URLs fail during routing and need `app_errorhandler`" if status == 404 else
                f"`{shown}` on blueprint `{name}` handles only {status} errors raised in this blueprint's views; "
                "a method no route accepts fails during routing and needs `app_errorhandler`",
            )

    @staticmethod
    def _views(routing: RoutingIndex, key: str) -> list[str] | None:
        """The views, `before_request` and `url_value_preprocessor` hooks of the blueprint and
        of blueprints nested in it; None when one of them cannot be resolved."""
        keys = {key} | {other for other in routing.blueprints if routing.is_nested_in(other, key)}
        routes = [r for r in routing.routes if r.owner.is_blueprint and r.owner.key in keys]
        if not routes and routing.has_unseen_endpoints:
            return None
        views: list[str] = []
        for route in routes:
            view = route.view_class or route.view
            if view is None:
                return None
            views.append(view)
        for hook in routing.hooks:
            if hook.kind in ("before_request", "url_value_preprocessor") and hook.blueprint in keys:
                if hook.function is None:
                    return None
                views.append(hook.function)
        return views


def _status_of(handler: ErrorHandler) -> int | None:
    if handler.code in _ROUTING_ERRORS:
        return handler.code
    return _BY_EXCEPTION.get(handler.exception or "")


def _argument_text(handler: ErrorHandler) -> str:
    if handler.exception:
        return handler.exception.rpartition(".")[2]
    return str(handler.code)


def _may_raise(view: str, status: int, raises: dict[str, set[int]], calls: dict[str, set[str]]) -> bool:
    """Does the function (or any method of the class) `view` raise `status`, directly or
    through the project functions it calls?"""
    pending = [(view, 0)]
    seen: set[str] = set()
    while pending:
        function, depth = pending.pop()
        if function in seen:
            continue
        seen.add(function)
        names = [function, *(name for name in raises if name.startswith(function + "."))]
        names += [name for name in calls if name.startswith(function + ".")]
        for name in names:
            found = raises.get(name, set())
            if status in found or ANY_STATUS in found:
                return True
            if depth < _CALL_DEPTH:
                pending.extend((callee, depth + 1) for callee in calls.get(name, ()))
    return False


def _call_target(semantic: SemanticModel, func: ast.AST) -> str | None:
    """The dotted name (or function key) a call calls, when that is an imported name, a
    function of this module, or an attribute of an imported module; None otherwise."""
    if isinstance(func, ast.Name):
        binding = semantic.lookup(func.id, func)
        if binding is None:
            return None
        if binding.kind is BindingKind.FUNCTION:
            return function_key(semantic, binding.node)
        return binding.qualified if binding.kind is BindingKind.IMPORT else None
    base = func
    while isinstance(base, ast.Attribute):
        base = base.value
    binding = semantic.lookup(base.id, base) if isinstance(base, ast.Name) else None
    return semantic.qualified_name(func) if binding is not None and binding.kind is BindingKind.IMPORT else None


def _abort_status(semantic: SemanticModel, node: ast.Call) -> int:
    """404 for `abort(404)` or `abort(HTTPStatus.NOT_FOUND)`; ANY_STATUS when not a constant."""
    argument = node.args[0] if node.args else keyword_value(node, "status")
    constant = semantic.constant_value(argument) if argument is not None else None
    if constant is not None and isinstance(constant.value, int):
        return constant.value
    qualified = semantic.qualified_name(argument) if argument is not None else None
    status = http_status(qualified) if qualified else None
    return status if status is not None else ANY_STATUS
