"""Claims proved: the consequence each 3xx security rule's docs state, shown on real Flask.

Each test builds small apps with the test client (no network, no server, no sleeps) and,
where it ties the claim to the rule, lints the same source to show the rule fires on it.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from pathlib import Path

import pytest
from flask import Flask, jsonify, make_response, session
from flask_login import LoginManager, UserMixin, login_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import StringField

from flaskcheck.engine.examples import lint_folder

_MODULE_NUMBERS = itertools.count()


def load_module(folder: Path, source: str):
    """Write `source` as `app.py` in `folder` and import it under a fresh name."""
    path = folder / "app.py"
    path.write_text(source, encoding="utf-8")
    name = f"flk_claim_{next(_MODULE_NUMBERS)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def flagged(folder: Path, code: str) -> list[int]:
    return [d.line for d in lint_folder(folder, (code,)) if d.code == code]


# -- FLK301 hardcoded-secret-key ------------------------------------------------------------------

ADMIN_APP = """\
import os

from flask import Flask, session

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("FLK_CLAIM_UNSET_VARIABLE", "dev")


@app.get("/admin")
def admin():
    return ("welcome", 200) if session.get("is_admin") else ("forbidden", 403)
"""


def test_flk301_a_cookie_forged_with_the_hardcoded_key_is_accepted(tmp_path):
    assert "FLK_CLAIM_UNSET_VARIABLE" not in os.environ
    module = load_module(tmp_path, ADMIN_APP)
    assert flagged(tmp_path, "FLK301") == [6]
    client = module.app.test_client()
    assert client.get("/admin").status_code == 403

    # The attacker never talks to the server: they sign offline with the key from the source.
    attacker = Flask("attacker")
    attacker.secret_key = "dev"
    forged = attacker.session_interface.get_signing_serializer(attacker).dumps({"is_admin": True})
    client.set_cookie("session", forged)
    assert client.get("/admin").status_code == 200


def test_flk301_stays_silent_on_an_empty_fallback_because_flask_then_refuses_session_writes(tmp_path):
    module = load_module(tmp_path, ADMIN_APP.replace('"dev"', '""') + (
        "\n\n@app.post('/login')\ndef login():\n    session['is_admin'] = True\n    return 'ok'\n"
    ))
    assert flagged(tmp_path, "FLK301") == []
    client = module.app.test_client()
    assert client.post("/login").status_code == 500  # no key: no session to forge, and no session at all
    assert client.get("/admin").status_code == 403


# -- FLK302 secret-key-generated-at-startup ---------------------------------------------------------

FACTORY_APP = """\
import os

from flask import Flask, session


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.urandom(32)

    @app.post("/login")
    def login():
        session["user"] = "alice"
        return "ok"

    @app.get("/whoami")
    def whoami():
        return session.get("user") or "nobody"

    return app
"""


def test_flk302_each_worker_built_by_the_factory_signs_with_its_own_key(tmp_path):
    module = load_module(tmp_path, FACTORY_APP)
    assert flagged(tmp_path, "FLK302") == [8]
    # Without --preload, every Gunicorn worker imports the module and calls the factory itself.
    worker_a, worker_b = module.create_app(), module.create_app()
    assert worker_a.secret_key != worker_b.secret_key
    client_a = worker_a.test_client()
    client_a.post("/login")
    cookie = client_a.get_cookie("session").value
    assert client_a.get("/whoami").text == "alice"

    client_b = worker_b.test_client()
    client_b.set_cookie("session", cookie)
    assert client_b.get("/whoami").text == "nobody"  # the session reads as empty on the other worker


# -- FLK303 insecure-session-cookie-setting -------------------------------------------------------------

def session_cookie_header(**config) -> str:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k" * 64, **config)

    @app.get("/write")
    def write():
        session["user"] = "alice"
        return "ok"

    return app.test_client().get("/write").headers["Set-Cookie"]


def test_flk303_false_settings_drop_the_secure_and_httponly_flags():
    secure = session_cookie_header(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    assert "; Secure" in secure and "; HttpOnly" in secure and "SameSite=Lax" in secure

    weak = session_cookie_header(SESSION_COOKIE_SECURE=False, SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE=None)
    assert "Secure" not in weak
    assert "HttpOnly" not in weak
    assert "SameSite" not in weak


def test_flk303_remember_cookie_httponly_false_exposes_the_remember_cookie():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k" * 64, REMEMBER_COOKIE_HTTPONLY=False, REMEMBER_COOKIE_SECURE=False)
    manager = LoginManager(app)

    class User(UserMixin):
        id = "1"

    manager.user_loader(lambda user_id: User())

    @app.post("/login")
    def login():
        login_user(User(), remember=True)
        return "ok"

    headers = app.test_client().post("/login").headers.getlist("Set-Cookie")
    remember = next(h for h in headers if h.startswith("remember_token="))
    assert "HttpOnly" not in remember and "Secure" not in remember


# -- FLK304 insecure-set-cookie ------------------------------------------------------------------------

def test_flk304_set_cookie_without_flags_sends_a_bare_cookie():
    app = Flask(__name__)

    @app.get("/bare")
    def bare():
        response = make_response("ok")
        response.set_cookie("pref", "dark")
        return response

    @app.get("/flagged")
    def flagged_cookie():
        response = jsonify(ok=True)
        response.set_cookie("pref", "dark", secure=True, httponly=True, samesite="Lax")
        return response

    client = app.test_client()
    assert client.get("/bare").headers["Set-Cookie"] == "pref=dark; Path=/"
    assert client.get("/flagged").headers["Set-Cookie"] == "pref=dark; Secure; HttpOnly; Path=/; SameSite=Lax"


# -- FLK305 csrf-protection-disabled ------------------------------------------------------------------------

class CommentForm(FlaskForm):
    body = StringField()


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    body = StringField()


def csrf_app(*, protect: bool = True, protect_hook: bool = False, **config) -> Flask:
    """An app with a FlaskForm view, a `Meta.csrf = False` form view, a `meta=` view and a plain view."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k" * 64, **config)
    csrf = CSRFProtect(app) if protect else None
    if protect_hook:
        app.before_request(csrf.protect)

    def answer(form: FlaskForm):
        return ("accepted", 200) if form.validate_on_submit() else ("invalid", 400)

    app.add_url_rule("/comment", "comment", lambda: answer(CommentForm()), methods=["POST"])
    app.add_url_rule("/search", "search", lambda: answer(SearchForm()), methods=["POST"])
    app.add_url_rule("/meta", "meta", lambda: answer(CommentForm(meta={"csrf": False})), methods=["POST"])
    app.add_url_rule("/plain", "plain", lambda: "accepted", methods=["POST"])
    return app


def statuses(app: Flask) -> dict[str, int]:
    """POST each view without a CSRF token, as a cross-site form would."""
    client = app.test_client()
    return {path: client.post(path, data={"body": "hi"}).status_code for path in ("/comment", "/search", "/meta", "/plain")}


def test_flk305_csrfprotect_with_defaults_rejects_every_tokenless_post():
    assert statuses(csrf_app()) == {"/comment": 400, "/search": 400, "/meta": 400, "/plain": 400}


def test_flk305_wtf_csrf_enabled_false_accepts_every_tokenless_post():
    assert statuses(csrf_app(WTF_CSRF_ENABLED=False)) == {"/comment": 200, "/search": 200, "/meta": 200, "/plain": 200}


def test_flk305_check_default_false_leaves_plain_views_open_unless_protect_is_called():
    assert statuses(csrf_app(WTF_CSRF_CHECK_DEFAULT=False))["/plain"] == 200
    assert statuses(csrf_app(WTF_CSRF_CHECK_DEFAULT=False))["/comment"] == 400  # the FlaskForm still validates
    assert statuses(csrf_app(WTF_CSRF_CHECK_DEFAULT=False, protect_hook=True))["/plain"] == 400


def test_flk305_meta_csrf_false_is_open_only_without_csrfprotect():
    with_protect = statuses(csrf_app())
    assert with_protect["/search"] == 400 and with_protect["/meta"] == 400  # CSRFProtect runs first: silent
    without = statuses(csrf_app(protect=False))
    assert without["/comment"] == 400  # FlaskForm's own check
    assert without["/search"] == 200 and without["/meta"] == 200  # the rule's finding


@pytest.mark.parametrize(("protect", "expected"), [(False, [6]), (True, [])])
def test_flk305_rule_follows_csrfprotect_for_meta_csrf(tmp_path, protect, expected):
    source = (
        "from flask import Flask\nfrom flask_wtf import FlaskForm, CSRFProtect\napp = Flask(__name__)\n\n"
        "class SearchForm(FlaskForm):\n    class Meta: csrf = False\n\n"
        "@app.post('/search')\ndef search():\n    return str(SearchForm().validate_on_submit())\n"
    )
    if protect:
        source += "CSRFProtect(app)\n"
    (tmp_path / "app.py").write_text(source, encoding="utf-8")
    assert flagged(tmp_path, "FLK305") == expected
