"""FLK804."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Fix, Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.rules.mistakes import is_caught, node_range, text_edit
from flaskcheck.semantic.flask import enclosing_function, enclosing_ifs
from flaskcheck.semantic.model import SemanticModel
from flaskcheck.semantic.request_data import (
    FORM_ATTRIBUTES,
    Trace,
    alternatives,
    is_request,
    trace,
)

_CONVERTERS = {"builtins.int": "int", "builtins.float": "float"}
_CONVERSION_ERRORS = frozenset({"builtins.ValueError", "builtins.TypeError"})
_DIGIT_CHECKS = frozenset({"isdigit", "isnumeric", "isdecimal", "fullmatch", "match"})


class QueryArgManualConversion(Rule):
    """
    ## What it does
    Reports `int(...)` or `float(...)` of a query-string or form value:
    `request.args.get(...)`, `request.form["..."]`, `request.values.get(...)`, directly or
    through a local variable assigned from one in the same function.

    It stays silent when the conversion sits in a `try` whose handler catches `ValueError`
    or `TypeError` (or `Exception`, or everything), when the function checks the value
    with `.isdigit()`, `.isnumeric()`, `.isdecimal()` or a regular expression first, and
    inside `if form.validate_on_submit():` (or `.validate()`), where a form's validators
    have checked the fields.

    ## Why is this bad?
    `?page=abc` makes `int()` raise `ValueError`, and a missing parameter makes
    `int(None)` raise `TypeError`: the client gets a 500 Internal Server Error for a typo
    in the URL, and the error log and tracker fill with tracebacks for what is a client
    mistake. `request.args.get("page", 1, type=int)` converts in one step and falls back
    to the default instead.

    ## Example
    ```python
    from flask import Flask, request

    app = Flask(__name__)

    @app.get("/products")
    def products():
        page = int(request.args["page"])  # error
        return {"page": page}
    ```

    ## Use instead
    ```python
    from flask import Flask, request

    app = Flask(__name__)

    @app.get("/products")
    def products():
        page = request.args.get("page", 1, type=int)
        return {"page": page}
    ```

    To answer 400 instead, convert inside `try: ... except ValueError: abort(400)`.

    ## Fix safety
    The fix rewrites `int(request.args.get("page", 1))` to
    `request.args.get("page", 1, type=int)` (and `float` alike). It is unsafe because it
    changes behaviour: input that is not a number, which used to fail with a 500, now
    silently becomes the default (or `None` when there is no default), and code after it
    runs with that value. It is offered only for `.get(...)` with no default or a default
    of the same type (`int(request.args.get("p", "1"))` would return the string `"1"`
    after the fix) and not for `request.args["page"]` (a missing key is a 400 today; there
    is no default to fall back to) or values taken through a local variable. Apply it with
    `--unsafe-fixes`.

    ## References
    - [Werkzeug: `MultiDict.get` with `type=`](https://werkzeug.palletsprojects.com/en/stable/datastructures/#werkzeug.datastructures.MultiDict.get)
    - [Flask: the request object](https://flask.palletsprojects.com/en/stable/quickstart/#the-request-object)
    """

    code = "FLK804"
    name = "query-arg-manual-conversion"
    severity = Severity.WARNING

    valid = [
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return str(request.args.get('p', 1, type=int))\n"),
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    page = request.args.get('p', type=int)\n    return str(int(page or 1))\n"),
        # inside a try that handles the conversion error
        Valid("from flask import Flask, request, abort\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    try:\n        page = int(request.args.get('p', 1))\n    except ValueError:\n        abort(400)\n    return str(page)\n"),
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    try:\n        price = float(request.form['price'])\n    except (TypeError, ValueError):\n        return 'bad price', 400\n    return str(price)\n"),
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    try:\n        page = int(request.values['p'])\n    except Exception:\n        page = 1\n    return str(page)\n"),
        # checked first
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    raw = request.args.get('p', '1')\n    page = int(raw) if raw.isdigit() else 1\n    return str(page)\n"),
        Valid(
            "from flask import Flask, request\nfrom flask_wtf import FlaskForm\napp = Flask(__name__)\n\n@app.post('/a')\ndef a():\n    form = FlaskForm()\n"
            "    if form.validate_on_submit():\n        return str(int(request.form['qty']))\n    return 'invalid', 400\n"
        ),
        # other request data, other conversions, a local `request`
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a/<page>')\ndef a(page):\n    return str(int(page) + int(request.headers.get('X-Count', 0)))\n"),
        Valid("from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return str(len(request.args.get('q', '')))\n"),
        Valid("def handle(request):\n    return int(request.args.get('p', 1))\n"),
        Valid("import urllib.request\n\ndef size(url):\n    return int(urllib.request.urlopen(url).headers.get('Content-Length', 0))\n"),
    ]
    invalid = [
        Invalid(
            "from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    page = int(request.args.get('page', 1))  # error\n    return str(page)\n",
            message="`int()` of `request.args` data raises on text that is not a number: the client gets a 500 instead of a 400",
            fixed="from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    page = request.args.get('page', 1, type=int)\n    return str(page)\n",
        ),
        # aliases, `import flask` style, a blueprint, keywords and comments kept
        Invalid(
            "import flask\nfrom flask import request as rq\nbp = flask.Blueprint('shop', __name__)\n\n@bp.post('/cart')\ndef cart():\n"
            "    qty = int(rq.form.get('qty'))  # error\n"
            "    price = float(flask.request.values.get(  # error\n        'price',  # in euros\n        default=1.5,\n    ))\n"
            "    return str(qty * price)\n",
            fixed="import flask\nfrom flask import request as rq\nbp = flask.Blueprint('shop', __name__)\n\n@bp.post('/cart')\ndef cart():\n"
            "    qty = rq.form.get('qty', type=int)\n"
            "    price = flask.request.values.get(\n        'price',  # in euros\n        default=1.5, type=float,\n    )\n"
            "    return str(qty * price)\n",
        ),
        # a factory, a nested helper, a try that catches something else
        Invalid(
            "from flask import Flask, request\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.get('/a')\n    def a():\n"
            "        def limit():\n            return int(request.args.get('limit', 10))  # error\n"
            "        try:\n            return str(limit())\n        except KeyError:\n            return 'none'\n    return app\n",
            fixed="from flask import Flask, request\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.get('/a')\n    def a():\n"
            "        def limit():\n            return request.args.get('limit', 10, type=int)\n"
            "        try:\n            return str(limit())\n        except KeyError:\n            return 'none'\n    return app\n",
        ),
        # no fix: an item, a local variable, a string default, a mismatched default, a base
        Invalid(
            "from flask import Flask, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n"
            "    page = int(request.args['page'])  # error\n"
            "    raw = request.args.get('size') or 20\n    size = int(raw)  # error\n"
            "    start = int(request.args.get('start', '0'))  # error\n"
            "    ratio = float(request.args.get('ratio', 1))  # error\n"
            "    mask = int(request.args.get('mask', 0), 16)  # error\n"
            "    return str(page + size + start + ratio + mask)\n"
        ),
        # a blueprint imported from another module
        Invalid(files={
            "shop/__init__.py": "from flask import Blueprint\nbp = Blueprint('shop', __name__)\nfrom shop import views\n",
            "shop/views.py": "from flask import request\nfrom shop import bp\n\n@bp.get('/list')\ndef listing():\n    size = request.values.get('size')\n    return str(float(size))  # error\n",
        }),
        # CRLF line endings, a tab and non-ASCII text before the edit on the same line
        Invalid(
            "from flask import Flask, request\r\napp = Flask(__name__)\r\n\r\n@app.get('/a')\r\ndef a():\r\n\tx = \"é\"; y = int(request.args.get(\"p\"))  # error",
            fixed="from flask import Flask, request\r\napp = Flask(__name__)\r\n\r\n@app.get('/a')\r\ndef a():\r\n\tx = \"é\"; y = request.args.get(\"p\", type=int)",
        ),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        converter = _CONVERTERS.get(semantic.qualified_name(node.func) or "")
        if converter is None or not node.args:
            return
        value = node.args[0]
        read = _form_read(semantic, value)
        found = trace(semantic, value, _alternatives, attributes=FORM_ATTRIBUTES, url_variables=False) if read is None else None
        if read is None and not found:
            return
        attribute = read[1] if read is not None else found.sources[0].kind
        if is_caught(semantic, node, _CONVERSION_ERRORS) or _is_checked(semantic, node, found) or _is_validated(node):
            return
        message = f"`{converter}()` of `request.{attribute}` data raises on text that is not a number: the client gets a 500 instead of a 400"
        fix = _fix(semantic, node, read[0], converter, ctx) if read is not None and read[0] is not None else None
        ctx.report(node, message, fix=fix)


def _alternatives(semantic: SemanticModel, node: ast.AST) -> list[ast.AST]:
    return alternatives(semantic, node)


def _form_read(semantic: SemanticModel, expr: ast.AST) -> tuple[ast.Call | None, str] | None:
    """(the `.get(...)` call or None for `[...]`, the attribute) for `request.args.get(...)`
    and `request.form[...]` (also `values`)."""
    if isinstance(expr, ast.Subscript):
        owner, call = expr.value, None
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get":
        owner, call = expr.func.value, expr
    else:
        return None
    if not isinstance(owner, ast.Attribute) or owner.attr not in FORM_ATTRIBUTES or not is_request(semantic, owner.value):
        return None
    if call is not None and any(keyword.arg == "type" for keyword in call.keywords):
        return None
    if call is not None and len(call.args) >= 3:
        return None  # `get(key, default, type)`: converted already
    return call, owner.attr


def _is_checked(semantic: SemanticModel, node: ast.AST, found: Trace | None) -> bool:
    """The function tests the value with `.isdigit()` (and alike) or a regular expression."""
    function = enclosing_function(node)
    if function is None or found is None:
        return False
    for call in ast.walk(function):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute) or call.func.attr not in _DIGIT_CHECKS:
            continue
        parts = [call.func.value, *call.args]
        if any(isinstance(n, ast.Name) and n.id in found.names for part in parts for n in ast.walk(part)):
            return True
    return False


def _is_validated(node: ast.AST) -> bool:
    """Inside `if <form>.validate_on_submit():` or `if <form>.validate():`."""
    for branch in enclosing_ifs(node):
        for call in ast.walk(branch.test):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in ("validate_on_submit", "validate"):
                return True
    return False


def _fix(semantic: SemanticModel, node: ast.Call, get: ast.Call, converter: str, ctx: FileContext) -> Fix | None:
    if len(node.args) != 1 or node.keywords or not get.args or isinstance(get.args[-1], ast.Starred):
        return None
    if any(keyword.arg is None for keyword in get.keywords):
        return None
    default = get.args[1] if len(get.args) > 1 else next((k.value for k in get.keywords if k.arg == "default"), None)
    if default is not None and not _matches(semantic, default, converter):
        return None
    last = max([*get.args, *(k.value for k in get.keywords)], key=lambda n: (n.end_lineno, n.end_col_offset))
    start, end = node_range(ctx, node)
    get_start, get_end = node_range(ctx, get)
    insert_at = node_range(ctx, last)[1]
    edits = (
        text_edit(ctx, start, get_start, ""),
        text_edit(ctx, insert_at, insert_at, f", type={converter}"),
        text_edit(ctx, get_end, end, ""),
    )
    return Fix(f"Use `.get(..., type={converter})`", edits, safe=False)


def _matches(semantic: SemanticModel, default: ast.expr, converter: str) -> bool:
    """A default the fix keeps meaning the same: `None`, or a literal of the converter's type."""
    constant = semantic.constant_value(default)
    if constant is None:
        return False
    if constant.value is None:
        return True
    wanted = int if converter == "int" else float
    return type(constant.value) is wanted
