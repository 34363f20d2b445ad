"""The blog: one global app object that every module imports (the tutorial layout).

It does not start: `import blog` fails with `ImportError: cannot import name 'db' from
partially initialized module 'blog'`. `flaskcheck explain FLK201` shows the factory layout
that untangles it.
"""

from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy

from blog.auth import load_user

app = Flask(__name__)
app.config.from_object("blog.config")
db = SQLAlchemy(app)
login_manager = LoginManager(app)
login_manager.user_loader(load_user)

# The views and the admin pages register themselves on `app` when imported.
from blog import admin, views  # noqa: E402
