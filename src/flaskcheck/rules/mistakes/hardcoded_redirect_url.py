"""FLK801."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Edit, Fix, Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import ProjectIndex
from flaskcheck.project.routes import ANY_METHOD, UNKNOWN, RoutingIndex
from flaskcheck.rules.mistakes import node_range, text_edit
from flaskcheck.semantic.flask import enclosing_function, flask_name, keyword_value

_REDIRECTS = frozenset({"flask.redirect", "werkzeug.utils.redirect", "werkzeug.redirect"})


class HardcodedRedirectUrl(Rule):
    """
    ## What it does
    Reports `redirect("/login")` given a literal path of the app (a string starting with `/`
    but not `//`). When exactly one route of the project without URL variables has that rule,
    the fix rewrites the literal to `url_for("<endpoint>")`, with the full endpoint name
    Flask builds (`"auth.login"` for a view of the `auth` blueprint), adding the import.

    ## Why is this bad?
    A literal path ignores where the app is mounted: behind a reverse proxy or a dispatcher
    that serves it under `/shop` (`SCRIPT_NAME`), `redirect("/login")` sends the browser to
    `/login`, outside the app, while `url_for("login")` gives `/shop/login`. It also breaks
    silently when the route's rule or a blueprint's `url_prefix` changes.

    ## Example
    ```python
    from flask import Flask, redirect

    app = Flask(__name__)


    @app.route("/login")
    def login():
        return "log in"


    @app.route("/logout")
    def logout():
        return redirect("/login")  # error
    ```

    ## Use instead
    ```python
    from flask import Flask, redirect, url_for

    app = Flask(__name__)


    @app.route("/login")
    def login():
        return "log in"


    @app.route("/logout")
    def logout():
        return redirect(url_for("login"))
    ```

    ## Fix safety
    The fix is offered only inside a function (a request is active when it runs) and only
    when exactly one argument-free `GET` route of the project has the literal as its rule and
    the project defines no endpoints the checker cannot see. The redirect then goes to the same
    place when the app is served at the root, and to the right place under a prefix.

    ## References
    - [Flask: URL building](https://flask.palletsprojects.com/en/stable/quickstart/#url-building)
    - [Flask: redirects](https://flask.palletsprojects.com/en/stable/quickstart/#redirects-and-errors)
    """

    code = "FLK801"
    name = "hardcoded-redirect-url"
    severity = Severity.WARNING

    valid = [
        Valid("""
from flask import Flask, redirect, request, url_for

app = Flask(__name__)


@app.route("/go")
def go():
    if request.args.get("x"):
        return redirect("https://example.com/login")
    if request.args.get("y"):
        return redirect("//cdn.example.com/a")
    target = url_for("go")
    return redirect(target) or redirect(url_for("go")) or redirect(request.args["next"])
"""),
        # not Flask's redirect
        Valid("""
from myhttp import redirect


def handler():
    return redirect("/login")
"""),
    ]
    invalid = [
        Invalid("""
from flask import Flask, redirect as go

app = Flask(__name__)


@app.route("/login")
def login():
    return "log in"


@app.route("/logout")
def logout():
    return go("/login", code=302)  # error
""", fixed="""
from flask import Flask, redirect as go
from flask import url_for

app = Flask(__name__)


@app.route("/login")
def login():
    return "log in"


@app.route("/logout")
def logout():
    return go(url_for("login"), code=302)
""", message="`redirect(\"/login\")` hardcodes an app path; it breaks when the app is mounted under a prefix"),
        # `import flask` style, single quotes kept
        Invalid("""
import flask

app = flask.Flask(__name__)


@app.get("/")
def index():
    return "home"


@app.post("/done")
def done():
    return flask.redirect('/')  # error
""", fixed="""
import flask
from flask import url_for

app = flask.Flask(__name__)


@app.get("/")
def index():
    return "home"


@app.post("/done")
def done():
    return flask.redirect(url_for('index'))
"""),
        # a blueprint view: the fix uses the full endpoint name Flask builds
        Invalid(files={
            "shop/__init__.py": """
from flask import Flask


def create_app():
    app = Flask(__name__)
    from shop.auth import bp
    app.register_blueprint(bp, url_prefix="/auth")
    return app
""",
            "shop/auth.py": """
from flask import Blueprint, redirect, url_for

bp = Blueprint("auth", __name__)


@bp.route("/login")
def login():
    return "log in"


@bp.route("/logout")
def logout():
    return redirect("/auth/login")  # error
""",
        }, fixed="""
from flask import Blueprint, redirect, url_for

bp = Blueprint("auth", __name__)


@bp.route("/login")
def login():
    return "log in"


@bp.route("/logout")
def logout():
    return redirect(url_for("auth.login"))
"""),
        # no route has that rule, a route with variables, a query string, module level: no fix
        Invalid("""
from flask import Flask, redirect

app = Flask(__name__)


@app.route("/user/<int:user_id>")
def user(user_id):
    return redirect("/nowhere")  # error


@app.route("/u/<int:user_id>")
def old_user(user_id):
    return redirect(f"/user/{user_id}") or redirect("/user/<int:user_id>")  # error


@app.route("/search")
def search():
    return redirect("/search?q=flask")  # error


FALLBACK = redirect("/search")  # error
"""),
        # two apps with the same rule: ambiguous, no fix
        Invalid(files={
            "public.py": """
from flask import Flask, redirect

app = Flask(__name__)


@app.route("/login")
def login():
    return redirect("/login")  # error
""",
            "admin.py": """
from flask import Flask

app = Flask(__name__)


@app.route("/login")
def admin_login():
    return "admin"
""",
        }),
        # `url_for` is bound to something else: no fix
        Invalid("""
from flask import Flask, redirect

app = Flask(__name__)


def url_for(x):
    return x


@app.route("/")
def index():
    return "home"


@app.route("/back")
def back():
    return redirect("/")  # error
"""),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        if flask_name(ctx.semantic, node.func) not in _REDIRECTS:
            return
        target = node.args[0] if node.args else keyword_value(node, "location")
        if not isinstance(target, ast.Constant) or not isinstance(target.value, str):
            return
        path = target.value
        if not path.startswith("/") or path.startswith(("//", "/\\")):
            return
        data: dict = {"path": path}
        if enclosing_function(node) is not None:
            import_edit, local = ctx.import_name("flask", "url_for", node)
            if local is not None:
                start, end = node_range(ctx, target)
                literal = ctx.source.text[start:end]
                quote = "'" if literal.rstrip().endswith("'") else '"'
                data.update(literal=text_edit(ctx, start, end, ""), local=local, quote=quote, import_edit=import_edit)
        ctx.record(node, **data)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts = list(index.facts(self.code))
        if not facts:
            return
        routing = RoutingIndex.of(index)
        by_rule: dict[str, set[str]] = {}
        for route in routing.routes + routing.unresolved_routes:
            if route.rule == UNKNOWN:
                continue
            for rule, endpoint in _full_rules(routing, route):
                by_rule.setdefault(rule, set()).add(endpoint)
        for _summary, fact in facts:
            path = fact.data["path"]
            message = f"`redirect(\"{path}\")` hardcodes an app path; it breaks when the app is mounted under a prefix"
            endpoints = by_rule.get(path, set())
            fix = None
            if "literal" in fact.data and len(endpoints) == 1 and not routing.has_unseen_endpoints:
                [endpoint] = endpoints
                if UNKNOWN not in endpoint:
                    fix = _fix(fact.data, endpoint)
            ctx.report_fact(fact, message, fix=fix)


def _full_rules(routing: RoutingIndex, route) -> list[tuple[str, str]]:
    """(full rule, full endpoint) of a route per mount: `/auth/login`, `auth.login`; an
    argument-free GET route only, and "<?>" endpoints where the checker cannot tell."""
    if route.variables or not ({"GET", ANY_METHOD} & set(route.methods)):
        return []
    if route.definition.scoped:
        return []
    if not route.owner.is_blueprint:
        return [(route.rule, route.endpoint if route.owner.is_app else UNKNOWN)]
    found = []
    for mount in routing.mounts(route.owner.key):
        if mount.url_prefix == UNKNOWN:
            found.append((route.rule, UNKNOWN))
            continue
        rule = _join(mount.url_prefix, route.rule)
        found.append((rule, f"{mount.name}.{route.endpoint}" if UNKNOWN not in (mount.name, route.endpoint) else UNKNOWN))
    return found


def _join(prefix: str | None, rule: str) -> str:
    """The rule a blueprint adds to the app, as `BlueprintSetupState.add_url_rule` joins them."""
    if not prefix:
        return rule
    if rule:
        return "/".join((prefix.rstrip("/"), rule.lstrip("/")))
    return prefix


def _fix(data: dict, endpoint: str) -> Fix:
    literal: Edit = data["literal"]
    quote = data["quote"]
    replacement = f"{data['local']}({quote}{endpoint}{quote})"
    edits = [Edit(literal.start, literal.end, replacement, literal.line, literal.column, literal.end_line, literal.end_column)]
    if data["import_edit"] is not None:
        edits.insert(0, data["import_edit"])
    return Fix(f"Use `url_for(\"{endpoint}\")`", tuple(edits), safe=True)
