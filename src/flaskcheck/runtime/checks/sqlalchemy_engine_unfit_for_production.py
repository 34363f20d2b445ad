"""FLK916: Flask-SQLAlchemy echoes or records queries, uses SQLite, or no pool_pre_ping."""

from __future__ import annotations

from collections.abc import Iterator

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.runtime.check import DeployCheck, Finding
from flaskcheck.runtime.snapshot import AppSnapshot


class SqlalchemyEngineUnfitForProduction(DeployCheck):
    """
    ## What it does
    Inspects Flask-SQLAlchemy's engines (created, never connected) and config:
    `SQLALCHEMY_ECHO` or `SQLALCHEMY_RECORD_QUERIES` on (warning); SQLite as a database
    (warning; an in-memory SQLite database is an error); a server database whose engine
    lacks `pool_pre_ping` (info). Database URIs are reduced to their backend and host kind:
    no password or host name is read out.

    ## Why is this bad?
    Echo logs every statement with its parameters (personal data and password hashes in the
    logs) and slows every query; recorded queries pile up per request. SQLite takes one
    writer at a time and lives in a file that container deploys often discard; an in-memory
    database is empty in every worker and after every restart. Without `pool_pre_ping`, the
    first request after a database restart or idle timeout fails on a dead connection.

    ## Example
    ```python
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()


    def create_app():
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///:memory:"
        app.config["SQLALCHEMY_ECHO"] = True
        db.init_app(app)
        return app
    ```

    ## Use instead
    ```python
    import os

    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy(engine_options={"pool_pre_ping": True})


    def create_app():
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("DATABASE_URL", "postgresql://app@db.internal/app")
        db.init_app(app)
        return app
    ```

    ## References
    - [Flask-SQLAlchemy: configuration](https://flask-sqlalchemy.readthedocs.io/en/stable/config/)
    - [SQLAlchemy: dealing with disconnects](https://docs.sqlalchemy.org/en/20/core/pooling.html#pool-disconnects)
    """

    code = "FLK916"
    name = "sqlalchemy-engine-unfit-for-production"
    severity = Severity.WARNING

    def check(self, snapshot: AppSnapshot) -> Iterator[Finding]:
        if "sqlalchemy" not in snapshot.extensions and not snapshot.databases:
            return
        if snapshot.setting("SQLALCHEMY_ECHO") or any(database.echo for database in snapshot.databases):
            yield Finding("config.SQLALCHEMY_ECHO", "`SQLALCHEMY_ECHO` is on: every statement and its parameters go to the log", "leave `SQLALCHEMY_ECHO` unset in production")
        if snapshot.setting("SQLALCHEMY_RECORD_QUERIES"):
            yield Finding("config.SQLALCHEMY_RECORD_QUERIES", "`SQLALCHEMY_RECORD_QUERIES` is on: every query is kept for the request", "leave `SQLALCHEMY_RECORD_QUERIES` unset in production")
        for database in snapshot.databases:
            where = f"config.{database.config_key}"
            if database.backend == "sqlite" and database.host_kind == "memory":
                yield Finding(where, f"`{database.config_key}` is an in-memory SQLite database: each worker has its own, emptied at every restart", "use a server database (PostgreSQL, MySQL) from the environment", Severity.ERROR)
            elif database.backend == "sqlite":
                yield Finding(where, f"`{database.config_key}` is a SQLite file: one writer at a time, on a disk deploys may discard", "use a server database (PostgreSQL, MySQL) from the environment")
            elif not database.pre_ping:
                yield Finding(where, f"the `{database.backend}` engine of `{database.config_key}` has no `pool_pre_ping`: the first request after a database restart fails", "pass `engine_options={\"pool_pre_ping\": True}` (or set `SQLALCHEMY_ENGINE_OPTIONS`)", Severity.INFO)
