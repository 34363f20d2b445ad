"""FLK807."""

from __future__ import annotations

import ast
import re

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
from flaskcheck.semantic.request_data import Trace, alternatives, request_read, trace

_REDIRECTS = frozenset({"flask.redirect", "werkzeug.utils.redirect", "werkzeug.redirect"})
_URL_SOURCES = frozenset({"args", "form", "values", "referrer"})
_UNQUOTE = frozenset({"urllib.parse.unquote", "urllib.parse.unquote_plus", "werkzeug.urls.url_unquote", "werkzeug.urls.unquote"})
_TEXT_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "replace", "decode", "get", "pop", "getlist"})
_PARSERS = frozenset({"urllib.parse.urlparse", "urllib.parse.urlsplit", "werkzeug.urls.url_parse", "werkzeug.urls.urlparse", "urlparse.urlparse", "urlparse.urlsplit"})
_CHECK_WORDS = ("safe", "allowed", "valid", "trusted", "whitelist", "allowlist", "permitted")
_URL_WORDS = ("url", "redirect", "next", "target", "host", "location", "referrer", "return", "dest")
# A constant start that fixes where the URL goes: `/path...` (not `//`), `?`, `#`, or `scheme://host/`.
_SAFE_PREFIX = re.compile(r"^(/[^/\\]|[?#]|[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#\\]+[/?#])")
_PLACEHOLDER = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdrifa]|\{[^{}]*\}")

UNCHECKED, WEAK, CHECKED = "unchecked", "weak", "checked"


class OpenRedirect(Rule):
    """
    ## What it does
    Reports `redirect(...)` to a URL taken from `request.args`, `request.form`,
    `request.values` or `request.referrer` (directly, or through local variables of the same
    function, `or` defaults, f-strings and `+` that do not start with a fixed path or host):

    - as an error when nothing checks the value;
    - as a warning when the only checks are `startswith("/")` (with or without
      `not startswith("//")`, or `v[0] == "/"`) and `urlparse(v).netloc`, alone or
      together.

    It stays silent when the value passes a function whose name says it checks a URL
    (`url_has_allowed_host_and_scheme`, `is_safe_url`, `is_safe_redirect`, ...), when the
    function compares both the `scheme` and the `netloc` of the parsed URL (the
    `urlparse(urljoin(request.host_url, v))` recipe), when the value is tested for
    membership in an allow-list (`v in ALLOWED`), when it is used only as a `url_for`
    endpoint, and whenever the value is tested in a way the rule does not recognise (it
    prefers silence to a guess).

    ## Why is this bad?
    `https://shop.example/login?next=https://evil.example` looks like a link to the shop,
    and after logging in the user lands on the attacker's copy of it (phishing, token
    theft through the `Referer`). The usual half-checks do not stop it: Werkzeug sends
    `/\\t/evil.example` (it passes `startswith("/")` and `not startswith("//")`) as
    `Location: //evil.example`, and `https:evil.example` (its `netloc` is empty) as
    `https:///evil.example`; browsers open `https://evil.example/` for both.
    Together the two checks stop both, but only because Python's `urlparse` removes tabs and
    newlines as browsers do (since Python 3.9.5; Werkzeug's old `url_parse` did not): a
    hand-made check that breaks with the next difference between parsers, hence the
    warning.

    ## Example
    ```python
    from flask import Flask, redirect, request, url_for

    app = Flask(__name__)

    @app.post("/login")
    def login():
        next_url = request.args.get("next") or url_for("index")
        return redirect(next_url)  # error
    ```

    ## Use instead
    ```python
    from urllib.parse import urljoin, urlparse

    from flask import Flask, redirect, request, url_for

    app = Flask(__name__)

    def is_safe_redirect(target):
        host = urlparse(request.host_url)
        url = urlparse(urljoin(request.host_url, target))
        return url.scheme in ("http", "https") and url.netloc == host.netloc

    @app.post("/login")
    def login():
        next_url = request.args.get("next")
        if not next_url or not is_safe_redirect(next_url):
            next_url = url_for("index")
        return redirect(next_url)
    ```

    Or redirect to an endpoint name: `redirect(url_for(request.args.get("next", "index")))`
    fails with a `BuildError` for anything but a known endpoint.

    ## References
    - [OWASP: unvalidated redirects and forwards](https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html)
    - [Flask: `redirect`](https://flask.palletsprojects.com/en/stable/api/#flask.redirect)
    """

    code = "FLK807"
    name = "open-redirect"
    severity = Severity.ERROR

    valid = [
        # checked by a named function, the urljoin recipe, or an allow-list
        Valid(
            "from django.utils.http import url_has_allowed_host_and_scheme\nfrom flask import Flask, redirect, request\napp = Flask(__name__)\n\n"
            "@app.get('/a')\ndef a():\n    target = request.args.get('next', '/')\n"
            "    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.host}):\n        target = '/'\n    return redirect(target)\n"
        ),
        Valid(
            "from flask import Flask, redirect, request\nfrom .security import is_safe_url\napp = Flask(__name__)\n\n"
            "@app.get('/a')\ndef a():\n    nxt = request.form['next']\n    return redirect(nxt if is_safe_url(nxt) else '/')\n"
        ),
        Valid(
            "from urllib.parse import urljoin, urlparse\nfrom flask import Flask, abort, redirect, request\napp = Flask(__name__)\n\n"
            "@app.get('/a')\ndef a():\n    target = request.values.get('next', '/')\n    ref = urlparse(request.host_url)\n    test = urlparse(urljoin(request.host_url, target))\n"
            "    if test.scheme not in ('http', 'https') or ref.netloc != test.netloc:\n        abort(400)\n    return redirect(target)\n"
        ),
        Valid(
            "from flask import Flask, redirect, request\napp = Flask(__name__)\nALLOWED = {'/', '/account'}\n\n"
            "@app.get('/a')\ndef a():\n    target = request.args.get('next')\n    if target not in ALLOWED:\n        target = '/'\n    return redirect(target)\n"
        ),
        # an endpoint name, a fixed path or host in front, the request's own URL
        Valid("from flask import Flask, redirect, request, url_for\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return redirect(url_for(request.args.get('next', 'index')))\n"),
        Valid("from flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return redirect('/search?q=' + request.args['q'])\n"),
        Valid("from flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return redirect(f\"https://docs.example.com/{request.args['page']}\")\n"),
        Valid("from flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return redirect(request.url.replace('http://', 'https://', 1))\n"),
        # a check the rule does not know: silent rather than a guess
        Valid("from flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    target = request.args.get('next', '/')\n    if not target.startswith(request.host_url):\n        target = '/'\n    return redirect(target)\n"),
        # not Flask's redirect or request
        Valid("def redirect(url):\n    return url\n\ndef view(request):\n    return redirect(request.args['next'])\n"),
        Valid("from flask import redirect\n\ndef view(request):\n    return redirect(request.args.get('next'))\n"),
    ]
    invalid = [
        Invalid(
            "from flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    return redirect(request.args['next'])  # error\n",
            message="`redirect()` sends the client to a URL from `request.args` that nothing checks: an open redirect (`?next=https://evil.example`)",
        ),
        # aliases, `import flask`, a blueprint, the referrer, `+` after a bare `/`
        Invalid(
            "import flask\nfrom flask import redirect as go, request as rq\nbp = flask.Blueprint('b', __name__)\n\n"
            "@bp.post('/back')\ndef back():\n    return go(rq.referrer or '/')  # error\n\n"
            "@bp.post('/to')\ndef to():\n    return flask.redirect('/' + rq.form.get('path', ''))  # error\n",
        ),
        # weak checks: startswith, netloc
        Invalid(
            "from flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    target = request.args.get('next', '/')\n"
            "    if not target.startswith('/') or target.startswith('//'):\n        target = '/'\n    return redirect(target)  # error\n",
            severity=Severity.WARNING,
            message="`redirect()` target from `request.args` is checked only with `startswith(\"/\")`: `/\\t/evil.example` passes, Werkzeug sends it as `//evil.example`, and browsers open evil.example",
        ),
        Invalid(
            "from urllib.parse import urlparse\nfrom flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    target = request.values['next']\n"
            "    if urlparse(target).netloc:\n        return redirect('/')\n    return redirect(target)  # error\n",
            severity=Severity.WARNING,
            message="`redirect()` target from `request.values` is checked only with `urlparse(...).netloc`: `https:evil.example` passes, Werkzeug sends it as `https:///evil.example`, and browsers open evil.example",
        ),
        Invalid(
            "from urllib.parse import urlsplit\nfrom flask import Flask, redirect, request\napp = Flask(__name__)\n\n@app.get('/a')\ndef a():\n    target = request.args.get('next') or '/'\n"
            "    parts = urlsplit(target)\n    if parts.netloc or target[0] != '/':\n        target = '/'\n    return redirect(target)  # error\n",
            severity=Severity.WARNING,
            message="`redirect()` target from `request.args` is checked only with `startswith(\"/\")` and `urlparse(...).netloc`: a hand-made check that stops `/\\t/evil.example` only because `urlparse` drops tabs and newlines the way browsers do",
        ),
        # werkzeug's redirect, a blueprint of another module
        Invalid(files={
            "auth/__init__.py": "from flask import Blueprint\nbp = Blueprint('auth', __name__)\n",
            "auth/views.py": "from flask import request\nfrom werkzeug.utils import redirect\nfrom auth import bp\n\n@bp.get('/out')\ndef out():\n    return redirect(location=request.values.get('to', '/'))  # error\n",
        }),
        # a factory and a nested function; a truthiness test is no check
        Invalid(
            "from flask import Flask, redirect, request\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.route('/login', methods=['GET', 'POST'])\n    def login():\n"
            "        next_page = request.args.get('next')\n        if next_page is None or next_page == '':\n            next_page = '/'\n        return redirect(next_page)  # error\n    return app\n",
        ),
    ]

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        semantic = ctx.semantic
        if flask_name(semantic, node.func) not in _REDIRECTS:
            return
        location = node.args[0] if node.args else keyword_value(node, "location")
        if location is None:
            return
        found = trace(semantic, location, _url_parts, attributes=_URL_SOURCES, url_variables=False)
        if not found:
            return
        function = enclosing_function(node)
        verdict, weak = _checks(semantic, function, found) if function is not None else (UNCHECKED, "")
        if verdict == CHECKED:
            return
        if verdict == WEAK:
            ctx.report(node, f"`redirect()` target from {found.label} is checked only with {weak}", severity=Severity.WARNING)
            return
        ctx.report(node, f"`redirect()` sends the client to a URL from {found.label} that nothing checks: an open redirect (`?next=https://evil.example`)")


def _url_parts(semantic: SemanticModel, node: ast.AST) -> list[ast.AST]:
    """What a redirect target is built from, where the client's text decides the host."""
    found = alternatives(semantic, node)
    if found:
        return found
    if isinstance(node, ast.Subscript):
        return [node.value]
    if isinstance(node, (ast.JoinedStr, ast.BinOp)) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
        return [] if _fixed_prefix(node) else _building_parts(node)
    if not isinstance(node, ast.Call):
        return []
    if semantic.qualified_name(node.func) in _UNQUOTE and node.args:
        return [node.args[0]]
    if isinstance(node.func, ast.Attribute) and node.func.attr in _TEXT_METHODS:
        return [node.func.value]
    return []


def _building_parts(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.JoinedStr):
        return [value.value for value in node.values if isinstance(value, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [node.left, node.right]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        right = node.right
        return list(right.elts) if isinstance(right, (ast.Tuple, ast.List)) else [right]
    if isinstance(node, ast.Call):
        return [*node.args, *(k.value for k in node.keywords)]
    return []


def _fixed_prefix(node: ast.AST) -> bool:
    """Does the built URL start with constant text that fixes its host (`/path`, `https://host/`)?"""
    prefix = None
    if isinstance(node, ast.JoinedStr) and node.values:
        prefix = string_value(node.values[0])
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = node.left
        while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add):
            left = left.left
        prefix = string_value(left)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        text = string_value(node.left)
        prefix = _PLACEHOLDER.split(text, 1)[0] if text is not None else None
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        text = string_value(node.func.value)
        prefix = _PLACEHOLDER.split(text, 1)[0] if text is not None else None
    return prefix is not None and bool(_SAFE_PREFIX.match(prefix))


# -- the checks a function makes ------------------------------------------------------------------


def _checks(semantic: SemanticModel, function: ast.AST, found: Trace) -> tuple[str, str]:
    """(CHECKED, UNCHECKED or WEAK, a description of the weak checks) for the traced value."""
    names = _derived_names(semantic, function, found.names)
    kinds = {source.kind for source in found.sources}

    def mentions(expr: ast.AST) -> bool:
        return _mentions(semantic, expr, names, kinds)

    reads = {node.attr for node in ast.walk(function) if isinstance(node, ast.Attribute) and node.attr in ("scheme", "netloc") and mentions(node.value)}
    if reads == {"scheme", "netloc"}:
        return CHECKED, ""
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and _is_check_function(semantic, node) and any(mentions(a) for a in (*node.args, *(k.value for k in node.keywords))):
            return CHECKED, ""
    weak: list[str] = []
    for test in _tests(function):
        for atom in _atoms(test):
            if not mentions(atom):
                continue
            kind = _weak_kind(semantic, atom, mentions)
            if kind is None and _is_presence_test(semantic, atom, mentions):
                continue
            if kind is None:
                return CHECKED, ""  # a check the rule does not know: silence
            if kind not in weak:
                weak.append(kind)
    if not weak:
        return UNCHECKED, ""
    if weak == ["netloc"]:
        return WEAK, "`urlparse(...).netloc`: `https:evil.example` passes, Werkzeug sends it as `https:///evil.example`, and browsers open evil.example"
    if weak == ["startswith"]:
        return WEAK, "`startswith(\"/\")`: `/\\t/evil.example` passes, Werkzeug sends it as `//evil.example`, and browsers open evil.example"
    return WEAK, (
        "`startswith(\"/\")` and `urlparse(...).netloc`: a hand-made check that stops `/\\t/evil.example` only because "
        "`urlparse` drops tabs and newlines the way browsers do"
    )


def _derived_names(semantic: SemanticModel, function: ast.AST, names: set[str]) -> set[str]:
    """The traced names, and locals assigned from them (`parsed = urlparse(target)`)."""
    derived = set(names)
    assignments = [n for n in ast.walk(function) if isinstance(n, ast.Assign)]
    for _ in range(3):
        before = len(derived)
        for assignment in assignments:
            if any(isinstance(n, ast.Name) and n.id in derived for n in ast.walk(assignment.value)):
                derived.update(t.id for t in assignment.targets if isinstance(t, ast.Name))
        if len(derived) == before:
            break
    return derived


def _mentions(semantic: SemanticModel, expr: ast.AST, names: set[str], kinds: set[str]) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id in names:
            return True
        if isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            source = request_read(semantic, node, _URL_SOURCES)
            if source is not None and source.kind in kinds:
                return True
    return False


def _is_check_function(semantic: SemanticModel, call: ast.Call) -> bool:
    """`is_safe_url(...)`, `url_has_allowed_host_and_scheme(...)`: named for checking a URL."""
    name = semantic.qualified_name(call.func) or (call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", ""))
    words = name.rpartition(".")[2].lower()
    return any(word in words for word in _CHECK_WORDS) and any(word in words for word in _URL_WORDS)


def _tests(function: ast.AST) -> list[ast.AST]:
    found = []
    for node in ast.walk(function):
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            found.append(node.test)
        elif isinstance(node, ast.comprehension):
            found.extend(node.ifs)
    return found


def _atoms(test: ast.AST) -> list[ast.AST]:
    """`a and not b or c` -> [a, b, c]."""
    stack, found = [test], []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)
        else:
            found.append(node)
    return found


def _is_presence_test(semantic: SemanticModel, atom: ast.AST, mentions) -> bool:
    """`if target:`, `target is None`, `target == ""`, `len(target)`: no check of the URL."""
    if isinstance(atom, (ast.Name, ast.Attribute, ast.Subscript)) or (isinstance(atom, ast.Call) and request_read(semantic, atom, _URL_SOURCES) is not None):
        return True
    if isinstance(atom, ast.Call) and semantic.qualified_name(atom.func) == "builtins.len":
        return True
    if isinstance(atom, ast.Compare) and len(atom.ops) == 1:
        other = atom.comparators[0] if mentions(atom.left) else atom.left
        if isinstance(atom.ops[0], (ast.Is, ast.IsNot)):
            return True
        if isinstance(atom.ops[0], (ast.Eq, ast.NotEq)) and isinstance(other, ast.Constant) and other.value in ("", None):
            return True
    return False


def _weak_kind(semantic: SemanticModel, atom: ast.AST, mentions) -> str | None:
    """`startswith` for `v.startswith("/")` / `v.startswith("//")` / `v[0] == "/"`, `netloc`
    for `urlparse(v).netloc` (or a parsed local's `.netloc`); None for anything else."""
    if isinstance(atom, ast.Call) and isinstance(atom.func, ast.Attribute) and atom.func.attr == "startswith" and atom.args:
        prefixes = atom.args[0].elts if isinstance(atom.args[0], ast.Tuple) else [atom.args[0]]
        if all(string_value(p) in ("/", "//") for p in prefixes):
            return "startswith"
        return None
    if isinstance(atom, ast.Compare) and len(atom.ops) == 1 and isinstance(atom.ops[0], (ast.Eq, ast.NotEq)):
        sides = [atom.left, atom.comparators[0]]
        if any(string_value(side) == "/" for side in sides) and any(isinstance(side, ast.Subscript) for side in sides):
            return "startswith"
    netloc = atom
    if isinstance(netloc, ast.Compare) and len(netloc.ops) == 1 and isinstance(netloc.comparators[0], ast.Constant) and netloc.comparators[0].value in ("", None):
        netloc = netloc.left
    if isinstance(netloc, ast.Attribute) and netloc.attr == "netloc":
        return "netloc"
    return None
