"""Loading the logged-in user for Flask-Login."""

from blog.models import User


def load_user(user_id):
    return User.query.get(int(user_id))
