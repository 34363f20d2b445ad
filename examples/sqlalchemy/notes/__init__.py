"""A small notes app: Flask-SQLAlchemy models, a blueprint of views, Celery tasks."""

import os

from flask import Flask

from notes.extensions import celery, db


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "sqlite:///notes.db")
    db.init_app(app)
    celery.conf.update(broker_url=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0"))

    from notes.views import bp

    app.register_blueprint(bp)
    return app
