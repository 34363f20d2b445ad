"""The fix for insecure_app.py: `flaskcheck deploy` finds nothing to report.

    flaskcheck deploy --app examples/deploy/hardened_app.py --quiet   # prints nothing, exit 0

Settings come from the environment, with the production-safe choice as the default:
SECRET_KEY (else a key file created once in the instance folder and shared by every worker
and restart), DATABASE_URL, ALLOWED_HOSTS (comma-separated) and CORS_ORIGINS.
"""

import os
import secrets
from pathlib import Path

from flask import Blueprint, Flask
from flask_cors import CORS
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

db = SQLAlchemy(engine_options={"pool_pre_ping": True})
login_manager = LoginManager()
csrf = CSRFProtect()
api = Blueprint("api", __name__)

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@api.get("/users")
def users():
    return []


def secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else from a key file made once (atomically) and reused."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        draft = instance / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_hex(32), encoding="utf-8")
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # the first process wins; the others read its key
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def create_app():
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(Path(app.instance_path)),
        TRUSTED_HOSTS=os.environ.get("ALLOWED_HOSTS", "example.com,www.example.com").split(","),
        PREFERRED_URL_SCHEME="https",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "postgresql://app@db.internal/app"),
    )
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    CORS(app, origins=os.environ.get("CORS_ORIGINS", "https://app.example.com").split(","), supports_credentials=True)
    Talisman(
        app,
        strict_transport_security_max_age=63072000,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
    )
    app.register_blueprint(api, url_prefix="/api")

    @app.post("/profile")
    def profile():
        return "saved"

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # exactly one proxy in front
    return app
