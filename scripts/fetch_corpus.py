#!/usr/bin/env python3
"""Download and unpack the real-world Flask code bases used as a lint corpus.

The corpus is used to measure flaskcheck's precision and speed on real code.
It is listed in a plain text file (by default ``../shared/data/corpus-pypi.txt``
relative to the repository root), one release per line::

    project|version|kind|filename|sha256

Blank lines and lines starting with ``#`` are ignored.  For every entry the
script

1. looks the file up through PyPI's JSON API
   (``https://pypi.org/pypi/<project>/<version>/json``, ``urls`` list; when
   that document is not served, ``https://pypi.org/pypi/<project>/json``,
   ``releases[<version>]``), and checks PyPI's sha256 against the list,
2. downloads it into ``DIR/_downloads/`` (skipped when a cached copy with the
   right sha256 is already there) and refuses it when the sha256 differs,
3. unpacks it into ``DIR/<project>-<version>/`` without ever writing outside
   that folder (tar: the ``"data"`` extraction filter, or an equivalent manual
   check on Pythons that lack it; zip/wheel: the same path checks).  The single
   top-level folder of an sdist (``name-version/``) is removed, so the package
   sources sit directly below ``DIR/<project>-<version>/``.  Unpacking is
   skipped when that folder already exists, unless ``--force`` is given,
4. prints one line per project with the number of ``.py`` files and lines.

Usage::

    python scripts/fetch_corpus.py DIR [--list FILE] [--only NAME ...] [--force]

``DIR`` must lie outside the repository.  Exit status: 0 when every project was
fetched and verified, 1 when at least one project failed (network error, hash
mismatch, broken archive), 2 for usage errors.  Only the standard library is
used.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LIST = REPO_ROOT.parent / "shared" / "data" / "corpus-pypi.txt"
PYPI_VERSION_JSON = "https://pypi.org/pypi/{project}/{version}/json"
PYPI_PROJECT_JSON = "https://pypi.org/pypi/{project}/json"
USER_AGENT = "flaskcheck-fetch-corpus/0.1 (+https://pypi.org)"
TIMEOUT_SECONDS = 60.0
CHUNK_SIZE = 1 << 16
LARGE_FILE_BYTES = 1 << 20
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class FetchError(Exception):
    """A per-project failure; its message is printed on one line."""


class UsageError(Exception):
    """A problem with the command line or the list file (exit status 2)."""


@dataclass(frozen=True)
class Entry:
    """One line of the corpus list."""

    project: str
    version: str
    kind: str
    filename: str
    sha256: str

    @property
    def folder_name(self) -> str:
        return f"{self.project}-{self.version}"


@dataclass
class PyStats:
    """What was found in an unpacked project."""

    files: int = 0
    lines: int = 0
    non_utf8: list[str] = field(default_factory=list)
    large: list[str] = field(default_factory=list)
    symlinks: int = 0


# --------------------------------------------------------------------------
# List file


def parse_line(line: str, lineno: int) -> Entry | None:
    """Parse one list line; return None for blank and comment lines."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    parts = [part.strip() for part in text.split("|")]
    if len(parts) != 5:
        raise UsageError(f"line {lineno}: expected 5 '|'-separated fields, got {len(parts)}")
    project, version, kind, filename, sha256 = parts
    for label, value in (("project", project), ("version", version), ("filename", filename)):
        if not SAFE_NAME.match(value) or ".." in value:
            raise UsageError(f"line {lineno}: unsafe or empty {label} {value!r}")
    sha256 = sha256.lower()
    if not SHA256_HEX.match(sha256):
        raise UsageError(f"line {lineno}: sha256 must be 64 hex digits")
    return Entry(project, version, kind, filename, sha256)


def parse_list(text: str) -> list[Entry]:
    """Parse the whole list file text into entries."""
    entries = [parse_line(line, n) for n, line in enumerate(text.splitlines(), 1)]
    return [entry for entry in entries if entry is not None]


def read_list(path: Path) -> list[Entry]:
    """Read and parse the list file, turning I/O errors into usage errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read list file {path}: {exc.strerror or exc}") from None
    try:
        return parse_list(text)
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from None


def normalize(name: str) -> str:
    """PEP 503 name normalization, so --only Flask-AppBuilder matches."""
    return re.sub(r"[-_.]+", "-", name).lower()


def select(entries: list[Entry], only: list[str] | None) -> list[Entry]:
    """Keep the entries named by --only (all of them when it is not given)."""
    if not only:
        return entries
    wanted = {normalize(name) for name in only}
    unknown = wanted - {normalize(entry.project) for entry in entries}
    if unknown:
        raise UsageError(f"--only: not in the list: {', '.join(sorted(unknown))}")
    return [entry for entry in entries if normalize(entry.project) in wanted]


# --------------------------------------------------------------------------
# Paths


def is_within(path: Path, root: Path) -> bool:
    """True when ``path`` (after resolving symlinks) is ``root`` or below it."""
    resolved = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    return resolved == base or base in resolved.parents


def check_target_dir(target: Path, repo_root: Path = REPO_ROOT) -> None:
    """Refuse a corpus directory inside the repository."""
    if is_within(target, repo_root):
        raise UsageError(
            f"refusing to write the corpus inside the repository ({repo_root}): "
            f"choose a DIR outside it, e.g. {repo_root.parent / 'corpus'}"
        )


# --------------------------------------------------------------------------
# Download


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_url(url: str) -> http.client.HTTPResponse:
    """Open a URL with a User-Agent and timeout; errors become FetchError."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise FetchError(f"refusing non-HTTP(S) URL {url!r}")
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        return urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} {exc.reason} for {url}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"network error for {url}: {exc.reason}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise FetchError(f"network error for {url}: {exc!r}") from None


def fetch_json(url: str) -> Any:
    """GET ``url`` and decode it as JSON; errors become FetchError."""
    try:
        with open_url(url) as response:
            return json.load(response)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise FetchError(f"bad response from {url}: {exc!r}") from None


def version_files(data: Any, version: str) -> list[Any]:
    """The file records of one release in a version or project JSON document."""
    if not isinstance(data, dict):
        return []
    releases = data.get("releases")
    if isinstance(releases, dict) and isinstance(releases.get(version), list):
        return list(releases[version])
    info = data.get("info")
    if isinstance(info, dict) and info.get("version") == version:
        return list(data.get("urls") or [])
    return []


def match_file(files: list[Any], filename: str, base_url: str) -> tuple[str, str] | None:
    """Return (absolute url, sha256) of the record named ``filename``, if any.

    Some PyPI front ends give file URLs relative to the JSON document.
    """
    for item in files:
        if isinstance(item, dict) and item.get("filename") == filename and item.get("url"):
            url = urllib.parse.urljoin(base_url, str(item["url"]))
            return url, str((item.get("digests") or {}).get("sha256", ""))
    return None


def find_release_file(entry: Entry) -> tuple[str, str]:
    """Return (url, sha256 announced by PyPI) for the entry's file.

    The per-version JSON document is asked first; when it cannot be had (some
    mirrors and proxies only serve the per-project one) the project document's
    ``releases`` table is used instead.
    """
    project = urllib.parse.quote(entry.project)
    version = urllib.parse.quote(entry.version)
    errors: list[str] = []
    for template in (PYPI_VERSION_JSON, PYPI_PROJECT_JSON):
        url = template.format(project=project, version=version)
        try:
            data = fetch_json(url)
        except FetchError as exc:
            errors.append(str(exc))
            continue
        found = match_file(version_files(data, entry.version), entry.filename, url)
        if found:
            return found
        errors.append(f"{entry.filename} is not among the files listed at {url}")
    raise FetchError("; ".join(errors))


def stream_to_file(url: str, dest: Path) -> str:
    """Download ``url`` to ``dest`` and return the sha256 of what was written."""
    digest = hashlib.sha256()
    try:
        with open_url(url) as response, dest.open("wb") as out:
            for chunk in iter(lambda: response.read(CHUNK_SIZE), b""):
                digest.update(chunk)
                out.write(chunk)
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"download of {url} failed: {exc!r}") from None
    return digest.hexdigest()


def download(entry: Entry, dest: Path) -> None:
    """Download the entry's file to ``dest`` after checking it, atomically."""
    url, announced = find_release_file(entry)
    if announced and announced.lower() != entry.sha256:
        raise FetchError(f"sha256 on PyPI ({announced}) differs from the list ({entry.sha256})")
    partial = dest.with_name(dest.name + ".part")
    try:
        actual = stream_to_file(url, partial)
        if actual != entry.sha256:
            raise FetchError(f"sha256 mismatch: expected {entry.sha256}, got {actual}")
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)


def ensure_archive(entry: Entry, downloads: Path) -> tuple[Path, str]:
    """Return the verified cached archive, downloading it when needed."""
    path = downloads / entry.filename
    if path.is_file():
        if sha256_of(path) == entry.sha256:
            return path, "cached"
        print(f"  {entry.filename}: cached copy has the wrong sha256, downloading again")
        path.unlink()
    download(entry, path)
    return path, "downloaded"


# --------------------------------------------------------------------------
# Safe extraction


def is_safe_name(name: str) -> bool:
    """Reject absolute names, drive letters and any '..' component."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return False
    return ".." not in PurePosixPath(posix).parts


def resolves_inside(dest: Path, relative: str) -> bool:
    """True when ``dest/relative`` stays inside ``dest`` after resolving symlinks."""
    base = os.path.realpath(dest)
    target = os.path.realpath(os.path.join(base, relative))
    return os.path.commonpath([base, target]) == base


def fallback_tar_ok(member: tarfile.TarInfo, dest: Path) -> bool:
    """Manual member check for Pythons without tarfile's "data" filter."""
    if not is_safe_name(member.name) or not resolves_inside(dest, member.name):
        return False
    if member.issym():
        link = os.path.join(os.path.dirname(member.name), member.linkname)
        return not os.path.isabs(member.linkname) and resolves_inside(dest, link)
    if member.islnk():
        return is_safe_name(member.linkname) and resolves_inside(dest, member.linkname)
    return member.isfile() or member.isdir()


def make_tar_filter(
    skipped: list[str],
) -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]:
    """Wrap tarfile.data_filter so unsafe members are skipped and recorded."""

    def tar_filter(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        try:
            return tarfile.data_filter(member, path)
        except tarfile.FilterError:
            skipped.append(member.name)
            return None

    return tar_filter


def trusted_filter() -> dict[str, str]:
    """Silence the 3.12+ "no filter" warning once members are checked by hand."""
    return {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}


def extract_tar(archive: Path, dest: Path, use_data_filter: bool | None = None) -> list[str]:
    """Extract a tar archive into ``dest``; return the names of skipped members."""
    if use_data_filter is None:
        use_data_filter = hasattr(tarfile, "data_filter")
    skipped: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        if use_data_filter:
            tar.extractall(dest, filter=make_tar_filter(skipped))
            return skipped
        for member in tar:
            if fallback_tar_ok(member, dest):
                tar.extract(member, dest, set_attrs=False, **trusted_filter())
            else:
                skipped.append(member.name)
    return skipped


def extract_zip(archive: Path, dest: Path) -> list[str]:
    """Extract a zip/wheel into ``dest``; return the names of skipped members."""
    skipped: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if is_safe_name(info.filename) and resolves_inside(dest, info.filename):
                zf.extract(info, dest)
            else:
                skipped.append(info.filename)
    return skipped


def extract_archive(archive: Path, dest: Path) -> list[str]:
    """Extract by file type; return the names of skipped (unsafe) members."""
    name = archive.name.lower()
    if name.endswith((".whl", ".zip")):
        return extract_zip(archive, dest)
    if name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")):
        return extract_tar(archive, dest)
    raise FetchError(f"unsupported archive type: {archive.name}")


def hoist_single_folder(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``, dropping a lone top-level folder."""
    children = list(staging.iterdir())
    if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
        children[0].rename(target)
        staging.rmdir()
    else:
        staging.rename(target)


def unpack(archive: Path, target: Path, force: bool) -> tuple[str, list[str]]:
    """Unpack ``archive`` into ``target`` unless it is there already."""
    if target.exists() and not force:
        return "already unpacked", []
    staging = target.with_name(f".{target.name}.partial")
    for stale in (staging, target):
        if stale.exists():
            shutil.rmtree(stale)
    try:
        skipped = extract_archive(archive, staging)
        hoist_single_folder(staging, target)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise FetchError(f"cannot unpack {archive.name}: {exc}") from None
    return "unpacked", skipped


# --------------------------------------------------------------------------
# Statistics and reporting


def iter_python_files(root: Path) -> Iterator[Path]:
    """Yield the .py files below ``root`` in a stable order."""
    yield from sorted(path for path in root.rglob("*.py"))


def count_lines(data: bytes) -> int:
    """Number of lines, counting a last line without a newline."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def python_stats(root: Path) -> PyStats:
    """Count .py files and lines below ``root``, noting odd files."""
    stats = PyStats()
    for path in iter_python_files(root):
        if path.is_symlink():
            stats.symlinks += 1
            continue
        if not path.is_file():
            continue
        data = path.read_bytes()
        stats.files += 1
        stats.lines += count_lines(data)
        relative = str(path.relative_to(root))
        if len(data) > LARGE_FILE_BYTES:
            stats.large.append(relative)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            stats.non_utf8.append(relative)
    return stats


def describe(stats: PyStats, skipped: list[str]) -> str:
    """Extra notes for the one-line summary."""
    notes = []
    if skipped:
        notes.append(f"{len(skipped)} unsafe member(s) skipped")
    if stats.non_utf8:
        notes.append(f"{len(stats.non_utf8)} non-UTF-8 .py file(s)")
    if stats.large:
        notes.append(f"{len(stats.large)} .py file(s) over 1 MiB")
    if stats.symlinks:
        notes.append(f"{stats.symlinks} symlinked .py file(s)")
    return f" [{'; '.join(notes)}]" if notes else ""


def process(entry: Entry, corpus: Path, force: bool) -> PyStats:
    """Fetch, unpack and measure one project; print its summary line."""
    downloads = corpus / "_downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive, how = ensure_archive(entry, downloads)
    target = corpus / entry.folder_name
    state, skipped = unpack(archive, target, force)
    stats = python_stats(target)
    print(
        f"{entry.folder_name}: {how}, {state} -> {target}: "
        f"{stats.files} .py files, {stats.lines} lines{describe(stats, skipped)}"
    )
    return stats


def run(corpus: Path, entries: list[Entry], force: bool) -> int:
    """Process all entries; return the exit status."""
    failures = 0
    total = PyStats()
    for entry in entries:
        try:
            stats = process(entry, corpus, force)
        except (FetchError, OSError) as exc:
            failures += 1
            print(f"{entry.folder_name}: FAILED: {exc}", file=sys.stderr)
            continue
        total.files += stats.files
        total.lines += stats.lines
    ok = len(entries) - failures
    print(f"total: {ok}/{len(entries)} projects, {total.files} .py files, {total.lines} lines")
    return 1 if failures else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line interface."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="corpus folder (outside the repository)")
    parser.add_argument("--list", type=Path, default=DEFAULT_LIST, help="corpus list file")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="fetch only these projects")
    parser.add_argument("--force", action="store_true", help="unpack again even if present")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    try:
        check_target_dir(args.dir)
        entries = select(read_list(args.list), args.only)
        args.dir.mkdir(parents=True, exist_ok=True)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot create {args.dir}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        return run(args.dir.resolve(), entries, args.force)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
