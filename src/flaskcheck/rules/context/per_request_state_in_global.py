"""FLK104."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.semantic.context import constructor_of, request_hook_decorator
from flaskcheck.semantic.flask import (
    APP_CLASSES,
    BLUEPRINT_CLASSES,
    AppReference,
    ancestors,
    app_reference,
    flask_name,
    is_app_or_blueprint,
    is_view,
    route_methods,
    url_rule_view,
)
from flaskcheck.semantic.model import BindingKind, ScopeKind, SemanticModel

_MUTATORS = frozenset({"append", "update", "add", "setdefault", "pop", "extend", "clear"})
_CONTAINER_LITERALS = {ast.Dict: "dict", ast.DictComp: "dict", ast.List: "list", ast.ListComp: "list", ast.Set: "set", ast.SetComp: "set"}
_CONTAINER_CALLS = {
    "builtins.dict": "dict", "builtins.list": "list", "builtins.set": "set",
    "collections.defaultdict": "dict", "collections.OrderedDict": "dict", "collections.Counter": "dict", "collections.deque": "list",
}
_LOCKS = frozenset({
    "threading.Lock", "threading.RLock", "threading.Semaphore", "threading.BoundedSemaphore", "threading.Condition",
    "multiprocessing.Lock", "multiprocessing.RLock", "asyncio.Lock", "gevent.lock.Semaphore", "gevent.lock.BoundedSemaphore", "gevent.lock.RLock",
})


class PerRequestStateInGlobal(Rule):
    """
    ## What it does
    Reports a view or request hook (`before_request`, `after_request`, `teardown_request`,
    their blueprint `*_app_request` forms, `url_value_preprocessor`, `context_processor` and
    the like) that keeps state in the module:
    - it rebinds a module global (`global x; x = ...`, `x += 1`), with or without a lock;
    - it mutates a module-level dict, list or set (item assignment, `append`, `update`,
      `add`, `setdefault`, `pop`, `extend`, `clear`) outside a `with <lock>:` block.

    It is reported at the assignment or the mutating call. It stays silent when the global
    is only read; when a container mutation sits under `with <lock>:` (a deliberate
    process-wide cache or counter, which is still per worker process); and when a literal
    is assigned under `with <lock>:` (a once-per-process flag such as `started = True` in
    a double-checked lock carries no request's data). Only the view's own
    body counts (not helpers it calls), and only module-level names (not a factory's local
    variables captured by a view). A view registered on an app or blueprint imported from
    another module counts once the project shows it is a Flask app or `Blueprint` (a
    FastAPI `app` has `get` routes too). Any `with <name or attribute>:` counts as a lock unless
    the name is bound to something known not to be one.

    ## Why is this bad?
    A module global has one value per worker process, shared by every request that process
    serves, concurrently (threaded servers, gevent) and later. A value one request stores is
    what the next request, of another user, reads: a lock does not change that, it only
    orders the writes. Containers mutated without a lock race between threads (two requests
    that read a counter before either writes it lose an update), entries one request adds
    are seen by later requests, and the contents differ from one Gunicorn worker process to
    the next, so counters and caches disagree.

    ## Example
    ```python
    from flask import Flask, request

    app = Flask(__name__)
    current_customer = None


    @app.before_request
    def load_customer():
        global current_customer
        current_customer = request.headers.get("X-Customer")  # error


    @app.get("/orders")
    def orders():
        return {"customer": current_customer}
    ```

    ## Use instead
    ```python
    from flask import Flask, g, request

    app = Flask(__name__)


    @app.before_request
    def load_customer():
        g.customer = request.headers.get("X-Customer")


    @app.get("/orders")
    def orders():
        return {"customer": g.customer}
    ```

    Per-request values belong in `g` (or the session); shared counters and caches belong in
    a store every worker sees (a database, Redis), or at least under a lock.

    ## References
    - [Flask: the application context and `g`](https://flask.palletsprojects.com/en/stable/appcontext/#storing-data)
    - [Flask: design decisions, thread locals](https://flask.palletsprojects.com/en/stable/design/#thread-locals)
    """

    code = "FLK104"
    name = "per-request-state-in-global"
    severity = Severity.WARNING

    valid = [
        # only read
        Valid("from flask import Flask\napp = Flask(__name__)\nCOUNTRIES = {'fr': 'France'}\nlimit = 10\n\n@app.get('/')\ndef index():\n    global limit\n    return str(limit + len(COUNTRIES) + COUNTRIES.get('fr', ''))\n"),
        # a container mutation under a lock
        Valid(
            "import threading\nfrom flask import Flask\napp = Flask(__name__)\nhits = {}\nhits_lock = threading.Lock()\n\n"
            "@app.get('/<page>')\ndef page(page):\n    with hits_lock:\n        hits[page] = hits.get(page, 0) + 1\n        hits.setdefault('total', 0)\n    return ''\n"
        ),
        Valid(
            "from flask import Blueprint\nbp = Blueprint('b', __name__)\nseen = set()\n\n"
            "class Store:\n    lock = None\n\n@bp.after_request\ndef remember(response):\n    with Store.lock:\n        seen.add(response.status)\n    return response\n"
        ),
        # a once-per-process flag set under a lock
        Valid(
            "import threading\nfrom flask import Flask\napp = Flask(__name__)\nstarted = False\nstart_lock = threading.Lock()\n\n"
            "@app.before_request\ndef warm_up():\n    global started\n    if started:\n        return\n    with start_lock:\n        if started:\n            return\n        started = True\n"
        ),
        # local containers, the view's own names, not views
        Valid("from flask import Flask\napp = Flask(__name__)\ncache = {}\n\n@app.get('/')\ndef index():\n    cache = {}\n    cache['x'] = 1\n    items = []\n    items.append(1)\n    return ''\n"),
        Valid("cache = {}\n\ndef warm():\n    global cache\n    cache = {'a': 1}\n    cache['b'] = 2\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\n\n@app.cli.command()\ndef seed():\n    global seeded\n    seeded = True\n"),
        # a factory's local state, and the app object itself
        Valid("from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    visits = []\n\n    @app.get('/')\n    def index():\n        visits.append(1)\n        return ''\n    return app\n"),
        # mutating an attribute or a non-container
        Valid("from flask import Flask\napp = Flask(__name__)\nstats = Stats()\n\n@app.get('/')\ndef index():\n    stats.update(1)\n    app.config.update(X=1)\n    return ''\n"),
        # a FastAPI or Celery `app` is not Flask: its functions are no views
        Valid("from fastapi import FastAPI\napp = FastAPI()\nitems = []\n\n@app.get('/')\ndef index():\n    items.append(1)\n"),
        Valid(files={
            "api/__init__.py": "",
            "api/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "api/routes.py": "from api.main import app\nseen = set()\n\n@app.get('/items')\ndef items():\n    seen.add(1)\n",
        }),
    ]
    invalid = [
        Invalid(
            "import flask\napp = flask.Flask(__name__)\nvisits = []\n\n@app.route('/')\ndef index():\n    visits.append(flask.request.remote_addr)  # error\n    return ''\n",
            message="view `index` mutates module-level list `visits` (`visits.append(...)`) outside `with <lock>:`: "
            "concurrent requests race on it, and each worker process keeps its own copy",
        ),
        Invalid(
            "import threading\nfrom flask import Flask as F, request\napp = F(__name__)\nlast_user = None\nlock = threading.Lock()\n\n"
            "@app.post('/login')\ndef login():\n    global last_user\n    with lock:\n        last_user = request.form['user']  # error\n    return ''\n",
            message="view `login` rebinds module global `last_user`: there is one value per worker process, and it leaks into concurrent and later requests",
        ),
        # item assignment, augmented assignment, a blueprint hook, collections
        Invalid(
            "from collections import defaultdict\nfrom flask import Blueprint, request\nbp = Blueprint('api', __name__)\ncounts = defaultdict(int)\ncurrent = {}\ntotal = 0\n\n"
            "@bp.before_app_request\ndef count():\n    global total\n    counts[request.path] += 1  # error\n    current['path'] = request.path  # error\n    total += 1  # error\n",
        ),
        # a MethodView method, add_url_rule, a hook registered by call
        Invalid(
            "from flask import Flask\nfrom flask.views import MethodView\napp = Flask(__name__)\nqueue = []\nlog = set()\n\n"
            "class Jobs(MethodView):\n    def post(self):\n        queue.extend([1, 2])  # error\n        return ''\n\n"
            "def status():\n    queue.clear()  # error\n    return ''\n\n"
            "def remember(response):\n    log.add(response.status)  # error\n    return response\n\n"
            "app.add_url_rule('/status', view_func=status)\napp.after_request(remember)\n"
        ),
        # a view on an app imported from the package
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\napp = Flask(__name__)\nfrom shop import views\n",
            "shop/views.py": "from shop import app\ncart = []\n\n@app.post('/cart')\ndef add():\n    cart.append(1)  # error\n    return ''\n",
        }),
        # a blueprint imported from the package's __init__
        Invalid(files={
            "admin/__init__.py": "from flask import Blueprint\nbp = Blueprint('admin', __name__)\nfrom admin import routes\n",
            "admin/routes.py": "from admin import bp\nsettings = {}\n\n@bp.post('/settings')\ndef save():\n    settings['theme'] = 'dark'  # error\n    return ''\n",
        }),
        # a view in a blueprint module of a package
        Invalid(files={
            "reports/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    from .views import bp\n    app.register_blueprint(bp)\n    return app\n",
            "reports/views.py": (
                "from flask import Blueprint, request\nbp = Blueprint('reports', __name__)\nfilters: dict[str, str] = {}\n\n"
                "@bp.get('/reports')\ndef reports():\n    filters.update(request.args)  # error\n    return filters\n"
            ),
        }),
    ]

    def __init__(self) -> None:
        self._registered: set[int] | None = None  # defs registered by call in this module
        self._roles: dict[int, tuple[str, AppReference] | None] = {}

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        for target in node.targets:
            for part in _flatten(target):
                self._check_target(part, ctx)

    def visit_AugAssign(self, node: ast.AugAssign, ctx: FileContext) -> None:
        self._check_target(node.target, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        if node.value is not None:
            self._check_target(node.target, ctx)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        function = node.func
        if not isinstance(function, ast.Attribute) or function.attr not in _MUTATORS or not isinstance(function.value, ast.Name):
            return
        self._check_mutation(function.value, node, f"`{function.value.id}.{function.attr}(...)`", ctx)

    def _check_target(self, target: ast.AST, ctx: FileContext) -> None:
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            statement = target.flk_parent  # type: ignore[attr-defined]
            self._check_mutation(target.value, statement, f"`{target.value.id}[...] = ...`", ctx)
        elif isinstance(target, ast.Name):
            self._check_rebinding(target, ctx)

    def leave_module(self, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if not any(semantic.imports_module(package) for package in ("flask", "quart", "apiflask", "flask_smorest")):
            return
        for name, bindings in semantic.module_scope.bindings.items():
            value = bindings[-1].value
            if isinstance(value, ast.Call) and flask_name(semantic, value.func) in APP_CLASSES | BLUEPRINT_CLASSES:
                ctx.record(bindings[-1].node, kind="flask_object", name=f"{semantic.module_name}.{name}")

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        flask_objects = {fact.data["name"] for _, fact in index.facts(self.code) if fact.data["kind"] == "flask_object"}
        for _, fact in index.facts(self.code):
            if fact.data["kind"] != "finding":
                continue
            imported = fact.data["imported"]
            if index.is_app(imported) or _defined(index, imported) in flask_objects:
                ctx.report_fact(fact, fact.data["message"])

    def _report(self, ctx: FileContext, reference: AppReference, node: ast.AST, message: str) -> None:
        """Now, or once the project shows the imported app or blueprint is Flask's."""
        if reference.imported is None:
            ctx.report(node, message)
        else:
            ctx.record(node, kind="finding", imported=reference.imported, message=message)

    def _check_rebinding(self, target: ast.Name, ctx: FileContext) -> None:
        scope = ctx.semantic.scope_of(target)
        if scope.kind is not ScopeKind.FUNCTION or target.id not in scope.global_names:
            return
        found = self._role(scope.node, ctx.semantic)
        if found is None:
            return
        role, reference = found
        statement = getattr(target, "flk_parent", target)
        value = getattr(statement, "value", None)
        if isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Constant) and _is_under_lock(ctx.semantic, statement, scope.node):
            return  # a once-per-process flag set under a lock (`started = True`) carries no request's data
        self._report(ctx, reference, statement, f"{role} rebinds module global `{target.id}`: there is one value per worker process, and it leaks into concurrent and later requests")

    def _check_mutation(self, name: ast.Name, statement: ast.AST, how: str, ctx: FileContext) -> None:
        semantic = ctx.semantic
        scope = semantic.scope_of(name)
        if scope.kind is not ScopeKind.FUNCTION:
            return
        binding = semantic.lookup(name.id, name)
        if binding is None or binding.scope is not semantic.module_scope:
            return
        kind = _container_kind(semantic, binding.value) if binding.kind is BindingKind.ASSIGNMENT else None
        if kind is None or len(semantic.module_scope.bindings.get(name.id, ())) != 1:
            return
        found = self._role(scope.node, semantic)
        if found is None or _is_under_lock(semantic, statement, scope.node):
            return
        role, reference = found
        self._report(ctx, reference, statement, f"{role} mutates module-level {kind} `{name.id}` ({how}) outside `with <lock>:`: concurrent requests race on it, and each worker process keeps its own copy")

    def _role(self, function: ast.AST, semantic: SemanticModel) -> tuple[str, AppReference] | None:
        """("view `name`" or "request hook `name`", the app it is registered on) for a view or
        hook, else None (cached). An app imported from another module is confirmed by the
        project index (a FastAPI `app` has `get` routes too)."""
        if id(function) not in self._roles:
            self._roles[id(function)] = self._compute_role(function, semantic)
        return self._roles[id(function)]

    def _compute_role(self, function: ast.AST, semantic: SemanticModel) -> tuple[str, AppReference] | None:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if not isinstance(target, ast.Attribute):
                continue
            if request_hook_decorator(semantic, decorator):
                return f"request hook `{function.name}`", _registered_on(semantic, target.value)
            if route_methods(semantic, decorator) is not None:
                return f"view `{function.name}`", _registered_on(semantic, target.value)
        if is_view(semantic, function):  # a `View` / `MethodView` method
            return f"view `{function.name}`", AppReference()
        if self._registered is None:
            self._registered = _registered_by_call(semantic)
        if id(function) in self._registered:
            return f"view `{function.name}`", AppReference()
        return None


def _defined(index: ProjectIndex, qualified: str, depth: int = 8) -> str:
    """Where an imported name is defined, following re-exports through module summaries."""
    module, _, attribute = qualified.rpartition(".")
    summary = index.modules.get(module)
    target = summary.imports.get(attribute) if summary is not None else None
    if target is None or depth == 0 or target == qualified:
        return qualified
    return _defined(index, target, depth - 1)


def _registered_on(semantic: SemanticModel, receiver: ast.AST) -> AppReference:
    """The app or blueprint a route or hook decorator's receiver is: certain (made here), or
    imported and to be confirmed by the project (a FastAPI `app` has `get` routes too)."""
    return app_reference(semantic, receiver) or AppReference()


def _flatten(target: ast.AST) -> list[ast.AST]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [part for element in target.elts for part in _flatten(element)]
    return [target]


def _container_kind(semantic: SemanticModel, value: ast.AST | None) -> str | None:
    for node_type, kind in _CONTAINER_LITERALS.items():
        if isinstance(value, node_type):
            return kind
    if isinstance(value, ast.Call):
        return _CONTAINER_CALLS.get(semantic.qualified_name(value.func) or "")
    return None


def _is_under_lock(semantic: SemanticModel, node: ast.AST, function: ast.AST) -> bool:
    child = node
    for ancestor in ancestors(node):
        if ancestor is function:
            return False
        if isinstance(ancestor, (ast.With, ast.AsyncWith)) and child in ancestor.body and any(_is_lock(semantic, item.context_expr) for item in ancestor.items):
            return True
        child = ancestor
    return False


def _is_lock(semantic: SemanticModel, expr: ast.AST) -> bool:
    """A lock object: made by a known lock class, or of unknown origin (a name or attribute:
    `with self._lock:`); not a call such as `open(...)` or `app.app_context()`."""
    if isinstance(expr, ast.Call):
        return semantic.qualified_name(expr.func) in _LOCKS
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return False
    made = constructor_of(semantic, expr)
    if isinstance(made, ast.Call):
        return semantic.qualified_name(made.func) in _LOCKS or semantic.qualified_name(made.func) is None
    return True


def _registered_by_call(semantic: SemanticModel) -> set[int]:
    """Defs of this module passed to `add_url_rule(view_func=...)` or `<app>.before_request(f)`."""
    found: set[int] = set()
    for node in semantic.nodes:
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        target = None
        rule = url_rule_view(semantic, node)
        if rule is not None:
            target = rule[0]
        elif node.args and request_hook_decorator(semantic, node.func) and is_app_or_blueprint(semantic, node.func.value):
            target = node.args[0]
        binding = semantic.binding_of(target) if isinstance(target, ast.Name) else None
        if binding is not None and binding.kind is BindingKind.FUNCTION:
            found.add(id(binding.node))
    return found
