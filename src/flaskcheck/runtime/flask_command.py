"""`flask --app X check [--deploy]`: flaskcheck inside Flask's own CLI (entry point `flask.commands`).

Plain `check` lints the app's package (the folder of the spec's top-level package, or the
module file for a single-module app) without importing it; `--deploy` adds the FLK9xx
runtime checks, which build the app from the same spec in child processes. The spec is
Flask's: `--app` or `FLASK_APP`, held by the `ScriptInfo` of the `flask` command.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import ScriptInfo

from flaskcheck.cli import UsageFailure, _emit, _settings, deploy_options, exit_code, output_options, run_deploy


@click.command("check")
@click.option("--deploy", "with_deploy", is_flag=True, help="Also build the app and run the runtime deploy checks (FLK9xx).")
@output_options
@deploy_options
@click.pass_context
def check(ctx, with_deploy, select, ignore, output_format, output_file, exit_zero, fail_level, config_file, quiet, statistics, behind_proxy, timeout):
    """Lint the app's package with flaskcheck; --deploy adds the runtime checks."""
    from flaskcheck.engine.runner import lint
    from flaskcheck.runtime.loader import package_folder

    spec = ctx.ensure_object(ScriptInfo).app_import_path
    target = package_folder(spec)
    if target is None:
        given = f"for {spec!r}" if spec else "(no app given, and no wsgi.py or app.py here)"
        raise UsageFailure(f"cannot find the app's package {given}: use `flask --app SPEC check` or FLASK_APP")
    settings = _settings(target, config_file, select, ignore)
    result = lint([_relative(target)], settings)
    diagnostics = list(result.diagnostics)
    if with_deploy:
        diagnostics = sorted(diagnostics + run_deploy(spec, settings, timeout, behind_proxy), key=lambda d: d.sort_key)
    _emit(diagnostics, output_format, output_file, quiet, statistics, result.files_checked)
    sys.exit(exit_code(diagnostics, fail_level, exit_zero))


def _relative(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
