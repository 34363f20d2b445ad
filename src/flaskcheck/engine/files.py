"""File discovery: which files to check, how to name them, and what module each one is."""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_EXCLUDES = (
    ".git", ".venv", "venv", "node_modules", "build", "dist", "__pycache__",
    ".tox", ".nox", "site-packages", "migrations/versions",
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    absolute: Path
    display: str  # relative to the working directory when below it, else absolute
    relative: str  # posix, relative to the project root
    is_python: bool
    module_name: str
    is_package: bool
    is_template: bool = False  # under a template folder named in `[tool.flaskcheck] templates`


@dataclass(frozen=True, slots=True)
class DiscoveryProblem:
    display: str
    message: str


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def module_name_of(path: Path) -> tuple[str, bool]:
    """(`pkg.sub.mod`, is_package) from the `__init__.py` files above `path`."""
    is_package = path.name == "__init__.py"
    package = _package_of(path.parent)
    if is_package:
        return package, True
    return (f"{package}.{path.stem}" if package else path.stem), False


@functools.lru_cache(maxsize=4096)
def _package_of(folder: Path) -> str:
    """The dotted package a folder is, or "" when it has no `__init__.py`."""
    if not (folder / "__init__.py").is_file():
        return ""
    if folder.parent == folder:
        return folder.name
    parent = _package_of(folder.parent)
    return f"{parent}.{folder.name}" if parent else folder.name


class Excluder:
    """Glob patterns matched against each path segment run and the whole relative path."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = [p.strip("/") for p in patterns if p.strip("/")]

    def is_excluded(self, relative: str, explicit_parts: int = 0) -> bool:
        """Does a pattern match below the first `explicit_parts` segments (a path the user named)?"""
        parts = relative.split("/")
        for pattern in self.patterns:
            width = pattern.count("/") + 1
            for start in range(len(parts) - width + 1):
                if start + width > explicit_parts and fnmatch.fnmatchcase("/".join(parts[start:start + width]), pattern):
                    return True
            if len(parts) > explicit_parts and fnmatch.fnmatchcase(relative, pattern):
                return True
        return False


def discover(
    paths: list[Path], root: Path, cwd: Path, excluder: Excluder, is_text_target: Callable[[str], bool],
    is_template: Callable[[str], bool] = lambda relative: False,
) -> tuple[list[SourceFile], list[DiscoveryProblem]]:
    files: dict[Path, SourceFile] = {}
    problems: list[DiscoveryProblem] = []

    def add(path: Path, explicit: bool) -> None:
        relative = _relative(path, root)
        template = path.suffix != ".py" and is_template(relative)
        is_python = path.suffix == ".py" or (explicit and not template and not is_text_target(relative))
        if not is_python and not template and not is_text_target(relative):
            return
        key = path.absolute()
        if key in files:
            return
        module, is_package = module_name_of(path.absolute()) if is_python else ("", False)
        files[key] = SourceFile(key, display_path(key, cwd), relative, is_python, module, is_package, template)

    for path in paths:
        if path.is_file():
            add(path, explicit=True)
        elif path.is_dir():
            _walk(path, root, cwd, excluder, add, problems)
        else:
            problems.append(DiscoveryProblem(display_path(path.absolute(), cwd), "cannot be read: not a regular file"))
    return sorted(files.values(), key=lambda f: f.display), problems


def _walk(top: Path, root: Path, cwd: Path, excluder: Excluder, add, problems: list[DiscoveryProblem]) -> None:
    def on_error(error: OSError) -> None:
        where = Path(error.filename) if error.filename else top
        problems.append(DiscoveryProblem(display_path(where.absolute(), cwd), f"cannot be read: {error.strerror or error}"))

    top_relative = _relative(top, root)
    named = 0 if top_relative in ("", ".") else len(top_relative.split("/"))  # never exclude what was named
    for folder, dirnames, filenames in os.walk(top, onerror=on_error, followlinks=False):
        folder_path = Path(folder)
        dirnames[:] = sorted(d for d in dirnames if not excluder.is_excluded(_relative(folder_path / d, root), named))
        for name in sorted(filenames):
            path = folder_path / name
            if excluder.is_excluded(_relative(path, root), named):
                continue
            if not path.is_file():
                continue  # a FIFO, socket or dangling link: reading it could block or fail
            add(path, explicit=False)


def _relative(path: Path, root: Path) -> str:
    absolute = path.absolute()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix().lstrip("/")
