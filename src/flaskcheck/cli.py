"""Command line: argument parsing and wiring only. Exit codes: 0 clean, 1 findings, 2 usage."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flaskcheck import __version__
from flaskcheck.config import ConfigError, Settings, load_settings, parse_codes_option
from flaskcheck.engine.diagnostic import Diagnostic, Severity

FORMATS = ("text", "json", "sarif", "github", "html")


class UsageFailure(click.ClickException):
    """A usage or configuration problem: one line on stderr, exit 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"flaskcheck: error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flaskcheck")
def cli() -> None:
    """Static and runtime checks for Flask applications."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: usage errors become one line on stderr and exit code 2."""
    try:
        code = cli.main(args=argv, prog_name="flaskcheck", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("flaskcheck: aborted", err=True)
        code = 130
    except click.ClickException as error:
        click.echo(f"flaskcheck: error: {error.format_message()}", err=True)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)


def output_options(function):
    options = [
        click.option("--select", help="Comma-separated codes or prefixes to report (e.g. FLK3,FLK401)."),
        click.option("--ignore", help="Comma-separated codes or prefixes to leave out."),
        click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True),
        click.option("--output", "output_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
        click.option("--fail-level", type=click.Choice(["info", "warning", "error"]), default="info", show_default=True, help="Lowest severity that fails the run."),
        click.option("--config", "config_file", type=click.Path(path_type=Path), help="Use this pyproject.toml (or flaskcheck TOML file)."),
        click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary."),
        click.option("--statistics", is_flag=True, help="Print the number of findings per code."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@output_options
@click.option("--fix", is_flag=True, help="Apply safe fixes.")
@click.option("--diff", is_flag=True, help="Show the fixes as a diff; change nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that can change behaviour (see each rule's Fix safety).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Report only findings not in this baseline.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path), help="Record the current findings as the baseline.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
def lint(paths, select, ignore, output_format, output_file, exit_zero, fail_level, config_file, quiet, statistics, fix, diff, unsafe_fixes, baseline, write_baseline, jobs, no_cache):
    """Static analysis of Python files, templates and deployment files (default: .)."""
    from flaskcheck.engine import baselines
    from flaskcheck.engine.runner import lint as run_lint

    paths = list(paths) or [Path(".")]
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise UsageFailure(f"path does not exist: {missing[0]}")
    settings = _settings(paths[0], config_file, select, ignore)
    if fix or diff:
        _apply_fixes(paths, settings, diff, unsafe_fixes, jobs)
        if diff:
            return
    result = run_lint(paths, settings, jobs=jobs, use_cache=not no_cache)
    diagnostics = result.diagnostics
    if write_baseline is not None:
        baselines.write(write_baseline, diagnostics)
        click.echo(f"wrote {len(diagnostics)} findings to baseline {write_baseline}", err=True)
        return
    baseline_file = baseline or (settings.root / settings.baseline if settings.baseline else None)
    if baseline_file is not None:
        diagnostics = _filter_baseline(baseline_file, diagnostics)
    _emit(diagnostics, output_format, output_file, quiet, statistics, result.files_checked)
    sys.exit(exit_code(diagnostics, fail_level, exit_zero))


def _apply_fixes(paths: list[Path], settings: Settings, diff: bool, unsafe: bool, jobs: int | None) -> None:
    """--diff prints the fixes and exits (1 when there is something to fix); --fix writes them."""
    from flaskcheck.engine.fixer import fix_paths, unified_diff, write_fixes

    outcome = fix_paths(paths, settings, unsafe=unsafe, jobs=jobs)
    if diff:
        text = unified_diff(outcome, Path.cwd().absolute())
        click.echo(text, nl=False)
        click.echo(f"Would fix {outcome.applied} {'problem' if outcome.applied == 1 else 'problems'} in {len(outcome.fixed)} {'file' if len(outcome.fixed) == 1 else 'files'}.", err=True)
        sys.exit(1 if outcome.fixed else 0)
    write_fixes(outcome)
    if outcome.applied:
        click.echo(f"Fixed {outcome.applied} {'problem' if outcome.applied == 1 else 'problems'} in {len(outcome.fixed)} {'file' if len(outcome.fixed) == 1 else 'files'}.", err=True)


def _filter_baseline(path: Path, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    from flaskcheck.engine import baselines

    try:
        return baselines.filter_new(baselines.read(path), diagnostics)
    except baselines.BaselineError as error:
        raise UsageFailure(str(error)) from None


def _settings(first_path: Path, config_file: Path | None, select: str | None, ignore: str | None) -> Settings:
    try:
        settings = load_settings(first_path, config_file)
        return settings.with_overrides(select=parse_codes_option(select, "--select"), ignore=parse_codes_option(ignore, "--ignore"))
    except ConfigError as error:
        raise UsageFailure(str(error)) from None


def _emit(diagnostics: list[Diagnostic], output_format: str, output_file: Path | None, quiet: bool, statistics: bool, files_checked: int) -> None:
    from flaskcheck.reporters import render

    text = render(output_format, diagnostics, files_checked=files_checked, quiet=quiet, statistics=statistics)
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageFailure(f"cannot write {output_file}: {error.strerror or error}") from None


def exit_code(diagnostics: list[Diagnostic], fail_level: str, exit_zero: bool) -> int:
    if exit_zero:
        return 0
    threshold = Severity.parse(fail_level).rank
    return 1 if any(d.severity.rank >= threshold for d in diagnostics) else 0


def deploy_options(function):
    options = [
        click.option("--behind-proxy", is_flag=True, help="A proxy adds the HTTPS redirect and security headers: FLK913/FLK914 become info."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True, help="Seconds allowed for building the app and for each probe."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@cli.command()
@click.option("--app", "app_spec", metavar="SPEC", help="The app, as for `flask --app`: pkg, pkg:create_app, 'pkg:create_app(\"prod\")', path/app.py.")
@output_options
@deploy_options
def deploy(app_spec, select, ignore, output_format, output_file, exit_zero, fail_level, config_file, quiet, statistics, behind_proxy, timeout):
    """Runtime checks (FLK9xx) on the app object, built as production builds it.

    The app is built twice, in child processes, with your environment minus FLASK_DEBUG,
    FLASK_RUN_FROM_CLI, WERKZEUG_RUN_MAIN and WERKZEUG_SERVER_FD: run it with the
    environment variables production has.
    """
    import os

    settings = _settings(Path("."), config_file, select, ignore)
    spec = app_spec or settings.app or os.environ.get("FLASK_APP") or None
    diagnostics = run_deploy(spec, settings, timeout, behind_proxy)
    _emit(diagnostics, output_format, output_file, quiet, statistics, 1)
    sys.exit(exit_code(diagnostics, fail_level, exit_zero))


def run_deploy(spec: str | None, settings: Settings, timeout: float, behind_proxy: bool) -> list[Diagnostic]:
    """The deploy findings; an app that cannot be built is a one-line usage failure (exit 2)."""
    from flaskcheck.runtime.runner import AppLoadError, deploy

    try:
        return deploy(spec, settings, timeout=timeout, behind_proxy=behind_proxy)
    except AppLoadError as error:
        raise UsageFailure(f"cannot check the app: {error.message}") from None


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format):
    """A table of every rule: code, name, section, severity, fixable."""
    import json

    from flaskcheck.engine.registry import all_rules
    from flaskcheck.runtime.registry import all_checks

    rows = [
        {"code": r.code, "name": r.name, "section": r.section()[1], "severity": r.severity.value, "fixable": r.is_fixable(), "opt_in": r.opt_in, "summary": r.summary()}
        for r in (*all_rules(), *all_checks())
    ]
    if output_format == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    widths = [max(len(str(row[key])) for row in rows) for key in ("code", "name", "section", "severity")]
    header = ("code", "name", "section", "severity", "fixable")
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, [*widths, 7])).rstrip())
    for row in rows:
        cells = [row["code"], row["name"], row["section"], row["severity"], "yes" if row["fixable"] else ("opt-in" if row["opt_in"] else "")]
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(cells, [*widths, 7])).rstrip())


@cli.command()
@click.argument("code")
def explain(code):
    """Print a rule's documentation."""
    from flaskcheck.docs import rule_page
    from flaskcheck.engine.registry import rule_by_code
    from flaskcheck.runtime.registry import check_by_code

    rule = rule_by_code(code) or check_by_code(code)
    if rule is None:
        raise UsageFailure(f"unknown rule code {code!r} (see `flaskcheck rules`)")
    click.echo(rule_page(rule).split("\n", 2)[2], nl=False)
