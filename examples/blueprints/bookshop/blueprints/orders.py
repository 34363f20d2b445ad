from flask import Blueprint, g

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.route("/")
def index():
    return f"Orders of {g.customer}"


@bp.route("/history")
def index():
    return "Order history"
