"""The `lint` command as users and scripts call it: options, config, noqa, exit codes."""

from __future__ import annotations

import json

from tests.conftest import run_cli, write_tree

BROKEN = "def f(:\n    pass\n"


def test_exit_codes_and_summary(project):
    write_tree(project, {"good.py": "x = 1\n"})
    clean = run_cli("lint", "--no-cache", cwd=project)
    assert (clean.returncode, clean.stdout) == (0, "No problems found.\n")
    write_tree(project, {"bad.py": BROKEN})
    dirty = run_cli("lint", "--no-cache", cwd=project)
    assert dirty.returncode == 1
    assert dirty.stdout.splitlines() == ["bad.py:1:7: FLK001 [error] syntax error: invalid syntax", "Found 1 problem (1 error)."]


def test_usage_errors_exit_2_with_one_line(project):
    for args in (["lint", "--no-such-option"], ["lint", "missing/"], ["lint", "--select", "FLK77"], ["explain", "FLK777"], ["lint", "--format", "xml"]):
        completed = run_cli(*args, cwd=project)
        assert completed.returncode == 2, args
        assert completed.stdout == ""
        assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
        assert completed.stderr.startswith("flaskcheck: error: ")


def test_broken_pyproject_and_unknown_key(project):
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck\nselect = 1\n", "a.py": "x = 1\n"})
    broken = run_cli("lint", ".", cwd=project)
    assert broken.returncode == 2 and "invalid TOML" in broken.stderr and "Traceback" not in broken.stderr
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\nselct = ['FLK3']\n"})
    unknown = run_cli("lint", ".", cwd=project)
    assert unknown.returncode == 2 and "unknown key 'selct'" in unknown.stderr
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\nselect = 'FLK3'\nignore = ['XYZ1']\n"})
    bad_code = run_cli("lint", ".", cwd=project)
    assert bad_code.returncode == 2 and "unknown rule code 'XYZ1'" in bad_code.stderr


def test_no_cache_is_accepted_before_any_cache_exists(project):
    write_tree(project, {"a.py": "x = 1\n"})
    completed = run_cli("lint", ".", "--no-cache", cwd=project)
    assert completed.returncode == 0 and not (project / ".flaskcheck_cache").exists()


def test_select_ignore_and_config(project):
    write_tree(project, {"bad.py": BROKEN})
    assert run_cli("lint", "--no-cache", "--ignore", "FLK0", cwd=project).returncode == 0
    assert run_cli("lint", "--no-cache", "--select", "FLK3", cwd=project).returncode == 0
    assert run_cli("lint", "--no-cache", "--select", "FLK001", cwd=project).returncode == 1
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\nignore = ['FLK001']\n"})
    assert run_cli("lint", "--no-cache", cwd=project).returncode == 0
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\nper-file-ignores = {'bad.py' = ['FLK0']}\n"})
    assert run_cli("lint", "--no-cache", cwd=project).returncode == 0


def test_excludes(project):
    write_tree(project, {"venv/lib/bad.py": BROKEN, "build/bad.py": BROKEN, "migrations/versions/bad.py": BROKEN, "legacy/bad.py": BROKEN})
    default = run_cli("lint", "--no-cache", cwd=project)
    assert [line.split(":")[0] for line in default.stdout.splitlines()[:-1]] == ["legacy/bad.py"]
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\nextend-exclude = ['legacy']\n"})
    assert run_cli("lint", "--no-cache", cwd=project).returncode == 0
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\nexclude = ['legacy']\n"})
    replaced = run_cli("lint", "--no-cache", cwd=project)
    assert "venv/lib/bad.py" in replaced.stdout and "legacy" not in replaced.stdout


def test_severity_override_and_fail_level(project):
    write_tree(project, {"bad.py": BROKEN, "pyproject.toml": "[tool.flaskcheck]\nseverity = {FLK001 = 'warning'}\n"})
    completed = run_cli("lint", "--no-cache", cwd=project)
    assert "FLK001 [warning]" in completed.stdout and completed.returncode == 1
    assert run_cli("lint", "--no-cache", "--fail-level", "error", cwd=project).returncode == 0
    assert run_cli("lint", "--no-cache", "--exit-zero", cwd=project).returncode == 0


def test_noqa_forms(project):
    write_tree(project, {
        "a.py": "def f(:  # noqa: FLK001\n",
        "b.py": "def f(:  # noqa\n",
        "c.py": "def f(:  # noqa: FLK301\n",
        "d.py": "# flaskcheck: noqa\ndef f(:\n",
        "e.py": "s = '# noqa'\ndef f(:\n",
    })
    completed = run_cli("lint", "--no-cache", cwd=project)
    flagged = sorted(line.split(":")[0] for line in completed.stdout.splitlines()[:-1])
    assert flagged == ["c.py", "e.py"]


def test_json_shape_and_output_file(project):
    write_tree(project, {"pkg/bad.py": BROKEN})
    completed = run_cli("lint", "--no-cache", "--format", "json", "--output", "out.json", cwd=project)
    assert completed.returncode == 1 and completed.stdout == ""
    [finding] = json.loads((project / "out.json").read_text())
    assert finding == {
        "code": "FLK001", "name": "syntax-error", "severity": "error", "message": "syntax error: invalid syntax",
        "path": "pkg/bad.py", "line": 1, "column": 7, "end_line": 1, "end_column": 7, "fix": None,
        "url": "docs/rules/checker/FLK001-syntax-error.md",
    }


def test_paths_outside_cwd_are_absolute(project, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere")
    write_tree(other, {"bad.py": BROKEN})
    completed = run_cli("lint", str(other), "--no-cache", "--format", "json", cwd=project)
    assert json.loads(completed.stdout)[0]["path"] == str(other / "bad.py")


def test_quiet_and_statistics(project):
    write_tree(project, {"a.py": BROKEN, "b.py": BROKEN})
    quiet = run_cli("lint", "--no-cache", "--quiet", cwd=project)
    assert len(quiet.stdout.splitlines()) == 2
    stats = run_cli("lint", "--no-cache", "--statistics", cwd=project)
    assert "     2  FLK001  syntax-error" in stats.stdout


def test_baseline_reports_only_new_findings(project):
    write_tree(project, {"a.py": BROKEN})
    assert run_cli("lint", "--no-cache", "--write-baseline", "base.json", cwd=project).returncode == 0
    assert run_cli("lint", "--no-cache", "--baseline", "base.json", cwd=project).returncode == 0
    write_tree(project, {"b.py": BROKEN})
    fresh = run_cli("lint", "--no-cache", "--baseline", "base.json", cwd=project)
    assert fresh.returncode == 1 and "b.py" in fresh.stdout and "a.py" not in fresh.stdout
    write_tree(project, {"bad.json": "{"})
    assert run_cli("lint", "--baseline", "bad.json", cwd=project).returncode == 2


def test_cache_and_parallel_runs_agree(project):
    files = {f"pkg/m{i}.py": (BROKEN if i % 7 == 0 else f"x{i} = {i}\n") for i in range(60)}
    write_tree(project, files)
    serial = run_cli("lint", "--no-cache", "--jobs", "1", "--format", "json", cwd=project)
    parallel = run_cli("lint", "--jobs", "2", "--format", "json", cwd=project)
    cached = run_cli("lint", "--jobs", "2", "--format", "json", cwd=project)
    assert serial.stdout == parallel.stdout == cached.stdout
    assert len(json.loads(serial.stdout)) == 9
    assert len(list((project / ".flaskcheck_cache").rglob("*.pickle"))) == 60


def test_rules_and_explain(project):
    table = run_cli("rules", cwd=project)
    assert table.returncode == 0 and table.stdout.startswith("code")
    assert "FLK001  syntax-error" in table.stdout
    explained = run_cli("explain", "flk001", cwd=project)
    assert explained.returncode == 0 and "## What it does" in explained.stdout


def test_module_entry_point_and_version(project):
    completed = run_cli("--version", cwd=project)
    assert completed.returncode == 0 and "flaskcheck" in completed.stdout


def test_noqa_in_strings_does_not_count(project):
    write_tree(project, {
        "doc.py": 'TEXT = """\n# noqa\n"""\ndef f(:\n',
        "cont.py": "x = [  # noqa: FLK001\n    1,\n]\ndef f(:  # noqa: FLK001\n",
    })
    completed = run_cli("lint", "--no-cache", cwd=project)
    assert [line.split(":")[0] for line in completed.stdout.splitlines()[:-1]] == ["doc.py"]


def test_a_named_folder_is_checked_even_when_excluded_by_config(project):
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\nextend-exclude = ['examples']\n", "examples/app/bad.py": BROKEN, "examples/build/bad.py": BROKEN})
    assert run_cli("lint", "--no-cache", cwd=project).returncode == 0
    named = run_cli("lint", "examples", "--no-cache", cwd=project)
    assert named.stdout.splitlines()[:-1] == ["examples/app/bad.py:1:7: FLK001 [error] syntax error: invalid syntax"]


def test_template_folder_argument_and_templates_config_key(project):
    app = "from flask import Flask\napp = Flask(__name__, template_folder='views')\n\n@app.route('/')\ndef index():\n    return ''\n"
    page = "<a href=\"{{ url_for('nowhere') }}\">x</a>\n"
    write_tree(project, {"app.py": app, "views/page.html": page, "mail/welcome.txt": page})
    named = run_cli("lint", "--no-cache", "--select", "FLK805", cwd=project)
    assert named.returncode == 1 and "views/page.html:1:" in named.stdout and "mail/" not in named.stdout, named.stdout
    write_tree(project, {"pyproject.toml": "[tool.flaskcheck]\ntemplates = ['mail']\n"})
    configured = run_cli("lint", "--no-cache", "--select", "FLK805", cwd=project)
    assert "mail/welcome.txt:1:" in configured.stdout and "views/page.html:1:" in configured.stdout, configured.stdout
