"""The WSGI entry point: `gunicorn wsgi:app`."""

from werkzeug.debug import DebuggedApplication

from shop import create_app

app = create_app()
# Left in after a production incident: the interactive debugger for every visitor.
app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000, debug=True)
