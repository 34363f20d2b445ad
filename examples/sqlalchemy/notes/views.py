import threading

from flask import Blueprint, flash, redirect, render_template_string, request, url_for
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from notes.extensions import db
from notes.models import Note, User
from notes.tasks import export_note

bp = Blueprint("notes", __name__)


@bp.post("/signup")
def signup():
    db.session.add(User(email=request.form["email"]))
    try:
        db.session.commit()
    except IntegrityError:
        flash("That e-mail is already registered")
    return redirect(url_for("notes.search"))


@bp.post("/notes/archive-all")
def archive_all():
    Note.query.filter_by(archived=False).update({"archived": True})
    return redirect(url_for("notes.search"))


@bp.get("/search")
def search():
    q = request.args.get("q", "")
    rows = db.session.execute(text(f"SELECT id, title FROM note WHERE title LIKE '%{q}%'"))
    return render_template_string("{% for r in rows %}<p>{{ r.title }}</p>{% endfor %}", rows=rows)


def send_digest():
    count = Note.query.filter_by(archived=False).count()
    print(f"{count} open notes")


@bp.post("/digest")
def digest():
    threading.Thread(target=send_digest).start()
    return "sending"


@bp.post("/notes/<int:note_id>/export")
def export(note_id):
    note = db.get_or_404(Note, note_id)
    export_note.delay(note)
    return "queued"


@bp.get("/health")
def health():
    engine = create_engine("sqlite:///notes.db")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok"
