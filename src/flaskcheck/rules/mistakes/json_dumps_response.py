"""FLK802."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Fix, Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.rules.mistakes import node_range, source_slice, text_edit
from flaskcheck.semantic.flask import (
    enclosing_function,
    flask_name,
    keyword_value,
    string_value,
    view_methods,
)
from flaskcheck.semantic.model import SemanticModel
from flaskcheck.semantic.request_data import reaching_binding

_DUMPS = frozenset({"json.dumps", "flask.json.dumps", "simplejson.dumps", "ujson.dumps", "orjson.dumps", "rapidjson.dumps"})
_SAME_AS_JSONIFY = frozenset({"json.dumps", "flask.json.dumps", "simplejson.dumps"})  # one argument: the JSON jsonify writes
_RESPONSE_CLASSES = frozenset({"flask.Response", "werkzeug.wrappers.Response", "werkzeug.Response", "werkzeug.wrappers.response.Response", "flask.current_app.response_class"})
_MAKE_RESPONSE = "flask.make_response"
_CONTENT_TYPE_ATTRIBUTES = frozenset({"mimetype", "content_type"})


class JsonDumpsResponse(Rule):
    """
    ## What it does
    Reports a view that returns the result of `json.dumps(...)` as its response: directly,
    as the body of a `(body, status)` tuple, through a local variable, or wrapped in
    `Response(...)` / `make_response(...)` without a JSON `mimetype`, `content_type` or
    `Content-Type` header. `simplejson`, `ujson`, `orjson` and `flask.json` `dumps` count
    too.

    It stays silent when the response gets a JSON content type (`mimetype="application/json"`,
    a `Content-Type` header, or `response.mimetype = ...` anywhere in the view), when the
    content type is not a literal, and when the string is used for something else.

    ## Why is this bad?
    A string returned from a view is served as `Content-Type: text/html; charset=utf-8`.
    Clients that look at the content type (`fetch(...).json()` wrappers, `requests`'
    `r.json()` callers checking headers, API gateways) treat the answer as HTML, and a
    browser opening the URL renders it as a page. `json.dumps` also bypasses the app's JSON
    provider: a `datetime`, `Decimal`, `UUID` or dataclass raises `TypeError` (a 500) where
    `jsonify` serialises it.

    ## Example
    ```python
    import json

    from flask import Flask, Response, request

    app = Flask(__name__)

    @app.post("/api/items")
    def create_item():
        item = {"id": 1, "name": request.form["name"]}
        return Response(json.dumps(item), status=201)  # error
    ```

    ## Use instead
    ```python
    from flask import Flask, jsonify, request

    app = Flask(__name__)

    @app.post("/api/items")
    def create_item():
        item = {"id": 1, "name": request.form["name"]}
        return jsonify(item), 201
    ```

    A view can also return the dict itself: Flask turns a returned `dict` or `list` into
    a JSON response.

    ## Fix safety
    The fix replaces `json.dumps(value)` with `jsonify(value)` (adding
    `from flask import jsonify` when needed), and `Response(json.dumps(value))` with
    `jsonify(value)`. It is safe: the body is the same JSON value, now served as
    `application/json`. Its text follows the app's JSON provider, which sorts keys and
    writes compact separators outside debug mode, so a client comparing raw bytes would
    see a difference; a JSON parser sees the same data. There is no fix when `json.dumps`
    gets keyword arguments (`indent=`, `default=`, `sort_keys=`, `cls=`: `jsonify` has
    no equivalent), for `ujson` / `orjson` (they encode differently), for a value returned
    through a local variable, for a `Response(...)` with further arguments, or when the
    name `jsonify` is taken by something else.

    ## References
    - [Flask: `jsonify`](https://flask.palletsprojects.com/en/stable/api/#flask.json.jsonify)
    - [Flask: APIs with JSON](https://flask.palletsprojects.com/en/stable/quickstart/#apis-with-json)
    """

    code = "FLK802"
    name = "json-dumps-response"
    severity = Severity.WARNING

    valid = [
        # a JSON content type is given
        Valid("import json\nfrom flask import Flask, Response\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return Response(json.dumps({'a': 1}), mimetype='application/json')\n"),
        Valid("import json\nfrom flask import Flask, Response\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return Response(json.dumps([1]), content_type='application/vnd.api+json; charset=utf-8')\n"),
        Valid("import json\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return json.dumps([1]), 200, {'Content-Type': 'application/json'}\n"),
        Valid("import json\nfrom flask import Flask, make_response\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    resp = make_response(json.dumps([1]))\n    resp.mimetype = 'application/json'\n    return resp\n"),
        Valid("import json\nfrom flask import Flask, make_response\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    resp = make_response(json.dumps([1]), 200)\n    resp.headers['Content-Type'] = 'application/json'\n    return resp\n"),
        Valid("import json\nfrom flask import Flask, Response\napp = Flask(__name__)\nJSON = 'application/json'\n\n@app.get('/a')\ndef a(kind):\n    return Response(json.dumps([1]), mimetype=kind)\n"),
        # json.dumps not returned as the response
        Valid("import json\nfrom flask import Flask, render_template\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    data = json.dumps({'a': 1})\n    return render_template('a.html', data=data)\n"),
        Valid("import json\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    app.logger.info(json.dumps({'a': 1}))\n    return 'ok'\n"),
        Valid("import json\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    def stream():\n        return json.dumps([1])\n    return 'ok'\n"),
        # not a view: a helper, a Flask-RESTful resource (it encodes the response itself)
        Valid("import json\n\ndef payload(items):\n    return json.dumps(items)\n"),
        Valid("import json\nfrom flask_restful import Resource\n\nclass Items(Resource):\n    def get(self):\n        return json.dumps([1])\n"),
        # a local `json` that is not the json module
        Valid("from flask import Flask\napp = Flask(__name__)\n\n@app.get('/a')\ndef a(json):\n    return json.dumps([1])\n"),
        Valid("import json\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return jsonify(json.loads('[1]'))\n"),
    ]
    invalid = [
        Invalid(
            "import json\nfrom flask import Flask, jsonify\napp = Flask(__name__)\n\n@app.route('/a')\ndef a():\n    return json.dumps({'a': 1}), 201  # error\n",
            message="`json.dumps()` returned from a view is served as `text/html`, not JSON",
            fixed="import json\nfrom flask import Flask, jsonify\napp = Flask(__name__)\n\n@app.route('/a')\ndef a():\n    return jsonify({'a': 1}), 201\n",
        ),
        # aliases, `import flask` style, the import is added after the last import
        Invalid(
            "import json as j\nimport flask\nfrom flask import Blueprint as B\nbp = B('api', __name__)\n\n@bp.post('/a')\ndef a():\n    return j.dumps(  # error\n        [1, 2],  # the numbers\n    )\n",
            fixed="import json as j\nimport flask\nfrom flask import Blueprint as B\nfrom flask import jsonify\nbp = B('api', __name__)\n\n@bp.post('/a')\ndef a():\n    return jsonify(\n        [1, 2],  # the numbers\n    )\n",
        ),
        # Response(json.dumps(x)) alone becomes jsonify(x); make_response keeps its other arguments
        Invalid(
            "import json\nfrom flask import Flask, Response, make_response\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return Response(json.dumps({'a': 1}))  # error\n\n"
            "@app.get('/b')\ndef b():\n    return make_response(json.dumps([1]), 202)  # error\n",
            message="`Response(json.dumps(...))` without a JSON mimetype is served as `text/html`, not JSON",
            fixed="import json\nfrom flask import Flask, Response, make_response\nfrom flask import jsonify\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return jsonify({'a': 1})\n\n"
            "@app.get('/b')\ndef b():\n    return make_response(jsonify([1]), 202)\n",
        ),
        # keyword arguments have no jsonify equivalent: reported without a fix
        Invalid("import json\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return json.dumps({'a': 1}, indent=2, default=str)  # error\n"),
        # through a local variable, a non-JSON mimetype, ujson, a MethodView: reported without a fix
        Invalid(
            "import ujson\nimport json\nfrom flask import Flask, Response\nfrom flask.views import MethodView\napp = Flask(__name__)\n\n"
            "@app.get('/a')\ndef a():\n    body = json.dumps([1])  # error\n    return body\n\n"
            "@app.get('/b')\ndef b():\n    return Response(json.dumps([1]), status=200, mimetype='text/plain')  # error\n\n"
            "class Items(MethodView):\n    def get(self):\n        return ujson.dumps([1])  # error\n"
        ),
        # a blueprint of another module
        Invalid(
            files={
                "api/__init__.py": "from flask import Blueprint\nbp = Blueprint('api', __name__)\n",
                "api/views.py": "import json\nfrom api import bp\n\n@bp.get('/ping')\ndef ping():\n    return json.dumps({'ok': True})  # error\n",
            },
            fixed="import json\nfrom api import bp\nfrom flask import jsonify\n\n@bp.get('/ping')\ndef ping():\n    return jsonify({'ok': True})\n",
        ),
        # `jsonify` already means something else here: no fix
        Invalid("import json\nfrom flask import Flask\nfrom mylib import jsonify\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return json.dumps([1])  # error\n"),
        # CRLF line endings, a tab and non-ASCII text before the edit on the same line
        Invalid(
            "import json\r\nfrom flask import Flask, jsonify\r\napp = Flask(__name__)\r\n\r\n@app.get('/é')\r\ndef a():\r\n\tnom = 'café'; return json.dumps({'n': nom})  # error",
            fixed="import json\r\nfrom flask import Flask, jsonify\r\napp = Flask(__name__)\r\n\r\n@app.get('/é')\r\ndef a():\r\n\tnom = 'café'; return jsonify({'n': nom})",
        ),
        Invalid(
            "import json\r\nfrom flask import Flask\r\napp = Flask(__name__)\r\n\r\n@app.get('/a')\r\ndef a():\r\n\treturn json.dumps(['ü'])  # error",
            fixed="import json\r\nfrom flask import Flask\r\nfrom flask import jsonify\r\napp = Flask(__name__)\r\n\r\n@app.get('/a')\r\ndef a():\r\n\treturn jsonify(['ü'])",
        ),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        dumps = semantic.qualified_name(node.func)
        if dumps not in _DUMPS:
            return
        view = enclosing_function(node)
        if view is None or view_methods(semantic, view) is None:
            return
        returned = _returned_response(semantic, node, view)
        if returned is None:
            return
        wrapper, extras, direct = returned
        if _has_content_type(semantic, wrapper, extras) or _sets_content_type(view):
            return
        if wrapper is not None and flask_name(semantic, wrapper.func) != _MAKE_RESPONSE:
            message = "`Response(json.dumps(...))` without a JSON mimetype is served as `text/html`, not JSON"
        else:
            message = f"`{dumps}()` returned from a view is served as `text/html`, not JSON"
        fix = self._fix(node, dumps, wrapper, ctx) if direct else None
        ctx.report(node, message, fix=fix)

    def _fix(self, node: ast.Call, dumps: str, wrapper: ast.Call | None, ctx: FileContext) -> Fix | None:
        if dumps not in _SAME_AS_JSONIFY or node.keywords or len(node.args) != 1:
            return None
        if isinstance(node.args[0], (ast.Starred, ast.GeneratorExp)):
            return None
        semantic = ctx.semantic
        is_response = wrapper is not None and flask_name(semantic, wrapper.func) != _MAKE_RESPONSE
        if is_response and (len(wrapper.args) != 1 or wrapper.keywords):
            return None
        package = "quart" if semantic.imports_module("quart") and not semantic.imports_module("flask") else "flask"
        import_edit, name = ctx.import_name(package, "jsonify", node)
        if name is None:
            return None
        if is_response:
            _, arguments_end = node_range(ctx, node)
            arguments_start = node_range(ctx, node.func)[1]
            start, end = node_range(ctx, wrapper)
            call = text_edit(ctx, start, end, name + source_slice(ctx, arguments_start, arguments_end))
        else:
            call = ctx.replace(node.func, name)
        edits = (call,) if import_edit is None else (import_edit, call)
        return Fix("Use `jsonify`", edits)


def _returned_response(semantic: SemanticModel, call: ast.Call, view: ast.AST) -> tuple[ast.Call | None, list[ast.expr], bool] | None:
    """How `call` becomes the view's response: (the `Response` / `make_response` call around
    it, the other parts of the returned tuple or `make_response` arguments, whether it is
    returned in place rather than through a variable); None when it is not the response."""
    found = _returned_in_place(semantic, call)
    if found is not None:
        return (*found, True)
    parent = getattr(call, "flk_parent", None)
    if not isinstance(parent, ast.Assign) or len(parent.targets) != 1 or not isinstance(parent.targets[0], ast.Name):
        return None
    for statement in _own_returns(view):
        body = statement.value
        wrapper, extras = None, []
        if isinstance(body, ast.Tuple) and body.elts:
            body, extras = body.elts[0], list(body.elts[1:])
        if isinstance(body, ast.Call) and body.args and _is_response_maker(semantic, body):
            wrapper, extras = body, [*body.args[1:], *extras]
            body = body.args[0]
        if isinstance(body, ast.Name):
            binding = reaching_binding(semantic, body)
            if binding is not None and binding.value is call:
                return wrapper, extras, False
    return None


def _returned_in_place(semantic: SemanticModel, call: ast.Call) -> tuple[ast.Call | None, list[ast.expr]] | None:
    node: ast.AST = call
    parent = getattr(node, "flk_parent", None)
    wrapper, extras = None, []
    if isinstance(parent, ast.Call) and parent.args and parent.args[0] is node and _is_response_maker(semantic, parent):
        wrapper, extras = parent, list(parent.args[1:])
        node, parent = parent, getattr(parent, "flk_parent", None)
    if isinstance(parent, ast.Tuple) and parent.elts and parent.elts[0] is node:
        extras = [*extras, *parent.elts[1:]]
        node, parent = parent, getattr(parent, "flk_parent", None)
    return (wrapper, extras) if isinstance(parent, ast.Return) else None


def _is_response_maker(semantic: SemanticModel, call: ast.Call) -> bool:
    return flask_name(semantic, call.func) in (_RESPONSE_CLASSES | {_MAKE_RESPONSE})


def _own_returns(function: ast.AST) -> list[ast.Return]:
    found = []
    stack = list(getattr(function, "body", ()))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _has_content_type(semantic: SemanticModel, wrapper: ast.Call | None, extras: list[ast.expr]) -> bool:
    """A JSON (or non-literal) content type given with the response; a non-JSON literal is not."""
    given: list[ast.expr] = []
    headers: list[ast.expr] = list(extras)
    if wrapper is not None and flask_name(semantic, wrapper.func) != _MAKE_RESPONSE:
        given = [v for v in (keyword_value(wrapper, "mimetype"), keyword_value(wrapper, "content_type")) if v is not None]
        given += wrapper.args[3:5]
        headers = [*wrapper.args[2:3], *(v for v in [keyword_value(wrapper, "headers")] if v is not None), *extras]
        if not given and not headers and wrapper.keywords and any(k.arg is None for k in wrapper.keywords):
            return True  # **options: cannot tell
    for value in given:
        text = string_value(semantic.constant_value(value) or value)
        if text is None or "json" in text.lower():
            return True
    return any(_headers_type(semantic, value) for value in headers)


def _headers_type(semantic: SemanticModel, value: ast.expr) -> bool:
    """Headers that set a content type, or cannot be read (anything but a status literal)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, (int, str)):
        return False  # a status
    pairs: list[tuple[ast.expr | None, ast.expr]] = []
    if isinstance(value, ast.Dict):
        pairs = list(zip(value.keys, value.values))
    elif isinstance(value, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Tuple) and len(e.elts) == 2 for e in value.elts):
        pairs = [(e.elts[0], e.elts[1]) for e in value.elts]  # type: ignore[attr-defined]
    else:
        return True
    for key, item in pairs:
        name = string_value(key)
        if name is None or name.lower() == "content-type":
            text = string_value(item)
            if name is None or text is None or "json" in text.lower():
                return True
    return False


def _sets_content_type(view: ast.AST) -> bool:
    """`resp.mimetype = ...`, `resp.content_type = ...` or `resp.headers["Content-Type"] = ...`
    anywhere in the view."""
    for node in ast.walk(view):
        if isinstance(node, ast.Attribute) and node.attr in _CONTENT_TYPE_ATTRIBUTES and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and (string_value(node.slice) or "").lower() == "content-type":
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("set", "add", "setdefault", "add_header"):
            if node.args and (string_value(node.args[0]) or "").lower() == "content-type":
                return True
    return False
