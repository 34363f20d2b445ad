"""The entry point for the WSGI server: `gunicorn wsgi:app`."""

from blog import app  # noqa: F401
