"""The consequences FLK601-FLK606 state in their docs, shown on real Flask-SQLAlchemy,
SQLAlchemy and Celery, with SQLite files under tmp_path.

No network: the test client, threads joined at once, Celery eager or with a `memory://` broker.
"""

from __future__ import annotations

import gc
import threading

import pytest
from flask import Flask, current_app, request

flask_sqlalchemy = pytest.importorskip("flask_sqlalchemy")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import ArgumentError, IntegrityError, PendingRollbackError
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.orm.exc import DetachedInstanceError


@pytest.fixture(autouse=True)
def production_environment(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)


def make_app(tmp_path):
    """A Flask-SQLAlchemy app (the `init_app` pattern) with users and their posts."""
    db = flask_sqlalchemy.SQLAlchemy()

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String, unique=True, nullable=False)
        posts = db.relationship("Post", lazy="select")

    class Post(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        user_id = db.Column(db.ForeignKey("user.id"))

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.db'}"
    db.init_app(app)
    with app.app_context():
        db.create_all()
        db.session.add(User(email="taken@example.com"))
        db.session.commit()
    return app, db, User, Post


# -- FLK601 commit-without-rollback ------------------------------------------------------------


def add_duplicate_route(app, db, User, *, rollback):
    @app.post("/users")
    def create_user():
        db.session.add(User(email="taken@example.com"))
        try:
            db.session.commit()
        except IntegrityError:
            if rollback:
                db.session.rollback()
        return {"users": User.query.count()}


def test_flk601_a_swallowed_failed_commit_makes_the_next_query_raise_pending_rollback(tmp_path):
    app, db, User, _ = make_app(tmp_path)
    add_duplicate_route(app, db, User, rollback=False)
    app.testing = True  # let the exception through to see it
    with pytest.raises(PendingRollbackError, match="transaction has been rolled back due to a previous exception during flush"):
        app.test_client().post("/users")


def test_flk601_the_failure_lasts_until_the_request_ends_with_flask_sqlalchemy(tmp_path):
    app, db, User, _ = make_app(tmp_path)
    add_duplicate_route(app, db, User, rollback=False)

    @app.get("/count")
    def count():
        return {"users": User.query.count()}

    client = app.test_client()
    assert client.post("/users").status_code == 500
    assert client.get("/count").json == {"users": 1}  # the session was removed at teardown


def test_flk601_a_plain_scoped_session_that_is_never_removed_keeps_failing(tmp_path):
    from sqlalchemy import Column, Integer, String
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()

    class Tag(Base):
        __tablename__ = "tag"
        id = Column(Integer, primary_key=True)
        name = Column(String, unique=True)

    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    Base.metadata.create_all(engine)
    db_session = scoped_session(sessionmaker(bind=engine))
    db_session.add(Tag(name="a"))
    db_session.commit()
    db_session.add(Tag(name="a"))
    try:
        db_session.commit()
    except IntegrityError:
        pass
    for _ in range(2):  # later "requests" served by the same thread
        with pytest.raises(PendingRollbackError):
            db_session.execute(select(Tag)).all()
    db_session.rollback()
    assert len(db_session.execute(select(Tag)).all()) == 1
    db_session.remove()
    engine.dispose()


def test_flk601_rolling_back_in_the_handler_keeps_the_session_usable(tmp_path):
    app, db, User, _ = make_app(tmp_path)
    add_duplicate_route(app, db, User, rollback=True)
    response = app.test_client().post("/users")
    assert response.status_code == 200
    assert response.json == {"users": 1}


# -- FLK602 session-change-without-commit ----------------------------------------------------------


def test_flk602_an_added_object_is_seen_in_the_request_and_gone_afterwards(tmp_path):
    app, db, User, _ = make_app(tmp_path)

    @app.post("/users")
    def create_user():
        db.session.add(User(email=request.form["email"]))
        return {"users": User.query.count()}  # autoflush sends it inside the transaction

    response = app.test_client().post("/users", data={"email": "new@example.com"})
    assert response.json == {"users": 2}
    with app.app_context():
        assert User.query.count() == 1  # rolled back when the request ended


@pytest.mark.parametrize("hook", ["after_request", "teardown_request"])
def test_flk602_a_request_hook_that_commits_keeps_the_change(tmp_path, hook):
    app, db, User, _ = make_app(tmp_path)

    def commit(value):
        db.session.commit()
        return value

    getattr(app, hook)(commit)

    @app.post("/users")
    def create_user():
        db.session.add(User(email="new@example.com"))
        return "ok"

    app.test_client().post("/users")
    with app.app_context():
        assert User.query.count() == 2


# -- FLK603 db-session-in-background ----------------------------------------------------------------


def run_in_thread(function):
    """Run `function` in a new thread and return what it raised (None if nothing)."""
    errors: list[BaseException] = []

    def target():
        try:
            function()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=5)
    return errors[0] if errors else None


def test_flk603_db_session_and_model_query_in_a_thread_raise_outside_of_application_context(tmp_path):
    _, db, User, _ = make_app(tmp_path)
    for use in (lambda: db.session.get(User, 1), lambda: User.query.count()):
        error = run_in_thread(use)
        assert isinstance(error, RuntimeError)
        assert "Working outside of application context" in str(error)


def test_flk603_a_thread_that_enters_the_app_context_works(tmp_path):
    app, _, User, _ = make_app(tmp_path)
    counted = []

    def work():
        with app.app_context():
            counted.append(User.query.count())

    assert run_in_thread(work) is None
    assert counted == [1]


def test_flk603_current_app_app_context_fails_in_the_thread(tmp_path):
    app, db, _, _ = make_app(tmp_path)

    def work():
        with current_app.app_context():
            db.session.commit()

    with app.app_context():
        error = run_in_thread(work)
    assert isinstance(error, RuntimeError)


@pytest.fixture
def celery():
    celery_module = pytest.importorskip("celery")
    return celery_module


def test_flk603_a_celery_task_without_a_context_base_fails_outside_a_request(tmp_path, celery):
    app, _, User, _ = make_app(tmp_path)
    worker_app = celery.Celery("claims", broker="memory://", backend="cache+memory://")
    worker_app.conf.task_always_eager = True
    worker_app.conf.task_eager_propagates = True

    @worker_app.task
    def count_users():
        return User.query.count()

    with pytest.raises(RuntimeError, match="Working outside of application context"):
        count_users.delay()

    @app.post("/count")
    def count():
        return {"users": count_users.delay().get()}

    assert app.test_client().post("/count").json == {"users": 1}  # eager from a view: hidden


def test_flk603_a_task_base_that_pushes_an_app_context_makes_tasks_work(tmp_path, celery):
    app, _, User, _ = make_app(tmp_path)

    class FlaskTask(celery.Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    worker_app = celery.Celery("claims", broker="memory://", backend="cache+memory://", task_cls=FlaskTask)
    worker_app.conf.task_always_eager = True

    @worker_app.task
    def count_users():
        return User.query.count()

    assert count_users.delay().get() == 1


# -- FLK604 orm-object-passed-to-background --------------------------------------------------------------


def read_after_request(tmp_path, read, *, commit=False):
    """A view hands a loaded `User` to a thread that reads it after the request has ended."""
    app, db, User, _ = make_app(tmp_path)
    handed: list = []

    @app.post("/users/<int:user_id>/process")
    def process(user_id):
        user = db.get_or_404(User, user_id)
        assert user.email  # loaded
        if commit:
            db.session.commit()  # expires every attribute
        handed.append(user)
        return "queued"

    assert app.test_client().post("/users/1/process").status_code == 200
    return run_in_thread(lambda: read(handed[0]))


def test_flk604_a_lazy_relationship_raises_detached_instance_error(tmp_path):
    assert isinstance(read_after_request(tmp_path, lambda user: user.posts), DetachedInstanceError)


def test_flk604_after_a_commit_every_attribute_raises_detached_instance_error(tmp_path):
    assert isinstance(read_after_request(tmp_path, lambda user: user.email, commit=True), DetachedInstanceError)


def test_flk604_a_column_loaded_before_the_request_ended_still_reads(tmp_path):
    assert read_after_request(tmp_path, lambda user: user.email) is None


def test_flk604_celery_delay_of_an_orm_object_raises_encode_error(tmp_path, celery):
    kombu_exceptions = pytest.importorskip("kombu.exceptions")
    app, db, User, _ = make_app(tmp_path)
    worker_app = celery.Celery("claims", broker="memory://")

    @worker_app.task
    def send_welcome(user):
        pass

    @app.post("/welcome")
    def welcome():
        send_welcome.delay(db.get_or_404(User, 1))
        return "queued"

    app.testing = True
    with pytest.raises(kombu_exceptions.EncodeError, match="Object of type User is not JSON serializable"):
        app.test_client().post("/welcome")
    with app.app_context():
        send_welcome.delay(1)  # the primary key is fine


# -- FLK605 sql-built-from-string --------------------------------------------------------------------------


def test_flk605_an_f_string_in_text_returns_every_row_for_an_injection_payload(tmp_path):
    app, db, User, _ = make_app(tmp_path)
    payload = "x' OR '1'='1"
    with app.app_context():
        db.session.add(User(email="other@example.com"))
        db.session.commit()
        injected = db.session.execute(text(f"SELECT id FROM user WHERE email = '{payload}'")).all()
        bound = db.session.execute(text("SELECT id FROM user WHERE email = :email"), {"email": payload}).all()
    assert len(injected) == 2  # every row
    assert bound == []


def test_flk605_a_plain_string_to_session_execute_crashes_on_sqlalchemy_2(tmp_path):
    app, db, _, _ = make_app(tmp_path)
    table = "user"
    with app.app_context(), pytest.raises(ArgumentError, match="should be explicitly declared as text"):
        db.session.execute(f"SELECT count(*) FROM {table}")


# -- FLK606 engine-created-per-request ----------------------------------------------------------------------


def test_flk606_create_engine_in_a_view_makes_a_new_pool_per_request_that_stays_open(tmp_path):
    app = Flask(__name__)
    engines = []

    @app.get("/health")
    def health():
        engine = create_engine(f"sqlite:///{tmp_path / 'health.db'}")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engines.append(engine)
        return "ok"

    client = app.test_client()
    for _ in range(3):
        client.get("/health")
    assert len({id(engine.pool) for engine in engines}) == 3
    assert [engine.pool.checkedin() for engine in engines] == [1, 1, 1]  # each keeps a connection open
    for engine in engines:
        engine.dispose()


def test_flk606_sessionmaker_bound_to_a_module_engine_reuses_its_pool(tmp_path):
    app = Flask(__name__)
    engine = create_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    pools = set()

    @app.get("/a")
    def a():
        Session = sessionmaker(bind=engine)
        with Session() as session:
            session.execute(text("SELECT 1"))
            pools.add(id(session.get_bind().pool))
        return "ok"

    client = app.test_client()
    for _ in range(3):
        client.get("/a")
    assert len(pools) == 1
    engine.dispose()


def test_flk606_sqlalchemy_current_app_in_a_view_raises_after_the_first_request(tmp_path):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'late.db'}"
    app.testing = True

    @app.get("/users")
    def users():
        db = flask_sqlalchemy.SQLAlchemy(current_app)
        return str(db is not None)

    client = app.test_client()
    with pytest.raises(AssertionError, match="The setup method 'teardown_appcontext' can no longer be called"):
        client.get("/users")
        client.get("/users")


def test_flk606_sqlalchemy_app_in_a_view_raises_when_the_app_already_has_one(tmp_path):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'twice.db'}"
    flask_sqlalchemy.SQLAlchemy(app)
    app.testing = True

    @app.get("/users")
    def users():
        flask_sqlalchemy.SQLAlchemy(app)
        return "ok"

    with pytest.raises(RuntimeError, match="already been registered on this Flask app"):
        app.test_client().get("/users")
    gc.collect()
