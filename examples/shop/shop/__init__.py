"""The shop: an application factory."""

import secrets

from flask import Flask


def create_app(config_object: str = "shop.config.ProductionConfig") -> Flask:
    app = Flask(__name__)
    app.config.from_object(config_object)
    # A fresh key when the environment has none: every worker signs with its own.
    app.config.setdefault("SECRET_KEY", secrets.token_hex(32))

    from shop.views import shop

    app.register_blueprint(shop)
    return app
