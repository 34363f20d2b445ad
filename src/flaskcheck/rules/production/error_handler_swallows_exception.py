"""FLK702."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.rules.production import report_at_def
from flaskcheck.semantic.flask import (
    enclosing_function,
    flask_name,
    is_app_or_blueprint,
)
from flaskcheck.semantic.model import BindingKind, SemanticModel

_CATCH_ALL = {"builtins.Exception": "Exception", "builtins.BaseException": "BaseException"}
_REGISTRARS = frozenset({"errorhandler", "app_errorhandler"})
_LOG_LEVELS = frozenset({"error", "critical", "fatal", "warning", "warn", "log", "info", "debug"})
# Calls that record an exception: their name (last part, lower case, `_` removed) contains one of these.
_RECORDERS = ("exception", "captureexc", "reportexc", "noticeerror", "notifyexc", "printexc", "formatexc", "printtb", "formattb", "excinfo")
_RECORDING_MODULES = ("traceback.", "sentry_sdk.", "rollbar.", "bugsnag.", "newrelic.", "raven.")
_SIGNALS = frozenset({"flask.got_request_exception", "flask.signals.got_request_exception"})
# Functions known not to log: passing the exception to them records nothing.
_SILENT_CALLS = frozenset({
    "flask.jsonify", "flask.render_template", "flask.render_template_string", "flask.make_response", "flask.redirect",
    "flask.url_for", "flask.Response", "flask.flash", "flask.abort",
})
_DEPTH = 3


class ErrorHandlerSwallowsException(Rule):
    """
    ## What it does
    Reports an error handler registered for `Exception` or `BaseException`
    (`@app.errorhandler(Exception)`, `@bp.errorhandler(...)`, `@bp.app_errorhandler(...)`,
    or `app.register_error_handler(Exception, handler)` with a handler of the same module)
    that returns a response without recording the exception and without re-raising it.

    Recording means a call such as `logger.exception(...)`, `logger.error(..., exc_info=...)`
    (any log call with `exc_info`, or one that is given the exception), `logging.exception`,
    `app.log_exception(...)`, `sentry_sdk.capture_exception(...)`, `traceback.print_exc()` /
    `format_exc()`, or sending `got_request_exception`, in the handler or in a function of
    the same module it calls. It stays silent when the handler raises (any `raise`, or
    `abort(...)`), when it passes the exception to a function the rule cannot see (which may
    log it), when it never returns a value, and for handlers of `500`,
    `InternalServerError`, `HTTPException` or its subclasses: Flask has already logged the
    exception and sent the signal before calling a 500 handler.

    Handlers for a specific non-HTTP exception class (`errorhandler(ValueError)`) swallow
    the same way, but usually on purpose (a known error turned into a 400 or 409): they are
    out of scope by design.

    ## Why is this bad?
    Flask calls a handler registered for `Exception` instead of its own error path for
    every unhandled exception, so the exception is neither logged (no traceback in the
    server log) nor sent as `got_request_exception`, the signal Sentry and other error
    trackers listen to. A bug in production then shows up as a polite error page and
    nothing else: it vanishes.

    ## Example
    ```python
    from flask import Flask, jsonify

    app = Flask(__name__)

    @app.errorhandler(Exception)
    def handle_error(error):  # error
        return jsonify(error="Something went wrong"), 500
    ```

    ## Use instead
    ```python
    from flask import Flask, jsonify

    app = Flask(__name__)

    @app.errorhandler(Exception)
    def handle_error(error):
        app.logger.exception("Unhandled exception")
        return jsonify(error="Something went wrong"), 500
    ```

    Or register the handler for `500` (or `InternalServerError`): Flask logs the exception
    and sends `got_request_exception` first, then calls it with the original exception in
    `error.original_exception`. Do not set `PROPAGATE_EXCEPTIONS = True` to get errors
    reported: unhandled exceptions would then skip the 500 handler and the `after_request`
    hooks (the security headers) and reach the WSGI server, while an `Exception` handler
    still swallows them. Sentry's Flask integration does not need it.

    ## References
    - [Flask: handling application errors](https://flask.palletsprojects.com/en/stable/errorhandling/)
    - [Flask: `got_request_exception`](https://flask.palletsprojects.com/en/stable/api/#flask.got_request_exception)
    - [Flask: logging](https://flask.palletsprojects.com/en/stable/logging/)
    """

    code = "FLK702"
    name = "error-handler-swallows-exception"
    severity = Severity.WARNING

    valid = [
        # logs, in the forms listed
        Valid("import logging\nfrom flask import Flask\napp = Flask(__name__)\nlog = logging.getLogger(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    log.error('failed: %s', e, exc_info=True)\n    return 'error', 500\n"),
        Valid("import logging\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    logging.exception('failed')\n    return 'error', 500\n"),
        Valid("import sentry_sdk\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.errorhandler(BaseException)\ndef h(e):\n    sentry_sdk.capture_exception(e)\n    return 'error', 500\n"),
        Valid("import traceback\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    traceback.print_exc()\n    return 'error', 500\n"),
        Valid("from flask import Flask, current_app, got_request_exception\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    got_request_exception.send(current_app._get_current_object(), exception=e)\n    return 'error', 500\n"),
        # re-raises, or raises through abort
        Valid("from flask import Flask\nfrom werkzeug.exceptions import HTTPException\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    if isinstance(e, HTTPException):\n        return e\n    raise e\n"),
        Valid("from flask import Flask, abort\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    abort(500)\n"),
        # logs in a helper of the same module, or hands the exception to a function it cannot see
        Valid(
            "from flask import Flask, current_app\napp = Flask(__name__)\n\ndef report(error):\n    current_app.logger.exception(error)\n\n"
            "@app.errorhandler(Exception)\ndef h(e):\n    report(e)\n    return 'error', 500\n"
        ),
        Valid("from flask import Flask\nfrom .errors import error_response\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    return error_response(e)\n"),
        # handlers for 500, InternalServerError, HTTPException, a specific exception class
        Valid(
            "from flask import Flask\nfrom werkzeug.exceptions import HTTPException, InternalServerError, NotFound\napp = Flask(__name__)\n\n"
            "@app.errorhandler(500)\ndef a(e):\n    return 'error', 500\n\n@app.errorhandler(InternalServerError)\ndef b(e):\n    return 'error', 500\n\n"
            "@app.errorhandler(HTTPException)\ndef c(e):\n    return e.description, e.code\n\n@app.errorhandler(NotFound)\ndef d(e):\n    return 'gone', 404\n\n"
            "@app.errorhandler(ValueError)\ndef v(e):\n    return 'bad value', 400\n"
        ),
        # no value returned: Flask fails loudly on its own
        Valid("from flask import Flask\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef h(e):\n    print('oops')\n"),
        # not Flask: Flask-RESTX's Api sends the signal itself; a Sanic-like app
        Valid("from flask_restx import Api\napi = Api()\n\n@api.errorhandler(Exception)\ndef h(e):\n    return {'message': 'error'}, 500\n"),
        Valid("from sanic import Sanic\napp = Sanic('x')\n\n@app.exception(Exception)\ndef h(request, e):\n    return 'error'\n"),
    ]
    invalid = [
        Invalid(
            "from flask import Flask, render_template\napp = Flask(__name__)\n\n@app.errorhandler(Exception)\ndef handle(e):  # error\n    return render_template('error.html', message=str(e)), 500\n",
            message="`handle` handles every `Exception` and returns a response without logging it or re-raising: the traceback is lost and `got_request_exception` (which Sentry listens to) is never sent",
        ),
        # a blueprint, app_errorhandler, aliases, `import flask`
        Invalid(
            "import flask\nfrom flask import Blueprint as B\nbp = B('api', __name__)\n\n"
            "@bp.app_errorhandler(BaseException)\ndef any_error(e):  # error\n    return flask.jsonify(error=type(e).__name__), 500\n\n"
            "@bp.errorhandler(Exception)\nasync def api_error(e):  # error\n    return {'error': 'internal'}, 500\n"
        ),
        # register_error_handler, in a factory; a log call without the exception records nothing
        Invalid(
            "import logging\nfrom flask import Flask\n\ndef on_error(e):  # error\n    logging.getLogger(__name__).info('request failed')\n    return 'Sorry', 500\n\n"
            "def create_app():\n    app = Flask(__name__)\n    app.register_error_handler(Exception, on_error)\n    return app\n"
        ),
        # stacked with a 500 registration: the Exception one still swallows
        Invalid(
            "from flask import Flask, jsonify\nfrom werkzeug.exceptions import HTTPException\n\ndef create_app():\n    app = Flask(__name__)\n\n"
            "    @app.errorhandler(Exception)\n    @app.errorhandler(500)\n    def fallback(e):  # error\n        if isinstance(e, HTTPException):\n            return e\n        return jsonify(error=str(e)), 500\n    return app\n"
        ),
        Invalid("from flask import Flask\napp = Flask(__name__)\napp.register_error_handler(Exception, lambda e: ('error', 500))  # error\n"),
        # an app handed over as a parameter, a blueprint imported from another module
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    from shop.errors import register\n    register(app)\n    return app\n",
            "shop/errors.py": (
                "from flask import jsonify\n\ndef register(app):\n    @app.errorhandler(Exception)\n    def internal(e):  # error\n        return jsonify(error='internal'), 500\n"
            ),
            "shop/api.py": "from flask import jsonify\nfrom shop.blueprints import api\n\n@api.errorhandler(Exception)\ndef api_error(e):  # error\n    return jsonify(error='internal'), 500\n",
            "shop/blueprints.py": "from flask import Blueprint\napi = Blueprint('api', __name__)\n",
        }),
        # a handler defined in another module and registered by name
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\nfrom shop.handlers import on_error\napp = Flask(__name__)\napp.register_error_handler(Exception, on_error)\n",
            "shop/handlers.py": "def on_error(e):  # error\n    return 'Sorry', 500\n",
        }, todo="handlers of another module are not followed: the rule only reads handlers defined where they are registered"),
    ]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: FileContext) -> None:
        semantic = ctx.semantic
        caught = next(filter(None, (_catch_all_registration(semantic, d) for d in node.decorator_list)), None)
        if caught is not None:
            self._check(node, caught, ctx)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        function = node.func
        if not isinstance(function, ast.Attribute) or function.attr != "register_error_handler" or len(node.args) < 2:
            return
        if not is_app_or_blueprint(semantic, function.value) and not _is_flask_parameter(semantic, function.value):
            return
        caught = _CATCH_ALL.get(semantic.qualified_name(node.args[0]) or "")
        handler = _handler_function(semantic, node.args[1])
        if caught is not None and handler is not None:
            self._check(handler, caught, ctx)

    def _check(self, handler: ast.AST, caught: str, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if not _returns_value(handler) or _records_or_raises(semantic, handler, _DEPTH):
            return
        name = f"`{handler.name}`" if isinstance(handler, (ast.FunctionDef, ast.AsyncFunctionDef)) else "this handler"
        report_at_def(
            ctx, handler,
            f"{name} handles every `{caught}` and returns a response without logging it or re-raising: the traceback is lost "
            "and `got_request_exception` (which Sentry listens to) is never sent",
        )


def _catch_all_registration(semantic: SemanticModel, decorator: ast.AST) -> str | None:
    """`Exception` / `BaseException` for `@<app or bp>.errorhandler(Exception)` and alike."""
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute) or decorator.func.attr not in _REGISTRARS:
        return None
    owner = decorator.func.value
    if not is_app_or_blueprint(semantic, owner) and not _is_flask_parameter(semantic, owner):
        return None
    return _CATCH_ALL.get(semantic.qualified_name(decorator.args[0]) or "") if decorator.args else None


def _is_flask_parameter(semantic: SemanticModel, expr: ast.AST) -> bool:
    """A parameter of unknown type in a module that imports Flask but no other framework
    with `errorhandler` (`def register_handlers(app): @app.errorhandler(...)`)."""
    binding = semantic.binding_of(expr)
    if binding is None or binding.kind is not BindingKind.PARAMETER or getattr(binding.node, "annotation", None) is not None:
        return False
    if any(semantic.imports_module(other) for other in ("flask_restx", "flask_restful", "flask_restplus", "connexion", "flask_smorest")):
        return False
    return any(semantic.imports_module(package) for package in ("flask", "quart", "apiflask"))


def _handler_function(semantic: SemanticModel, expr: ast.AST) -> ast.AST | None:
    if isinstance(expr, ast.Lambda):
        return expr
    binding = semantic.binding_of(expr)
    if binding is not None and binding.kind is BindingKind.FUNCTION:
        return binding.node
    return None


def _own_nodes(function: ast.AST) -> list[ast.AST]:
    body = function.body if isinstance(function.body, list) else [function.body]  # type: ignore[attr-defined]
    found, stack = [], list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _returns_value(function: ast.AST) -> bool:
    if isinstance(function, ast.Lambda):
        return True
    return any(isinstance(node, ast.Return) and node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None) for node in _own_nodes(function))


def _records_or_raises(semantic: SemanticModel, function: ast.AST, depth: int) -> bool:
    """Does the handler (or a function of this module it calls) raise, record the exception,
    or hand the exception to a function the rule cannot see?"""
    exception = _exception_parameter(function)
    for node in _own_nodes(function):
        if isinstance(node, ast.Raise):
            return True
        if not isinstance(node, ast.Call):
            continue
        if _records(semantic, node, exception):
            return True
        called = flask_name(semantic, node.func) or ""
        if called == "flask.abort":
            return True
        local = _local_function(semantic, node)
        if local is not None:
            if depth and _records_or_raises(semantic, local, depth - 1):
                return True
            continue
        if exception and _passes(node, exception) and not _is_silent_call(called):
            return True
    return False


def _exception_parameter(function: ast.AST) -> str | None:
    arguments = function.args  # type: ignore[attr-defined]
    positional = [*arguments.posonlyargs, *arguments.args]
    if positional and positional[0].arg in ("self", "cls") and len(positional) > 1:
        positional = positional[1:]
    return positional[0].arg if positional else None


def _records(semantic: SemanticModel, call: ast.Call, exception: str | None) -> bool:
    qualified = semantic.qualified_name(call.func) or ""
    if flask_name(semantic, call.func.value if isinstance(call.func, ast.Attribute) else None) in _SIGNALS:
        return True
    if qualified.startswith(_RECORDING_MODULES) and not qualified.startswith(("traceback.extract", "traceback.walk")):
        return True
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    flat = name.lower().replace("_", "")
    if not name[:1].isupper() and any(word in flat for word in _RECORDERS):  # `capture_exception`, not `HTTPException(...)`
        return True
    if name in _LOG_LEVELS and isinstance(call.func, ast.Attribute):
        if any(keyword.arg == "exc_info" and not (isinstance(keyword.value, ast.Constant) and not keyword.value.value) for keyword in call.keywords):
            return True
        return exception is not None and name not in ("info", "debug") and any(_mentions(argument, exception) for argument in call.args)
    return False


def _passes(call: ast.Call, exception: str) -> bool:
    """Is the exception object itself an argument of the call?"""
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    return any(isinstance(a, ast.Name) and a.id == exception for a in arguments)


def _is_silent_call(called: str) -> bool:
    return called in _SILENT_CALLS or called.startswith(("builtins.", "werkzeug.exceptions."))


def _mentions(expr: ast.AST, name: str) -> bool:
    return any(isinstance(node, ast.Name) and node.id == name for node in ast.walk(expr))


def _local_function(semantic: SemanticModel, call: ast.Call) -> ast.AST | None:
    """The function of this module a call runs (`report(e)`), if that is what it is."""
    binding = semantic.binding_of(call.func)
    if binding is not None and binding.kind is BindingKind.FUNCTION and enclosing_function(binding.node) is None:
        return binding.node
    return None
