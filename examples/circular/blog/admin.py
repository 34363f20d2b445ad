"""Admin pages: a blueprint that registers itself on the app when this module is imported."""

from flask import Blueprint, request
from flask_login import login_required

from blog import app
from blog.mail import notify_admins

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@login_required
def dashboard():
    return "admin dashboard"


@bp.post("/report")
@login_required
def report():
    notify_admins("Abuse report", request.form.get("text", ""))
    return "reported"


app.register_blueprint(bp)
