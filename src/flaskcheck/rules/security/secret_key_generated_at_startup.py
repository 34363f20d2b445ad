"""FLK302."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.semantic.config import config_settings
from flaskcheck.semantic.model import SemanticModel

_GENERATORS = frozenset({
    "os.urandom", "secrets.token_bytes", "secrets.token_hex", "secrets.token_urlsafe", "uuid.uuid4",
})
_FOLLOW_NAMES = 4  # `key = os.urandom(32)` then `SECRET_KEY = key`: follow a few such steps


class SecretKeyGeneratedAtStartup(Rule):
    """
    ## What it does
    Reports a `SECRET_KEY` generated when the app starts: set from `os.urandom(...)`,
    `secrets.token_*()` or `uuid.uuid4()` at import or factory time, directly, through a
    variable, or as the fallback of an environment variable
    (`os.environ.get("SECRET_KEY") or os.urandom(32)`).

    ## Why is this bad?
    The key lives only as long as the process. Every restart or deploy changes it, so every
    user is logged out and every signed token (CSRF tokens, Flask-Login remember cookies)
    stops verifying. Worse, Gunicorn and uWSGI import the app once per worker unless it is
    preloaded (`--preload` / `preload_app = True`): each worker then signs with its own key,
    so a session set by one worker reads as empty on the others, and users are logged out at
    random. With several hosts or containers, the same happens between machines.

    ## Example
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.urandom(32)  # error
        return app
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        return app
    ```

    ## References
    - [Flask: `SECRET_KEY`](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY)
    - [Gunicorn: `preload_app`](https://docs.gunicorn.org/en/stable/settings.html#preload-app)
    """

    code = "FLK302"
    name = "secret-key-generated-at-startup"
    severity = Severity.WARNING
    in_tests = False

    valid = [
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.environ['SECRET_KEY']\n"),
        # generated once by a command and printed, not used as the key
        Valid("import secrets\n\ndef new_key():\n    print(secrets.token_hex(32))\n"),
        # test code
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.secret_key = os.urandom(16)\n", path="tests/conftest.py"),
        Valid("import secrets\nclass TestConfig:\n    SECRET_KEY = secrets.token_hex()\n", path="config.py"),
        # a local `os` that is not the os module, and an `app` that is a Celery app
        Valid("class _Os:\n    def urandom(self, n):\n        return b'k' * n\nos = _Os()\nSECRET_KEY = os.urandom(32)\n", path="config.py"),
        Valid("import os\nfrom celery import Celery\napp = Celery('tasks')\napp.secret_key = os.urandom(32)\n"),
        # other keys may well be random
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['UPLOAD_TOKEN'] = os.urandom(8).hex()\n"),
    ]
    invalid = [
        Invalid("import os\nfrom flask import Flask as F\napp = F(__name__)\napp.secret_key = os.urandom(24)  # error\n",
                message="`SECRET_KEY` is generated at start-up by `os.urandom`: each restart, and each worker process unless the app is preloaded, gets another key"),
        Invalid("import flask\nimport secrets\napp = flask.Flask(__name__)\napp.config.update(\n    DEBUG=False,\n    SECRET_KEY=secrets.token_hex(32),  # error\n)\n"),
        Invalid("from secrets import token_urlsafe\nclass ProductionConfig:\n    SECRET_KEY = token_urlsafe()  # error\n", path="config.py"),
        Invalid("import uuid\nSECRET_KEY = str(uuid.uuid4())  # error\n", path="settings.py"),
        Invalid("import os\nfrom flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    key = os.urandom(32)  # error\n    app.secret_key = key\n    return app\n"),
        Invalid("import os\nfrom flask import Flask\napp = Flask(__name__)\napp.config['SECRET_KEY'] = os.environ.get('SECRET_KEY') or os.urandom(32).hex()  # error\n"),
        Invalid("import os, binascii\nfrom flask import Flask\napp = Flask(__name__)\napp.config['SECRET_KEY'] = os.environ.get('SECRET_KEY', binascii.hexlify(os.urandom(24)))  # error\n"),
        Invalid("import os\nfrom flask import Flask\nKEY = os.urandom(32)  # error\napp = Flask(__name__)\napp.secret_key = KEY\napp.config['SECRET_KEY'] = KEY\n"),
        Invalid(files={
            "pkg/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "pkg/keys.py": "import os\nfrom pkg import app\napp.secret_key = os.urandom(32)  # error\n",
        }),
    ]

    def __init__(self) -> None:
        self._reported: set[int] = set()  # one generated variable can feed several settings

    def visit_Assign(self, node: ast.Assign, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_AnnAssign(self, node: ast.AnnAssign, ctx: FileContext) -> None:
        self._check(node, ctx)

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        self._check(node, ctx)

    def _check(self, node: ast.AST, ctx: FileContext) -> None:
        for setting in config_settings(node, ctx.semantic):
            if setting.key != "SECRET_KEY":
                continue
            generator = _generator_call(setting.value, ctx.semantic, _FOLLOW_NAMES)
            if generator is None or id(generator) in self._reported:
                continue
            self._reported.add(id(generator))
            name = ctx.semantic.qualified_name(generator.func)
            message = f"`SECRET_KEY` is generated at start-up by `{name}`: each restart, and each worker process unless the app is preloaded, gets another key"
            if setting.app is not None:
                ctx.report_if_app(setting.app, generator, message)
            else:
                ctx.report(generator, message)


def _generator_call(value: ast.expr, semantic: SemanticModel, depth: int) -> ast.Call | None:
    """The first random-key call inside `value`, following names bound by assignment."""
    for node in ast.walk(value):
        if isinstance(node, ast.Call) and semantic.qualified_name(node.func) in _GENERATORS:
            return node
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and depth:
            bound = semantic.assigned_value(node)
            found = _generator_call(bound, semantic, depth - 1) if bound is not None else None
            if found is not None:
                return found
    return None
