"""Shop pages."""

from flask import Blueprint, make_response, render_template, request, session

shop = Blueprint("shop", __name__)


@shop.route("/")
def index():
    return render_template("index.html", cart=session.get("cart", []))


@shop.route("/theme/<name>")
def set_theme(name):
    response = make_response(render_template("index.html", cart=[]))
    response.set_cookie("theme", name)
    return response


@shop.route("/cart", methods=["POST"])
def add_to_cart():
    cart = session.setdefault("cart", [])
    cart.append(request.form["product_id"])
    session.modified = True
    return {"items": len(cart)}
