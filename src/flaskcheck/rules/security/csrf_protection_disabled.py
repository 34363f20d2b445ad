"""FLK305."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ProjectIndex
from flaskcheck.semantic.config import config_settings, mapping_items, setting_node
from flaskcheck.semantic.flask import (
    enclosing_class,
    enclosing_function,
    is_dev_or_test_module,
    is_in_dev_or_test_class,
    is_under_dev_or_test_condition,
    url_rule_view,
    view_methods,
)
from flaskcheck.semantic.model import Binding, SemanticModel

_CSRF_PROTECT = frozenset({"flask_wtf.CSRFProtect", "flask_wtf.csrf.CSRFProtect", "flask_wtf.CsrfProtect", "flask_wtf.csrf.CsrfProtect"})
_FLASK_FORMS = frozenset({"flask_wtf.FlaskForm", "flask_wtf.form.FlaskForm", "flask_wtf.Form"})
_NOT_FORMS = frozenset({"builtins", *sys.stdlib_module_names})  # base classes no form derives from
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEPTH = 8


class CsrfProtectionDisabled(Rule):
    """
    ## What it does
    Reports Flask-WTF's CSRF protection turned off in production code:
    - `WTF_CSRF_ENABLED = False`, in any form that sets a config key, or as an attribute of an
      object the module loads with `config.from_object(...)`;
    - `WTF_CSRF_CHECK_DEFAULT = False` when the project never calls `csrf.protect()`;
    - a `FlaskForm` with `class Meta: csrf = False`, or built with `meta={"csrf": False}`,
      used by a view that accepts POST, PUT, PATCH or DELETE, while no `CSRFProtect` with
      its default check covers the app.

    It stays silent in development and test classes and modules, and in the body of an `if`
    whose test names development or testing without negating it (`if app.testing:`). A form
    counts as used by a view when the view's own body builds it; a view is a function with a
    route decorator (or passed to `add_url_rule`) or a `View` / `MethodView` method. Any
    `<x>.protect` in the project counts as a call of `csrf.protect()`: the receiver is often
    a parameter or an imported name, and the rule would rather stay silent than guess.

    ## Why is this bad?
    `WTF_CSRF_ENABLED = False` turns off `CSRFProtect` and every FlaskForm's token check at
    once: another site can make a logged-in user's browser submit any form of the app
    (change the e-mail address, transfer money, delete data). With
    `WTF_CSRF_CHECK_DEFAULT = False`, `CSRFProtect` checks nothing on its own: only views
    whose FlaskForm validates stay protected, and views reading `request.form` directly are
    open. A form whose own check is off is protected only by a `CSRFProtect` that checks
    every request before the view runs.

    ## Example
    ```python
    from flask import Flask
    from flask_wtf.csrf import CSRFProtect

    app = Flask(__name__)
    app.config["WTF_CSRF_ENABLED"] = False  # error
    csrf = CSRFProtect(app)
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_wtf.csrf import CSRFProtect

    app = Flask(__name__)
    csrf = CSRFProtect(app)
    ```

    Keep `WTF_CSRF_ENABLED = False` in the test configuration only (`TestingConfig`, or
    `app.config.update(WTF_CSRF_ENABLED=False)` in a fixture), and exempt a JSON API that
    uses no cookies with `@csrf.exempt`.

    ## References
    - [Flask-WTF: CSRF protection](https://flask-wtf.readthedocs.io/en/stable/csrf/)
    - [Flask-WTF: configuration](https://flask-wtf.readthedocs.io/en/stable/config/)
    """

    code = "FLK305"
    name = "csrf-protection-disabled"
    severity = Severity.ERROR
    in_tests = False

    valid = [
        # development and test classes and modules, and test code
        Valid("class DevelopmentConfig:\n    WTF_CSRF_ENABLED = False\n\nclass TestingConfig:\n    WTF_CSRF_ENABLED = False\n", path="config.py"),
        Valid("WTF_CSRF_ENABLED = False\n", path="settings_local.py"),
        Valid("from flask import Flask\n\ndef create_app(config_name):\n    app = Flask(__name__)\n    if config_name == 'testing':\n        app.config['WTF_CSRF_ENABLED'] = False\n    return app\n"),
        Valid("import pytest\n\n@pytest.fixture\ndef app(app):\n    app.config.update(WTF_CSRF_ENABLED=False)\n    return app\n", path="tests/conftest.py"),
        # CHECK_DEFAULT off, but `csrf.protect()` runs in a hook
        Valid(files={
            "app/__init__.py": (
                "from flask import Flask, request\nfrom flask_wtf.csrf import CSRFProtect\n"
                "csrf = CSRFProtect()\napp = Flask(__name__)\napp.config['WTF_CSRF_CHECK_DEFAULT'] = False\ncsrf.init_app(app)\n"
            ),
            "app/hooks.py": "from app import app, csrf\n\n@app.before_request\ndef check():\n    if not request.path.startswith('/api/'):\n        csrf.protect()\n",
        }),
        # Meta.csrf off while CSRFProtect checks every request
        # CHECK_DEFAULT off, and `protect()` on a CSRFProtect handed over as a parameter
        Valid(
            "from flask import Flask\nfrom flask_wtf.csrf import CSRFProtect\n\n"
            "def signup(csrf):\n    csrf.protect()\n    return 'ok'\n\n"
            "def create_app():\n    app = Flask(__name__)\n    app.config['WTF_CSRF_CHECK_DEFAULT'] = False\n"
            "    csrf = CSRFProtect(app)\n    app.add_url_rule('/signup', view_func=lambda: signup(csrf), methods=['POST'])\n    return app\n"
        ),
        Valid(files={
            "app/__init__.py": "from flask import Flask\nfrom flask_wtf import CSRFProtect\napp = Flask(__name__)\nCSRFProtect(app)\n",
            "app/forms.py": "from flask_wtf import FlaskForm\n\nclass CommentForm(FlaskForm):\n    class Meta:\n        csrf = False\n",
            "app/views.py": "from app import app\nfrom app.forms import CommentForm\n\n@app.post('/comment')\ndef comment():\n    form = CommentForm()\n    return 'ok'\n",
        }),
        # a search form used only by a GET view
        Valid(
            "from flask import Flask\nfrom flask_wtf import FlaskForm\napp = Flask(__name__)\n\n"
            "class SearchForm(FlaskForm):\n    class Meta:\n        csrf = False\n\n"
            "@app.route('/search')\ndef search():\n    form = SearchForm()\n    return 'ok'\n"
        ),
        # not a FlaskForm: plain WTForms has no CSRF check to turn off
        Valid(
            "from flask import Flask\nfrom wtforms import Form\napp = Flask(__name__)\n\n"
            "class Filter(Form):\n    pass\n\n"
            "@app.post('/filter')\ndef filter_view():\n    form = Filter(meta={'csrf': False})\n    return 'ok'\n"
        ),
        # a FastAPI app is not Flask: its routes are no views
        Valid(
            "from fastapi import FastAPI\nfrom flask_wtf import FlaskForm\napp = FastAPI()\n\n"
            "class F(FlaskForm):\n    pass\n\n"
            "@app.post('/x')\ndef x():\n    form = F(meta={'csrf': False})\n"
        ),
        # a local object named like a config, never loaded with from_object
        Valid("class Options:\n    pass\noptions = Options()\noptions.WTF_CSRF_ENABLED = False\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\napp.config['WTF_CSRF_ENABLED'] = True\n"),
    ]
    invalid = [
        Invalid("from flask import Flask as F\napp = F(__name__)\napp.config.update(\n    SECRET_KEY=KEY,\n    WTF_CSRF_ENABLED=False,  # error\n)\n",
                message="`WTF_CSRF_ENABLED = False` turns off `CSRFProtect` and the token check of every FlaskForm"),
        Invalid("import flask\n\ndef create_app():\n    app = flask.Flask(__name__)\n    app.config.from_mapping({'WTF_CSRF_ENABLED': False})  # error\n    return app\n"),
        Invalid("class ProductionConfig:\n    WTF_CSRF_ENABLED = False  # error\n", path="config.py"),
        # a negated condition keeps the setting out of tests: it is the production branch
        Invalid("from flask import Flask\napp = Flask(__name__)\nif not app.testing:\n    app.config['WTF_CSRF_ENABLED'] = False  # error\n"),
        Invalid("import settings\nfrom flask import Flask\nsettings.WTF_CSRF_ENABLED = False  # error\napp = Flask(__name__)\napp.config.from_object(settings)\n"),
        Invalid("from flask import Flask\nfrom flask_wtf.csrf import CSRFProtect\napp = Flask(__name__)\napp.config['WTF_CSRF_CHECK_DEFAULT'] = False  # error\ncsrf = CSRFProtect(app)\n",
                message="`WTF_CSRF_CHECK_DEFAULT = False` and the project never calls `csrf.protect()`: only views whose FlaskForm validates are protected"),
        # Meta.csrf off, form used by a POST view, no CSRFProtect anywhere
        Invalid(files={
            "app/__init__.py": "from flask import Flask\napp = Flask(__name__)\nfrom app import views\n",
            "app/forms.py": "from flask_wtf import FlaskForm\n\nclass CommentForm(FlaskForm):\n    class Meta:\n        csrf = False  # error\n\nclass ReplyForm(CommentForm):\n    pass\n",
            "app/views.py": (
                "from flask import Blueprint\nfrom .forms import ReplyForm\nbp = Blueprint('b', __name__)\n\n"
                "@bp.route('/reply', methods=['GET', 'POST'])\ndef reply():\n    form = ReplyForm()\n    return 'ok'\n"
            ),
        }, message="`ReplyForm` turns off its CSRF check (`Meta.csrf = False`) and view `app.views.reply` accepts POST, while no `CSRFProtect` covers the app"),
        # meta={"csrf": False} in a MethodView's post(), CSRFProtect present but CHECK_DEFAULT off
        Invalid(files={
            "app/__init__.py": (
                "from flask import Flask\nfrom flask_wtf import CSRFProtect\napp = Flask(__name__)\n"
                "app.config['WTF_CSRF_CHECK_DEFAULT'] = False  # error\nCSRFProtect(app)\n"
            ),
            "app/views.py": (
                "from flask.views import MethodView\nfrom flask_wtf import FlaskForm as Base\n\n"
                "class Form(Base):\n    pass\n\n"
                "class Edit(MethodView):\n    def post(self):\n        form = Form(meta={'csrf': False})  # error\n        return 'ok'\n"
            ),
        }),
        # a view registered with add_url_rule in another module
        Invalid(files={
            "app/__init__.py": "from flask import Flask\nfrom app import views\napp = Flask(__name__)\napp.add_url_rule('/delete', view_func=views.delete, methods=['DELETE'])\n",
            "app/views.py": "from flask import redirect\nfrom flask_wtf import FlaskForm\n\ndef delete():\n    form = FlaskForm(meta=dict(csrf=False))  # error\n    return redirect('/')\n",
        }),
    ]

    def __init__(self) -> None:
        # `settings.WTF_CSRF_ENABLED = False` statements, kept until the module shows `from_object(settings)`
        self._object_settings: list[tuple[ast.Assign, Binding]] = []
        self._views: dict[int, tuple[str, list[str] | None] | None] = {}
        self._in_dev_or_test_module: bool | None = None
        self._module_imports_flask: bool | None = None

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)
        self._check_loaded_object(node, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        self._check_settings(node, ctx)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        self._check_settings(node, ctx)
        semantic = ctx.semantic
        callee = semantic.qualified_name(node.func)
        if callee in _CSRF_PROTECT:
            ctx.record(node, kind="csrf_protect")
        rule = url_rule_view(semantic, node)
        view = semantic.qualified_name(rule[0]) if rule is not None else None
        if view is not None:
            ctx.record(node, kind="url_rule", view=view, methods=sorted(rule[1]))
        if callee is not None and not callee.startswith("builtins."):
            self._record_form_call(node, callee, ctx)

    def visit_Attribute(self, node: ast.Attribute, ctx: FileContext) -> None:
        # Any `<x>.protect`: the receiver is often a parameter, an imported name or
        # `app.extensions["csrf"]`; counting every one keeps the rule on the silent side.
        if node.attr == "protect":
            ctx.record(node, kind="protect")

    def visit_ClassDef(self, node: ast.ClassDef, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if semantic.scope_of(node) is not semantic.module_scope:
            return
        bases = [name for name in (semantic.qualified_name(base) for base in node.bases) if name and name.split(".")[0] not in _NOT_FORMS]
        if not bases:
            return
        meta_csrf = _meta_csrf(node)
        anchor = meta_csrf if meta_csrf is not None else node
        csrf = meta_csrf.value.value if meta_csrf is not None else None
        ctx.record(anchor, kind="form_class", name=f"{semantic.module_name}.{node.name}", bases=bases, csrf=csrf, exempt=self._is_exempt(node, ctx))

    def leave_module(self, ctx: FileContext) -> None:
        if not self._object_settings:
            return
        loaded = {id(binding) for binding in _from_object_arguments(ctx.semantic)}
        for statement, binding in self._object_settings:
            if id(binding) in loaded:
                ctx.report(statement, "`WTF_CSRF_ENABLED = False` on an object loaded with `from_object` turns off `CSRFProtect` and the token check of every FlaskForm")

    def _is_exempt(self, node: ast.AST, ctx: FileContext) -> bool:
        """In a development or test module or class, or under `if app.testing:` and the like
        (test code is the engine's business)."""
        if self._in_dev_or_test_module is None:
            self._in_dev_or_test_module = is_dev_or_test_module(ctx.semantic.module_name, ctx.relative)
        return self._in_dev_or_test_module or is_in_dev_or_test_class(node) or is_under_dev_or_test_condition(node)

    # -- WTF_CSRF_ENABLED and WTF_CSRF_CHECK_DEFAULT ---------------------------------------------

    def _check_settings(self, node: ast.AST, ctx: FileContext) -> None:
        for setting in config_settings(node, ctx.semantic):
            if setting.key not in ("WTF_CSRF_ENABLED", "WTF_CSRF_CHECK_DEFAULT") or self._is_exempt(node, ctx):
                continue
            if not _is_false(ctx.semantic, setting.value):
                continue
            if setting.key == "WTF_CSRF_ENABLED":
                ctx.report(setting_node(setting), "`WTF_CSRF_ENABLED = False` turns off `CSRFProtect` and the token check of every FlaskForm")
            else:
                ctx.record(setting_node(setting), kind="check_default_off")

    def _check_loaded_object(self, node: ast.Assign, ctx: FileContext) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Attribute) or target.attr != "WTF_CSRF_ENABLED":
                continue
            binding = ctx.semantic.binding_of(target.value)
            if binding is not None and _is_false(ctx.semantic, node.value) and not self._is_exempt(node, ctx):
                self._object_settings.append((node, binding))

    # -- forms in views ------------------------------------------------------------------------------

    def _record_form_call(self, node: ast.Call, callee: str, ctx: FileContext) -> None:
        semantic = ctx.semantic
        function = enclosing_function(node)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        view = self._view_of(function, ctx)
        if view is None:
            return
        qualified, methods = view
        meta = next((k.value for k in node.keywords if k.arg == "meta"), None)
        meta_off = meta is not None and any(key == "csrf" and _is_false(semantic, value) for key, value in mapping_items(meta, semantic))
        if not meta_off and not _is_class_name(callee.rpartition(".")[2]):
            return  # keeps the summary small: only `Form(...)`-shaped calls can build a form
        ctx.record(meta if meta_off else node, kind="form_call", form=callee, function=qualified, methods=methods, meta_off=meta_off, exempt=self._is_exempt(node, ctx))

    def _view_of(self, function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> tuple[str, list[str] | None] | None:
        """(dotted name, methods) of a view, or of a module-level function in a module that
        imports Flask, which `add_url_rule` may register (methods None); else None. Cached:
        every call in the function asks."""
        if id(function) not in self._views:
            semantic = ctx.semantic
            methods = view_methods(semantic, function)
            owner = enclosing_class(function)
            qualified = ".".join(filter(None, [semantic.module_name, owner.name if owner else None, function.name]))
            if methods is not None:
                self._views[id(function)] = (qualified, sorted(methods))
            elif semantic.scope_of(function) is semantic.module_scope and self._imports_flask(semantic):
                self._views[id(function)] = (qualified, None)  # a module without Flask imports holds no views
            else:
                self._views[id(function)] = None
        return self._views[id(function)]

    def _imports_flask(self, semantic: SemanticModel) -> bool:
        if self._module_imports_flask is None:
            self._module_imports_flask = any(semantic.imports_module(package) for package in ("flask", "quart", "apiflask"))
        return self._module_imports_flask

    # -- the project-wide decision ---------------------------------------------------------------------

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        facts: dict[str, list[Fact]] = defaultdict(list)
        for _, fact in index.facts(self.code):
            if not fact.in_test_code:
                facts[fact.data["kind"]].append(fact)
        protects = bool(facts["protect"])
        if not protects:
            for fact in facts["check_default_off"]:
                ctx.report_fact(fact, "`WTF_CSRF_CHECK_DEFAULT = False` and the project never calls `csrf.protect()`: only views whose FlaskForm validates are protected")
        if not facts["csrf_protect"]:
            self._report_forms(index, facts, ctx, "no `CSRFProtect` covers the app")
        elif facts["check_default_off"] and not protects:
            self._report_forms(index, facts, ctx, "`CSRFProtect` checks nothing by default (`WTF_CSRF_CHECK_DEFAULT = False`)")
        # otherwise CSRFProtect rejects every token-less unsafe request before a form is built

    def _report_forms(self, index: ProjectIndex, facts: dict[str, list[Fact]], ctx: ProjectContext, why: str) -> None:
        """Forms whose own check is off, built in views that accept unsafe methods."""
        forms = _Forms(index, {fact.data["name"]: fact for fact in facts["form_class"]})
        routes: dict[str, set[str]] = defaultdict(set)
        for fact in facts["url_rule"]:
            routes[fact.data["view"]].update(fact.data["methods"])
        reported: set[tuple[str, int, int]] = set()
        for call in facts["form_call"]:
            unsafe = sorted((set(call.data["methods"] or ()) | routes[call.data["function"]]) & _UNSAFE_METHODS)
            form = forms.resolve(call.data["form"])
            if not unsafe or form is None or not forms.is_flask_form(form):
                continue
            target = call if call.data["meta_off"] else forms.csrf_off_fact(form)
            if target is None or target.data["exempt"] or (target.path, target.line, target.column) in reported:
                continue
            reported.add((target.path, target.line, target.column))
            how = '`meta={"csrf": False}`' if call.data["meta_off"] else "`Meta.csrf = False`"
            name = form.rpartition(".")[2]
            ctx.report_fact(target, f"`{name}` turns off its CSRF check ({how}) and view `{call.data['function']}` accepts {'/'.join(unsafe)}, while {why}")


class _Forms:
    """The project's classes (recorded facts) by qualified name, and FlaskForm questions."""

    def __init__(self, index: ProjectIndex, classes: dict[str, Fact]) -> None:
        self.index = index
        self.classes = classes

    def resolve(self, qualified: str, depth: int = _DEPTH) -> str | None:
        """The recorded class a (possibly re-exported) dotted name stands for."""
        if qualified in self.classes or qualified in _FLASK_FORMS:
            return qualified
        module, _, attribute = qualified.rpartition(".")
        summary = self.index.modules.get(module)
        target = summary.imports.get(attribute) if summary is not None else None
        return self.resolve(target, depth - 1) if target and depth else None

    def bases(self, name: str) -> list[str]:
        fact = self.classes.get(name)
        return [b for b in (self.resolve(base) for base in fact.data["bases"]) if b] if fact else []

    def is_flask_form(self, name: str, depth: int = _DEPTH) -> bool:
        if name in _FLASK_FORMS:
            return True
        return depth > 0 and any(self.is_flask_form(base, depth - 1) for base in self.bases(name))

    def csrf_off_fact(self, name: str, depth: int = _DEPTH) -> Fact | None:
        """The `Meta.csrf = False` that decides this form's check, if that is what decides it."""
        fact = self.classes.get(name)
        if fact is None or depth == 0:
            return None
        if fact.data["csrf"] is not None:
            return fact if fact.data["csrf"] is False else None
        for base in self.bases(name):  # the first base that sets it wins, as in the MRO
            if self._sets_csrf(base, depth - 1):
                return self.csrf_off_fact(base, depth - 1)
        return None

    def _sets_csrf(self, name: str, depth: int) -> bool:
        fact = self.classes.get(name)
        if fact is None or depth == 0:
            return False
        return fact.data["csrf"] is not None or any(self._sets_csrf(base, depth - 1) for base in self.bases(name))


def _from_object_arguments(semantic: SemanticModel) -> list[Binding]:
    """The bindings of the names this module passes to `<x>.from_object(...)`."""
    found = []
    for node in ast.walk(semantic.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "from_object" and node.args:
            binding = semantic.binding_of(node.args[0])
            if binding is not None:
                found.append(binding)
    return found


def _meta_csrf(cls: ast.ClassDef) -> ast.Assign | None:
    """`class Meta: csrf = <True or False>` inside `cls`: the assignment."""
    for statement in cls.body:
        if not isinstance(statement, ast.ClassDef) or statement.name != "Meta":
            continue
        for inner in statement.body:
            if (isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(inner.targets[0], ast.Name)
                    and inner.targets[0].id == "csrf" and isinstance(inner.value, ast.Constant) and isinstance(inner.value.value, bool)):
                return inner
    return None


def _is_class_name(name: str) -> bool:
    """`LoginForm`, not `render_template` or `MAX_SIZE` (PEP 8 class names)."""
    return name[:1].isupper() and not name.isupper()


def _is_false(semantic: SemanticModel, expr: ast.AST) -> bool:
    constant = semantic.constant_value(expr)
    return constant is not None and constant.value is False
