from flask import Flask, render_template
from flask_login import LoginManager

login_manager = LoginManager()


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()
    login_manager.init_app(app)

    from library.books import bp

    app.register_blueprint(bp, url_prefix="/books")

    @app.route("/")
    def home():
        return render_template("index.html")

    @app.errorhandler(404)
    def not_found(error):
        return render_template("404.html")

    return app
