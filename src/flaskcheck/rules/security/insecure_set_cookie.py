"""FLK304."""

from __future__ import annotations

import ast
import enum

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.semantic.flask import flask_name, is_app_or_blueprint, string_value
from flaskcheck.semantic.model import BindingKind, SemanticModel

_RESPONSE_FACTORIES = frozenset({
    "flask.make_response", "flask.Response", "flask.redirect", "flask.jsonify", "flask.send_file",
    "flask.send_from_directory", "werkzeug.Response", "werkzeug.wrappers.Response",
    "werkzeug.wrappers.response.Response", "werkzeug.sansio.response.Response", "werkzeug.utils.redirect",
    "werkzeug.utils.send_file", "werkzeug.utils.send_from_directory",
})
_RESPONSE_METHODS = frozenset({"make_response", "response_class"})  # `app.make_response(...)`, `current_app.response_class(...)`
_TEST_CLIENTS = frozenset({"flask.testing.FlaskClient", "werkzeug.test.Client", "werkzeug.Client"})
# Cookie jars, HTTP clients and other frameworks' responses: their `set_cookie` is no Flask response's.
_NON_RESPONSE_PACKAGES = frozenset({
    "http", "requests", "httpx", "aiohttp", "urllib", "urllib3", "mechanize", "selenium", "playwright",
    "webtest", "django", "fastapi", "starlette", "sanic", "tornado", "bottle", "falcon", "pyramid",
})
_HOOK_DECORATORS = frozenset({"after_request", "after_app_request"})
_COOKIE_JAR_ATTRIBUTES = frozenset({"cookies", "cookie_jar"})  # `session.cookies.set_cookie(cookie)`
# set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)
_FLAGS = (("secure", 6, "`secure=True`"), ("httponly", 7, "`httponly=True`"), ("samesite", 8, "`samesite`"))
_FOLLOW_NAMES = 4


class _Receiver(enum.Enum):
    RESPONSE = "response"
    OTHER = "other"
    UNKNOWN = "unknown"


class InsecureSetCookie(Rule):
    """
    ## What it does
    Reports `response.set_cookie(...)` without `secure=True`, `httponly=True` or a `samesite`
    value, or with `secure=False`, `httponly=False` or `samesite=None`, and says which. A
    value that is not a literal counts as given, and so do `*args` / `**kwargs`.

    The receiver must be a response: made by `make_response`, `Response(...)`, `redirect`,
    `jsonify`, `send_file`, the parameter of an `after_request` hook, or of unknown type in a
    module that imports Flask or Werkzeug. Cookie jars, `requests` sessions, test clients
    and other frameworks' responses are not; in test code only a known response counts.
    When `httponly` is the only flag missing or off, the finding is `info`: a cookie that
    JavaScript must read (a theme preference, a double-submit CSRF token) needs it off.

    ## Why is this bad?
    Werkzeug's defaults are `secure=False`, `httponly=False` and no `SameSite`:
    `set_cookie("pref", "dark")` sends `Set-Cookie: pref=dark; Path=/`. The browser then
    sends the cookie over plain HTTP too (readable on the network), lets any script on the
    page read it (an XSS payload included), and attaches it to cross-site requests.

    ## Example
    ```python
    from flask import Flask, make_response

    app = Flask(__name__)


    @app.get("/theme/<name>")
    def theme(name):
        response = make_response("ok")
        response.set_cookie("theme", name)  # error
        return response
    ```

    ## Use instead
    ```python
    from flask import Flask, make_response

    app = Flask(__name__)


    @app.get("/theme/<name>")
    def theme(name):
        response = make_response("ok")
        response.set_cookie("theme", name, secure=True, httponly=True, samesite="Lax")
        return response
    ```

    ## References
    - [Flask: security considerations, set-cookie options](https://flask.palletsprojects.com/en/stable/web-security/#set-cookie-options)
    - [Werkzeug: `Response.set_cookie`](https://werkzeug.palletsprojects.com/en/stable/wrappers/#werkzeug.wrappers.Response.set_cookie)
    """

    code = "FLK304"
    name = "insecure-set-cookie"
    severity = Severity.WARNING

    valid = [
        Valid("from flask import make_response\n\ndef view(flags):\n    r = make_response('x')\n    r.set_cookie('k', 'v', secure=flags.secure, httponly=True, samesite=flags.samesite)\n    return r\n"),
        Valid("from flask import Response\n\ndef view(options):\n    r = Response('x')\n    r.set_cookie('k', 'v', **options)\n    return r\n"),
        Valid("from flask import Response\n\nclass SafeResponse(Response):\n    def set_cookie(self, *args, **kwargs):\n        kwargs.setdefault('secure', True)\n        super().set_cookie(*args, **kwargs)\n"),
        # positional flags
        Valid("from flask import make_response\nr = make_response('x')\nr.set_cookie('k', 'v', 60, None, '/', None, True, True, 'Strict')\n"),
        # not responses: cookie jars, requests sessions, test clients
        Valid("import http.cookiejar\nfrom flask import Flask\njar = http.cookiejar.CookieJar()\njar.set_cookie(cookie)\n"),
        Valid("import requests\nfrom flask import Flask\nsession = requests.Session()\nsession.cookies.set_cookie(cookie)\n"),
        Valid("from requests import Session\nimport flask\ns = Session()\ns.set_cookie('k', 'v')\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\nclient = app.test_client()\nclient.set_cookie('session', 'forged')\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\nwith app.test_client() as c:\n    c.set_cookie('k', 'v')\n"),
        Valid("from flask.testing import FlaskClient\n\ndef login(client: FlaskClient):\n    client.set_cookie('k', 'v')\n"),
        # pytest fixtures in tests: a receiver of unknown type there is a test client
        Valid("def test_theme(client):\n    client.set_cookie('theme', 'dark')\n    assert client.get('/').status_code == 200\n", path="tests/test_theme.py"),
        Valid("import unittest\nfrom myapp import app\n\nclass ThemeCase(unittest.TestCase):\n    def test_it(self):\n        self.client.set_cookie('theme', 'dark')\n", path="tests/test_views.py"),
        # a module that is not Flask code: a Django view
        Valid("from django.http import HttpResponse\n\ndef view(request):\n    response = HttpResponse('x')\n    response.set_cookie('k', 'v')\n    return response\n"),
        # FastAPI's Response in a module that also uses werkzeug
        Valid("from fastapi import Response\nfrom werkzeug.security import check_password_hash\n\ndef login(response: Response):\n    response.set_cookie('k', 'v')\n"),
    ]
    invalid = [
        Invalid("from flask import make_response as mk\nr = mk('x')\nr.set_cookie('pref', 'dark')  # error\n",
                message="cookie `pref` is set without `secure=True`, `httponly=True` and `samesite`"),
        Invalid("import flask\nr = flask.Response('x')\nr.set_cookie('k', 'v', secure=False, httponly=True, samesite=None)  # error\n",
                message="cookie `k` is set with `secure=False` and `samesite=None`"),
        Invalid("from flask import redirect\n\ndef go():\n    r = redirect('/')\n    r.set_cookie('csrf', 't', secure=True, samesite='Strict')  # error\n    return r\n",
                message="cookie `csrf` is set without `httponly=True`", severity=Severity.INFO),
        Invalid("from flask import jsonify\n\ndef api():\n    r = jsonify(ok=True)\n    r.set_cookie('k', 'v', secure=True, httponly=False, samesite='Lax')  # error\n    return r\n",
                message="cookie `k` is set with `httponly=False`", severity=Severity.INFO),
        Invalid("from flask import send_file\n\ndef download():\n    response = send_file('a.pdf')\n    response.set_cookie('downloaded', '1', httponly=True, samesite='Lax')  # error\n    return response\n",
                severity=Severity.WARNING),
        # an `after_request` hook of an imported blueprint, in a module that imports nothing from Flask
        Invalid(files={
            "shop/__init__.py": "from flask import Blueprint\nbp = Blueprint('shop', __name__)\n",
            "shop/hooks.py": "from shop import bp\n\n@bp.after_request\ndef remember(response):\n    response.set_cookie('seen', '1')  # error\n    return response\n",
        }),
        # an `after_request` hook inside a factory
        Invalid("import flask\n\ndef create_app():\n    app = flask.Flask(__name__)\n\n    @app.after_request\n    def remember(response):\n        response.set_cookie('visited', 'yes', secure=True, samesite='Lax')  # error\n        return response\n\n    return app\n",
                severity=Severity.INFO),
        # receiver of unknown type in a module that imports Flask
        Invalid("from flask import Flask\n\ndef add_cookie(response, name):\n    response.set_cookie(name, 'x', secure=True, httponly=True)  # error\n    return response\n"),
        Invalid("from werkzeug.wrappers import Response\n\ndef make():\n    r = Response('x')\n    r.set_cookie('k', 'v', 60, None, '/', None, False, True, 'Lax')  # error\n"),
        # a known response is still flagged in test code
        Invalid("from flask import make_response\n\ndef test_cookie():\n    r = make_response('x')\n    r.set_cookie('k', 'v')  # error\n", path="tests/test_cookie.py"),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        function = node.func
        if not isinstance(function, ast.Attribute) or function.attr != "set_cookie":
            return
        receiver = _classify(ctx.semantic, function.value, _FOLLOW_NAMES)
        if receiver is _Receiver.OTHER:
            return
        if receiver is _Receiver.UNKNOWN and (ctx.is_test_code(node) or not _imports_flask_or_werkzeug(ctx.semantic)):
            return
        missing, off = _weak_flags(node)
        if not missing and not off:
            return
        only_httponly = {flag for flag, _ in missing + off} == {"httponly"}
        ctx.report(node, _message(node, missing, off), severity=Severity.INFO if only_httponly else None)


def _imports_flask_or_werkzeug(semantic: SemanticModel) -> bool:
    return any(semantic.imports_module(package) for package in ("flask", "werkzeug", "quart", "apiflask"))


def _classify(semantic: SemanticModel, expr: ast.AST | None, depth: int) -> _Receiver:
    """Is `expr` a Flask/Werkzeug response, known to be something else, or unknown?"""
    if isinstance(expr, ast.Call):
        return _classify_call(semantic, expr, depth)
    if isinstance(expr, ast.Attribute) and expr.attr in _COOKIE_JAR_ATTRIBUTES:
        return _Receiver.OTHER
    if not isinstance(expr, ast.Name) or depth == 0:
        return _Receiver.UNKNOWN
    binding = semantic.binding_of(expr)
    if binding is None:
        return _Receiver.UNKNOWN
    if binding.kind is BindingKind.ASSIGNMENT:
        return _classify(semantic, binding.value, depth - 1)
    if binding.kind is BindingKind.IMPORT:
        return _classify_name(binding.qualified)
    if binding.kind is BindingKind.PARAMETER:
        return _classify_parameter(semantic, binding.node, binding.scope.node)
    holder = getattr(binding.node, "flk_parent", None)
    if isinstance(holder, ast.withitem):  # `with app.test_client() as client:`
        return _classify(semantic, holder.context_expr, depth - 1)
    return _Receiver.UNKNOWN


def _classify_call(semantic: SemanticModel, call: ast.Call, depth: int) -> _Receiver:
    function = call.func
    if isinstance(function, ast.Attribute) and function.attr == "test_client":
        return _Receiver.OTHER
    if isinstance(function, ast.Attribute) and function.attr in _RESPONSE_METHODS:
        return _Receiver.RESPONSE
    verdict = _classify_name(flask_name(semantic, function))
    if verdict is not _Receiver.UNKNOWN:
        return verdict
    if isinstance(function, ast.Attribute) and _classify(semantic, function.value, depth - 1) is _Receiver.OTHER:
        return _Receiver.OTHER  # `requests.Session().get(...)`, `client.get(...)`
    return _Receiver.UNKNOWN


def _classify_name(qualified: str | None) -> _Receiver:
    """A class or factory, by its dotted name."""
    if qualified is None:
        return _Receiver.UNKNOWN
    if qualified in _RESPONSE_FACTORIES:
        return _Receiver.RESPONSE
    if qualified in _TEST_CLIENTS or qualified.split(".")[0] in _NON_RESPONSE_PACKAGES:
        return _Receiver.OTHER
    return _Receiver.UNKNOWN


def _classify_parameter(semantic: SemanticModel, parameter: ast.AST, function: ast.AST) -> _Receiver:
    annotation = getattr(parameter, "annotation", None)
    if annotation is not None:
        verdict = _classify_name(flask_name(semantic, annotation))
        if verdict is not _Receiver.UNKNOWN:
            return verdict
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_after_request_hook(semantic, function):
        positional = [*function.args.posonlyargs, *function.args.args]
        if positional and positional[0] is parameter:
            return _Receiver.RESPONSE
    return _Receiver.UNKNOWN


def _is_after_request_hook(semantic: SemanticModel, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        if flask_name(semantic, decorator) == "flask.after_this_request":
            return True
        if isinstance(decorator, ast.Attribute) and decorator.attr in _HOOK_DECORATORS and is_app_or_blueprint(semantic, decorator.value):
            return True
    return False


def _weak_flags(call: ast.Call) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(missing, off): each as (flag, how the message shows it)."""
    spread = any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args)
    missing: list[tuple[str, str]] = []
    off: list[tuple[str, str]] = []
    for flag, position, wanted in _FLAGS:
        value = next((k.value for k in call.keywords if k.arg == flag), None)
        if value is None and len(call.args) > position:
            value = call.args[position]
        if value is None:
            if not spread:
                missing.append((flag, wanted))
            continue
        if isinstance(value, ast.Constant) and (value.value is None or value.value is False):
            off.append((flag, f"`{flag}={value.value}`"))
    return missing, off


def _message(call: ast.Call, missing: list[tuple[str, str]], off: list[tuple[str, str]]) -> str:
    name = string_value(call.args[0]) if call.args else string_value(next((k.value for k in call.keywords if k.arg == "key"), None))
    subject = f"cookie `{name}`" if name else "cookie"
    parts = []
    if missing:
        parts.append("without " + _join([text for _, text in missing]))
    if off:
        parts.append("with " + _join([text for _, text in off]))
    return f"{subject} is set " + ", and ".join(parts)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
