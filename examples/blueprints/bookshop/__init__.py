import os

from flask import Flask

from bookshop.blueprints import account, api, catalog, orders


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    for module in (catalog, account, orders):
        app.register_blueprint(module.bp)
    app.register_blueprint(api.api)
    return app
