"""FLK404."""

from __future__ import annotations


from flaskcheck.engine.context import TextContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.semantic.deployment import Span, deployment_kind, invocation, is_development_file, parse_deployment_file, simple_commands
from flaskcheck.semantic.flask import is_dev_or_test_name

# Flask's own reading of FLASK_DEBUG (`flask.helpers.get_debug_flag`): all else is on.
_DEBUG_OFF = frozenset({"", "0", "false", "no"})
_CLI_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})  # what `flask run` (click) reads as on
_DEBUG_FLAGS = frozenset({"--debug", "--debugger"})


class DebugEnabledInDeployFiles(Rule):
    """
    ## What it does
    Reports deployment files (`Dockerfile*`, `Procfile`, `docker-compose*.yml` /
    `compose*.yml`, `*.service`, `app.yaml`, `fly.toml`) that turn debug mode on:
    `FLASK_DEBUG` set to any value except `0`, `false` or `no` (compared case-insensitively),
    or `flask run --debug` (or `--debugger`). With messages of their own: `gunicorn --reload`
    (a warning) and `FLASK_ENV=development` (info).

    Files whose name marks them as development or test (`Dockerfile.dev`,
    `docker-compose.override.yml`, `compose.test.yaml`), files under a development or test
    folder (`dev/`, `tests/`, `.devcontainer/`), Dockerfile stages and Compose services named
    so (`FROM python AS development`, a `web-dev` service) are not checked, and neither is
    `.flaskenv`, Flask's development-time file. Values that are not literals (`$FLASK_DEBUG`)
    are not reported.

    ## Why is this bad?
    `flask run` reads `FLASK_DEBUG` as a yes/no option (`1`, `true`, `yes`, `on`) and then
    starts the interactive Werkzeug debugger, which runs Python code typed into the browser.
    An app created under Gunicorn, uWSGI or `python app.py` reads the variable more loosely:
    every value except `0`, `false` and `no` turns `app.debug` on, `off` and `n` included.
    Unhandled exceptions then skip the app's 500 handler and `after_request` hooks, and
    `app.run()` starts the debugger. `app.config.from_prefixed_env()` parses values as JSON,
    so `FLASK_DEBUG=False`, `no` or `off` become truthy strings there too.

    `gunicorn --reload` restarts workers whenever a source file changes: a development aid
    that has no place in production (it does not turn debug mode on). `FLASK_ENV` has been ignored since Flask 2.3: it no longer turns debug mode on,
    and a setting that still says `development` is misleading.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY . /srv
    ENV FLASK_DEBUG=1  # error
    CMD ["flask", "run", "--host", "0.0.0.0", "--debug"]  # error
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY . /srv
    ENV FLASK_DEBUG=0
    CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
    ```

    Keep development settings in `.flaskenv`, `docker-compose.override.yml` or a
    `Dockerfile.dev`.

    ## References
    - [Flask: debug mode](https://flask.palletsprojects.com/en/stable/config/#DEBUG)
    - [Flask: deploying to production](https://flask.palletsprojects.com/en/stable/deploying/)
    - [Gunicorn: `reload`](https://docs.gunicorn.org/en/stable/settings.html#reload)
    """

    code = "FLK404"
    name = "debug-enabled-in-deploy-files"
    severity = Severity.ERROR
    example_path = "Dockerfile"

    valid = [
        Valid(files={"Dockerfile.dev": "FROM python:3.12\nENV FLASK_DEBUG=1\nCMD flask run --debug\n"}),
        Valid(files={"docker-compose.override.yml": "services:\n  web:\n    environment:\n      - FLASK_DEBUG=1\n"}),
        Valid(files={"compose.test.yaml": "services:\n  web:\n    command: gunicorn --reload app:app\n"}),
        Valid(files={".flaskenv": "FLASK_DEBUG=1\n"}),
        Valid(files={".devcontainer/Dockerfile": "FROM python:3.12\nENV FLASK_DEBUG=1\n"}),
        Valid(files={"Dockerfile": "FROM python:3.12 AS development\nENV FLASK_DEBUG=1\nFROM python:3.12 AS production\nENV FLASK_DEBUG=0\n"}),
        Valid(files={"Procfile": "web: gunicorn app:app\nrelease: flask db upgrade\n"}),
        Valid(files={"docker-compose.yml": "services:\n  web:\n    environment:\n      FLASK_DEBUG: 'false'\n      DEBUG_TOOLBAR: 1\n  web-dev:\n    environment:\n      - FLASK_DEBUG=1\n"}),
        Valid(files={"Dockerfile": "FROM python:3.12\nARG FLASK_DEBUG=0\nENV FLASK_DEBUG=$FLASK_DEBUG\nCMD flask run --no-debug\n"}),
        Valid(files={"app.yaml": "entrypoint: gunicorn -b :$PORT main:app\nenv_variables:\n  FLASK_DEBUG: 'No'\n"}),
        Valid(files={"fly.toml": "[env]\n  FLASK_DEBUG = false\n[processes]\n  app = \"gunicorn app:app\"\n"}),
        Valid(files={"deploy/app.service": "[Service]\nEnvironment=FLASK_DEBUG=0\nExecStart=/srv/venv/bin/gunicorn app:app\n"}),
        # a comment is not a setting
        Valid(files={"Dockerfile": "FROM python:3.12\n# ENV FLASK_DEBUG=1\n"}),
    ]
    invalid = [
        Invalid(files={"Procfile": "web: flask run --debug  # error\n"}, message="`flask run --debug` starts the interactive Werkzeug debugger"),
        Invalid(files={"Procfile": "web: gunicorn --reload app:app  # error\n"}, severity=Severity.WARNING),
        Invalid(files={"Procfile": "web: FLASK_DEBUG=true python -m flask run  # error\n"}),
        Invalid(
            files={"docker-compose.yml": "services:\n  web:\n    environment:\n      - FLASK_DEBUG=1  # error\n      - FLASK_ENV=development  # error\n    command: [\"flask\", \"--app\", \"app\", \"--debug\", \"run\"]  # error\n"},
        ),
        Invalid(
            files={"compose.yaml": "services:\n  web:\n    environment:\n      FLASK_DEBUG: \"off\"  # error\n"},
            message="`FLASK_DEBUG=off` turns debug mode on for the app (Flask reads every value except `0`, `false` and `no` as on): unhandled errors skip the 500 handler and `after_request` hooks",
        ),
        Invalid(files={"Dockerfile.prod": "FROM python:3.12\nENV FLASK_ENV=development  # error\n"}, severity=Severity.INFO),
        Invalid(files={"Dockerfile": "FROM python:3.12\nENV FLASK_APP=app.py \\\n    FLASK_DEBUG=1  # error\n"}),
        Invalid(files={"Dockerfile": "FROM python:3.12\nCMD sh -c \"flask db upgrade && flask run --debug\"  # error\n"}),
        Invalid(files={"deploy/app.service": "[Service]\nEnvironment=\"FLASK_DEBUG=1\"  # error\nExecStart=/srv/venv/bin/gunicorn --reload app:app  # error\n"}),
        Invalid(files={"app.yaml": "entrypoint: gunicorn --reload -b :$PORT main:app  # error\nenv_variables:\n  FLASK_DEBUG: 'True'  # error\n"}),
        Invalid(files={"fly.toml": "[env]\n  FLASK_DEBUG = true  # error\n[processes]\n  app = \"flask run --debug\"  # error\n"}),
    ]

    @classmethod
    def is_text_target(cls, relative_path: str) -> bool:
        return deployment_kind(relative_path) is not None

    def check_text(self, ctx: TextContext) -> None:
        if is_development_file(ctx.relative):
            return
        parsed = parse_deployment_file(ctx.relative, ctx.text)
        if parsed is None:
            return
        for setting in parsed.environment:
            if setting.value is None or is_dev_or_test_name(setting.section, deployment_file=True):
                continue
            if setting.name == "FLASK_DEBUG" and setting.value.lower() not in _DEBUG_OFF:
                _report(ctx, setting.span, _debug_message(setting.value))
            elif setting.name == "FLASK_ENV" and setting.value.lower() == "development":
                message = "`FLASK_ENV=development` is ignored since Flask 2.3: debug mode follows `FLASK_DEBUG` only"
                _report(ctx, setting.span, message, Severity.INFO)
        for command in parsed.commands:
            if is_dev_or_test_name(command.section, deployment_file=True):
                continue
            for words in simple_commands(command):
                found = _command_problem(words)
                if found is not None:
                    _report(ctx, command.span, *found)


def _debug_message(value: str) -> str:
    if value.lower() in _CLI_TRUE:
        return f"`FLASK_DEBUG={value}` turns debug mode on: `flask run` starts the interactive debugger, and unhandled errors skip the 500 handler"
    return (
        f"`FLASK_DEBUG={value}` turns debug mode on for the app (Flask reads every value except `0`, `false` and `no` as on): "
        "unhandled errors skip the 500 handler and `after_request` hooks"
    )


def _command_problem(words: list[str]) -> tuple[str, Severity] | None:
    called = invocation(words)
    if called is None:
        return None
    program, arguments = called
    if program == "flask" and "run" in arguments:
        flag = next((a for a in arguments if a in _DEBUG_FLAGS), None)
        if flag is not None:
            return f"`flask run {flag}` starts the interactive Werkzeug debugger", Severity.ERROR
    if program == "gunicorn" and "--reload" in arguments:
        return "`gunicorn --reload` runs the development code reloader in production", Severity.WARNING
    return None


def _report(ctx: TextContext, span: Span, message: str, severity: Severity = Severity.ERROR) -> None:
    ctx.report_at(span.line, span.column, span.end_line, span.end_column, message, severity=severity)
