"""semantic/deployment.py: which files are deployment files, what they set and what they run."""

from __future__ import annotations

import pytest

from flaskcheck.semantic.deployment import deployment_kind, invocation, parse_deployment_file, simple_commands


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("Dockerfile", "dockerfile"), ("docker/Dockerfile.prod", "dockerfile"), ("web.dockerfile", "dockerfile"),
        ("Procfile", "procfile"), ("docker-compose.yml", "compose"), ("compose.prod.yaml", "compose"),
        ("deploy/app.service", "systemd"), ("app.yaml", "app-yaml"), ("fly.toml", "fly"),
        (".flaskenv", None), (".env", None), ("config.yaml", None), ("pyproject.toml", None),
    ],
)
def test_deployment_kind(path, kind):
    assert deployment_kind(path) == kind


def environment(path: str, text: str) -> dict[str, str | None]:
    return {setting.name: setting.value for setting in parse_deployment_file(path, text).environment}


def commands(path: str, text: str) -> list[list[str]]:
    return [words for command in parse_deployment_file(path, text).commands for words in simple_commands(command)]


def test_dockerfile_environment_forms_and_positions():
    text = "FROM python AS base\n# ENV IGNORED=1\nENV A=1 \\\n    FLASK_DEBUG=\"on\"\nENV LEGACY some value\nARG B=$X\nARG C\n"
    parsed = parse_deployment_file("Dockerfile", text)
    assert {s.name: s.value for s in parsed.environment} == {"A": "1", "FLASK_DEBUG": "on", "LEGACY": "some value", "B": None}
    debug = next(s for s in parsed.environment if s.name == "FLASK_DEBUG")
    assert (debug.span.line, debug.span.column, debug.section) == (4, 5, "base")


def test_dockerfile_commands_exec_and_shell_forms():
    text = 'RUN --mount=type=cache,target=/root pip install -r req.txt && flask db upgrade\nCMD ["sh", "-c", "FLASK_DEBUG=1 exec gunicorn --reload app:app"]\n'
    assert commands("Dockerfile", text) == [
        ["pip", "install", "-r", "req.txt"], ["flask", "db", "upgrade"], ["FLASK_DEBUG=1", "exec", "gunicorn", "--reload", "app:app"],
    ]
    assert environment("Dockerfile", text) == {"FLASK_DEBUG": "1"}  # a command's own assignments count


def test_compose_lists_maps_flow_and_block_scalars():
    text = (
        "services:\n  web:\n    environment:\n      - FLASK_DEBUG=1\n      - PASS_THROUGH\n"
        "    command: >\n      gunicorn --reload\n      app:app\n"
        "  worker:\n    environment:\n      FLASK_ENV: \"development\"  # a comment\n      EMPTY:\n"
        "    entrypoint: [\"flask\", \"run\"]\n  other:\n    environment: {FLASK_DEBUG: 'off'}\n"
    )
    parsed = parse_deployment_file("docker-compose.yml", text)
    assert [(s.name, s.value, s.section) for s in parsed.environment] == [
        ("FLASK_DEBUG", "1", "web"), ("FLASK_ENV", "development", "worker"), ("EMPTY", None, "worker"), ("FLASK_DEBUG", "off", "other"),
    ]
    assert commands("docker-compose.yml", text) == [["gunicorn", "--reload", "app:app"], ["flask", "run"]]


def test_systemd_app_yaml_fly_and_procfile():
    unit = '[Service]\nEnvironment="FLASK_DEBUG=1" "B=2"\nExecStart=-/srv/venv/bin/gunicorn \\\n  --reload app:app\n'
    assert environment("x.service", unit) == {"FLASK_DEBUG": "1", "B": "2"}
    assert commands("x.service", unit) == [["/srv/venv/bin/gunicorn", "--reload", "app:app"]]
    assert environment("app.yaml", "runtime: python312\nenv_variables:\n  FLASK_DEBUG: 'True'\n") == {"FLASK_DEBUG": "True"}
    fly = '[env]\n  FLASK_DEBUG = true\n  PORT = 8080\n[processes]\n  app = "flask run --debug"\n[experimental]\n  cmd = ["gunicorn", "app:app"]\n'
    assert environment("fly.toml", fly) == {"FLASK_DEBUG": "true", "PORT": "8080"}
    assert commands("fly.toml", fly) == [["flask", "run", "--debug"], ["gunicorn", "app:app"]]
    assert commands("Procfile", "web: gunicorn app:app\nrelease: flask db upgrade\n# a comment\n") == [["gunicorn", "app:app"], ["flask", "db", "upgrade"]]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["python", "-m", "flask", "run"], ("flask", ["run"])),
        (["FLASK_APP=x", "env", "poetry", "run", "/usr/bin/gunicorn", "-w", "2"], ("gunicorn", ["-w", "2"])),
        (["python3.12", "app.py"], ("python3.12", ["app.py"])),
        (["A=1"], None),
    ],
)
def test_invocation(words, expected):
    assert invocation(words) == expected


def test_unreadable_text_is_left_out():
    assert commands("Procfile", "web: gunicorn 'unclosed\n") == []
    assert environment("fly.toml", "[env]\n  FLASK_DEBUG = [\n    1,\n  ]\n") == {}
