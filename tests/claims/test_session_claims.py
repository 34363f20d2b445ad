"""FLK306's consequences, shown on real Flask, Flask-Login and Flask-Session.

Each test names the docstring sentence it proves. No network: the test client only.
"""

from __future__ import annotations

import pytest
from flask import Flask, flash, session

flask_login = pytest.importorskip("flask_login")
flask_session = pytest.importorskip("flask_session")
cachelib = pytest.importorskip("cachelib")


@pytest.fixture(autouse=True)
def production_environment(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)  # debug mode would re-raise instead of a 500


def make_app() -> Flask:
    """An app without SECRET_KEY, run as in production (exceptions become 500s)."""
    app = Flask(__name__)
    assert app.secret_key is None

    @app.get("/read")
    def read():
        return str(session.get("visits", 0))

    @app.get("/write")
    def write():
        session["visits"] = 1
        return "ok"

    @app.get("/flash")
    def flash_message():
        flash("saved")
        return "ok"

    return app


def test_flk306_session_reads_still_work_without_a_key():
    response = make_app().test_client().get("/read")
    assert response.status_code == 200
    assert response.text == "0"  # the session is simply empty


@pytest.mark.parametrize("path", ["/write", "/flash"])
def test_flk306_every_session_write_answers_500(path):
    response = make_app().test_client().get(path)
    assert response.status_code == 500


def test_flk306_the_write_raises_the_documented_runtime_error():
    app = make_app()
    app.testing = True  # let the exception through to see its message
    with pytest.raises(RuntimeError, match="The session is unavailable because no secret key was set"):
        app.test_client().get("/write")


def test_flk306_login_user_answers_500():
    app = make_app()
    manager = flask_login.LoginManager(app)

    class User(flask_login.UserMixin):
        id = "1"

    manager.user_loader(lambda user_id: User())

    @app.get("/login")
    def login():
        flask_login.login_user(User())
        return "ok"

    assert app.test_client().get("/login").status_code == 500


def test_flk306_flask_session_works_without_a_key():
    app = make_app()
    app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=cachelib.SimpleCache())
    flask_session.Session(app)
    client = app.test_client()
    assert client.get("/write").status_code == 200
    assert client.get("/read").text == "1"
    assert client.get("/flash").status_code == 200
