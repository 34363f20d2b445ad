"""Load a Flask app from a `flask --app` spec, with Flask's own discovery, and explain failures.

The spec forms are Flask's: `pkg`, `pkg:create_app`, `pkg:create_app("production")`,
`pkg.wsgi:app`, a file path `examples/x/app.py`; without a name, Flask looks for `app`,
`application`, the only Flask instance, then a `create_app`/`make_app` factory; without a
spec, for `wsgi.py` then `app.py` in the working directory. All of that is
`flask.cli.prepare_import` and `flask.cli.locate_app`: nothing here re-implements it.
What this module adds is a one-line reason for every way the build can fail.
"""

from __future__ import annotations

import importlib
import os
import re
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

# The same split as `flask.cli.ScriptInfo.load_app` (a colon not followed by a path separator,
# so Windows drive letters survive).
_SPEC_SPLIT = re.compile(r":(?![\\/])")
DEFAULT_FILES = ("wsgi.py", "app.py")
_MESSAGE_LIMIT = 300


class BuildTimeout(BaseException):
    """Raised by the child's alarm when importing, building or probing takes too long."""


class BuildError(Exception):
    """The app could not be built; `message` is one line naming the cause."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "import", "environment", "factory", "exit", "timeout", "not-found", "crash"
        self.message = message


def split_spec(spec: str) -> tuple[str, str | None]:
    """`"pkg.wsgi:create_app('x')"` -> (`"pkg.wsgi"`, `"create_app('x')"`)."""
    path, name = ([*_SPEC_SPLIT.split(spec, maxsplit=1), None])[:2]
    return path, name


def load_app(spec: str | None) -> Flask:
    """Import and build the app exactly as `flask --app SPEC` would; BuildError on any failure."""
    from flask.cli import NoAppException, locate_app, prepare_import

    if spec is None:
        for candidate in DEFAULT_FILES:
            if Path(candidate).is_file():
                return load_app(candidate)
        raise BuildError("not-found", "no app given: use --app SPEC, `app` in [tool.flaskcheck], or FLASK_APP (or add wsgi.py or app.py here)")
    path, name = split_spec(spec)
    module_name = prepare_import(path)
    try:
        importlib.import_module(module_name)
    except BaseException as error:  # noqa: BLE001 - user code may raise anything, even SystemExit
        raise describe(error, f"importing {module_name!r}", module_name) from None
    try:
        return locate_app(module_name, name)
    except NoAppException as error:
        raise BuildError("not-found", _one_line(str(error))) from None
    except BaseException as error:  # noqa: BLE001
        raise describe(error, f"building the app from {spec!r}", None) from None


def describe(error: BaseException, stage: str, module_name: str | None) -> BuildError:
    """One line naming the cause: missing module, missing environment variable, timeout, ..."""
    if isinstance(error, KeyboardInterrupt):
        raise error
    if isinstance(error, BuildTimeout):
        return BuildError("timeout", f"{stage} did not finish within {error.args[0]:g} s (raise --timeout if it is only slow)")
    variable = missing_environment_variable(error)
    if variable is not None:
        return BuildError("environment", f"{stage} needs the environment variable {variable!r}, which is not set (KeyError from os.environ)")
    if isinstance(error, ModuleNotFoundError) and module_name is not None and error.name and (module_name + ".").startswith(error.name + "."):
        return BuildError("import", f"cannot import the app module {module_name!r}: no module named {error.name!r} (check the spec and the working directory)")
    if isinstance(error, SystemExit):
        return BuildError("exit", f"{stage} called sys.exit({error.code!r})")
    kind = "import" if stage.startswith("importing") else "factory"
    verb = "failed" if kind == "import" else "raised"
    return BuildError(kind, f"{stage} {verb}: {exception_line(error)}")


def missing_environment_variable(error: BaseException) -> str | None:
    """The variable name when `error` is a KeyError raised by `os.environ[...]` itself."""
    if not isinstance(error, KeyError) or not error.args:
        return None
    last: TracebackType | None = error.__traceback__
    while last is not None and last.tb_next is not None:
        last = last.tb_next
    if last is None or last.tb_frame.f_locals.get("self") is not os.environ:
        return None
    return str(error.args[0])


def exception_line(error: BaseException) -> str:
    """`ValueError: message` on one line (the last line of a traceback), shortened."""
    text = " ".join(traceback.format_exception_only(type(error), error)[-1].split())
    return _one_line(text)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 3] + "..."


def package_folder(spec: str | None) -> Path | None:
    """The folder (package) or file (single module) an app spec points to, without importing it."""
    import importlib.util

    from flask.cli import prepare_import

    if spec is None:
        found = next((Path(c) for c in DEFAULT_FILES if Path(c).is_file()), None)
        return found.absolute() if found else None
    path, _ = split_spec(spec)
    module_name = prepare_import(path)
    top = module_name.split(".")[0]
    try:
        found_spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if found_spec is None or found_spec.origin is None:
        if found_spec is not None and found_spec.submodule_search_locations:
            return Path(next(iter(found_spec.submodule_search_locations))).absolute()
        return None
    origin = Path(found_spec.origin)
    return origin.parent if found_spec.submodule_search_locations else origin
