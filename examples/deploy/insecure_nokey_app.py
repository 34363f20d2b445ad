"""An app with no SECRET_KEY at all (FLK901): every session write answers 500.

    flaskcheck deploy --app examples/deploy/insecure_nokey_app.py --select FLK901

It is separate from insecure_app.py because a missing key (FLK901) and a weak key (FLK902)
cannot both be true of one app.
"""

from flask import Flask, session


def create_app():
    app = Flask(__name__)

    @app.get("/visit")
    def visit():
        session["visits"] = session.get("visits", 0) + 1  # RuntimeError -> 500 without a key
        return str(session["visits"])

    return app
