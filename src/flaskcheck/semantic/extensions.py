"""Flask extensions: classes from `flask_*` packages, and the app their constructor binds.

The checker never imports the user's dependencies, so an extension class is known by where
it comes from: `flask_sqlalchemy.SQLAlchemy`, `flask_login.LoginManager`,
`flask_wtf.csrf.CSRFProtect`, `flask_cors.CORS`: a capitalised name from a `flask_*` package.
"""

from __future__ import annotations

import ast

from flaskcheck.semantic.flask import keyword_value


def is_extension_class(qualified: str | None) -> bool:
    """A class of a `flask_*` package (`flask_migrate.Migrate`), judged by its dotted name."""
    if not qualified or "." not in qualified:
        return False
    package = qualified.split(".")[0]
    name = qualified.rpartition(".")[2]
    return package.startswith("flask_") and len(package) > len("flask_") and name[:1].isupper()


def extension_app_arguments(call: ast.Call) -> list[ast.expr]:
    """Where an extension constructor may be given the app: `app=`, or the first positional
    argument (`Limiter(key_func, app=app)` takes it as a keyword only)."""
    found = [keyword_value(call, "app")]
    if call.args and not isinstance(call.args[0], ast.Starred):
        found.append(call.args[0])
    return [argument for argument in found if argument is not None]
