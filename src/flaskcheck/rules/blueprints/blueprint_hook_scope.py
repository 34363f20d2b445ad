"""FLK505."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ProjectIndex
from flaskcheck.project.routes import Hook, Owner, RoutingIndex
from flaskcheck.semantic.flask import flask_name, string_value
from flaskcheck.semantic.routing import enclosing_function_key

_BEFORE_VIEW = frozenset({"before_request", "url_value_preprocessor"})
_G_METHODS = frozenset({"get", "pop", "setdefault", "__contains__", "__iter__", "__repr__"})
_FLASK_LIKE = frozenset({"flask", "quart", "apiflask"})
_CATCHES_ATTRIBUTE_ERROR = frozenset({"builtins.AttributeError", "builtins.Exception", "builtins.BaseException"})


class BlueprintHookScope(Rule):
    """
    ## What it does
    Reports a read of a `g` attribute in a view of one blueprint (or of the app) when the
    project sets that attribute only in `before_request` (or `url_value_preprocessor`) hooks
    registered on other blueprints (`@bp.before_request`), which never run for that view. It
    reports the first such read in each reading module, once per attribute.

    It stays silent when the attribute is also set anywhere else: an app-wide hook
    (`app.before_request`, `bp.before_app_request`), a view, a helper, module level; when the
    read is `getattr(g, name, default)`, `g.get(name)`, or guarded in the same function by
    `hasattr(g, name)`, `name in g` or a `try` that catches `AttributeError`; when the reading
    view's blueprint is nested in the hook's blueprint (nested blueprints run their parent's
    hooks); when the project sets `g` attributes by computed names (`setattr(g, name, ...)`);
    and for code outside views (helpers, templates), whose callers the checker does not follow.

    ## Why is this bad?
    A blueprint's `before_request` hook runs only for requests routed to that blueprint (and
    to blueprints nested in it). A view of another blueprint, or of the app, reads an
    attribute nobody set and fails with `AttributeError: account` (the attribute's name): a
    500 that appears only on some URLs, often after a view was moved between blueprints.

    ## Example
    ```python
    from flask import Blueprint, Flask, g

    admin = Blueprint("admin", __name__, url_prefix="/admin")
    shop = Blueprint("shop", __name__)


    @admin.before_request
    def load_account():
        g.account = "admin"


    @admin.route("/")
    def dashboard():
        return f"hello {g.account}"


    @shop.route("/")
    def index():
        return f"hello {g.account}"  # error


    app = Flask(__name__)
    app.register_blueprint(admin)
    app.register_blueprint(shop)
    ```

    ## Use instead
    ```python
    from flask import Blueprint, Flask, g

    admin = Blueprint("admin", __name__, url_prefix="/admin")
    shop = Blueprint("shop", __name__)


    @admin.before_app_request
    def load_account():
        g.account = "admin"


    @admin.route("/")
    def dashboard():
        return f"hello {g.account}"


    @shop.route("/")
    def index():
        return f"hello {g.account}"


    app = Flask(__name__)
    app.register_blueprint(admin)
    app.register_blueprint(shop)
    ```

    Register the hook app-wide (`before_app_request`, or `app.before_request`), or read the
    attribute with `g.get("account")` where it may be missing.

    ## References
    - [Flask: the `g` object](https://flask.palletsprojects.com/en/stable/appcontext/#storing-data)
    - [Flask: `Blueprint.before_app_request`](https://flask.palletsprojects.com/en/stable/api/#flask.Blueprint.before_app_request)
    """

    code = "FLK505"
    name = "blueprint-hook-scope"
    severity = Severity.WARNING

    valid = [
        # app-wide hooks: on the app, or before_app_request on a blueprint
        Valid(
            "from flask import Blueprint, Flask, g\napp = Flask(__name__)\nadmin = Blueprint('admin', __name__)\nshop = Blueprint('shop', __name__)\n\n"
            "@admin.before_app_request\ndef load():\n    g.user = 'x'\n\n@app.before_request\ndef tenant():\n    g.tenant = 't'\n\n"
            "@admin.before_request\ndef tenant_for_admin():\n    g.tenant = 'a'\n\n"
            "@shop.route('/')\ndef index():\n    return g.user + g.tenant\n\napp.register_blueprint(admin)\napp.register_blueprint(shop)\n"
        ),
        # safe reads
        Valid(
            "from flask import Blueprint, g\nadmin = Blueprint('admin', __name__)\nshop = Blueprint('shop', __name__)\n\n"
            "@admin.before_request\ndef load():\n    g.user = 'x'\n\n"
            "@shop.route('/a')\ndef a():\n    return getattr(g, 'user', None) or g.get('user')\n\n"
            "@shop.route('/b')\ndef b():\n    if hasattr(g, 'user'):\n        return g.user\n    return ''\n\n"
            "@shop.route('/c')\ndef c():\n    return g.user if 'user' in g else ''\n\n"
            "@shop.route('/d')\ndef d():\n    try:\n        return g.user\n    except AttributeError:\n        return ''\n"
        ),
        # a nested blueprint runs its parent's hooks; the hook's own views read it
        Valid(
            "from flask import Blueprint, Flask, g\napi = Blueprint('api', __name__, url_prefix='/api')\nv1 = Blueprint('v1', __name__, url_prefix='/v1')\n\n"
            "@api.before_request\ndef auth():\n    g.client = 'c'\n\n@api.route('/me')\ndef me():\n    return g.client\n\n"
            "@v1.route('/items')\ndef items():\n    return g.client\n\napi.register_blueprint(v1)\napp = Flask(__name__)\napp.register_blueprint(api)\n"
        ),
        # also set in a view or a helper: the checker does not know who calls them
        Valid(files={
            "app/__init__.py": "",
            "app/auth.py": "from flask import Blueprint, g\nauth = Blueprint('auth', __name__)\n\n@auth.before_request\ndef load():\n    g.user = 1\n\ndef login_as(user):\n    g.user = user\n",
            "app/views.py": "from flask import Blueprint, g\nmain = Blueprint('main', __name__)\n\n@main.route('/')\ndef index():\n    return str(g.user)\n",
        }),
        # attributes set by computed names
        Valid(
            "from flask import Blueprint, g\nadmin = Blueprint('admin', __name__)\nshop = Blueprint('shop', __name__)\n\n"
            "@admin.before_request\ndef load():\n    g.user = 'x'\n    for key, value in {}.items():\n        setattr(g, key, value)\n\n"
            "@shop.route('/')\ndef index():\n    return g.user\n"
        ),
        # read outside a view
        Valid(
            "from flask import Blueprint, g\nadmin = Blueprint('admin', __name__)\n\n@admin.before_request\ndef load():\n    g.user = 'x'\n\ndef current_name():\n    return g.user\n"
        ),
        # look-alike: a `g` that is not Flask's
        Valid(
            "from flask import Blueprint\nadmin = Blueprint('admin', __name__)\nshop = Blueprint('shop', __name__)\n\nclass State:\n    pass\n\ng = State()\n\n"
            "@admin.before_request\ndef load():\n    g.user = 'x'\n\n@shop.route('/')\ndef index():\n    return g.user\n"
        ),
    ]
    invalid = [
        # a package: the hook in one blueprint's module, views of the app and another blueprint elsewhere
        Invalid(files={
            "shop/__init__.py": (
                "from flask import Flask, g\nfrom shop.blueprints.admin import admin\nfrom shop.blueprints.store import store\n\n"
                "def create_app():\n    app = Flask(__name__)\n    app.register_blueprint(admin)\n    app.register_blueprint(store)\n\n"
                "    @app.route('/')\n    def home():\n        return g.account.name  # error\n\n    return app\n"
            ),
            "shop/blueprints/__init__.py": "",
            "shop/blueprints/admin.py": (
                "import flask\nadmin = flask.Blueprint('admin', __name__, url_prefix='/admin')\n\n"
                "@admin.before_request\ndef load_account():\n    flask.g.account = object()\n\n@admin.route('/')\ndef dashboard():\n    return str(flask.g.account)\n"
            ),
            "shop/blueprints/store.py": (
                "from flask import Blueprint, g as request_globals\nfrom flask.views import MethodView\nstore = Blueprint('store', __name__)\n\n"
                "class Cart(MethodView):\n    def get(self):\n        owner = request_globals.account  # error\n        return str(request_globals.account)\n\n"
                "store.add_url_rule('/cart', view_func=Cart.as_view('cart'))\n"
            ),
        }, message="`g.account` is set only by a `before_request` hook of blueprint `admin`, which does not run for `Cart` on blueprint `store`: this read raises `AttributeError`"),
        # a hook registered with a call; getattr without a default
        Invalid(
            "from flask import Blueprint, Flask, g\napp = Flask(__name__)\nreports = Blueprint('reports', __name__)\n\n"
            "def pick_year():\n    g.year = 2024\n\nreports.before_request(pick_year)\n\n"
            "@app.route('/summary')\ndef summary():\n    return str(getattr(g, 'year'))  # error\n\napp.register_blueprint(reports)\n"
        ),
    ]

    def __init__(self) -> None:
        self._g_names: set[str] = set()  # names this module binds from flask-like packages
        self._reads: list[tuple[ast.AST, str, str]] = []  # (node, attribute, function key)
        self._guards: set[tuple[str | None, str]] = set()  # (function key, attribute)

    def visit_Import(self, node: ast.Import, ctx: FileContext) -> None:
        self._g_names.update(alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name.split(".")[0] in _FLASK_LIKE)

    def visit_ImportFrom(self, node: ast.ImportFrom, ctx: FileContext) -> None:
        if not node.level and (node.module or "").split(".")[0] in _FLASK_LIKE:
            self._g_names.update(alias.asname or alias.name for alias in node.names)

    def _is_g(self, expr: ast.AST, ctx: FileContext) -> bool:
        """`g`, `flask.g`, `g as request_globals`, confirmed through the imports."""
        if isinstance(expr, ast.Name):
            spelled = expr.id
        elif isinstance(expr, ast.Attribute) and expr.attr == "g" and isinstance(expr.value, ast.Name):
            spelled = expr.value.id  # `flask.g`
        else:
            return False
        return spelled in self._g_names and flask_name(ctx.semantic, expr) == "flask.g"

    def visit_Attribute(self, node: ast.Attribute, ctx: FileContext) -> None:
        if not self._is_g(node.value, ctx):
            return
        if isinstance(node.ctx, ast.Store):
            self._write(node, node.attr, ctx)
        elif isinstance(node.ctx, ast.Load):
            if node.attr == "__dict__":
                ctx.record(node, kind="dynamic")
            elif node.attr not in _G_METHODS:
                self._read(node, node.attr, ctx)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "setdefault" and node.args and self._is_g(func.value, ctx):
            name = string_value(node.args[0])
            if name:
                self._write(node, name, ctx)
            else:
                ctx.record(node, kind="dynamic")
            return
        if not isinstance(func, ast.Name) or func.id not in ("getattr", "setattr", "hasattr", "vars"):
            return
        builtin = ctx.semantic.qualified_name(func)
        if builtin not in ("builtins.getattr", "builtins.setattr", "builtins.hasattr", "builtins.vars") or not node.args or not self._is_g(node.args[0], ctx):
            return
        name = string_value(node.args[1]) if len(node.args) > 1 else None
        if builtin == "builtins.vars" or (builtin == "builtins.setattr" and name is None):
            ctx.record(node, kind="dynamic")
        elif builtin == "builtins.setattr":
            self._write(node, name, ctx)
        elif builtin == "builtins.hasattr" and name:
            self._guards.add((enclosing_function_key(ctx.semantic, node), name))
        elif builtin == "builtins.getattr" and name and len(node.args) == 2 and not node.keywords:
            self._read(node, name, ctx)

    def visit_Compare(self, node: ast.Compare, ctx: FileContext) -> None:
        """`"user" in g`: a guard for the attribute in this function."""
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) and self._is_g(node.comparators[0], ctx):
            name = string_value(node.left)
            if name:
                self._guards.add((enclosing_function_key(ctx.semantic, node), name))

    def _write(self, node: ast.AST, name: str, ctx: FileContext) -> None:
        ctx.record(node, kind="write", attribute=name, function=enclosing_function_key(ctx.semantic, node))

    def _read(self, node: ast.AST, name: str, ctx: FileContext) -> None:
        function = enclosing_function_key(ctx.semantic, node)
        if function is not None and not _is_in_attribute_error_try(node, ctx):
            self._reads.append((node, name, function))

    def leave_module(self, ctx: FileContext) -> None:
        recorded: set[tuple[str, str]] = set()
        for node, name, function in self._reads:
            if (function, name) in self._guards or (function, name) in recorded:
                continue
            recorded.add((function, name))
            ctx.record(node, kind="read", attribute=name, function=function)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = [fact for _, fact in index.facts(self.code)]
        if not facts or any(f.data["kind"] == "dynamic" for f in facts):
            return
        routing = RoutingIndex.of(index)
        hooks: dict[str, list[Hook]] = {}
        for hook in routing.hooks:
            if hook.function:
                hooks.setdefault(hook.function, []).append(hook)
        restricted = _blueprint_only_attributes([f for f in facts if f.data["kind"] == "write"], hooks)
        reported: set[tuple[str, str]] = set()
        for fact in sorted((f for f in facts if f.data["kind"] == "read"), key=lambda f: (f.path, f.line, f.column)):
            name = fact.data["attribute"]
            scopes = restricted.get(name)
            if not scopes or (fact.path, name) in reported:
                continue
            offended = next((route for route in _routes_of(routing, fact.data["function"]) if _misses_hook(routing, route.owner, scopes)), None)
            if offended is None:
                continue
            reported.add((fact.path, name))
            names = ", ".join(f"`{routing.blueprints[key].name}`" for key in sorted(scopes))
            hook_kind = "a `before_request` hook" if len(scopes) == 1 else "`before_request` hooks"
            where = f"blueprint `{routing.blueprints[offended.owner.key].name}`" if offended.owner.is_blueprint else "the app"
            view = (offended.view_class or offended.view or "").rpartition(".")[2]
            ctx.report_fact(
                fact,
                f"`g.{name}` is set only by {hook_kind} of blueprint {names}, which does not run for `{view}` on {where}: this read raises `AttributeError`",
            )


def _is_in_attribute_error_try(node: ast.AST, ctx: FileContext) -> bool:
    child = node
    parent = getattr(node, "flk_parent", None)
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if any(t is None or ctx.semantic.qualified_name(t) in _CATCHES_ATTRIBUTE_ERROR for t in caught):
                    return True
        child, parent = parent, getattr(parent, "flk_parent", None)
    return False


def _blueprint_only_attributes(writes: list[Fact], hooks: dict[str, list[Hook]]) -> dict[str, set[str]]:
    """Attribute -> the blueprints whose `before_request` hooks are the only places setting it."""
    scopes: dict[str, set[str]] = {}
    elsewhere: set[str] = set()
    for fact in writes:
        name = fact.data["attribute"]
        found = hooks.get(fact.data["function"] or "", [])
        if not found or any(h.kind not in _BEFORE_VIEW or h.scope != "blueprint" for h in found):
            elsewhere.add(name)
            continue
        scopes.setdefault(name, set()).update(h.blueprint for h in found)
    return {name: keys for name, keys in scopes.items() if name not in elsewhere}


def _routes_of(routing: RoutingIndex, function: str) -> list:
    """The routes whose view is `function`, or the `View` class `function` is a method of."""
    owner = function.rpartition(".")[0]
    found = routing.routes_of_view(function)
    return found or [r for r in routing.routes if r.view_class == owner or (r.definition.kind == "class" and r.view == owner)]


def _misses_hook(routing: RoutingIndex, owner: Owner, scopes: set[str]) -> bool:
    """Does a view of `owner` run without any hook of the blueprints in `scopes`?"""
    if owner.is_app:
        return True
    if not owner.is_blueprint or owner.key in scopes:
        return False
    return not any(routing.is_nested_in(owner.key, scope) for scope in scopes)
