"""Finds every rule class under `flaskcheck.rules`, and checks the catalogue is consistent."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

from flaskcheck import rules as rules_package
from flaskcheck.engine.rule import Rule

# Codes that were renamed keep working in --select/--ignore/noqa: old code -> new code.
REDIRECTS: dict[str, str] = {}


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code."""
    found: dict[str, type[Rule]] = {}
    for module_info in pkgutil.walk_packages(rules_package.__path__, rules_package.__name__ + "."):
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__:
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"duplicate rule code {value.code}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def rule_by_code(code: str) -> type[Rule] | None:
    code = REDIRECTS.get(code.upper(), code.upper())
    for rule in all_rules():
        if rule.code == code:
            return rule
    return None


def known_code_prefix(prefix: str) -> bool:
    """`FLK`, a section (`FLK3`), or a prefix of at least one rule's or deploy check's code."""
    prefix = REDIRECTS.get(prefix.upper(), prefix.upper())
    if len(prefix) == 4 and prefix.startswith("FLK") and prefix[3].isdigit():
        return True
    from flaskcheck.engine.codes import all_codes

    return any(code.startswith(prefix) for code in all_codes())
