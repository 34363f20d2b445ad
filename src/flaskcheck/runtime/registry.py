"""Finds every deploy check under `flaskcheck.runtime.checks`, sorted by code."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

from flaskcheck.runtime import checks as checks_package
from flaskcheck.runtime.check import DeployCheck


@functools.cache
def all_checks() -> tuple[type[DeployCheck], ...]:
    found: dict[str, type[DeployCheck]] = {}
    for module_info in pkgutil.iter_modules(checks_package.__path__, checks_package.__name__ + "."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, DeployCheck) and value.__module__ == module.__name__:
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"duplicate deploy check code {value.code}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def check_by_code(code: str) -> type[DeployCheck] | None:
    return next((check for check in all_checks() if check.code == code.upper()), None)
