"""The example apps through the real CLI: the insecure ones fire every deploy check, the hardened
one passes with zero findings (also when it has to make its own key file)."""

from __future__ import annotations

import json
import re
import shutil

from tests.conftest import REPO
from tests.runtime.conftest import STRONG_KEY, flask_cli, flaskcheck

EXAMPLES = REPO / "examples" / "deploy"
ALL_DEPLOY_CODES = {f"FLK9{n:02d}" for n in range(1, 20)}


def deploy_codes(path: str, **env) -> set[str]:
    completed = flaskcheck("deploy", "--app", path, "--format", "json", cwd=REPO, env=env)
    assert completed.returncode == 1, completed.stderr
    return {d["code"] for d in json.loads(completed.stdout)}


def test_the_insecure_examples_fire_every_deploy_check():
    insecure = deploy_codes("examples/deploy/insecure_app.py")
    assert insecure == ALL_DEPLOY_CODES - {"FLK901"}
    nokey = deploy_codes("examples/deploy/insecure_nokey_app.py")
    assert "FLK901" in nokey and "FLK902" not in nokey
    assert insecure | nokey == ALL_DEPLOY_CODES


def test_flask_check_deploy_lists_the_problems_with_their_fixes():
    completed = flask_cli("--app", "examples/deploy/insecure_app.py", "check", "--deploy", cwd=REPO)
    assert completed.returncode == 1 and "Traceback" not in completed.stderr
    deploy_lines = [line for line in completed.stdout.splitlines() if re.search(r": FLK9\d\d \[", line)]
    assert {re.search(r": (FLK9\d\d) \[", line).group(1) for line in deploy_lines} == ALL_DEPLOY_CODES - {"FLK901"}
    assert all("; fix: " in line for line in deploy_lines)
    assert completed.stdout.splitlines()[-1].startswith("Found ")


def test_the_hardened_example_passes_with_no_output():
    completed = flaskcheck("deploy", "--app", "examples/deploy/hardened_app.py", "--quiet", cwd=REPO, env={"SECRET_KEY": STRONG_KEY})
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")
    through_flask = flask_cli("--app", "examples/deploy/hardened_app.py", "check", "--deploy", "--select", "FLK9", "--quiet", cwd=REPO, env={"SECRET_KEY": STRONG_KEY})
    assert (through_flask.returncode, through_flask.stdout) == (0, ""), through_flask.stderr


def test_the_hardened_example_without_a_secret_key_variable_shares_one_key_file(tmp_path):
    shutil.copy(EXAMPLES / "hardened_app.py", tmp_path / "hardened_app.py")
    completed = flaskcheck("deploy", "--app", "hardened_app.py", "--quiet", cwd=tmp_path, env={"SECRET_KEY": None})
    assert (completed.returncode, completed.stdout) == (0, ""), completed.stderr
    key_file = tmp_path / "instance" / "secret_key"
    assert len(key_file.read_text(encoding="utf-8")) == 64 and list(key_file.parent.iterdir()) == [key_file]
