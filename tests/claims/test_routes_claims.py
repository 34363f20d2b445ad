"""The consequences FLK801, FLK805, FLK808, FLK809 and FLK810 state in their docs, on real Flask."""

from __future__ import annotations

import jinja2
import pytest
from flask import (
    Blueprint,
    Flask,
    g,
    redirect,
    render_template,
    render_template_string,
    request,
    url_for,
)
from werkzeug.exceptions import NotFound
from werkzeug.routing import BuildError


def _app() -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True, SECRET_KEY="x" * 64)
    return app


# -- FLK801 ------------------------------------------------------------------------------------


def test_flk801_literal_redirect_ignores_the_mount_prefix_url_for_does_not():
    app = _app()

    @app.route("/login")
    def login():
        return "log in"

    @app.route("/literal")
    def literal():
        return redirect("/login")

    @app.route("/built")
    def built():
        return redirect(url_for("login"))

    client = app.test_client()
    assert client.get("/literal", base_url="http://h/shop").headers["Location"] == "/login"
    assert client.get("/built", base_url="http://h/shop").headers["Location"] == "/shop/login"
    # served at the root, the fixed redirect goes to the same place
    assert client.get("/built").headers["Location"] == "/login"


def test_flk801_fix_uses_the_full_blueprint_endpoint():
    app = _app()
    bp = Blueprint("auth", __name__)

    @bp.route("/login")
    def login():
        return "log in"

    @bp.route("/logout")
    def logout():
        return redirect(url_for("auth.login"))

    app.register_blueprint(bp, url_prefix="/auth")
    assert app.test_client().get("/auth/logout").headers["Location"] == "/auth/login"


# -- FLK805 ------------------------------------------------------------------------------------


def test_flk805_unknown_endpoint_missing_variable_and_template_raise_build_error():
    app = _app()

    @app.route("/user/<int:user_id>")
    def user(user_id):
        return "user"

    @app.route("/a")
    def a():
        return url_for("nope")

    @app.route("/b")
    def b():
        return url_for("user")

    @app.route("/c")
    def c():
        return render_template_string("{{ url_for('nope') }}")

    app.testing = False  # answer with a 500 instead of re-raising
    client = app.test_client()
    assert [client.get(path).status_code for path in ("/a", "/b", "/c")] == [500, 500, 500]
    with app.test_request_context(), pytest.raises(BuildError):
        url_for("user")


def test_flk805_bare_function_name_of_a_blueprint_view_raises():
    app = _app()
    bp = Blueprint("store", __name__)

    @bp.route("/cart")
    def cart():
        return "cart"

    app.register_blueprint(bp)
    with app.test_request_context():
        assert url_for("store.cart") == "/cart"
        with pytest.raises(BuildError):
            url_for("cart")


def test_flk805_url_defaults_supply_the_missing_variable():
    app = _app()

    @app.url_defaults
    def add_language(endpoint, values):
        values.setdefault("lang", g.get("lang", "en"))

    @app.route("/<lang>/about")
    def about(lang):
        return url_for("about")

    response = app.test_client().get("/en/about")
    assert response.status_code == 200
    assert response.text == "/en/about"


def test_flk805_templates_are_read_with_jinjas_parser():
    from flaskcheck.semantic.templates import template_url_for_calls

    calls, error = template_url_for_calls(
        "{# url_for('commented') #}{% raw %}{{ url_for('raw') }}{% endraw %}\n"
        "<a href=\"{{ url_for('index', page=2) }}\">{{ _('Home') }}</a>{% trans %}x{% endtrans %}\n"
    )
    assert error is None
    assert [(c.line, c.endpoint, c.keywords) for c in calls] == [(2, "index", ("page",))]
    calls, error = template_url_for_calls("<p>\n{% if x %}\n{{ url_for('a') }}\n")
    assert calls == [] and error is not None
    with pytest.raises(jinja2.TemplateSyntaxError):
        jinja2.Environment().parse("<p>\n{% if x %}\n{{ url_for('a') }}\n")


# -- FLK808 ------------------------------------------------------------------------------------


def test_flk808_unrouted_method_gets_405_before_the_view_runs():
    app = _app()
    ran = []

    @app.route("/contact")
    def contact():
        ran.append(request.method)
        if request.method == "POST":
            return "thanks"
        return "form"

    client = app.test_client()
    assert client.post("/contact").status_code == 405
    assert ran == []
    assert client.get("/contact").text == "form"


# -- FLK809 ------------------------------------------------------------------------------------


def test_flk809_login_required_above_the_route_never_runs():
    from flask_login import LoginManager, login_required

    app = _app()
    manager = LoginManager(app)
    manager.user_loader(lambda user_id: None)

    @login_required
    @app.route("/above")
    def above():
        return "secret data"

    @app.route("/below")
    @login_required
    def below():
        return "secret data"

    client = app.test_client()
    assert client.get("/above").status_code == 200
    assert client.get("/above").text == "secret data"
    assert client.get("/below").status_code == 401


def test_flk809_csrf_and_limiter_exempt_above_the_route_still_work():
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from flask_wtf.csrf import CSRFProtect

    app = _app()
    app.config["WTF_CSRF_ENABLED"] = True
    csrf = CSRFProtect(app)
    limiter = Limiter(get_remote_address, app=app, default_limits=["1/minute"], storage_uri="memory://")

    @csrf.exempt
    @app.route("/hook", methods=["POST"])
    def hook():
        return "ok"

    @limiter.exempt
    @app.route("/free")
    def free():
        return "free"

    @app.route("/guarded", methods=["POST"])
    def guarded():
        return "ok"

    client = app.test_client()
    assert client.post("/hook").status_code == 200
    assert client.post("/guarded").status_code == 400  # CSRF token missing
    assert [client.get("/free").status_code for _ in range(3)] == [200, 200, 200]


# -- FLK810 ------------------------------------------------------------------------------------


def test_flk810_handler_returning_a_body_is_served_with_200():
    app = _app()

    @app.errorhandler(404)
    def not_found(error):
        return render_template_string("missing")

    @app.errorhandler(ValueError)
    def bad_value(error):
        return {"error": str(error)}

    @app.errorhandler(403)
    def forbidden(error):
        return error

    @app.errorhandler(410)
    def gone(error):
        return "gone", 410

    @app.route("/value")
    def value():
        raise ValueError("bad")

    @app.route("/forbidden")
    def forbid():
        from flask import abort

        abort(403)

    @app.route("/gone")
    def gone_view():
        from flask import abort

        abort(410)

    client = app.test_client()
    assert client.get("/nowhere").status_code == 200
    assert client.get("/value").status_code == 200
    assert client.get("/forbidden").status_code == 403
    assert client.get("/gone").status_code == 410
    assert render_template is not None and NotFound.code == 404
