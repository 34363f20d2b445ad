"""An app that gets deployment wrong in every way `flaskcheck deploy` can see (FLK902-FLK919).

    flaskcheck deploy --app examples/deploy/insecure_app.py
    flask --app examples/deploy/insecure_app.py check --deploy

FLK901 (no key at all) cannot fire on the same app as FLK902 (a weak key): see
insecure_nokey_app.py. Do not copy anything from this file; hardened_app.py is the fix.
"""

import os

from flask import Blueprint, Flask
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.profiler import ProfilerMiddleware

db = SQLAlchemy()
login_manager = LoginManager()
limiter = Limiter(get_remote_address)  # FLK917: counters in each worker's memory
api = Blueprint("api", __name__)


@api.get("/api/users")  # FLK918: registered below with url_prefix="/api" -> /api/api/users
def users():
    return []


def create_app():
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.urandom(16),  # FLK902: 16 bytes; FLK904: another key in every worker
        SECRET_KEY_FALLBACKS=["dev", "secret", "changeme", "old-key", "older-key"],  # FLK903
        DEBUG=True,  # FLK905
        TESTING=True,  # FLK907
        PROPAGATE_EXCEPTIONS=True,  # FLK907
        TRAP_BAD_REQUEST_ERRORS=True,  # FLK907
        TEMPLATES_AUTO_RELOAD=True,  # FLK907
        SESSION_COOKIE_HTTPONLY=False,  # FLK908 (SECURE and SAMESITE keep Flask's unsafe defaults)
        REMEMBER_COOKIE_HTTPONLY=False,  # FLK909
        SESSION_PROTECTION=None,  # FLK909
        LOGIN_DISABLED=True,  # FLK909
        MAX_FORM_PARTS=None,  # FLK911 (and MAX_CONTENT_LENGTH is unset)
        WTF_CSRF_ENABLED=False,  # FLK912
        SQLALCHEMY_DATABASE_URI="sqlite:///:memory:",  # FLK916
        SQLALCHEMY_ECHO=True,  # FLK916
        SQLALCHEMY_RECORD_QUERIES=True,  # FLK916
        # FLK910: no TRUSTED_HOSTS; FLK919: PREFERRED_URL_SCHEME stays "http"
    )
    db.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    CORS(app, supports_credentials=True)  # FLK915: reflects any Origin, with credentials
    app.register_blueprint(api, url_prefix="/api")

    @app.post("/profile")  # FLK911, FLK912: a body, a session, no CSRF protection
    def profile():
        return "saved"

    @app.get("/report", endpoint="report")
    def report():
        return "report"

    @app.get("/report", endpoint="report_v2")  # FLK918: shadowed by `report`, never runs
    def report_v2():
        return "new report"

    # FLK906: development middleware in the production chain
    app.wsgi_app = DebuggedApplication(ProfilerMiddleware(app.wsgi_app, stream=None), evalex=True)
    # FLK913, FLK914: no HTTPS redirect and no security headers (no Talisman, no proxy)
    return app
