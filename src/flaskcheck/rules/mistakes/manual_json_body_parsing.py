"""FLK803."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Fix, Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.rules.mistakes import is_caught, node_range, source_slice
from flaskcheck.semantic.model import SemanticModel
from flaskcheck.semantic.request_data import is_request, reaching_binding

_LOADS = frozenset({"json.loads", "flask.json.loads", "simplejson.loads", "ujson.loads", "orjson.loads"})
_LOAD = frozenset({"json.load", "flask.json.load", "simplejson.load", "ujson.load"})
_DECODE_ERRORS = frozenset({"builtins.ValueError", "json.JSONDecodeError", "json.decoder.JSONDecodeError", "simplejson.JSONDecodeError", "orjson.JSONDecodeError"})


class ManualJsonBodyParsing(Rule):
    """
    ## What it does
    Reports a request body parsed by hand: `json.loads(request.data)`,
    `json.loads(request.get_data(...))`, `json.loads(request.stream.read())` (also after
    `.decode()`, and through a local variable), and `json.load(request.stream)`.
    `simplejson`, `ujson`, `orjson` and `flask.json` count too.

    It stays silent when the parse sits in a `try` whose handler catches the decode error
    (`ValueError`, `JSONDecodeError`, `Exception`, or a bare `except`): the view then
    answers malformed bodies itself.

    ## Why is this bad?
    Nothing checks the body: an empty body or malformed JSON raises `JSONDecodeError`,
    which becomes a 500 Internal Server Error, with a traceback in the error log and an
    alert in the error tracker for what is a client mistake. `request.get_json()` answers
    such requests with 400 Bad Request. `request.data` is also empty when the client sent
    a form content type (curl's `-d` default): Flask parsed the body as a form, so the
    JSON is never seen.

    ## Example
    ```python
    import json
    from decimal import Decimal

    from flask import Flask, request

    app = Flask(__name__)

    @app.post("/orders")
    def create_order():
        order = json.loads(request.data, parse_float=Decimal)  # error
        return {"total": str(order["total"])}, 201
    ```

    ## Use instead
    ```python
    from decimal import Decimal

    from flask import Flask, request

    app = Flask(__name__)

    @app.post("/orders")
    def create_order():
        order = request.get_json(force=True)
        return {"total": str(Decimal(str(order["total"])))}, 201
    ```

    `force=True` keeps accepting bodies sent without `Content-Type: application/json`; drop
    it when every client sends that header (`request.get_json()` answers 415 otherwise).

    ## Fix safety
    The fix replaces the call with `request.get_json(force=True)`. It is safe: every body
    that parsed before parses to the same value (the same bytes go through the same
    `json.loads`), and bodies sent without a JSON content type are still accepted. What
    changes is the answer to requests that used to crash: malformed JSON or an empty body
    now gets 400 Bad Request instead of an unhandled `JSONDecodeError` (a 500), and a JSON
    body sent with a form content type now parses. An `errorhandler(ValueError)` no longer
    sees those requests; a `BadRequest` (an `HTTPException`) reaches the 400 handler
    instead. There is no fix when `json.loads` gets further arguments (`parse_float=`,
    `object_hook=`: `get_json` has no equivalent), for `ujson` / `orjson`, or when the body
    comes through a local variable. Plain `request.get_json()` is not offered: it would
    also answer 415 Unsupported Media Type to clients that send no JSON content type.

    ## References
    - [Flask: `Request.get_json`](https://flask.palletsprojects.com/en/stable/api/#flask.Request.get_json)
    - [Flask: the request object](https://flask.palletsprojects.com/en/stable/quickstart/#the-request-object)
    """

    code = "FLK803"
    name = "manual-json-body-parsing"
    severity = Severity.WARNING

    valid = [
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    return request.get_json()\n"),
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    return request.json\n"),
        # the decode error is handled by the view
        Valid("import json\nfrom flask import Flask, request, abort\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    try:\n        data = json.loads(request.data)\n    except json.JSONDecodeError:\n        abort(400)\n    return data\n"),
        Valid("import json\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    try:\n        return json.loads(request.get_data())\n    except (TypeError, ValueError):\n        return {'error': 'bad json'}, 400\n"),
        Valid("import json\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    try:\n        return json.loads(request.stream.read())\n    except:\n        return 'bad', 400\n"),
        # JSON inside a form field, a file, or another object's `.data`
        Valid("import json\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    return json.loads(request.form['payload'])\n"),
        Valid("import json\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    return json.load(request.files['doc'])\n"),
        Valid("import json\nimport requests\n\ndef fetch():\n    response = requests.get('https://example.com')\n    return json.loads(response.data)\n"),
        # a local `request` that is not Flask's, and urllib.request
        Valid("import json\n\ndef handle(request):\n    return json.loads(request.data)\n"),
        Valid("import json\nimport urllib.request\n\ndef read(url):\n    return json.loads(urllib.request.urlopen(url).read())\n"),
    ]
    invalid = [
        Invalid(
            "import json\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    data = json.loads(request.data)  # error\n    return data\n",
            message="`json.loads(request.data)` parses the body by hand: an empty or malformed body becomes a 500 instead of a 400",
            fixed="import json\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    data = request.get_json(force=True)\n    return data\n",
        ),
        # aliases, `import flask` style, a blueprint, the other body reads
        Invalid(
            "import json as j\nimport flask\nfrom flask import request as rq\nbp = flask.Blueprint('api', __name__)\n\n@bp.post('/a')\ndef a():\n"
            "    first = j.loads(rq.get_data(as_text=True))  # error\n"
            "    second = j.loads(flask.request.stream.read().decode('utf-8'))  # error\n"
            "    third = j.load(rq.stream)  # error\n"
            "    return [first, second, third]\n",
            fixed="import json as j\nimport flask\nfrom flask import request as rq\nbp = flask.Blueprint('api', __name__)\n\n@bp.post('/a')\ndef a():\n"
            "    first = rq.get_json(force=True)\n"
            "    second = flask.request.get_json(force=True)\n"
            "    third = rq.get_json(force=True)\n"
            "    return [first, second, third]\n",
        ),
        # a helper outside any view, nested in a factory; a handler that catches something else
        Invalid(
            "import json\nfrom flask import Flask, request\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.post('/a')\n    def a():\n"
            "        try:\n            payload = json.loads(request.data)['items']  # error\n        except KeyError:\n            payload = []\n        return payload\n    return app\n",
            fixed="import json\nfrom flask import Flask, request\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.post('/a')\n    def a():\n"
            "        try:\n            payload = request.get_json(force=True)['items']\n        except KeyError:\n            payload = []\n        return payload\n    return app\n",
        ),
        # a helper module, not a view
        Invalid(
            files={
                "api/__init__.py": "from flask import Flask\napp = Flask(__name__)\nfrom api import views\n",
                "api/body.py": "import json\nfrom flask import request\n\ndef payload():\n    return json.loads(request.get_data())  # error\n",
            },
            fixed="import json\nfrom flask import request\n\ndef payload():\n    return request.get_json(force=True)\n",
        ),
        # further arguments, a local variable, orjson: reported without a fix
        Invalid(
            "import json\nimport orjson\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n"
            "    raw = request.get_data()\n    data = json.loads(raw)  # error\n"
            "    hooked = json.loads(request.data, object_hook=dict)  # error\n"
            "    fast = orjson.loads(request.data)  # error\n    return 'ok'\n"
        ),
        # CRLF line endings, a tab and non-ASCII text before the edit on the same line
        Invalid(
            "import json\r\nfrom flask import Flask, request\r\napp = Flask(__name__)\r\n\r\n@app.post('/a')\r\ndef a():\r\n\tnom = 'é'; data = json.loads(request.data)  # error",
            fixed="import json\r\nfrom flask import Flask, request\r\napp = Flask(__name__)\r\n\r\n@app.post('/a')\r\ndef a():\r\n\tnom = 'é'; data = request.get_json(force=True)",
        ),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        parser = semantic.qualified_name(node.func)
        if parser not in _LOADS and parser not in _LOAD:
            return
        if not node.args or isinstance(node.args[0], ast.Starred):
            return
        argument = node.args[0]
        body = _body_read(semantic, argument, stream=parser in _LOAD)
        through_variable = False
        if body is None and isinstance(argument, ast.Name) and parser in _LOADS:
            binding = reaching_binding(semantic, argument)
            value = binding.value if binding is not None else None
            body = _body_read(semantic, value, stream=False) if value is not None else None
            through_variable = body is not None
        if body is None or is_caught(semantic, node, _DECODE_ERRORS):
            return
        request_node, label = body
        message = f"`{parser}({label})` parses the body by hand: an empty or malformed body becomes a 500 instead of a 400"
        fixable = not through_variable and len(node.args) == 1 and not node.keywords and parser in (_LOADS | _LOAD) - {"ujson.loads", "orjson.loads", "ujson.load"}
        fix = None
        if fixable:
            start, end = node_range(ctx, request_node)
            replacement = source_slice(ctx, start, end) + ".get_json(force=True)"
            fix = Fix("Use `request.get_json(force=True)`", (ctx.replace(node, replacement),))
        ctx.report(node, message, fix=fix)


def _body_read(semantic: SemanticModel, expr: ast.AST, *, stream: bool) -> tuple[ast.AST, str] | None:
    """(the `request` expression, a label) when `expr` is the raw body: `request.data`,
    `request.get_data(...)`, `request.stream.read()`, each optionally `.decode(...)`; with
    `stream`, `request.stream` itself (for `json.load`)."""
    if stream:
        if isinstance(expr, ast.Attribute) and expr.attr == "stream" and is_request(semantic, expr.value):
            return expr.value, "request.stream"
        return None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "decode":
        expr = expr.func.value
    if isinstance(expr, ast.Attribute) and expr.attr == "data" and is_request(semantic, expr.value):
        return expr.value, "request.data"
    if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Attribute):
        return None
    method = expr.func
    if method.attr == "get_data" and is_request(semantic, method.value):
        return method.value, "request.get_data()"
    owner = method.value
    if method.attr == "read" and isinstance(owner, ast.Attribute) and owner.attr == "stream" and is_request(semantic, owner.value):
        return owner.value, "request.stream.read()"
    return None
