from notes.extensions import celery, db
from notes.models import Note


@celery.task
def export_note(note):
    """Write a note to the export table (the task gets the note object itself)."""
    db.session.execute(db.text("INSERT INTO export (title) VALUES (:title)"), {"title": note.title})
    db.session.commit()


@celery.task
def purge_archived():
    for note in Note.query.filter_by(archived=True):
        db.session.delete(note)
    db.session.commit()
