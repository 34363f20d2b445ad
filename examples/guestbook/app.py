"""A guestbook in one module. It never sets SECRET_KEY."""

from flask import Flask, flash, redirect, render_template_string, request, session, url_for

app = Flask(__name__)
ENTRIES: list[str] = []


@app.route("/", methods=["GET", "POST"])
def index():
    if request.method == "POST":
        ENTRIES.append(request.form["message"])
        session["signed"] = True
        flash("Thanks for signing!")
        return redirect(url_for("index"))
    return render_template_string("{% for e in entries %}<p>{{ e }}</p>{% endfor %}", entries=ENTRIES)
