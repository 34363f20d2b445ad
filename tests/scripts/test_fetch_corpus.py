"""Offline tests for scripts/fetch_corpus.py (no network access)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import sys
import tarfile
import urllib.error
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetch_corpus.py"
SHA = "ab" * 32


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fc = load_script()


# --------------------------------------------------------------------------
# list file


def test_parse_list_skips_comments_and_blank_lines() -> None:
    text = (
        "# project|version|kind|file|sha256\n"
        "\n"
        f"flask|3.1.3|sdist|flask-3.1.3.tar.gz|{SHA.upper()}\n"
        f"  indico | 3.2.9 | wheel | indico-3.2.9-py3-none-any.whl | {SHA}  \n"
    )
    entries = fc.parse_list(text)
    assert [(e.project, e.version, e.kind, e.filename) for e in entries] == [
        ("flask", "3.1.3", "sdist", "flask-3.1.3.tar.gz"),
        ("indico", "3.2.9", "wheel", "indico-3.2.9-py3-none-any.whl"),
    ]
    assert all(e.sha256 == SHA for e in entries)
    assert entries[0].folder_name == "flask-3.1.3"


@pytest.mark.parametrize(
    "line",
    [
        "flask|3.1.3|sdist|flask-3.1.3.tar.gz",  # missing field
        "flask|3.1.3|sdist|flask-3.1.3.tar.gz|nothex",  # bad digest
        f"flask|3.1.3|sdist|../flask-3.1.3.tar.gz|{SHA}",  # path in file name
        f"../flask|3.1.3|sdist|flask-3.1.3.tar.gz|{SHA}",  # path in project
    ],
)
def test_parse_list_rejects_bad_lines(line: str) -> None:
    with pytest.raises(fc.UsageError, match="line 2"):
        fc.parse_list("# header\n" + line + "\n")


def test_select_only_normalizes_and_rejects_unknown_names() -> None:
    entries = fc.parse_list(
        f"flask-appbuilder|5.3.0|sdist|f.tar.gz|{SHA}\nflask|3.1.3|sdist|g.tar.gz|{SHA}\n"
    )
    assert [e.project for e in fc.select(entries, ["Flask_AppBuilder"])] == ["flask-appbuilder"]
    assert fc.select(entries, None) == entries
    with pytest.raises(fc.UsageError, match="nope"):
        fc.select(entries, ["nope"])


# --------------------------------------------------------------------------
# refusing a DIR inside the repository


def test_check_target_dir_refuses_inside_repo(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    for inside in (repo, repo / "sub" / "corpus", repo / "sub" / ".." / "x"):
        with pytest.raises(fc.UsageError, match="inside the repository"):
            fc.check_target_dir(inside, repo)
    fc.check_target_dir(tmp_path / "corpus", repo)  # outside: accepted
    fc.check_target_dir(tmp_path / "repo-sibling", repo)  # prefix only: accepted


def test_check_target_dir_follows_symlinks(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    link = tmp_path / "link"
    link.symlink_to(repo, target_is_directory=True)
    with pytest.raises(fc.UsageError):
        fc.check_target_dir(link / "corpus", repo)


def test_main_refuses_dir_in_repository_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def must_not_run(*args: object) -> int:
        raise AssertionError("run() reached despite a DIR inside the repository")

    monkeypatch.setattr(fc, "run", must_not_run)
    listing = tmp_path / "list.txt"
    listing.write_text(f"pkg|1.0|sdist|pkg-1.0.tar.gz|{SHA}\n")
    target = fc.REPO_ROOT / "corpus-should-not-be-created"
    assert fc.main([str(target), "--list", str(listing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "inside the repository" in err
    assert not target.exists()


# --------------------------------------------------------------------------
# safe extraction


def add_file(tar: tarfile.TarFile, name: str, data: bytes = b"x = 1\n") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def add_symlink(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def make_tar(path: Path, malicious: bool = True) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        add_file(tar, "pkg-1.0/pkg/__init__.py", b"import os\n\nprint(os)\n")
        add_file(tar, "pkg-1.0/README", b"hello\n")
        if not malicious:
            return path
        add_file(tar, "pkg-1.0/../evil", b"stays inside\n")
        add_file(tar, "../evil", b"pwned\n")
        add_file(tar, "../../evil2", b"pwned\n")
        add_symlink(tar, "pkg-1.0/escape", "../../..")
        add_symlink(tar, "pkg-1.0/abs", "/etc")
        fifo = tarfile.TarInfo("pkg-1.0/fifo")
        fifo.type = tarfile.FIFOTYPE
        tar.addfile(fifo)
    return path


def make_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("pkg/__init__.py", "x = 1\ny = 2")
        zf.writestr("pkg-1.0.dist-info/METADATA", "Name: pkg\n")
        zf.writestr("../evil", "pwned\n")
        zf.writestr("../../evil2", "pwned\n")
        zf.writestr("/abs-evil", "pwned\n")
    return path


def written_outside(root: Path, dest: Path) -> list[Path]:
    return [p for p in root.rglob("*") if dest not in p.parents and p != dest]


@pytest.mark.parametrize("use_data_filter", [True, False])
def test_extract_tar_skips_unsafe_members(tmp_path: Path, use_data_filter: bool) -> None:
    if use_data_filter and not hasattr(tarfile, "data_filter"):
        pytest.skip("tarfile.data_filter not available on this Python")
    archive = make_tar(tmp_path / "pkg-1.0.tar.gz")
    root = tmp_path / "corpus"
    dest = root / "deep" / "dest"
    skipped = fc.extract_tar(archive, dest, use_data_filter=use_data_filter)

    assert (dest / "pkg-1.0" / "pkg" / "__init__.py").read_bytes() == b"import os\n\nprint(os)\n"
    assert not (root / "deep" / "evil").exists()
    assert not (root / "evil2").exists()
    assert not (tmp_path / "evil").exists()
    assert not (dest / "pkg-1.0" / "escape").is_symlink()
    assert not (dest / "pkg-1.0" / "abs").is_symlink()
    assert not (dest / "pkg-1.0" / "fifo").exists()
    assert written_outside(root, dest) == [root / "deep"]
    assert {"../evil", "../../evil2", "pkg-1.0/escape", "pkg-1.0/abs", "pkg-1.0/fifo"} <= set(
        skipped
    )


def test_extract_zip_skips_unsafe_members(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pkg-1.0-py3-none-any.whl")
    root = tmp_path / "corpus"
    dest = root / "deep" / "dest"
    skipped = fc.extract_zip(archive, dest)

    assert (dest / "pkg" / "__init__.py").read_text() == "x = 1\ny = 2"
    assert not (root / "deep" / "evil").exists()
    assert not (root / "evil2").exists()
    assert written_outside(root, dest) == [root / "deep"]
    assert sorted(skipped) == ["../../evil2", "../evil", "/abs-evil"]


def test_unpack_hoists_single_sdist_folder_and_counts(tmp_path: Path) -> None:
    archive = make_tar(tmp_path / "pkg-1.0.tar.gz", malicious=False)
    target = tmp_path / "corpus" / "pkg-1.0"
    assert fc.unpack(archive, target, force=False) == ("unpacked", [])
    assert sorted(p.name for p in target.iterdir()) == ["README", "pkg"]
    assert not list(target.parent.glob(".*partial"))
    stats = fc.python_stats(target)
    assert (stats.files, stats.lines) == (1, 3)
    assert fc.unpack(archive, target, force=False) == ("already unpacked", [])
    assert fc.unpack(archive, target, force=True)[0] == "unpacked"


def test_unpack_keeps_wheel_layout(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pkg-1.0-py3-none-any.whl")
    target = tmp_path / "corpus" / "pkg-1.0"
    fc.unpack(archive, target, force=False)
    assert sorted(p.name for p in target.iterdir()) == ["pkg", "pkg-1.0.dist-info"]
    assert (fc.python_stats(target).files, fc.python_stats(target).lines) == (1, 2)


# --------------------------------------------------------------------------
# cache, PyPI JSON and network errors (all offline)


def test_cached_archive_is_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"archive bytes"
    digest = hashlib.sha256(data).hexdigest()
    entry = fc.Entry("pkg", "1.0", "sdist", "pkg-1.0.tar.gz", digest)
    (tmp_path / entry.filename).write_bytes(data)
    assert fc.ensure_archive(entry, tmp_path) == (tmp_path / entry.filename, "cached")

    (tmp_path / entry.filename).write_bytes(b"corrupted")

    def no_network(entry: object, dest: Path) -> None:
        raise fc.FetchError("offline")

    monkeypatch.setattr(fc, "download", no_network)
    with pytest.raises(fc.FetchError):
        fc.ensure_archive(entry, tmp_path)
    assert not (tmp_path / entry.filename).exists()


def test_release_lookup_reads_project_json_and_relative_urls() -> None:
    files = [{"filename": "pkg-1.0.tar.gz", "url": "../../packages/ab/pkg-1.0.tar.gz",
              "digests": {"sha256": SHA}}]
    data = {"info": {"version": "2.0"}, "urls": [], "releases": {"1.0": files}}
    found = fc.match_file(fc.version_files(data, "1.0"), "pkg-1.0.tar.gz",
                          "https://pypi.org/pypi/pkg/json")
    assert found == ("https://pypi.org/packages/ab/pkg-1.0.tar.gz", SHA)
    assert fc.match_file(fc.version_files(data, "3.0"), "pkg-1.0.tar.gz", "https://x/") is None


def test_network_errors_give_one_line_per_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"a|1.0|sdist|a-1.0.tar.gz|{SHA}\nb|2.0|sdist|b-2.0.tar.gz|{SHA}\n")

    def unreachable(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(fc.urllib.request, "urlopen", unreachable)
    assert fc.main([str(tmp_path / "corpus"), "--list", str(listing)]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    lines = out.err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("a-1.0: FAILED:") and lines[1].startswith("b-2.0: FAILED:")
    assert "total: 0/2 projects" in out.out
