"""`flaskcheck deploy` and `flask --app X check [--deploy]` as users run them: app specs,
options, configuration, exit codes, and a one-line reason for every app that cannot be built."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flaskcheck.runtime.runner import AppLoadError, _Child, _finish
from tests.conftest import write_tree
from tests.runtime.conftest import STRONG_KEY, flask_cli, flaskcheck

FACTORY_PACKAGE = {
    "shop/__init__.py": (
        "import os\n"
        "from flask import Flask\n\n\n"
        "def create_app(env='production'):\n"
        "    app = Flask(__name__)\n"
        "    app.config['SECRET_KEY'] = os.environ['SECRET_KEY']\n"
        "    app.config['DEBUG'] = env == 'development'\n"
        "    return app\n"
    ),
    "shop/wsgi.py": "from shop import create_app\n\napp = create_app('development')\n",
}
ENV = {"SECRET_KEY": STRONG_KEY}


def deploy_json(project, *args, env=None):
    completed = flaskcheck("deploy", "--format", "json", *args, cwd=project, env={**ENV, **(env or {})})
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


def deploy_codes(project, *args, env=None):
    return sorted({d["code"] for d in deploy_json(project, *args, env=env)})


@pytest.mark.parametrize(
    ("spec", "debug"),
    [
        ("shop", False),
        ("shop:create_app", False),
        ('shop:create_app("development")', True),
        ("shop:create_app(env='production')", False),
        ("shop.wsgi:app", True),
        ("shop.wsgi", True),
        ("shop/wsgi.py", True),
    ],
)
def test_app_spec_forms_of_flask_app(project, spec, debug):
    write_tree(project, FACTORY_PACKAGE)
    assert ("FLK905" in deploy_codes(project, "--app", spec, "--select", "FLK905")) is debug


def test_discovery_of_make_app_and_application_and_the_default_files(project):
    write_tree(project, {
        "maker.py": "from flask import Flask\n\ndef make_app():\n    return Flask(__name__)\n",
        "appvar.py": "from flask import Flask\n\napplication = Flask(__name__)\napplication.debug = True\n",
        "wsgi.py": "from flask import Flask\n\napp = Flask(__name__)\napp.config['TESTING'] = True\n",
    })
    assert deploy_codes(project, "--app", "maker", "--select", "FLK905") == []
    assert deploy_codes(project, "--app", "appvar", "--select", "FLK905") == ["FLK905"]
    assert deploy_codes(project, "--select", "FLK907", env={"FLASK_APP": None}) == ["FLK907"]  # wsgi.py, as flask does


def test_app_from_flask_app_and_from_config(project):
    write_tree(project, {**FACTORY_PACKAGE, "pyproject.toml": "[tool.flaskcheck]\napp = 'shop.wsgi:app'\n"})
    assert deploy_codes(project, "--select", "FLK905") == ["FLK905"]
    assert deploy_codes(project, "--select", "FLK905", "--app", "shop") == []  # the option wins
    (project / "pyproject.toml").unlink()
    assert deploy_codes(project, "--select", "FLK905", env={"FLASK_APP": "shop.wsgi"}) == ["FLK905"]


def test_exit_codes_and_fail_level(project):
    write_tree(project, {"app.py": "from flask import Flask\n\napp = Flask(__name__)\n"})
    assert flaskcheck("deploy", "--app", "app", cwd=project).returncode == 1
    assert flaskcheck("deploy", "--app", "app", "--exit-zero", cwd=project).returncode == 0
    # FLK901 is an error: --fail-level error still fails; without it only warnings and info remain
    assert flaskcheck("deploy", "--app", "app", "--fail-level", "error", cwd=project).returncode == 1
    assert flaskcheck("deploy", "--app", "app", "--fail-level", "error", "--ignore", "FLK901", cwd=project).returncode == 0
    quiet = flaskcheck("deploy", "--app", "app", "--select", "FLK919", "--quiet", cwd=project)
    assert quiet.stdout.splitlines() == [quiet.stdout.splitlines()[0]] and quiet.stdout.startswith("config.PREFERRED_URL_SCHEME: FLK919 [info]")


def test_select_ignore_and_severity_from_pyproject(project):
    write_tree(project, {
        "app.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        "pyproject.toml": "[tool.flaskcheck]\nignore = ['FLK913', 'FLK914']\nseverity = { FLK901 = 'info' }\n",
    })
    found = {d["code"]: d["severity"] for d in deploy_json(project, "--app", "app", env={"SECRET_KEY": None})}
    assert "FLK913" not in found and "FLK914" not in found
    assert found["FLK901"] == "info"
    assert flaskcheck("deploy", "--app", "app", "--fail-level", "warning", "--select", "FLK901", cwd=project, env={"SECRET_KEY": None}).returncode == 0
    # --ignore on the command line replaces the configured list, as for `lint`
    assert [d["code"] for d in deploy_json(project, "--app", "app", "--select", "FLK91", "--ignore", "FLK910,FLK911")] == ["FLK913", "FLK914", "FLK919"]


def test_json_shape_of_a_deploy_finding(project):
    write_tree(project, {"app.py": "from flask import Flask\n\napp = Flask(__name__)\n"})
    (finding,) = deploy_json(project, "--app", "app", "--select", "FLK919")
    assert finding["path"] is finding["line"] is finding["column"] is None
    assert finding["object"] == "config.PREFERRED_URL_SCHEME" and finding["name"] == "preferred-url-scheme-http"
    assert finding["url"] == "docs/rules/deploy/FLK919-preferred-url-scheme-http.md" and "fix: set" in finding["message"]


def test_behind_proxy_turns_redirect_and_header_findings_into_info(project):
    write_tree(project, {"app.py": "from flask import Flask\n\napp = Flask(__name__)\n"})
    plain = {d["code"]: d["severity"] for d in deploy_json(project, "--app", "app", "--select", "FLK913,FLK914")}
    assert plain == {"FLK913": "warning", "FLK914": "warning"}
    proxied = {d["code"]: d["severity"] for d in deploy_json(project, "--app", "app", "--select", "FLK913,FLK914", "--behind-proxy")}
    assert proxied == {"FLK913": "info", "FLK914": "info"}
    assert flaskcheck("deploy", "--app", "app", "--select", "FLK913,FLK914", "--behind-proxy", "--fail-level", "warning", cwd=project).returncode == 0


def test_flk904_builds_the_app_in_two_processes(project):
    write_tree(project, {
        "factory_key.py": "import os\nfrom flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.secret_key = os.urandom(32)\n    return app\n",
        "module_key.py": "import secrets\nfrom flask import Flask\n\nKEY = secrets.token_hex()\napp = Flask(__name__)\napp.config['SECRET_KEY'] = KEY\n",
        "stable_key.py": "import os\nfrom flask import Flask\n\napp = Flask(__name__)\napp.config['SECRET_KEY'] = os.environ['SECRET_KEY']\n",
    })
    assert deploy_codes(project, "--app", "factory_key", "--select", "FLK904") == ["FLK904"]
    assert deploy_codes(project, "--app", "module_key", "--select", "FLK904") == ["FLK904"]
    assert deploy_codes(project, "--app", "stable_key", "--select", "FLK904") == []


def test_the_build_runs_without_the_development_environment(project):
    write_tree(project, {"app.py": "import os\nfrom flask import Flask\n\napp = Flask(__name__)\nprint('FLASK_RUN_FROM_CLI' in os.environ)\n"})
    env = {"FLASK_DEBUG": "1", "FLASK_RUN_FROM_CLI": "true", "WERKZEUG_RUN_MAIN": "true"}
    assert deploy_codes(project, "--app", "app", "--select", "FLK905", env=env) == []  # and the print did not break the JSON
    assert not list(project.rglob("__pycache__"))


BROKEN_APPS = {
    "import_error.py": ("import not_installed_package\n", "importing 'import_error' failed: ModuleNotFoundError: No module named 'not_installed_package'"),
    "factory_raises.py": ("from flask import Flask\n\ndef create_app():\n    raise RuntimeError('cannot reach the database')\n", "building the app from 'factory_raises' raised: RuntimeError: cannot reach the database"),
    "needs_env.py": ("import os\nfrom flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    app.config['DATABASE_URL'] = os.environ['FLASKCHECK_TEST_DATABASE_URL']\n    return app\n", "needs the environment variable 'FLASKCHECK_TEST_DATABASE_URL', which is not set"),
    "exits.py": ("import sys\nsys.exit('missing settings')\n", "importing 'exits' called sys.exit('missing settings')"),
    "hangs.py": ("import time\ntime.sleep(120)\n", "importing 'hangs' did not finish within 1 s"),
    "dies.py": ("import os\nos._exit(7)\n", "exited with code 7 and no result"),
    "no_app.py": ("x = 1\n", "Failed to find Flask application or factory in module 'no_app'"),
}


@pytest.mark.parametrize("module", sorted(BROKEN_APPS))
def test_an_app_that_cannot_be_built_is_one_line_and_exit_2(project, module):
    source, reason = BROKEN_APPS[module]
    write_tree(project, {module: source})
    completed = flaskcheck("deploy", "--app", module.removesuffix(".py"), "--timeout", "1", cwd=project)
    assert completed.returncode == 2
    assert completed.stdout == "" and "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    assert completed.stderr.startswith("flaskcheck: error: cannot check the app: ") and reason in completed.stderr


def test_a_child_that_ignores_its_alarm_is_killed():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    with pytest.raises(AppLoadError, match="did not finish within 0.5 s; the process was killed"):
        _finish(_Child(process, 0.5, "building the app"))
    assert process.poll() is not None


def test_flask_check_lints_the_package_and_deploy_adds_runtime_checks(project):
    write_tree(project, {**FACTORY_PACKAGE, "shop/views.py": "SECRET_KEY = 'dev'\n"})
    lint_only = flask_cli("--app", "shop", "check", "--format", "json", cwd=project, env=ENV)
    assert lint_only.returncode == 1, lint_only.stderr
    found = json.loads(lint_only.stdout)
    assert ("FLK301", "shop/views.py") in {(d["code"], d["path"]) for d in found}
    assert not any(d["code"].startswith("FLK9") for d in found)  # plain `check` does not build the app
    both = flask_cli("--app", "shop:create_app('development')", "check", "--deploy", "--format", "json", cwd=project, env=ENV)
    codes = {d["code"] for d in json.loads(both.stdout)}
    assert {"FLK301", "FLK905", "FLK914"} <= codes
    text = flask_cli("--app", "shop", "check", "--deploy", "--select", "FLK919", cwd=project, env=ENV)
    assert text.stdout.splitlines()[0].startswith("config.PREFERRED_URL_SCHEME: FLK919 [info]") and "fix: set" in text.stdout


def test_flask_check_reports_a_broken_app_in_one_line(project):
    write_tree(project, {"broken.py": BROKEN_APPS["factory_raises.py"][0]})
    completed = flask_cli("--app", "broken", "check", "--deploy", cwd=project)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert "cannot check the app: building the app from 'broken' raised: RuntimeError" in completed.stderr


def test_rules_and_explain_cover_the_deploy_checks(project):
    table = flaskcheck("rules", cwd=project).stdout
    assert "FLK902  secret-key-weak" in table and "Deploy checks (runtime)" in table
    page = flaskcheck("explain", "FLK902", cwd=project)
    assert page.returncode == 0 and page.stdout.startswith("# FLK902 secret-key-weak") and "## Use instead" in page.stdout
