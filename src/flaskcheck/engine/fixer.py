"""Applying fixes: non-overlapping text edits, re-linting until nothing is left to fix.

Fixes are applied in memory (an overlay of file contents) so that `--diff` and `--fix`
share one loop; only `--fix` writes, and only files whose text changed.
"""

from __future__ import annotations

import codecs
import difflib
from dataclasses import dataclass
from pathlib import Path

from flaskcheck.config import Settings
from flaskcheck.engine.diagnostic import Diagnostic, Edit, Fix

MAX_PASSES = 10


@dataclass(frozen=True)
class FixOutcome:
    original: dict[Path, bytes]  # files that changed, before
    fixed: dict[Path, bytes]  # the same files, after
    applied: int  # number of fixes applied over all passes


def apply_edits(text: str, fixes: list[Fix]) -> tuple[str, int]:
    """Apply every fix whose edits overlap no edit already accepted; return (text, fixes applied)."""
    accepted: list[Edit] = []
    applied = 0
    for fix in sorted(fixes, key=lambda f: min(e.start for e in f.edits)):
        if any(_overlaps(edit, other) for edit in fix.edits for other in accepted):
            continue
        accepted.extend(fix.edits)
        applied += 1
    for edit in sorted(accepted, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.content + text[edit.end :]
    return text, applied


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:  # insertions: only the same point conflicts
        return a.start == b.start or (b.start < a.start < b.end) or (a.start < b.start < a.end)
    return a.start < b.end and b.start < a.end


def fix_paths(paths: list[Path], settings: Settings, *, unsafe: bool = False, jobs: int | None = None) -> FixOutcome:
    """Lint, apply the fixes, lint again, ... at most MAX_PASSES times, all in memory."""
    from flaskcheck.engine.runner import lint

    overlay: dict[Path, bytes] = {}
    original: dict[Path, bytes] = {}
    applied = 0
    for _ in range(MAX_PASSES):
        result = lint(paths, settings, jobs=jobs, use_cache=False, overlay=overlay)
        by_path = _fixes_by_path(result.diagnostics, unsafe)
        changed = False
        for path, fixes in by_path.items():
            data = overlay.get(path) or path.read_bytes()
            original.setdefault(path, data)
            bom, text = _decode(data)
            new_text, count = apply_edits(text, fixes)
            if count and new_text != text:
                overlay[path] = bom + new_text.encode("utf-8")
                applied += count
                changed = True
        if not changed:
            break
    fixed = {path: data for path, data in overlay.items() if data != original[path]}
    return FixOutcome({path: original[path] for path in fixed}, fixed, applied)


def _fixes_by_path(diagnostics: list[Diagnostic], unsafe: bool) -> dict[Path, list[Fix]]:
    found: dict[Path, list[Fix]] = {}
    for diagnostic in diagnostics:
        if diagnostic.fix is None or diagnostic.path is None or not diagnostic.fix.edits:
            continue
        if diagnostic.fix.safe or unsafe:
            found.setdefault(Path(diagnostic.path).absolute(), []).append(diagnostic.fix)
    return found


def _decode(data: bytes) -> tuple[bytes, str]:
    if data.startswith(codecs.BOM_UTF8):
        return codecs.BOM_UTF8, data[len(codecs.BOM_UTF8):].decode("utf-8")
    return b"", data.decode("utf-8")


def unified_diff(outcome: FixOutcome, cwd: Path) -> str:
    chunks = []
    for path in sorted(outcome.fixed):
        try:
            name = path.relative_to(cwd).as_posix()
        except ValueError:
            name = str(path)
        before = _decode(outcome.original[path])[1].splitlines(keepends=True)
        after = _decode(outcome.fixed[path])[1].splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"))
    return "".join(chunk if chunk.endswith("\n") else chunk + "\n\\ No newline at end of file\n" for chunk in chunks)


def write_fixes(outcome: FixOutcome) -> None:
    for path, data in outcome.fixed.items():
        path.write_bytes(data)
