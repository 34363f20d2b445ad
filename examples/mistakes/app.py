"""Paperclip: share documents by link.

A small app that makes the common mistakes of sections 7xx and 8xx on purpose:
`flaskcheck lint examples/mistakes` shows each one, and `flaskcheck lint --fix` rewrites
the JSON responses and the hand-parsed request body.
"""

import json
import os

from flask import Flask, jsonify, redirect, render_template_string, request, send_file, send_from_directory, url_for

import storage

app = Flask(__name__)
app.config.from_prefixed_env()

DOCUMENTS = os.path.join(os.path.dirname(__file__), "documents")
PAGE = "<!doctype html><title>Paperclip</title>{% block body %}{% endblock %}"


@app.get("/")
def index():
    page = int(request.args.get("page", 1))  # FLK804: ?page=abc is a 500
    documents = storage.list_documents(page)
    return render_template_string(PAGE + "{% for d in documents %}<p>{{ d.title }}</p>{% endfor %}", documents=documents)


@app.get("/api/documents")
def api_documents():
    return json.dumps(storage.list_documents())  # FLK802: served as text/html


@app.post("/api/documents")
def api_create_document():
    payload = json.loads(request.data)  # FLK803: malformed JSON is a 500
    document = storage.add_document(payload["title"], payload["filename"])
    return json.dumps(document), 201  # FLK802


@app.get("/documents/<path:name>/download")
def download(name):
    return send_file(os.path.join(DOCUMENTS, name))  # FLK704: ../../etc/passwd


@app.get("/preview")
def preview():
    title = request.args.get("title", "Untitled")
    return render_template_string(f"<h1>{title}</h1>")  # FLK806: ?title={{config}}


@app.post("/login")
def login():
    return redirect(request.args.get("next") or url_for("index"))  # FLK807: ?next=https://evil.example


@app.post("/logout")
def logout():
    target = request.form.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):  # FLK807 (warning): /\t/evil.example passes
        target = "/"
    return redirect(target)


@app.route("/assets/<path:filename>")
def assets(filename):  # FLK703: nginx or a CDN should serve these
    return send_from_directory("frontend/dist", filename)


@app.errorhandler(Exception)
def handle_error(error):  # FLK702: the exception is never logged
    return jsonify(error="Something went wrong"), 500


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000, threaded=True)
