"""Per-file results cached by content hash, so an unchanged file is never analysed twice.

The key covers the file's bytes, its name and module, the Python version and the
checker's own source, so any change to a rule invalidates every entry.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

import flaskcheck
from flaskcheck.engine.files import SourceFile


@functools.cache
def checker_fingerprint() -> str:
    digest = hashlib.sha256(sys.version.encode())
    package = Path(flaskcheck.__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class Cache:
    """A folder of pickled FileResults; any error reading or writing is a miss, never a failure."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def key(self, source_file: SourceFile, data: bytes) -> str:
        digest = hashlib.sha256(checker_fingerprint().encode())
        digest.update(f"\0{source_file.relative}\0{source_file.display}\0{source_file.module_name}\0{source_file.is_package}\0{source_file.is_python}\0{source_file.is_template}\0".encode())
        digest.update(data)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pickle"

    def get(self, key: str):
        try:
            with self._path(key).open("rb") as handle:
                return pickle.load(handle)
        except Exception:  # noqa: BLE001 - a corrupt or missing entry is a miss
            return None

    def put(self, key: str, value) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._ensure_gitignore()
            with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(handle.name, path)
        except OSError:
            pass

    def _ensure_gitignore(self) -> None:
        marker = self.folder / ".gitignore"
        if not marker.exists():
            marker.write_text("# created by flaskcheck\n*\n")
