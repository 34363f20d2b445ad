"""FLK303."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.semantic.config import ConfigSetting, config_settings, setting_node
from flaskcheck.semantic.flask import (
    is_dev_or_test_module,
    is_dev_or_test_name,
    is_in_dev_or_test_class,
    is_test_class_name,
    is_under_dev_or_test_condition,
)
from flaskcheck.semantic.model import BindingKind, SemanticModel

# key -> (the literal that weakens it, what that does)
_WEAK_SETTINGS = {
    "SESSION_COOKIE_SECURE": (False, "the session cookie loses its `Secure` flag and is also sent over plain HTTP"),
    "SESSION_COOKIE_HTTPONLY": (False, "the session cookie loses its `HttpOnly` flag, so page JavaScript (and any XSS) can read it"),
    "REMEMBER_COOKIE_SECURE": (False, "the Flask-Login remember cookie loses its `Secure` flag and is also sent over plain HTTP"),
    "REMEMBER_COOKIE_HTTPONLY": (False, "the Flask-Login remember cookie loses its `HttpOnly` flag, so page JavaScript can read it"),
    "SESSION_COOKIE_SAMESITE": (None, "the session cookie gets no `SameSite` attribute, so browsers that do not default to `Lax` send it on cross-site requests"),
}


class InsecureSessionCookieSetting(Rule):
    """
    ## What it does
    Reports `SESSION_COOKIE_SECURE`, `SESSION_COOKIE_HTTPONLY`, `REMEMBER_COOKIE_SECURE` or
    `REMEMBER_COOKIE_HTTPONLY` set explicitly to `False`, and `SESSION_COOKIE_SAMESITE` set
    explicitly to `None`, in any form that sets a config key.

    It stays silent inside a development or test class or module (`DevelopmentConfig`,
    `settings_dev.py`), in the body of an `if` whose test names development or testing
    without negating it (`if app.testing:`, `if env == "development":`), and for a base config class whose every production subclass in the
    same module sets the key again (`class Config: SESSION_COOKIE_SECURE = False` with
    `class ProductionConfig(Config): SESSION_COOKIE_SECURE = True`).

    ## Why is this bad?
    Without `Secure` the browser also sends the session (or remember-me) cookie over plain
    HTTP, where anyone on the network can read it and take over the account. Without
    `HttpOnly` any script on the page, an XSS payload included, can read it. Without
    `SameSite` browsers that do not default to `Lax` attach it to cross-site requests, which
    is what CSRF needs. An explicit `False` or `None` is usually a development setting that
    reached production.

    ## Example
    ```python
    from flask import Flask

    app = Flask(__name__)
    app.config.update(
        SESSION_COOKIE_SECURE=False,  # error
        SESSION_COOKIE_SAMESITE=None,  # error
    )
    ```

    ## Use instead
    ```python
    from flask import Flask

    app = Flask(__name__)
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    ```

    ## References
    - [Flask: security considerations, set-cookie options](https://flask.palletsprojects.com/en/stable/web-security/#set-cookie-options)
    - [Flask-Login: cookie settings](https://flask-login.readthedocs.io/en/latest/#cookie-settings)
    """

    code = "FLK303"
    name = "insecure-session-cookie-setting"
    severity = Severity.WARNING
    in_tests = False

    valid = [
        Valid("from flask import Flask\napp = Flask(__name__)\napp.config['SESSION_COOKIE_SECURE'] = True\napp.config['SESSION_COOKIE_SAMESITE'] = 'Lax'\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['SESSION_COOKIE_SECURE'] = os.environ.get('HTTPS') == '1'\n"),
        # development and test classes and modules
        Valid("class DevelopmentConfig:\n    SESSION_COOKIE_SECURE = False\n", path="config.py"),
        Valid("class LocalConfig(object):\n    REMEMBER_COOKIE_SECURE = False\n", path="config.py"),
        Valid("SESSION_COOKIE_SECURE = False\nSESSION_COOKIE_SAMESITE = None\n", path="settings_dev.py"),
        Valid("SESSION_COOKIE_SECURE = False\n", path="config/development.py"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\nif os.environ.get('FLASK_ENV') == 'development':\n    app.config['SESSION_COOKIE_SECURE'] = False\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\napp.config['SESSION_COOKIE_SECURE'] = False\n", path="tests/conftest.py"),
        Valid("class TestingConfig:\n    SESSION_COOKIE_HTTPONLY = False\n", path="config.py"),
        # a base class that every production subclass overrides
        Valid(
            "class Config:\n    SESSION_COOKIE_SECURE = False\n\n"
            "class ProductionConfig(Config):\n    SESSION_COOKIE_SECURE = True\n\n"
            "class HerokuConfig(ProductionConfig):\n    pass\n\n"
            "class DevelopmentConfig(Config):\n    pass\n",
            path="config.py",
        ),
        # the config of an app that is not Flask: Sanic's
        Valid("from sanic import Sanic\napp = Sanic('shop')\napp.config['SESSION_COOKIE_SECURE'] = False\n"),
        # lower-case names are not config keys
        Valid("session_cookie_secure = False\n", path="config.py"),
    ]
    invalid = [
        Invalid("from flask import Flask as F\napp = F(__name__)\napp.config['SESSION_COOKIE_HTTPONLY'] = False  # error\n",
                message="`SESSION_COOKIE_HTTPONLY = False`: the session cookie loses its `HttpOnly` flag, so page JavaScript (and any XSS) can read it"),
        Invalid("import flask\n\ndef create_app():\n    app = flask.Flask(__name__)\n    app.config.from_mapping({'REMEMBER_COOKIE_SECURE': False})  # error\n    return app\n"),
        Invalid("class ProductionConfig:\n    REMEMBER_COOKIE_HTTPONLY = False  # error\n", path="config.py"),
        Invalid("SESSION_COOKIE_SAMESITE = None  # error\n", path="settings.py"),
        # a base class with a production subclass that does not override the key
        Invalid(
            "class Config:\n    SESSION_COOKIE_SECURE = False  # error\n\n"
            "class ProductionConfig(Config):\n    SESSION_COOKIE_HTTPONLY = True\n\n"
            "class DevelopmentConfig(Config):\n    SESSION_COOKIE_SECURE = False\n",
            path="config.py",
        ),
        # a base class with development subclasses only is the production config itself
        Invalid("class Config:\n    SESSION_COOKIE_SECURE = False  # error\n\nclass DevConfig(Config):\n    pass\n", path="config.py"),
        # `devices.py` is not a development module
        Invalid("SESSION_COOKIE_SECURE = False  # error\n", path="devices.py"),
        Invalid(files={
            "pkg/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "pkg/cookies.py": "from pkg import app\napp.config.setdefault('SESSION_COOKIE_SECURE', False)  # error\n",
        }),
    ]

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        self._check(node, ctx)

    def _check(self, node: ast.AST, ctx: FileContext) -> None:
        for setting in config_settings(node, ctx.semantic):
            if setting.key not in _WEAK_SETTINGS or not _is_weakening(setting, ctx.semantic):
                continue
            if is_dev_or_test_module(ctx.semantic.module_name, ctx.relative) or is_in_dev_or_test_class(node) or is_under_dev_or_test_condition(node):
                continue
            if setting.owner_class is not None and _is_overridden_in_production(ctx.semantic, setting.owner_class, setting.key):
                continue
            weak, consequence = _WEAK_SETTINGS[setting.key]
            ctx.report(setting_node(setting), f"`{setting.key} = {weak}`: {consequence}")


def _is_weakening(setting: ConfigSetting, semantic: SemanticModel) -> bool:
    constant = semantic.constant_value(setting.value)
    return constant is not None and constant.value is _WEAK_SETTINGS[setting.key][0]


def _is_overridden_in_production(semantic: SemanticModel, base: ast.ClassDef, key: str) -> bool:
    """Does `base` have production subclasses in this module, each setting `key` again (on
    the way down from `base`)? Development and test subclasses may keep the base's value."""
    bases = _module_class_bases(semantic)
    production = [
        cls for cls in bases
        if cls is not base and _path_below(cls, base, bases) is not None
        and not is_dev_or_test_name(cls.name) and not is_test_class_name(cls.name)
    ]
    return bool(production) and all(any(_sets(cls, key) for cls in _path_below(cls, base, bases)) for cls in production)


def _module_class_bases(semantic: SemanticModel) -> dict[ast.ClassDef, list[ast.ClassDef]]:
    """Each module-level class, with the module-level classes it directly inherits from."""
    found: dict[ast.ClassDef, list[ast.ClassDef]] = {}
    for bindings in semantic.module_scope.bindings.values():
        for binding in bindings:
            if binding.kind is BindingKind.CLASS and isinstance(binding.node, ast.ClassDef):
                cls = binding.node
                parents = [semantic.binding_of(b) for b in cls.bases]
                found[cls] = [p.node for p in parents if p is not None and p.kind is BindingKind.CLASS]
    return found


def _path_below(cls: ast.ClassDef, base: ast.ClassDef, bases: dict[ast.ClassDef, list[ast.ClassDef]], depth: int = 16) -> list[ast.ClassDef] | None:
    """The classes from `cls` up to (not including) `base` along an inheritance path, or None."""
    if cls is base:
        return []
    if depth == 0:
        return None
    for parent in bases.get(cls, ()):
        above = _path_below(parent, base, bases, depth - 1)
        if above is not None:
            return [cls, *above]
    return None


def _sets(cls: ast.ClassDef, key: str) -> bool:
    for statement in cls.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target] if isinstance(statement, ast.AnnAssign) else []
        if any(isinstance(target, ast.Name) and target.id == key for target in targets):
            return True
    return False
