"""Reports: an app factory, a Celery app, and a blueprint that builds reports in the background."""

import os

from flask import Flask

from reports.extensions import celery


def create_app():
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=os.environ["SECRET_KEY"],
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0"),
    )
    celery.conf.broker_url = app.config["CELERY_BROKER_URL"]

    from reports.views import bp

    app.register_blueprint(bp)
    return app
