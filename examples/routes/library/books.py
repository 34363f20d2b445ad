from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

bp = Blueprint("books", __name__)
BOOKS = {1: "Dune", 2: "Emma"}


@bp.route("/")
def index():
    return render_template("books.html", books=BOOKS)


@bp.route("/<int:book_id>")
def book(book_id):
    if book_id not in BOOKS:
        return redirect("/books/")
    return render_template("book.html", title=BOOKS[book_id], back=url_for("book"))


@bp.route("/<int:book_id>/review")
def review(book_id):
    if request.method == "POST":
        return redirect(url_for(".book", book_id=book_id))
    return render_template("review.html", book_id=book_id)


@login_required
@bp.route("/<int:book_id>/delete", methods=["POST"])
def delete(book_id):
    BOOKS.pop(book_id, None)
    return redirect(url_for("books.review"))


@bp.route("/mine")
def mine():
    return redirect("/login")
