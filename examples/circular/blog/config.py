"""Settings loaded with `app.config.from_object("blog.config")`."""

import os

SECRET_KEY = os.environ["BLOG_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "sqlite:///blog.db")
MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
MAIL_SENDER = "blog@example.com"
ADMINS = ["admin@example.com"]
