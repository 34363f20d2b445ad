"""FLK301."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext, ProjectContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex
from flaskcheck.semantic.config import ConfigSetting, config_settings
from flaskcheck.semantic.model import BindingKind, SemanticModel
from flaskcheck.semantic.secrets import secret_weakness

_ENVIRONMENT_READS = frozenset({"os.environ.get", "os.getenv", "os.environ.setdefault"})


class HardcodedSecretKey(Rule):
    """
    ## What it does
    Reports a `SECRET_KEY` (or a `SECRET_KEY_FALLBACKS` entry) written in the source as a str
    or bytes literal, including a literal used as the fallback of an environment variable
    (`os.environ.get("SECRET_KEY", "dev")`, `os.getenv("SECRET_KEY") or "dev"`). The message
    says when the literal is also weak by FLK902's measure: a str shorter than 50 characters
    or with fewer than 5 distinct characters, bytes shorter than 32, or a publicly known
    placeholder such as `dev`, `secret` or `changeme`.

    An empty literal (`os.environ.get("SECRET_KEY", "")`) is not reported: Flask treats an
    empty key as no key, so session writes fail loudly (a 500, FLK901 at runtime) instead of
    being signed with a key an attacker knows. A literal chosen by a condition
    (`"dev" if DEBUG else os.environ["SECRET_KEY"]`) is not reported either.

    ## Why is this bad?
    Flask signs the session cookie with `SECRET_KEY`. Anyone who has read the key (in the
    repository, a fork, a leaked image, or a tutorial the key was copied from) can sign a
    cookie of their own, for example `{"_user_id": "1"}` or `{"is_admin": True}`, and the app
    accepts it as genuine. A fallback literal is the key in every deployment that forgets to
    set the variable.

    ## Example
    ```python
    import os

    from flask import Flask

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "dev")  # error
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask

    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    ```

    Generate a key with `python -c 'import secrets; print(secrets.token_hex())'` and keep it
    in the environment or a secret store.

    ## References
    - [Flask: `SECRET_KEY`](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY)
    - [Flask: sessions](https://flask.palletsprojects.com/en/stable/quickstart/#sessions)
    """

    code = "FLK301"
    name = "hardcoded-secret-key"
    severity = Severity.ERROR
    in_tests = False

    valid = [
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.environ['SECRET_KEY']\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['SECRET_KEY'] = os.getenv('SECRET_KEY')\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['SECRET_KEY'] = os.environ.get('SECRET_KEY', '')\n"),
        Valid("from pathlib import Path\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = Path('/run/secrets/key').read_bytes()\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.environ.get('SECRET_KEY') or os.environ['FALLBACK']\n"),
        # test code
        Valid("from flask import Flask\napp = Flask(__name__)\napp.config['SECRET_KEY'] = 'test'\n", path="tests/conftest.py"),
        Valid("class TestingConfig:\n    SECRET_KEY = 'not-a-secret'\n", path="config.py"),
        # an object that is not a Flask app: a local name only called `app`
        Valid("class Settings:\n    pass\napp = Settings()\napp.secret_key = 'abc'\n"),
        Valid("from fastapi import FastAPI\napp = FastAPI()\napp.secret_key = 'abc'\n"),
        Valid("from celery import Celery\napp = Celery('tasks')\napp.secret_key = 'abc'\n"),
        # enum members name config keys
        Valid("import enum\n\nclass ConfigKey(str, enum.Enum):\n    SECRET_KEY = 'SECRET_KEY'\n", path="keys.py"),
        # a literal chosen by a condition, and a fallback that is not the environment
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = 'dev' if app.debug else os.environ['SECRET_KEY']\n"),
        # a module-level name assigned twice is no constant
        Valid("import os\nfrom flask import Flask\nDEFAULT = 'dev'\nDEFAULT = 'other'\napp = Flask(__name__)\napp.secret_key = os.getenv('SECRET_KEY') or DEFAULT\n"),
        # an imported constant used as a key only by test code, or compared with the key
        Valid(files={
            "pkg/__init__.py": "",
            "pkg/constants.py": "DEFAULT_KEY = 'dev'\n",
            "pkg/checks.py": "from flask import current_app\nfrom pkg.constants import DEFAULT_KEY\n\ndef is_default():\n    return current_app.config['SECRET_KEY'] == DEFAULT_KEY\n",
            "tests/conftest.py": "from pkg.constants import DEFAULT_KEY\nSECRET_KEY = DEFAULT_KEY\n",
        }),
        # an imported name that is no constant
        Valid(files={
            "pkg/__init__.py": "",
            "pkg/keys.py": "import os\nKEY = os.environ['KEY']\n",
            "pkg/config.py": "import os\nfrom pkg.keys import KEY\nSECRET_KEY = os.getenv('SECRET_KEY') or KEY\n",
        }),
        # imported name that the project shows is not an app
        Valid(files={
            "pkg/__init__.py": "",
            "pkg/settings.py": "class Obj:\n    pass\nthing = Obj()\n",
            "pkg/main.py": "from pkg.settings import thing\nthing.secret_key = 'abc'\n",
        }),
    ]
    invalid = [
        Invalid("from flask import Flask as F\napp = F(__name__)\napp.secret_key = 'dev'  # error\n",
                message="`SECRET_KEY` is a hardcoded literal, and a weak one: a publicly known placeholder"),
        Invalid("import flask\napp = flask.Flask(__name__)\napp.config['SECRET_KEY'] = b'0123456789abcdef'  # error\n",
                message="`SECRET_KEY` is a hardcoded literal, and a weak one: shorter than 32 bytes"),
        Invalid("from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.config.from_mapping(\n        SECRET_KEY='dev',  # error\n        DATABASE='db.sqlite',\n    )\n    return app\n"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config.update({'SECRET_KEY': os.environ['SECRET_KEY']})\nsettings = {'SECRET_KEY': 'k3y'}  # error\napp.config.update(settings)\n"),
        Invalid("class Config:\n    SECRET_KEY = 'an-unguessable-key-that-is-long-enough-for-the-weak-measure-0123'  # error\n",
                path="config.py", message="`SECRET_KEY` is a hardcoded literal"),
        Invalid("SECRET_KEY: str = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'  # error\n", path="settings.py",
                message="`SECRET_KEY` is a hardcoded literal, and a weak one: fewer than 5 distinct characters"),
        Invalid("class DevelopmentConfig:\n    SECRET_KEY = 'dev'  # error\n", path="config.py"),
        Invalid("SECRET_KEY_FALLBACKS = [\n    'old-key',  # error\n    OLD_FROM_ENV,\n]\n", path="config.py",
                message="`SECRET_KEY_FALLBACKS` holds a hardcoded literal, and a weak one: shorter than 50 characters"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.getenv('SECRET_KEY') or 'dev'  # error\n",
                message="`SECRET_KEY` falls back to a hardcoded literal when the environment variable is unset, and a weak one: a publicly known placeholder"),
        Invalid("from os import environ\nfrom flask import Flask\napp = Flask(__name__)\napp.config['SECRET_KEY'] = environ.setdefault('SECRET_KEY', 'changeme')  # error\n"),
        Invalid("import os\nfrom flask import Flask\nDEFAULT_KEY = 'you-will-never-guess'  # error\napp = Flask(__name__)\napp.config['SECRET_KEY'] = os.environ.get('SECRET_KEY') or DEFAULT_KEY\n",
                message="`SECRET_KEY` on line 5 falls back to `DEFAULT_KEY`, a hardcoded literal, when the environment variable is unset, and a weak one: a publicly known placeholder"),
        # one literal reached by two settings is one finding
        Invalid("from flask import Flask\nSECRET_KEY = 'k'  # error\napp = Flask(__name__)\napp.config['SECRET_KEY'] = SECRET_KEY\n"),
        Invalid(files={
            "pkg/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "pkg/setup.py": "from pkg import app\napp.secret_key = 'dev'  # error\n",
        }),
        # a constant imported from another module, re-exported on the way
        Invalid(files={
            "pkg/__init__.py": "from pkg.constants import CHANGE_ME\n",
            "pkg/constants.py": "CHANGE_ME = 'CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET'  # error\nOTHER = 'x'\n",
            "pkg/config.py": "import os\nfrom pkg import CHANGE_ME\nSECRET_KEY = os.environ.get('APP_SECRET_KEY') or CHANGE_ME\n",
        }, message="`SECRET_KEY` in `pkg/config.py` on line 3 falls back to `CHANGE_ME`, a hardcoded literal, when the environment variable is unset, and a weak one: shorter than 50 characters"),
        Invalid(files={
            "pkg/__init__.py": "",
            "pkg/constants.py": "OLD_KEY = b'retired-key'  # error\n",
            "pkg/config.py": "from pkg import constants\nSECRET_KEY_FALLBACKS = [constants.OLD_KEY]\n",
        }, message="`SECRET_KEY_FALLBACKS` in `pkg/config.py` on line 2 holds `OLD_KEY`, a hardcoded literal, and a weak one: shorter than 32 bytes"),
    ]

    def __init__(self) -> None:
        self._reported: set[int] = set()  # a named constant can be reached from several settings

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        self._check(node, ctx)

    def _check(self, node: ast.AST, ctx: FileContext) -> None:
        semantic = ctx.semantic
        for setting in config_settings(node, semantic):
            if setting.owner_class is not None and _is_enum(semantic, setting.owner_class):
                continue  # `class Key(Enum): SECRET_KEY = "secret_key"` names a key, it is none
            if setting.key == "SECRET_KEY":
                sources = _key_sources(setting.value, semantic)
            elif setting.key == "SECRET_KEY_FALLBACKS" and isinstance(setting.value, (ast.List, ast.Tuple)):
                sources = [(element, False) for element in setting.value.elts]
            else:
                continue
            for expr, fallback in sources:
                literal = _secret_literal(semantic, expr)
                if literal is not None:
                    self._report(ctx, setting, literal, fallback)
                elif (imported := _imported_name(semantic, expr)) is not None:
                    app = setting.app.imported if setting.app is not None else None
                    ctx.record(expr, kind="use", name=imported, key=setting.key, fallback=fallback, app=app)

    def _report(self, ctx: FileContext, setting: ConfigSetting, literal: ast.Constant, fallback: bool) -> None:
        if id(literal) in self._reported:
            return
        self._reported.add(id(literal))
        name = None if _contains(setting.value, literal) else _constant_name(literal)
        where = f"on line {setting.value.lineno}"
        message = _message(setting.key, literal.value, fallback, name, where)
        if setting.app is not None:
            ctx.report_if_app(setting.app, literal, message)
        else:
            ctx.report(literal, message)

    def leave_module(self, ctx: FileContext) -> None:
        """Keep the module's upper-case str/bytes constants: another module may use one as a key."""
        for name, bindings in ctx.semantic.module_scope.bindings.items():
            value = bindings[0].value
            if len(bindings) != 1 or not name.isupper() or not isinstance(value, ast.Constant):
                continue
            if isinstance(value.value, (str, bytes)) and value.value:
                weakness = secret_weakness(value.value)  # the summary keeps the weakness, never the value
                ctx.record(value, kind="constant", name=name, weakness=weakness, reported=id(value) in self._reported)

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        constants: dict[tuple[str, str], Fact] = {}
        uses: list[tuple[ModuleSummary, Fact]] = []
        for summary, fact in index.facts(self.code):
            if fact.data["kind"] == "constant":
                constants[(summary.module_name, fact.data["name"])] = fact
            elif not fact.in_test_code:
                uses.append((summary, fact))
        reported: set[int] = set()  # once per constant, however many modules use it
        for summary, use in uses:
            if use.data["app"] is not None and not index.is_app(use.data["app"]):
                continue
            constant = _resolve_constant(index, constants, use.data["name"])
            if constant is None or constant.data["reported"] or id(constant) in reported:
                continue
            reported.add(id(constant))
            where = f"in `{summary.relative}` on line {use.line}"
            name = use.data["name"].rpartition(".")[2]
            ctx.report_fact(constant, _message(use.data["key"], None, use.data["fallback"], name, where, constant.data["weakness"]))


def _resolve_constant(index: ProjectIndex, constants: dict[tuple[str, str], Fact], qualified: str, depth: int = 8) -> Fact | None:
    """The constant `pkg.module.NAME` stands for, following re-exports through imports."""
    module, _, name = qualified.rpartition(".")
    if (module, name) in constants:
        return constants[(module, name)]
    summary = index.modules.get(module)
    target = summary.imports.get(name) if summary is not None else None
    return _resolve_constant(index, constants, target, depth - 1) if target and depth else None


def _key_sources(value: ast.expr, semantic: SemanticModel) -> list[tuple[ast.expr, bool]]:
    """The expressions a `SECRET_KEY` value may end up as, each with "is it an env fallback?"."""
    if _is_named_value(value, semantic):
        return [(value, False)]
    return [(expr, True) for expr in _fallbacks(value, semantic)]


def _fallbacks(value: ast.expr | None, semantic: SemanticModel) -> list[ast.expr]:
    """`os.environ.get(NAME, default)`, `os.getenv(NAME) or default`, nested in each other."""
    if isinstance(value, ast.Call) and semantic.qualified_name(value.func) in _ENVIRONMENT_READS:
        default = value.args[1] if len(value.args) > 1 else _keyword(value, "default")
        return [default] if _is_named_value(default, semantic) else _fallbacks(default, semantic)
    if not isinstance(value, ast.BoolOp) or not isinstance(value.op, ast.Or):
        return []
    if not any(_reads_environment(operand, semantic) for operand in value.values):
        return []
    found = []
    for operand in value.values:
        found.extend([operand] if _is_named_value(operand, semantic) else _fallbacks(operand, semantic))
    return found


def _is_named_value(expr: ast.expr | None, semantic: SemanticModel) -> bool:
    """A literal, a constant of this module, or a name imported from another module."""
    return expr is not None and (_secret_literal(semantic, expr) is not None or _imported_name(semantic, expr) is not None)


def _reads_environment(expr: ast.expr, semantic: SemanticModel) -> bool:
    if isinstance(expr, ast.Subscript):
        return semantic.qualified_name(expr.value) == "os.environ"
    return isinstance(expr, ast.Call) and semantic.qualified_name(expr.func) in _ENVIRONMENT_READS


def _secret_literal(semantic: SemanticModel, expr: ast.expr | None) -> ast.Constant | None:
    """A non-empty str or bytes Constant (see the spec's conventions), else None."""
    constant = semantic.constant_value(expr)
    if constant is None or not isinstance(constant.value, (str, bytes)) or not constant.value:
        return None
    return constant


def _imported_name(semantic: SemanticModel, expr: ast.expr) -> str | None:
    """`NAME` or `module.NAME` brought in by an import: its dotted name."""
    root = expr
    while isinstance(root, ast.Attribute):
        root = root.value
    binding = semantic.binding_of(root)
    if binding is None or binding.kind is not BindingKind.IMPORT:
        return None
    return semantic.qualified_name(expr)


def _is_enum(semantic: SemanticModel, cls: ast.ClassDef) -> bool:
    return any((semantic.qualified_name(base) or "").startswith("enum.") for base in cls.bases)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _message(key: str, value: str | bytes | None, fallback: bool, name: str | None, where: str, weakness: str | None = None) -> str:
    """`value` is the literal (its weakness is measured here) or None with `weakness` given."""
    key = f"`{key}`"
    if key == "`SECRET_KEY_FALLBACKS`":
        text = f"{key} {where} holds `{name}`, a hardcoded literal" if name else f"{key} holds a hardcoded literal"
    elif name and fallback:
        text = f"{key} {where} falls back to `{name}`, a hardcoded literal, when the environment variable is unset"
    elif name:
        text = f"{key} {where} is set from `{name}`, a hardcoded literal"
    elif fallback:
        text = f"{key} falls back to a hardcoded literal when the environment variable is unset"
    else:
        text = f"{key} is a hardcoded literal"
    weakness = secret_weakness(value) if value is not None else weakness
    return f"{text}, and a weak one: {weakness}" if weakness else text


def _contains(expr: ast.AST, node: ast.AST) -> bool:
    return any(child is node for child in ast.walk(expr))


def _constant_name(literal: ast.Constant) -> str | None:
    """The module-level name a literal is bound to when it is reached through that name."""
    statement = getattr(literal, "flk_parent", None)
    if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is literal:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return targets[0].id
    return None
