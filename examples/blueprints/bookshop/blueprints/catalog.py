from flask import Blueprint, render_template_string

bp = Blueprint("catalog", __name__)


@bp.errorhandler(404)
def page_not_found(error):
    return render_template_string("<h1>No such page in the catalogue</h1>"), 404


@bp.route("/")
def index():
    return render_template_string("<h1>Books</h1>")


@bp.route("/search")
def search():
    return render_template_string("<h1>Search</h1>")
