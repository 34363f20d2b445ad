"""FLK806."""

from __future__ import annotations

import ast

from flaskcheck.engine.context import FileContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.semantic.flask import flask_name, keyword_value
from flaskcheck.semantic.model import Binding, BindingKind, SemanticModel
from flaskcheck.semantic.request_data import (
    alternatives,
    reaching_bindings,
    string_parts,
    trace,
)

_RENDERERS = frozenset({"flask.render_template_string", "flask.stream_template_string"})
_DEPTH = 6


class TemplateStringFromData(Rule):
    """
    ## What it does
    Reports `render_template_string(...)` (and `stream_template_string(...)`) whose template
    is built with an f-string, `%`, `.format()` or `+` from values that are not constants,
    directly or through a local variable assigned so in the same function, and a template
    that is request data itself (`render_template_string(request.args["t"])`).

    Constants are literals and module-level names bound once to a literal; a template read
    from a file or a parameter without any formatting is not reported.

    ## Why is this bad?
    The text becomes Jinja source before any escaping happens. A value such as
    `{{ config.SECRET_KEY }}` or
    `{{ cycler.__init__.__globals__.os.popen("id").read() }}` is then evaluated as
    template code: it prints the app's secret key or runs commands on the server
    (server-side template injection). Passing the values as keyword arguments keeps them
    data: Jinja prints them, escaped, and never evaluates them.

    ## Example
    ```python
    from flask import Flask, render_template_string, request

    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        name = request.args.get("name", "world")
        return render_template_string(f"<h1>Hello {name}!</h1>")  # error
    ```

    ## Use instead
    ```python
    from flask import Flask, render_template_string, request

    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        name = request.args.get("name", "world")
        return render_template_string("<h1>Hello {{ name }}!</h1>", name=name)
    ```

    ## References
    - [Flask: `render_template_string`](https://flask.palletsprojects.com/en/stable/api/#flask.render_template_string)
    - [Jinja: sandboxed environment](https://jinja.palletsprojects.com/en/stable/sandbox/)
    - [OWASP: server-side template injection](https://owasp.org/www-project-web-security-testing-guide/stable/4-Web_Application_Security_Testing/07-Input_Validation_Testing/18-Testing_for_Server-side_Template_Injection)
    """

    code = "FLK806"
    name = "template-string-from-data"
    severity = Severity.ERROR

    valid = [
        Valid("from flask import Flask, render_template_string\napp = Flask(__name__)\n\n@app.get('/a/<name>')\ndef a(name):\n    return render_template_string('Hello {{ name }}', name=name)\n"),
        # interpolated values that are all constants
        Valid(
            "from flask import Flask, render_template_string\napp = Flask(__name__)\nBRAND = 'Shop'\nLAYOUT = '<title>%s</title>'\n\n"
            "@app.get('/a')\ndef a():\n    header = f'<h1>{BRAND}</h1>'\n    page = LAYOUT % BRAND + '<p>{{ 1 + 1 }}</p>'\n"
            "    return render_template_string(header + page + '{}'.format('!'), user='x')\n"
        ),
        # a template read from somewhere without formatting, or a module-level template
        Valid("from flask import Flask, render_template_string\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    with open('page.html') as f:\n        return render_template_string(f.read())\n"),
        Valid("from flask import Flask, render_template_string\napp = Flask(__name__)\nHEADER = '<h1>'\nPAGE = HEADER + '{{ x }}'\n\n@app.get('/a')\ndef a():\n    return render_template_string(PAGE, x=1)\n"),
        # a local function named render_template_string, and jinja2's Template
        Valid("def render_template_string(text):\n    return text\n\ndef view(name):\n    return render_template_string(f'Hello {name}')\n"),
        Valid("from jinja2 import Template\n\ndef view(name):\n    return Template('Hello {{ name }}').render(name=name)\n"),
    ]
    invalid = [
        Invalid(
            "from flask import Flask, render_template_string, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return render_template_string('<p>%s</p>' % request.args['q'])  # error\n",
            message="`render_template_string()` gets a template built with `%` from request data (`request.args`): server-side template injection",
        ),
        # aliases, `import flask`, a blueprint, `.format()` and `+`, a URL variable
        Invalid(
            "import flask\nfrom flask import render_template_string as rts\nbp = flask.Blueprint('b', __name__)\n\n"
            "@bp.route('/p/<title>')\ndef page(title):\n    body = '<h1>{}</h1>'.format(title)\n    return rts(body)  # error\n\n"
            "@bp.route('/q')\ndef other():\n    footer = load_footer()\n    return flask.render_template_string('<main></main>' + footer)  # error\n",
        ),
        Invalid(
            "from flask import Flask, render_template_string\napp = Flask(__name__)\n\n@app.route('/p/<title>')\ndef page(title):\n    return render_template_string('<h1>{}</h1>'.format(title))  # error\n",
            message="`render_template_string()` gets a template built with `.format()` from request data (URL variable `title`): server-side template injection",
        ),
        Invalid(
            "from flask import render_template_string\n\ndef notify(user):\n    return render_template_string(f'Dear {user.name}, {{{{ body }}}}', body='x')  # error\n",
            message="`render_template_string()` gets a template built with an f-string from non-constant values (`user.name`): server-side template injection",
        ),
        # a blueprint of another module
        Invalid(files={
            "mail/__init__.py": "from flask import Blueprint\nbp = Blueprint('mail', __name__)\n",
            "mail/views.py": "from flask import render_template_string, request\nfrom mail import bp\n\n@bp.post('/preview')\ndef preview():\n    return render_template_string('<p>' + request.form['body'] + '</p>')  # error\n",
        }),
        # a template chosen in a branch
        Invalid(
            "from flask import Flask, render_template_string\napp = Flask(__name__)\n\n@app.get('/a/<name>')\ndef a(name):\n"
            "    if name == 'admin':\n        page = '<p>%s</p>' % name\n    else:\n        page = '<p>{{ name }}</p>'\n    return render_template_string(page, name=name)  # error\n"
        ),
        # a factory, `+=`, a template taken straight from the request, stream_template_string
        Invalid(
            "from flask import Flask, render_template_string, request, stream_template_string\n\ndef create_app():\n    app = Flask(__name__)\n\n"
            "    @app.post('/preview')\n    def preview():\n        text = '<div>'\n        text += request.form['body']\n        return render_template_string(text)  # error\n\n"
            "    @app.post('/raw')\n    def raw():\n        return stream_template_string(request.get_json()['template'])  # error\n    return app\n"
        ),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        renderer = flask_name(semantic, node.func)
        if renderer not in _RENDERERS:
            return
        label = f"`{renderer.rpartition('.')[2]}()`"
        template = node.args[0] if node.args else keyword_value(node, "source")
        if template is None or isinstance(template, ast.Starred):
            return
        built = _built_from(semantic, template, _DEPTH)
        direct = trace(semantic, template, _alternatives)
        if built is None and not direct:
            return
        if built is None:
            ctx.report(node, f"{label} renders a template taken from request data ({direct.label}): server-side template injection")
            return
        how, values = built
        found = trace(semantic, template, _parts)
        source = f"request data ({found.label})" if found else f"non-constant values (`{_shorten(ast.unparse(values[0]))}`)"
        ctx.report(node, f"{label} gets a template built with {how} from {source}: server-side template injection")


def _built_from(semantic: SemanticModel, expr: ast.AST, depth: int) -> tuple[str, list[ast.AST]] | None:
    """(how, the non-constant values) when `expr` formats non-constant values into text."""
    if depth == 0:
        return None
    if isinstance(expr, ast.Name):
        for binding in _local_bindings(semantic, expr):
            if binding.kind is BindingKind.ASSIGNMENT:
                found = _built_from(semantic, binding.value, depth - 1)
            else:
                augmented = binding.node.flk_parent  # type: ignore[attr-defined]
                found = ("`+=`", [augmented.value]) if not _is_constant(semantic, augmented.value, depth - 1) else None
            if found is not None:
                return found
        return None
    if isinstance(expr, ast.IfExp):
        return _built_from(semantic, expr.body, depth - 1) or _built_from(semantic, expr.orelse, depth - 1)
    how = _formatting(expr)
    if how is None:
        return None
    values = [part for part in string_parts(semantic, expr) if not _is_constant(semantic, part, depth - 1)]
    return (how, values) if values else None


def _local_bindings(semantic: SemanticModel, name: ast.Name) -> list[Binding]:
    """The bindings of a local variable a read may see (branches included): assignments and
    `+=`; empty when any other kind of binding (a parameter, a loop variable) may be seen."""
    found = []
    for binding in reaching_bindings(semantic, name):
        augmented = getattr(binding.node, "flk_parent", None)
        if binding.scope is semantic.module_scope:
            return []
        if binding.kind is BindingKind.ASSIGNMENT or binding.kind is BindingKind.OTHER and isinstance(augmented, ast.AugAssign) and isinstance(augmented.op, ast.Add):
            found.append(binding)
        else:
            return []
    return found


def _formatting(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.JoinedStr):
        return "an f-string"
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        return "`%`"
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return "`+`"
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
        return "`.format()`"
    return None


def _is_constant(semantic: SemanticModel, expr: ast.AST, depth: int = _DEPTH) -> bool:
    """A literal, a module-level name bound once to a literal, or text built only from those
    (also through local variables)."""
    if depth <= 0:
        return False
    if semantic.constant_value(expr) is not None:
        return True
    if isinstance(expr, ast.Name):
        bindings = _local_bindings(semantic, expr)
        # `+=` adds to an earlier value: not followed
        return bool(bindings) and all(b.kind is BindingKind.ASSIGNMENT and _is_constant(semantic, b.value, depth - 1) for b in bindings)
    if isinstance(expr, (ast.Tuple, ast.List)):
        return all(_is_constant(semantic, element, depth - 1) for element in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(v is not None and _is_constant(semantic, v, depth - 1) for v in expr.values)
    if isinstance(expr, ast.IfExp):
        return _is_constant(semantic, expr.body, depth - 1) and _is_constant(semantic, expr.orelse, depth - 1)
    if _formatting(expr) is not None:
        return all(_is_constant(semantic, part, depth - 1) for part in string_parts(semantic, expr))
    return False


def _alternatives(semantic: SemanticModel, node: ast.AST) -> list[ast.AST]:
    return alternatives(semantic, node)


def _parts(semantic: SemanticModel, node: ast.AST) -> list[ast.AST]:
    return [*string_parts(semantic, node), *alternatives(semantic, node)]


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
