from flask import Blueprint, jsonify

api = Blueprint("api", __name__, url_prefix="/api")

BOOKS = [{"id": 1, "title": "Dune"}, {"id": 2, "title": "Emma"}]


@api.route("/api/books")
def books():
    return jsonify(BOOKS)


@api.route("/books/<int:book_id>")
def book(book_id):
    found = [b for b in BOOKS if b["id"] == book_id]
    return jsonify(found[0] if found else None)
