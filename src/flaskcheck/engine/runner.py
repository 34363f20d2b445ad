"""files -> (cached, parallel) per-file analysis -> project index -> project rules -> filters.

The per-file results never depend on the selection: every rule runs, and --select,
--ignore, noqa and severity overrides are applied afterwards, so one cache serves all.
"""

from __future__ import annotations

import fnmatch
import functools
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from flaskcheck.config import Settings
from flaskcheck.engine.analysis import FileResult, analyze_file, checker_diagnostic
from flaskcheck.engine.cache import Cache
from flaskcheck.engine.context import ProjectContext
from flaskcheck.engine.diagnostic import Diagnostic, Severity
from flaskcheck.engine.files import Excluder, SourceFile, discover
from flaskcheck.engine.noqa import is_suppressed
from flaskcheck.engine.registry import REDIRECTS, all_rules, rule_by_code
from flaskcheck.engine.rule import Rule
from flaskcheck.project.index import ModuleSummary, ProjectIndex

_PARALLEL_THRESHOLD = 24


@dataclass(frozen=True)
class LintResult:
    diagnostics: list[Diagnostic]
    files_checked: int


def lint(
    paths: list[Path], settings: Settings, *, jobs: int | None = None, use_cache: bool = True, cwd: Path | None = None,
    overlay: dict[Path, bytes] | None = None,
) -> LintResult:
    """Lint `paths`; `overlay` gives the content of some files instead of the disk (for --diff)."""
    cwd = (cwd or Path.cwd()).absolute()
    excluder = Excluder([*settings.exclude, *settings.extend_exclude])
    files, problems = discover(paths, settings.root, cwd, excluder, _is_text_target, _template_folders(settings))
    cache = Cache(settings.root / ".flaskcheck_cache") if use_cache else None
    results = _analyze_all(files, cache, jobs, overlay or {})
    extra = _templates_of_template_folders(files, results, settings.root, cwd, excluder)
    results += _analyze_all(extra, cache, jobs, overlay or {})
    files += extra
    diagnostics = [checker_diagnostic("FLK002", "unreadable-file", p.message, p.display, 1, 1) for p in problems]
    for result in results:
        diagnostics.extend(result.diagnostics)
    diagnostics.extend(_project_phase(results))
    summaries = {result.summary.path: result.summary for result in results}
    unsuppressed, used = _apply_noqa(diagnostics, summaries)
    unsuppressed.extend(unused_noqa(summaries.values(), used))
    selected = [d for d in unsuppressed if _is_reported(d, settings, summaries)]
    adjusted = [_with_severity(d, settings) for d in selected]
    return LintResult(sorted(adjusted, key=lambda d: d.sort_key), len(files))


def _templates_of_template_folders(files: list[SourceFile], results: list[FileResult], root: Path, cwd: Path, excluder: Excluder) -> list[SourceFile]:
    """Templates in the `template_folder=` folders apps and blueprints name, not found yet."""
    from flaskcheck.semantic.templates import TEMPLATE_SUFFIXES

    known = {source_file.absolute for source_file in files}
    folders = set()
    for source_file, result in zip(files, results):
        folders.update(source_file.absolute.parent / folder for folder in result.summary.template_folders)
    extra: list[SourceFile] = []
    for folder in sorted(folders):
        if not folder.is_dir():
            continue
        found, _ = discover([folder], root, cwd, excluder, lambda relative: False, lambda relative: Path(relative).suffix.lower() in TEMPLATE_SUFFIXES)
        extra.extend(f for f in found if f.is_template and f.absolute not in known)
        known.update(f.absolute for f in found)
    return extra


def _template_folders(settings: Settings):
    """Is a relative path a template under one of the `templates` folders of the config?"""
    from flaskcheck.semantic.templates import TEMPLATE_SUFFIXES

    folders = [folder.strip("/") + "/" for folder in settings.templates]
    return lambda relative: Path(relative).suffix.lower() in TEMPLATE_SUFFIXES and any(relative.startswith(f) for f in folders)


def _is_text_target(relative: str) -> bool:
    return any(rule.is_text_target(relative) for rule in _text_rules())


@functools.cache
def _text_rules() -> tuple:
    return tuple(rule for rule in all_rules() if rule.is_text_target.__func__ is not Rule.is_text_target.__func__)


def _analyze_all(files: list[SourceFile], cache: Cache | None, jobs: int | None, overlay: dict[Path, bytes]) -> list[FileResult]:
    workers = jobs or os.cpu_count() or 1
    contents = [overlay.get(source_file.absolute) for source_file in files]
    if workers > 1 and len(files) >= _PARALLEL_THRESHOLD:
        chunk = max(1, min(64, len(files) // (workers * 8)))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_analyze_cached, files, [cache] * len(files), contents, chunksize=chunk))
    return [_analyze_cached(source_file, cache, data) for source_file, data in zip(files, contents)]


def _analyze_cached(source_file: SourceFile, cache: Cache | None, data: bytes | None = None) -> FileResult:
    if cache is None:
        return analyze_file(source_file, data)
    try:
        data = source_file.absolute.read_bytes() if data is None else data
    except OSError:
        return analyze_file(source_file)
    key = cache.key(source_file, data)
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = analyze_file(source_file, data)
    cache.put(key, result)
    return result


def _project_phase(results: list[FileResult]) -> Iterable[Diagnostic]:
    index = ProjectIndex([result.summary for result in results])
    found: list[Diagnostic] = []
    for summary in index.summaries:
        found.extend(pending.diagnostic for pending in summary.pending if index.is_app(pending.app_name, summary))
    ctx = ProjectContext(found)
    for rule_class in all_rules():
        if not rule_class.is_project_rule():
            continue
        rule = rule_class()
        ctx.rule = rule
        try:
            rule.check_project(index, ctx)
        except Exception as error:  # noqa: BLE001 - one broken rule must not stop the run
            message = f"internal error: rule {rule.code} ({rule.name}) raised {type(error).__name__}: {error} in its project-wide check"
            found.append(Diagnostic("FLK000", "internal-error", Severity.ERROR, message))
    return found


def matches(code: str, patterns: Iterable[str]) -> bool:
    return any(code.startswith(REDIRECTS.get(pattern, pattern)) for pattern in patterns)


def _apply_noqa(diagnostics: list[Diagnostic], summaries: dict[str, ModuleSummary]) -> tuple[list[Diagnostic], set]:
    """Drop suppressed findings (whatever the selection) and note which noqa codes were used."""
    kept: list[Diagnostic] = []
    used: set[tuple[str, int, str]] = set()
    for diagnostic in diagnostics:
        summary = summaries.get(diagnostic.path) if diagnostic.path is not None else None
        if summary is not None and is_suppressed(summary.noqa, diagnostic.line, diagnostic.code):
            used.add((diagnostic.path, diagnostic.line, diagnostic.code))
        else:
            kept.append(diagnostic)
    return kept, used


def unused_noqa(summaries: Iterable[ModuleSummary], used: set[tuple[str, int, str]]) -> list[Diagnostic]:
    """FLK003: a `# noqa: FLKnnn` naming a code that produced nothing on its line."""
    found = []
    for summary in summaries:
        for line, codes in summary.noqa.items():
            stale = sorted(c for c in codes if c.startswith("FLK") and (summary.path, line, c) not in used)
            if stale:
                message = f"unused `noqa` for {', '.join(stale)}: nothing on this line is reported under {'that code' if len(stale) == 1 else 'those codes'}"
                found.append(Diagnostic("FLK003", "unused-noqa", Severity.INFO, message, summary.path, line, 1, line, 1))
    return found


def _is_reported(diagnostic: Diagnostic, settings: Settings, summaries: dict[str, ModuleSummary]) -> bool:
    code = diagnostic.code
    rule = rule_by_code(code)
    if settings.select is not None:
        if not matches(code, settings.select):
            return False
        if rule is not None and rule.opt_in and not any(code == REDIRECTS.get(p, p) for p in settings.select):
            return False
    elif rule is not None and rule.opt_in:
        return False
    if matches(code, settings.ignore):
        return False
    summary = summaries.get(diagnostic.path) if diagnostic.path is not None else None
    if summary is not None:
        for glob, codes in settings.per_file_ignores.items():
            if matches(code, codes) and _path_matches(summary.relative, glob):
                return False
    return True


def _path_matches(path: str, glob: str) -> bool:
    return fnmatch.fnmatchcase(path, glob) or fnmatch.fnmatchcase(Path(path).name, glob) or fnmatch.fnmatchcase(path, f"*/{glob}")


def _with_severity(diagnostic: Diagnostic, settings: Settings) -> Diagnostic:
    for code, severity in settings.severity.items():
        if diagnostic.code.startswith(code):
            return replace(diagnostic, severity=severity)
    return diagnostic
