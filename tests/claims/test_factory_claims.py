"""Claims proved: the consequence each 2xx factory rule's docs state, shown on real Flask.

The projects are the rules' own docstring examples (the `# app.py` / `# models.py` blocks),
written to a temporary folder and imported for real, in this process, with the test
client: no network, no server, no sleeps. Each test also lints the same files, so the claim
is tied to the finding.
"""

from __future__ import annotations

import importlib
import runpy
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.examples import doc_sources, lint_folder, write_sources
from flaskcheck.engine.registry import rule_by_code


def docs_project(code: str, block: str = "example") -> dict[str, str]:
    """The files of a rule's `## Example` (or `## Use instead`) block, markers and all."""
    rule = rule_by_code(code)
    bad, good = rule.doc_examples()
    return doc_sources(bad if block == "example" else good, rule.example_path)


@contextmanager
def importable(folder: Path, files: dict[str, str]):
    """Write `files` (without `# error` markers) to `folder` and make them importable; the
    modules are forgotten afterwards, so each test starts from fresh imports."""
    write_sources(folder, files)
    tops = {Path(path).parts[0].removesuffix(".py") for path in files}
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] in tops}
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name.split(".")[0] in tops]:
            del sys.modules[name]
        sys.modules.update(saved)


def findings(folder: Path, code: str) -> set[tuple[str, int, Severity]]:
    return {(Path(d.path).as_posix(), d.line, d.severity) for d in lint_folder(folder, (code,)) if d.code == code}


# -- FLK201 circular-import-of-app ---------------------------------------------------------------------


def test_flk201_entering_the_cycle_before_binding_db_fails_at_start_up(tmp_path):
    with importable(tmp_path, docs_project("FLK201")), pytest.raises(ImportError, match=r"cannot import name 'db' from partially initialized module 'app'"):
        importlib.import_module("app")
    assert findings(tmp_path, "FLK201") == {("models.py", 1, Severity.ERROR), ("views.py", 1, Severity.WARNING)}


BOTTOM_IMPORT = {
    "app.py": "from flask import Flask\n\napp = Flask(__name__)\n\nfrom views import index  # noqa: E402\n",
    "views.py": "from app import app\n\n\n@app.route('/')\ndef index():\n    return 'posts'\n",
}


def test_flk201_the_bottom_import_works_when_the_app_module_is_imported(tmp_path):
    with importable(tmp_path, BOTTOM_IMPORT):
        module = importlib.import_module("app")
        assert module.app.test_client().get("/").text == "posts"
    assert findings(tmp_path, "FLK201") == {("views.py", 1, Severity.WARNING)}


def test_flk201_the_bottom_import_breaks_when_the_imports_are_reordered(tmp_path):
    sorted_imports = {**BOTTOM_IMPORT, "app.py": "from flask import Flask\nfrom views import index\n\napp = Flask(__name__)\n"}
    with importable(tmp_path, sorted_imports), pytest.raises(ImportError, match=r"cannot import name 'app' from partially initialized module 'app'"):
        importlib.import_module("app")
    assert findings(tmp_path, "FLK201") == {("views.py", 1, Severity.ERROR)}


def test_flk201_the_bottom_import_breaks_when_the_app_module_runs_as_a_script(tmp_path):
    # `python app.py`: the script is `__main__`, so `from app import app` imports app.py a second
    # time as `app`, whose own bottom import finds `views` half-initialized.
    with importable(tmp_path, BOTTOM_IMPORT), pytest.raises(ImportError, match=r"cannot import name 'index' from partially initialized module 'views'"):
        runpy.run_path(str(tmp_path / "app.py"), run_name="__main__")


def test_flk201_the_factory_layout_builds_independent_apps(tmp_path):
    with importable(tmp_path, docs_project("FLK201", "use instead")):
        factory = importlib.import_module("app")
        extensions = importlib.import_module("extensions")
        models = importlib.import_module("models")
        first = factory.create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
        second = factory.create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
        for app, name in ((first, "alice"), (second, "bob")):
            with app.app_context():
                extensions.db.create_all()
                extensions.db.session.add(models.User(id=1, name=name))
                extensions.db.session.commit()
        assert first.test_client().get("/users/1").text == "alice"
        assert second.test_client().get("/users/1").text == "bob"
    assert findings(tmp_path, "FLK201") == set()


# -- FLK202 global-app-instead-of-factory -----------------------------------------------------------------


def test_flk202_a_second_app_has_none_of_the_routes(tmp_path):
    with importable(tmp_path, docs_project("FLK202")):
        blog = importlib.import_module("blog")
        assert blog.app.test_client().get("/").text == "posts"
        second = Flask("blog")  # what a test building its own app gets
        second.config["TITLE"] = "Test blog"
        assert second.test_client().get("/").status_code == 404
    assert findings(tmp_path, "FLK202") == {("blog/__init__.py", 3, Severity.INFO)}


def test_flk202_the_factory_builds_fully_configured_apps(tmp_path):
    with importable(tmp_path, docs_project("FLK202", "use instead")):
        blog = importlib.import_module("blog")
        production, testing = blog.create_app(), blog.create_app({"TITLE": "Test blog"})
        assert production.test_client().get("/").text == testing.test_client().get("/").text == "posts"
        assert (production.config["TITLE"], testing.config["TITLE"]) == ("Blog", "Test blog")
    assert findings(tmp_path, "FLK202") == set()


# -- FLK203 extension-bound-at-import ------------------------------------------------------------------


def test_flk203_another_app_is_not_registered_with_the_extension(tmp_path):
    with importable(tmp_path, docs_project("FLK203")):
        module = importlib.import_module("app")
        second = Flask("second")
        second.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
        with second.app_context(), pytest.raises(RuntimeError, match="The current Flask app is not registered with this 'SQLAlchemy' instance"):
            module.db.session.execute(module.db.text("select 1"))
    assert findings(tmp_path, "FLK203") == {("app.py", 6, Severity.WARNING)}


def test_flk203_configuration_changed_after_import_is_not_seen(tmp_path):
    with importable(tmp_path, docs_project("FLK203")):
        module = importlib.import_module("app")
        module.app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"  # a test pointing at a scratch database
        with module.app.app_context():
            assert module.db.engine.url.database.endswith("blog.db")


def test_flk203_init_app_serves_every_app(tmp_path):
    with importable(tmp_path, docs_project("FLK203", "use instead")):
        module = importlib.import_module("app")
        first, second = module.create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}), module.create_app()
        with first.app_context():
            assert module.db.engine.url.database is None  # in memory: the test's own database
            assert module.db.session.execute(module.db.text("select 1")).scalar() == 1
        with second.app_context():
            assert module.db.engine.url.database.endswith("blog.db")
    assert findings(tmp_path, "FLK203") == set()


# -- FLK204 app-imported-for-config --------------------------------------------------------------------


def test_flk204_the_imported_app_reads_the_wrong_configuration(tmp_path):
    with importable(tmp_path, docs_project("FLK204")):
        mail = importlib.import_module("blog.mail")
        test_app = Flask("blog")
        test_app.config["MAIL_SENDER"] = "test@example.com"
        with test_app.app_context():
            assert mail.sender() == "news@example.com"  # the production app's setting
    assert findings(tmp_path, "FLK204") == {("blog/mail.py", 1, Severity.WARNING)}


def test_flk204_current_app_reads_the_app_of_the_context(tmp_path):
    with importable(tmp_path, docs_project("FLK204", "use instead")):
        blog = importlib.import_module("blog")
        mail = importlib.import_module("blog.mail")
        with blog.create_app({"MAIL_SENDER": "test@example.com"}).app_context():
            assert mail.sender() == "test@example.com"
        with blog.create_app().app_context():
            assert mail.sender() == "news@example.com"
    assert findings(tmp_path, "FLK204") == set()


# -- FLK205 blueprint-registered-at-import ------------------------------------------------------------------


def without_bottom_import(files: dict[str, str]) -> dict[str, str]:
    return {**files, "blog/__init__.py": files["blog/__init__.py"].replace("from blog import admin\n", "")}


def test_flk205_the_blueprint_exists_only_once_its_module_is_imported(tmp_path):
    files = docs_project("FLK205")
    with importable(tmp_path, files):
        blog = importlib.import_module("blog")
        assert blog.app.test_client().get("/admin/").text == "admin"
    assert findings(tmp_path, "FLK205") == {("blog/admin.py", 13, Severity.WARNING)}


def test_flk205_a_blueprint_module_nothing_imports_answers_404(tmp_path):
    with importable(tmp_path, without_bottom_import(docs_project("FLK205"))):
        blog = importlib.import_module("blog")
        assert blog.app.test_client().get("/admin/").status_code == 404


def test_flk205_importing_the_module_after_the_first_request_raises(tmp_path):
    with importable(tmp_path, without_bottom_import(docs_project("FLK205"))):
        blog = importlib.import_module("blog")
        blog.app.test_client().get("/")
        with pytest.raises(AssertionError, match="The setup method 'register_blueprint' can no longer be called on the application"):
            importlib.import_module("blog.admin")


def test_flk205_importing_the_module_twice_clashes(tmp_path):
    with importable(tmp_path, docs_project("FLK205")):
        admin = importlib.import_module("blog.admin")
        with pytest.raises(ValueError, match="The name 'admin' is already registered for a different blueprint"):
            importlib.reload(admin)


def test_flk205_importing_the_module_under_a_second_name_clashes(tmp_path):
    with importable(tmp_path, docs_project("FLK205")):
        importlib.import_module("blog")
        sys.path.insert(0, str(tmp_path / "blog"))  # e.g. a script run from inside the package
        try:
            with pytest.raises(ValueError, match="The name 'admin' is already registered for a different blueprint"):
                importlib.import_module("admin")
        finally:
            sys.path.remove(str(tmp_path / "blog"))
            sys.modules.pop("admin", None)


def test_flk205_the_blueprint_never_reaches_another_app(tmp_path):
    with importable(tmp_path, docs_project("FLK205")):
        importlib.import_module("blog")
        assert Flask("blog").test_client().get("/admin/").status_code == 404


def test_flk205_the_factory_registers_the_blueprint_on_every_app(tmp_path):
    with importable(tmp_path, docs_project("FLK205", "use instead")):
        blog = importlib.import_module("blog")
        for app in (blog.create_app(), blog.create_app()):
            assert app.test_client().get("/admin/").text == "admin"
    assert findings(tmp_path, "FLK205") == set()
