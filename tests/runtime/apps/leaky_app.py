"""An app full of secrets, each containing LEAKCHECK: no flaskcheck output may contain one."""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="LEAKCHECK-main-key",  # weak: FLK902 reports it, without its value
        SECRET_KEY_FALLBACKS=["LEAKCHECK-fallback", "LEAKCHECK-main-key", "LEAKCHECK-" + "f" * 60, "dev"],
        WTF_CSRF_SECRET_KEY="LEAKCHECK-csrf-key",
        SQLALCHEMY_DATABASE_URI="postgresql://dbuser:LEAKCHECK-db-password@db.leakcheck.example:5432/app",
        SQLALCHEMY_BINDS={"reports": "postgresql+psycopg2://reader:LEAKCHECK-bind-password@reports.leakcheck.example/r"},
        RATELIMIT_STORAGE_URI="redis://:LEAKCHECK-redis-password@localhost:6379/0",
        DEBUG=True,
    )
    db.init_app(app)
    Limiter(get_remote_address, app=app)

    @app.after_request
    def cookies(response):
        response.set_cookie("token", "LEAKCHECK-cookie-value", secure=True, httponly=True, samesite="Lax")
        return response

    return app
