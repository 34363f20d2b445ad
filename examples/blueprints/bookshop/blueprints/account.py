from flask import Blueprint, g, session

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.before_request
def load_customer():
    g.customer = session.get("customer", "guest")


@bp.route("/")
def profile():
    return f"Signed in as {g.customer}"
