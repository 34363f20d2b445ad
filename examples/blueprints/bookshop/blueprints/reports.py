from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/sales")
def sales():
    return "Sales report"
