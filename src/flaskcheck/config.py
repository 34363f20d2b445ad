"""`[tool.flaskcheck]` in pyproject.toml: loading and validation. The command line wins."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.files import DEFAULT_EXCLUDES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KEYS = ("select", "ignore", "exclude", "extend-exclude", "per-file-ignores", "severity", "app", "baseline", "templates")


class ConfigError(Exception):
    """Bad configuration or usage: one clear line for stderr, exit code 2."""


@dataclass(frozen=True)
class Settings:
    root: Path
    config_path: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    app: str | None = None
    baseline: str | None = None
    templates: tuple[str, ...] = ()

    def with_overrides(self, **overrides) -> Settings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def find_pyproject(start: Path) -> Path | None:
    folder = start.absolute()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file():
            return path
    return None


def load_settings(first_path: Path, explicit: Path | None = None) -> Settings:
    path = explicit if explicit is not None else find_pyproject(first_path)
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"config file {explicit} does not exist")
    if path is None:
        start = first_path.absolute()
        return Settings(root=start if start.is_dir() else start.parent)
    table = _read_table(path)
    return _settings_from_table(table, path)


def _read_table(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    if path.name != "pyproject.toml" and "tool" not in document:
        return document  # a dedicated flaskcheck.toml holds the keys at top level
    table = document.get("tool", {}).get("flaskcheck", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.flaskcheck] must be a table")
    return table


def _settings_from_table(table: dict, path: Path) -> Settings:
    unknown = [key for key in table if key not in KEYS]
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} in [tool.flaskcheck] (known: {', '.join(KEYS)})")
    where = f"{path}: [tool.flaskcheck]"
    settings = Settings(root=path.parent.absolute(), config_path=path)
    values: dict = {}
    if "select" in table:
        values["select"] = tuple(_codes(table["select"], f"{where} select"))
    if "ignore" in table:
        values["ignore"] = tuple(_codes(table["ignore"], f"{where} ignore"))
    for key, attribute in (("exclude", "exclude"), ("extend-exclude", "extend_exclude"), ("templates", "templates")):
        if key in table:
            values[attribute] = tuple(_strings(table[key], f"{where} {key}"))
    if "per-file-ignores" in table:
        values["per_file_ignores"] = _per_file_ignores(table["per-file-ignores"], where)
    if "severity" in table:
        values["severity"] = parse_severity_map(table["severity"], f"{where} severity")
    for key in ("app", "baseline"):
        if key in table:
            if not isinstance(table[key], str):
                raise ConfigError(f"{where} {key} must be a string")
            values[key] = table[key]
    return replace(settings, **values)


def _strings(value, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of strings")
    return value


def _codes(value, where: str) -> list[str]:
    return [validate_code(code, where) for code in _strings(value, where)]


def validate_code(code: str, where: str) -> str:
    from flaskcheck.engine.registry import known_code_prefix

    code = code.strip().upper()
    if not code or not known_code_prefix(code):
        raise ConfigError(f"{where}: unknown rule code {code!r}")
    return code


def parse_codes_option(text: str | None, option: str) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(validate_code(code, option) for code in text.split(",") if code.strip())


def _per_file_ignores(value, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} per-file-ignores must be a table of glob = [codes]")
    return {glob: tuple(_codes(codes, f"{where} per-file-ignores {glob!r}")) for glob, codes in value.items()}


def parse_severity_map(value, where: str) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of code = level")
    result = {}
    for code, level in value.items():
        if not isinstance(level, str):
            raise ConfigError(f"{where} {code}: level must be info, warning or error")
        try:
            result[validate_code(code, where)] = Severity.parse(level)
        except ValueError as error:
            raise ConfigError(f"{where} {code}: {error}") from None
    return result
