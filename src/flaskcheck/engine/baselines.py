"""Baselines: record today's findings so that only new ones are reported.

A finding matches a baseline entry by code, path and message (not by line, so edits above
it do not resurrect it); each entry absorbs as many findings as it counted.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from flaskcheck.engine.diagnostic import Diagnostic

VERSION = 1


class BaselineError(Exception):
    pass


def _fingerprint(diagnostic: Diagnostic) -> tuple[str, str, str]:
    return (diagnostic.code, diagnostic.path or diagnostic.object or "", diagnostic.message)


def write(path: Path, diagnostics: list[Diagnostic]) -> None:
    counts = Counter(_fingerprint(d) for d in diagnostics)
    entries = [{"code": c, "path": p, "message": m, "count": n} for (c, p, m), n in sorted(counts.items())]
    path.write_text(json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n", encoding="utf-8")


def read(path: Path) -> Counter:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return Counter({(e["code"], e["path"], e["message"]): int(e.get("count", 1)) for e in document["findings"]})
    except OSError as error:
        raise BaselineError(f"baseline {path} cannot be read: {error.strerror or error}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise BaselineError(f"baseline {path} is not a flaskcheck baseline: {error}") from None


def filter_new(baseline: Counter, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    remaining = Counter(baseline)
    fresh = []
    for diagnostic in diagnostics:
        key = _fingerprint(diagnostic)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            fresh.append(diagnostic)
    return fresh
