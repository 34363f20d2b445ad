from notes.extensions import db


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True, nullable=False)
    notes = db.relationship("Note", back_populates="author")


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, default="")
    archived = db.Column(db.Boolean, default=False)
    author_id = db.Column(db.ForeignKey("user.id"))
    author = db.relationship("User", back_populates="notes")
