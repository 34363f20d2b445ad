"""FLK704."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.semantic.flask import (
    enclosing_function,
    flask_name,
    keyword_value,
    string_value,
)
from flaskcheck.semantic.model import SemanticModel
from flaskcheck.semantic.request_data import (
    RequestSource,
    Trace,
    alternatives,
    reaching_binding,
    string_parts,
    trace,
)

_SEND_FILE = frozenset({"flask.send_file", "werkzeug.utils.send_file"})
_SEND_FROM_DIRECTORY = frozenset({"flask.send_from_directory", "werkzeug.utils.send_from_directory"})
_OPEN = frozenset({"builtins.open", "io.open", "codecs.open"})
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath", "pathlib.WindowsPath", "pathlib.PureWindowsPath"})
_PATH_METHODS = frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes"})
_PATH_FUNCTIONS = frozenset({
    "os.path.join", "posixpath.join", "ntpath.join", "os.path.abspath", "os.path.normpath", "os.path.realpath",
    "os.path.expanduser", "os.path.expandvars", "os.fspath", "os.fsencode", "os.fsdecode", *_PATH_CLASSES,
})
_SANITIZERS = frozenset({
    "werkzeug.utils.secure_filename", "werkzeug.secure_filename", "werkzeug.security.safe_join", "werkzeug.utils.safe_join",
    "flask.safe_join", "flask.helpers.safe_join", "os.path.basename", "posixpath.basename", "ntpath.basename",
})
_CONTAINMENT_CHECKS = frozenset({"startswith", "is_relative_to", "commonpath", "commonprefix", "relative_to"})
_NUMBER_CONVERTERS = frozenset({"int", "float", "uuid"})


class SendFilePathFromRequest(Rule):
    """
    ## What it does
    Reports `send_file(...)`, `open(...)` (also `io.open`, `codecs.open`, and
    `Path(...).open()` / `.read_text()` / `.read_bytes()` / `.write_text()` /
    `.write_bytes()`) and the folder of `send_from_directory(...)` when the path is built
    from request data: `request.args`, `request.form`, `request.files[...].filename`,
    JSON, headers, cookies, or the view's URL variables, directly or through local
    variables, f-strings, `+`, `os.path.join` and `pathlib`.

    It stays silent when the value passes through `secure_filename`, `safe_join` or
    `os.path.basename` (a call on it anywhere in the function counts, e.g.
    `if secure_filename(name) != name: abort(400)`), when the function checks containment
    (`.startswith(...)`, `.is_relative_to(...)`, `os.path.commonpath`, or `".." in name`),
    for `int`, `float` and `uuid` URL variables, and for a `<name>` URL variable with the
    default converter joined below a folder (`os.path.join(REPORTS, name)`): that converter
    refuses `/`, so the value cannot leave the folder. Such a variable used as the whole path
    (`send_file(name)`) is still reported: it reaches every file next to the app (`send_file`
    reads relative paths from the app's folder, `open` from the working directory).
    A value that goes through a function the rule does not know is not followed.

    ## Why is this bad?
    The client chooses the path: `?name=../../etc/passwd` (or an absolute path, which
    `os.path.join` lets replace the folder) serves any file the app's user can read,
    including the app's own configuration, `.env` and keys; with `open(..., "w")` a client
    writes files outside the upload folder. `send_from_directory` joins the name with
    `safe_join` and answers 404 for anything outside the folder.

    ## Example
    ```python
    import os

    from flask import Flask, request, send_file

    app = Flask(__name__)
    REPORTS = "/srv/reports"

    @app.get("/report")
    def report():
        return send_file(os.path.join(REPORTS, request.args["name"]))  # error
    ```

    ## Use instead
    ```python
    from flask import Flask, request, send_from_directory

    app = Flask(__name__)
    REPORTS = "/srv/reports"

    @app.get("/report")
    def report():
        return send_from_directory(REPORTS, request.args["name"])
    ```

    ## References
    - [Flask: `send_from_directory`](https://flask.palletsprojects.com/en/stable/api/#flask.send_from_directory)
    - [Werkzeug: `secure_filename`](https://werkzeug.palletsprojects.com/en/stable/utils/#werkzeug.utils.secure_filename)
    - [OWASP: path traversal](https://owasp.org/www-community/attacks/Path_Traversal)
    """

    code = "FLK704"
    name = "send-file-path-from-request"
    severity = Severity.ERROR

    valid = [
        # send_from_directory, secure_filename, safe_join, basename
        Valid("from flask import Flask, request, send_from_directory\napp = Flask(__name__)\n\n@app.get('/f/<path:name>')\ndef f(name):\n    return send_from_directory('files', name)\n"),
        Valid(
            "import os\nfrom flask import Flask, request\nfrom werkzeug.utils import secure_filename\napp = Flask(__name__)\n\n"
            "@app.post('/upload')\ndef upload():\n    upload = request.files['doc']\n    name = secure_filename(upload.filename)\n"
            "    with open(os.path.join('uploads', name), 'wb') as out:\n        out.write(upload.read())\n    return 'ok'\n"
        ),
        Valid(
            "from flask import Flask, abort, request, send_file\nfrom werkzeug.security import safe_join\napp = Flask(__name__)\n\n"
            "@app.get('/f')\ndef f():\n    path = safe_join('files', request.args['name'])\n    if path is None:\n        abort(404)\n    return send_file(path)\n"
        ),
        Valid("import os\nfrom flask import Flask, request, send_file\napp = Flask(__name__)\n\n@app.get('/f')\ndef f():\n    return send_file(os.path.join('files', os.path.basename(request.args['name'])))\n"),
        # checked: secure_filename comparison, containment
        Valid(
            "from flask import Flask, abort, request, send_file\nfrom werkzeug.utils import secure_filename\napp = Flask(__name__)\n\n"
            "@app.get('/f')\ndef f():\n    name = request.args['name']\n    if secure_filename(name) != name:\n        abort(400)\n    return send_file('files/' + name)\n"
        ),
        Valid(
            "import os\nfrom flask import Flask, abort, request, send_file\napp = Flask(__name__)\nBASE = '/srv/files'\n\n"
            "@app.get('/f')\ndef f():\n    path = os.path.realpath(os.path.join(BASE, request.args['name']))\n    if not path.startswith(BASE + os.sep):\n        abort(404)\n    return send_file(path)\n"
        ),
        # URL variables that cannot carry a path: numbers, and the default converter below a folder
        Valid("from flask import Flask, send_file\napp = Flask(__name__)\n\n@app.get('/invoice/<int:number>')\ndef invoice(number):\n    return send_file(f'invoices/{number}.pdf')\n"),
        Valid("import os\nfrom flask import Flask, send_file\napp = Flask(__name__)\n\n@app.get('/avatar/<user>')\ndef avatar(user):\n    return send_file(os.path.join('avatars', user + '.png'))\n"),
        # converted by the request itself, or a fixed path
        Valid("from flask import Flask, request, send_file\napp = Flask(__name__)\n\n@app.get('/f')\ndef f():\n    page = request.args.get('page', 1, type=int)\n    return send_file(f'pages/{page}.html')\n"),
        Valid("from flask import Flask, send_file\napp = Flask(__name__)\n\n@app.get('/f')\ndef f():\n    return send_file('static/report.pdf')\n"),
        # an unknown helper decides the path
        Valid("from flask import Flask, request, send_file\nfrom .storage import path_for\napp = Flask(__name__)\n\n@app.get('/f')\ndef f():\n    return send_file(path_for(request.args['id']))\n"),
        # a local `request` that is not Flask's; the uploaded file object itself
        Valid("def handler(request):\n    return open(request.args['name']).read()\n"),
        Valid("from flask import Flask, request, send_file\napp = Flask(__name__)\n\n@app.post('/echo')\ndef echo():\n    return send_file(request.files['doc'], mimetype='text/plain')\n"),
    ]
    invalid = [
        Invalid(
            "from flask import Flask, send_file\napp = Flask(__name__)\n\n@app.get('/files/<path:name>')\ndef files(name):\n    return send_file('files/' + name)  # error\n",
            message="`send_file()` gets a path built from request data (URL variable `name`): `../` or an absolute path reaches files outside the intended folder",
        ),
        # aliases, `import flask`, a blueprint, open() through locals, pathlib
        Invalid(
            "import os\nimport flask\nfrom pathlib import Path\nfrom flask import request as rq\nbp = flask.Blueprint('b', __name__)\n\n"
            "@bp.get('/read')\ndef read():\n    name = rq.args.get('name', 'index.txt').strip()\n    path = os.path.join('/srv/docs', name)\n"
            "    with open(path) as fh:  # error\n        text = fh.read()\n"
            "    extra = (Path('/srv/docs') / rq.args['extra']).read_text()  # error\n"
            "    return flask.send_file(path) if text else extra  # error\n",
        ),
        # the uploaded file's own name, written without secure_filename
        Invalid(
            "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n@app.post('/upload')\ndef upload():\n    doc = request.files['doc']\n"
            "    with open(os.path.join('uploads', doc.filename), 'wb') as out:  # error\n        out.write(doc.read())\n    return 'ok'\n",
            message="`open()` gets a path built from request data (`request.files`): `../` or an absolute path reaches files outside the intended folder",
        ),
        # a default-converter URL variable as the whole path; a folder from the query string
        Invalid(
            "from flask import Flask, request, send_file, send_from_directory\n\ndef create_app():\n    app = Flask(__name__)\n\n"
            "    @app.get('/raw/<name>')\n    def raw(name):\n        return send_file(name)  # error\n\n"
            "    @app.get('/dir')\n    def folder():\n        return send_from_directory(request.args['dir'], 'index.html')  # error\n    return app\n",
        ),
        # a JSON body, a conditional sanitiser that does not cover every path
        Invalid(
            "from flask import Flask, request, send_file\napp = Flask(__name__)\n\n@app.post('/export')\ndef export():\n    data = request.get_json()\n"
            "    target = f\"exports/{data['file']}\"\n    return send_file(target, as_attachment=True)  # error\n",
        ),
        # a blueprint of another module, a MethodView whose route is not visible
        Invalid(files={
            "docs/__init__.py": "from flask import Blueprint\nbp = Blueprint('docs', __name__)\n",
            "docs/views.py": (
                "from flask import request, send_file\nfrom flask.views import MethodView\nfrom docs import bp\n\n"
                "@bp.get('/cookie')\ndef by_cookie():\n    return send_file('docs/' + request.cookies.get('last', 'index.html'))  # error\n\n"
                "class Page(MethodView):\n    def get(self, name):\n        return send_file(name)  # error\n"
            ),
        }),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        sink = _sink(semantic, node)
        if sink is None:
            return
        label, path = sink
        names: list[str] = []  # `.filename` seen on the way: an uploaded file's name, not the file

        def parts(semantic: SemanticModel, part: ast.AST) -> list[ast.AST]:
            if isinstance(part, ast.Attribute) and part.attr == "filename":
                names.append(part.attr)
                return [part.value]
            return _path_parts(semantic, part)

        found = trace(semantic, path, parts)
        sources = [s for s in found.sources if _reaches_outside(semantic, s, path) and (s.kind != "files" or names or _names_file(s.node))]
        if not sources or _is_checked(semantic, node, found):
            return
        first = Trace(sources, found.names).label
        ctx.report(node, f"`{label}()` gets a path built from request data ({first}): `../` or an absolute path reaches files outside the intended folder")


def _sink(semantic: SemanticModel, call: ast.Call) -> tuple[str, ast.expr] | None:
    """(the function's name, the path argument) for the calls that open a path."""
    name = flask_name(semantic, call.func)
    if name in _SEND_FILE:
        path = call.args[0] if call.args else keyword_value(call, "path_or_file") or keyword_value(call, "filename_or_fp")
        return ("send_file", path) if path is not None else None
    if name in _SEND_FROM_DIRECTORY:
        folder = call.args[0] if call.args else keyword_value(call, "directory")
        return ("send_from_directory", folder) if folder is not None else None
    if name in _OPEN:
        path = call.args[0] if call.args else keyword_value(call, "file")
        return ("open", path) if path is not None else None
    if isinstance(call.func, ast.Attribute) and call.func.attr in _PATH_METHODS and _is_path_object(semantic, call.func.value):
        return (f"Path.{call.func.attr}", call.func.value)
    return None


def _is_path_object(semantic: SemanticModel, expr: ast.AST) -> bool:
    """`Path(...)`, `Path(...) / x`, or a local name bound to one."""
    if isinstance(expr, ast.Name):
        binding = reaching_binding(semantic, expr)
        expr = binding.value if binding is not None and binding.value is not None else expr
    while isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        expr = expr.left
    return isinstance(expr, ast.Call) and semantic.qualified_name(expr.func) in _PATH_CLASSES


def _path_parts(semantic: SemanticModel, node: ast.AST) -> list[ast.AST]:
    """What a path is built from (nothing through sanitisers or unknown functions)."""
    found = [*string_parts(semantic, node), *alternatives(semantic, node)]
    if found:
        return found
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return [node.left, node.right]
    if isinstance(node, (ast.Subscript, ast.Starred)):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List)):
        return list(node.elts)
    if not isinstance(node, ast.Call):
        return []
    called = semantic.qualified_name(node.func)
    if called in _SANITIZERS:
        return []
    if called in _PATH_FUNCTIONS:
        return [*node.args, *(k.value for k in node.keywords)]
    if called is None and isinstance(node.func, ast.Attribute):  # a method of a value: `name.strip()`, `base.joinpath(name)`
        return [node.func.value, *node.args]
    return []


def _names_file(node: ast.AST) -> bool:
    """`request.files["f"].filename` (read in one go), as opposed to the file object itself."""
    return isinstance(node, ast.Attribute) and node.attr == "filename"


def _reaches_outside(semantic: SemanticModel, source: RequestSource, path: ast.expr) -> bool:
    """Can this source carry `../`? A number cannot; a default-converter URL variable (no `/`)
    only when it is the whole path."""
    if source.kind != "url_variable" or source.converter == "path":
        return True
    if source.converter in _NUMBER_CONVERTERS:
        return False
    return any(s.node is source.node for s in trace(semantic, path).sources)


def _is_checked(semantic: SemanticModel, node: ast.AST, found: Trace) -> bool:
    """A sanitiser or a containment check on the traced value anywhere in the function."""
    function = enclosing_function(node)
    if function is None:
        return False
    names = found.names | {s.node.arg for s in found.sources if isinstance(s.node, ast.arg)}
    for candidate in ast.walk(function):
        if isinstance(candidate, ast.Compare) and any(string_value(side) == ".." for side in [candidate.left, *candidate.comparators]):
            if _mentions(candidate, names):
                return True
        if not isinstance(candidate, ast.Call):
            continue
        called = semantic.qualified_name(candidate.func) or ""
        method = candidate.func.attr if isinstance(candidate.func, ast.Attribute) else ""
        if called in _SANITIZERS or method in _CONTAINMENT_CHECKS or called.rpartition(".")[2] in _CONTAINMENT_CHECKS:
            if _mentions(candidate, names) or any(request_node is candidate or _contains(candidate, request_node) for request_node in (s.node for s in found.sources)):
                return True
    return False


def _mentions(expr: ast.AST, names: set[str]) -> bool:
    return any(isinstance(node, ast.Name) and node.id in names for node in ast.walk(expr))


def _contains(outer: ast.AST, inner: ast.AST) -> bool:
    return any(node is inner for node in ast.walk(outer))
