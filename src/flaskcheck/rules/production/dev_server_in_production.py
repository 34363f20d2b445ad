"""FLK701."""

from __future__ import annotations

import ast
import posixpath
import re
from pathlib import PurePosixPath

from flaskcheck.engine.context import FileContext, ProjectContext, TextContext
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid
from flaskcheck.project.index import Fact, ModuleSummary, ProjectIndex
from flaskcheck.semantic.debug import is_in_debug_branch
from flaskcheck.semantic.deployment import (
    deployment_kind,
    invocation,
    is_development_file,
    parse_deployment_file,
    service_commands,
    simple_commands,
)
from flaskcheck.semantic.flask import (
    app_candidate,
    enclosing_function,
    is_at_module_level,
    is_dev_or_test_module,
    is_dev_or_test_name,
    is_main_guard,
    is_test_path,
    is_under_dev_or_test_condition,
    is_under_main_guard,
)

_PYTHON = re.compile(r"python[\d.]*")
_PYTHON_OPTIONS_WITH_VALUE = frozenset({"-W", "-X", "--check-hash-based-pycs"})
_FLASK_OPTIONS_WITH_VALUE = frozenset({"--app", "-A", "--env-file", "-e"})
_THREADED = "`threaded=True` does not make it production-ready"


class DevServerInProduction(Rule):
    """
    ## What it does
    Reports the development server started in production:

    - `app.run(...)` at import time, that is at module level and not under
      `if __name__ == "__main__":` (the app itself, an imported app, or one made by a
      project factory such as `create_app()`);
    - a deployment file (`Dockerfile*` `CMD` / `ENTRYPOINT`, `Procfile`, Compose
      `command:` / `entrypoint:`, systemd `ExecStart=`, `app.yaml` `entrypoint:`,
      `fly.toml`) that starts the app with `flask run`, or with `python <file>.py` or
      `python -m <module>` where that module calls `app.run()` under
      `if __name__ == "__main__":` (directly, or in a function of the module that block
      calls) or at import time.

    A script path is looked up relative to the deployment file's folder, then by its
    trailing path components (a Dockerfile's `WORKDIR` may sit in front); it is reported
    only when every file it can name calls `app.run()`. Build and release steps (`RUN`,
    `release:`, `ExecStartPre=`) are not checked. It stays silent for development files: a
    deployment file whose name or folder is development or test (`Dockerfile.dev`,
    `docker-compose.override.yml`, `.devcontainer/`), a Dockerfile stage or Compose service
    named so, and, for `app.run()` at import time, a development or test module
    (`run_dev.py`, test code) or a call under a development condition or a debug flag.

    ## Why is this bad?
    `app.run()` and `flask run` start Werkzeug's development server: it is not built for
    production traffic (no worker processes, no protection against slow clients, little
    attention to security), and `threaded=True` does not make it production-ready. A call
    at import time is worse: a WSGI server such as Gunicorn imports the module and the
    import itself starts the development server inside the worker, blocking it, so
    Gunicorn's own port never answers.

    ## Example
    ```python
    # app.py
    from flask import Flask

    app = Flask(__name__)

    @app.get("/")
    def index():
        return "hello"

    app.run(host="0.0.0.0", port=8000, threaded=True)  # error
    ```

    ## Use instead
    ```python
    # app.py
    from flask import Flask

    app = Flask(__name__)

    @app.get("/")
    def index():
        return "hello"

    if __name__ == "__main__":
        app.run(debug=True)
    ```

    and start it in production with a WSGI server, for example
    `CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]` in the Dockerfile.

    ## References
    - [Flask: deploying to production](https://flask.palletsprojects.com/en/stable/deploying/)
    - [Flask: `app.run`](https://flask.palletsprojects.com/en/stable/api/#flask.Flask.run)
    - [Gunicorn](https://docs.gunicorn.org/en/stable/run.html)
    """

    code = "FLK701"
    name = "dev-server-in-production"
    severity = Severity.ERROR

    valid = [
        Valid("from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run(host='0.0.0.0')\n"),
        Valid("from flask import Flask\napp = Flask(__name__)\n\ndef main():\n    app.run()\n"),
        # development files and conditions
        Valid("from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n", path="run_dev.py"),
        Valid("from flask import Flask\napp = Flask(__name__)\napp.run()\n", path="tests/serve.py"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\nif os.environ.get('FLASK_DEBUG'):\n    app.run(debug=True)\n"),
        Valid("import os\nfrom flask import Flask\napp = Flask(__name__)\nif os.environ.get('ENV') == 'development':\n    app.run()\n"),
        Valid(files={"Dockerfile.dev": "FROM python:3.12\nCMD flask run --host 0.0.0.0\n", "docker-compose.override.yml": "services:\n  web:\n    command: flask run\n"}),
        Valid(files={"Dockerfile": "FROM python:3.12 AS development\nCMD [\"flask\", \"run\"]\nFROM python:3.12 AS production\nCMD [\"gunicorn\", \"app:app\"]\n"}),
        Valid(files={".devcontainer/Dockerfile": "FROM python:3.12\nCMD flask run\n"}),
        # a WSGI server, build and release steps, other flask commands
        Valid(files={
            "Procfile": "web: gunicorn app:app\nrelease: flask db upgrade\nworker: python worker.py\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run()\n",
            "worker.py": "from app import app\n\ndef work():\n    pass\n\nif __name__ == '__main__':\n    work()\n",
        }),
        Valid(files={"Dockerfile": "FROM python:3.12\nRUN flask --app app routes && python app.py --check\nCMD [\"gunicorn\", \"app:app\"]\n",
                     "app.py": "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run()\n"}),
        # the script does not call app.run, or is not in the project
        Valid(files={"Procfile": "web: python serve.py\n", "serve.py": "from waitress import serve\nfrom app import app\n\nif __name__ == '__main__':\n    serve(app, port=8080)\n",
                     "app.py": "from flask import Flask\napp = Flask(__name__)\n"}),
        Valid(files={"Procfile": "web: python manage.py\n"}),
        # not a Flask app: Flask-SocketIO's own server, Dash, Celery
        Valid("from flask import Flask\nfrom flask_socketio import SocketIO\napp = Flask(__name__)\nsocketio = SocketIO(app)\nsocketio.run(app)\n"),
        Valid("import dash\napp = dash.Dash(__name__)\napp.run()\n"),
        Valid("from celery import Celery\napp = Celery('tasks')\napp.run()\n"),
    ]
    invalid = [
        Invalid(
            "import flask\napp = flask.Flask(__name__)\napp.run(port=8000)  # error\n",
            message=f"`app.run()` runs at import time: a WSGI server that imports this module starts Werkzeug's development server instead of serving the app ({_THREADED})",
        ),
        # an imported app, a factory-made app
        Invalid(files={
            "shop/__init__.py": "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n",
            "wsgi.py": "from shop import create_app\napp = create_app()\napp.run(host='0.0.0.0', threaded=True)  # error\n",
        }),
        Invalid(files={
            "site/__init__.py": "from flask import Flask as F\napp = F(__name__)\n",
            "site/server.py": "from site import app\ntry:\n    app.run()  # error\nexcept KeyboardInterrupt:\n    pass\n",
        }),
        # deployment files: flask run, python <file>.py
        Invalid(files={"Procfile": "web: flask --app shop run --host 0.0.0.0 --port $PORT  # error\n"},
                message=f"`flask run` starts Werkzeug's development server in production ({_THREADED})"),
        Invalid(files={
            "Dockerfile": "FROM python:3.12\nWORKDIR /srv\nCOPY . .\nCMD [\"python\", \"app.py\"]  # error\n",
            "app.py": "from flask import Flask\napp = Flask(__name__)\n\nif __name__ == '__main__':\n    app.run(host='0.0.0.0')\n",
        }, message=f"`python app.py` starts Werkzeug's development server in production: `app.py` calls `app.run()` ({_THREADED})"),
        Invalid(files={
            "deploy/docker-compose.yml": "services:\n  web:\n    command: sh -c \"flask db upgrade && python -u /srv/src/run.py\"  # error\n",
            "src/run.py": "from flask import Flask\napp = Flask(__name__)\n\ndef main():\n    app.run(host='0.0.0.0')\n\nif __name__ == '__main__':\n    main()\n",
        }),
        Invalid(files={
            "deploy/shop.service": "[Service]\nExecStartPre=/srv/venv/bin/flask db upgrade\nExecStart=/srv/venv/bin/python -m shop  # error\n",
            "shop/__init__.py": "from flask import Flask\napp = Flask(__name__)\n",
            "shop/__main__.py": "from shop import app\n\nif __name__ == '__main__':\n    app.run()\n",
        }),
        Invalid(files={
            "app.yaml": "runtime: python312\nentrypoint: python3 main.py  # error\n",
            "fly.toml": "[processes]\n  web = \"flask run --host 0.0.0.0\"  # error\n",
            "main.py": "from flask import Flask\napp = Flask(__name__)\napp.run()  # error\n",
        }),
    ]

    # -- Python modules ---------------------------------------------------------------------

    def visit_Call(self, node: ast.Call, ctx: FileContext) -> None:
        function = node.func
        if not isinstance(function, ast.Attribute) or function.attr != "run":
            return
        semantic = ctx.semantic
        candidate = app_candidate(semantic, function.value)
        if candidate is None:
            return
        owner = enclosing_function(node)
        at_module = is_at_module_level(node)
        if not at_module and (owner is None or semantic.scope_of(owner) is not semantic.module_scope):
            return
        main = at_module and is_under_main_guard(node)
        dev = is_dev_or_test_module(semantic.module_name, ctx.relative) or is_test_path(ctx.relative)
        dev = dev or is_under_dev_or_test_condition(node) or is_in_debug_branch(node)
        name = getattr(owner, "name", None) if not at_module else None
        ctx.record(node, kind="run", app=candidate, import_time=at_module and not main, main=main, function=name, dev=dev)

    def visit_If(self, node: ast.If, ctx: FileContext) -> None:
        if not is_main_guard(node.test) or not is_at_module_level(node):
            return
        for statement in ast.walk(node):
            if isinstance(statement, ast.Call) and isinstance(statement.func, ast.Name):
                ctx.record(statement, kind="main_call", name=statement.func.id)

    # -- deployment files -------------------------------------------------------------------

    @classmethod
    def is_text_target(cls, relative_path: str) -> bool:
        return deployment_kind(relative_path) is not None

    def check_text(self, ctx: TextContext) -> None:
        if is_development_file(ctx.relative):
            return
        parsed = parse_deployment_file(ctx.relative, ctx.text)
        if parsed is None:
            return
        for command in service_commands(parsed):
            if is_dev_or_test_name(command.section, deployment_file=True):
                continue
            for words in simple_commands(command):
                span = command.span
                if _is_flask_run(words):
                    ctx.report_at(span.line, span.column, span.end_line, span.end_column, f"`flask run` starts Werkzeug's development server in production ({_THREADED})")
                    continue
                target = _python_target(words)
                if target is not None:
                    kind, name = target
                    ctx.record_at(span.line, span.column, span.end_line, span.end_column, kind=kind, target=name)

    # -- the project --------------------------------------------------------------------------

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        runners: set[str] = set()
        functions: dict[str, set[str]] = {}
        main_calls: dict[str, set[str]] = {}
        deployments: list[tuple[ModuleSummary, Fact]] = []
        for summary, fact in index.facts(self.code):
            kind = fact.data["kind"]
            if kind in ("script", "module"):
                deployments.append((summary, fact))
            elif kind == "main_call":
                main_calls.setdefault(summary.relative, set()).add(fact.data["name"])
            elif kind == "run" and index.is_app_candidate(fact.data["app"], summary):
                if fact.data["import_time"] and not fact.data["dev"]:
                    ctx.report_fact(fact, f"`app.run()` runs at import time: a WSGI server that imports this module starts Werkzeug's development server instead of serving the app ({_THREADED})")
                if fact.data["import_time"] or fact.data["main"]:
                    runners.add(summary.relative)
                elif fact.data["function"]:
                    functions.setdefault(summary.relative, set()).add(fact.data["function"])
        runners |= {path for path, names in functions.items() if names & main_calls.get(path, set())}
        python = [s for s in index.summaries if s.is_python]
        for summary, fact in deployments:
            folder = posixpath.dirname(summary.relative)
            candidates = _scripts(python, folder, fact.data["target"]) if fact.data["kind"] == "script" else _modules(index, folder, fact.data["target"])
            if not candidates or not all(candidate.relative in runners for candidate in candidates):
                continue
            label = f"python {fact.data['target']}" if fact.data["kind"] == "script" else f"python -m {fact.data['target']}"
            file = PurePosixPath(candidates[0].relative).name
            ctx.report_fact(fact, f"`{label}` starts Werkzeug's development server in production: `{file}` calls `app.run()` ({_THREADED})")


def _is_flask_run(words: list[str]) -> bool:
    called = invocation(words)
    if called is None or called[0] != "flask":
        return False
    arguments = called[1]
    index = 0
    while index < len(arguments) and arguments[index].startswith("-"):
        index += 2 if arguments[index] in _FLASK_OPTIONS_WITH_VALUE else 1
    return index < len(arguments) and arguments[index] == "run"


def _python_target(words: list[str]) -> tuple[str, str] | None:
    """("script", "app.py") for `python app.py`, ("module", "shop") for `python -m shop`."""
    called = invocation(words)
    if called is None:
        return None
    program, arguments = called
    if _PYTHON.fullmatch(program):
        index = 0
        while index < len(arguments) and arguments[index].startswith("-"):
            if arguments[index] in ("-c", "-m", "-"):
                return None
            index += 2 if arguments[index] in _PYTHON_OPTIONS_WITH_VALUE else 1
        if index < len(arguments) and arguments[index].endswith(".py"):
            return "script", arguments[index]
        return None
    for position, word in enumerate(words[:-1]):
        if word == "-m" and words[position + 1] == program and any(_PYTHON.fullmatch(PurePosixPath(w).name) for w in words[:position]):
            return "module", program
    return None


def _scripts(python: list[ModuleSummary], folder: str, script: str) -> list[ModuleSummary]:
    """The project files `python <script>` may run: the path relative to the deployment file's
    folder, else the files whose trailing path components match it, below that folder first."""
    wanted = posixpath.normpath(posixpath.join(folder, script)) if not script.startswith("/") else None
    exact = [s for s in python if s.relative == wanted]
    if exact:
        return exact
    parts = tuple(p for p in script.split("/") if p not in ("", "."))

    def matches(summary: ModuleSummary, below: str) -> bool:
        own = tuple(_inside(summary.relative, below).split("/"))
        return own == parts[len(parts) - len(own):] or parts == own[len(own) - len(parts):]

    return _nearest(python, folder, matches)


def _modules(index: ProjectIndex, folder: str, module: str) -> list[ModuleSummary]:
    """The project module `python -m <module>` runs (`<module>.__main__` for a package)."""
    for name in (f"{module}.__main__", module):
        found = _nearest(index.by_name.get(name, []), folder, lambda summary, below: not summary.relative.endswith("__init__.py"))
        if found:
            return found
    return []


def _nearest(summaries: list[ModuleSummary], folder: str, matches) -> list[ModuleSummary]:
    """The matching files below the deployment file's folder, else anywhere in the tree."""
    below = [s for s in summaries if not _inside(s.relative, folder).startswith("../") and matches(s, folder)]
    return below or [s for s in summaries if matches(s, "")]


def _inside(relative: str, folder: str) -> str:
    return posixpath.relpath(relative, folder) if folder else relative
