"""Public pages, routed straight on the global app."""

from flask import abort, render_template_string

from blog import app, db
from blog.models import Post

PAGE = "<h1>{{ post.title }}</h1><p>{{ post.body }}</p>"


@app.route("/")
def index():
    posts = db.session.execute(db.select(Post).order_by(Post.id.desc())).scalars()
    return "".join(f"<p>{post.title}</p>" for post in posts)


@app.route("/posts/<int:post_id>")
def show(post_id):
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    return render_template_string(PAGE, post=post)
