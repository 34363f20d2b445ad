#!/usr/bin/env python3
"""Benchmark flaskcheck against ruff, bandit and semgrep on one corpus of real code.

This is a measuring script, not a test: it runs each tool as a subprocess over the
same list of Python files and prints a Markdown table of wall-clock seconds, CPU
seconds, lines per second and ratios (to flaskcheck without its cache, and to the
time it takes merely to ``ast.parse`` every file, the floor for any analyzer that
uses CPython's parser).

Usage::

    python scripts/benchmark.py CORPUS_DIR [--repeat N] [--jobs N]
        [--tools flaskcheck,ruff,bandit,semgrep,parse] [--json FILE]
        [--timeout SECONDS] [--tool-dir DIR]

The other tools are not project dependencies. Install them yourself, best in a
virtual environment of their own (semgrep brings many packages)::

    pip install ruff bandit semgrep

The script finds them in ``--tool-dir`` (repeatable), then on ``PATH``, then next
to the running interpreter; a tool it cannot find is reported as "not installed".
flaskcheck is run with the interpreter that runs this script
(``python -m flaskcheck``) when it can import it, else from ``PATH``.

What is measured
----------------
* The files: every regular ``*.py`` file below CORPUS_DIR, except in hidden folders,
  ``__pycache__``, ``node_modules``, ``site-packages`` and ``_downloads`` (the archive
  cache of ``scripts/fetch_corpus.py``). Symbolic links are not followed. The list is
  made once, and every tool gets the same list as explicit paths on its command line
  (relative to CORPUS_DIR, which is the working directory of every run), so no
  tool's own exclude or ignore rules change what it reads. Files and physical lines
  are counted once.
* Each row: one warm-up run (not timed; its JSON report goes to a temporary file and
  is summarised, in a separate process, in the second table: files analysed,
  findings, files it could not parse, internal errors), then ``--repeat`` timed runs
  (default 3) with the report written to the null device; the median is shown. Wall
  time is ``time.perf_counter`` around the subprocess; CPU time is user+sys of the
  subprocess and every process it waited for (``resource.getrusage(RUSAGE_CHILDREN)``
  before and after), where the platform has it. Also recorded: peak RSS of the
  largest process (``os.wait4``), and, on Linux, the CPU time the rest of the machine
  used during each run (``/proc/stat``): on a shared machine wall times are inflated,
  and the report then says so; CPU seconds suffer much less.
* The rule counts shown with the versions come from ``ruff check --show-settings``,
  the tests ``bandit --help`` lists, and ``flaskcheck rules``.
* flaskcheck cold: ``lint --no-cache``; flaskcheck warm: ``lint`` with its result cache
  primed by the warm-up run (every file is a cache hit). Both with ``--jobs N
  --exit-zero --format json``, and ``--config`` pointing at an empty flaskcheck TOML
  file in the temporary folder, so no ``pyproject.toml`` of the corpus is read and the
  cache lives in the temporary folder.
* ruff: ``ruff check --isolated --no-cache --exit-zero --output-format json``, once
  with ``--select ALL`` and once with the default rules; ``--isolated`` keeps the
  corpus projects' own ruff settings out. Explicit paths are always checked (no
  ``--force-exclude``). Its thread count is set to N with ``RAYON_NUM_THREADS``.
* bandit: ``bandit -r -q --exit-zero -f json``. bandit has no parallel mode (its
  ``-n`` is the number of context lines), so it always uses one process.
* semgrep: ``semgrep scan --config RULES --metrics=off --disable-version-check
  --jobs N --quiet --json --max-target-bytes 0`` where RULES is a small Flask rule
  set in semgrep's own syntax that this script writes to the temporary folder
  (registry rule sets such as ``p/flask`` need the network and are never used).
* parse: a child Python (the interpreter running this script) that reads and
  ``ast.parse``s every file, serially. The table also shows it divided by N, the
  ideal parallel floor (computed, not measured).

N is ``--jobs`` (default: all cores). Runs that take longer than ``--timeout``
seconds (default 3600) are killed.

Output: the Markdown report on standard output, progress on standard error, and with
``--json FILE`` every raw number. Exit status: 0 when every installed tool ran, 1 when
a run failed or timed out, 2 for usage errors. Standard library only; Python 3.10+.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import multiprocessing
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

TOOL_GROUPS = ("flaskcheck", "ruff", "bandit", "semgrep", "parse")
RUN_ORDER = ("parse", "flaskcheck", "ruff", "bandit", "semgrep")  # parse first: it also warms the page cache
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "_downloads"}
BASELINE_KEY = "flaskcheck-cold"
PARSE_KEY = "parse"
MAX_LISTED = 20
BUSY_SHARE = 0.10  # other processes' share of the cores above which the report warns

SEMGREP_RULES = """\
rules:
  - id: flask-app-run-debug
    languages: [python]
    severity: ERROR
    message: The app is run with debug=True (the Werkzeug debugger runs code for anyone who can reach it)
    pattern: $APP.run(..., debug=True, ...)
  - id: flask-debug-switched-on
    languages: [python]
    severity: ERROR
    message: Debug mode is switched on in code
    pattern-either:
      - pattern: $APP.debug = True
      - pattern: $APP.config["DEBUG"] = True
      - pattern: DEBUG = True
  - id: flask-hardcoded-secret-key
    languages: [python]
    severity: ERROR
    message: SECRET_KEY is a string literal in the source
    pattern-either:
      - pattern: $APP.secret_key = "..."
      - pattern: $APP.config["SECRET_KEY"] = "..."
      - pattern: $APP.config.update(..., SECRET_KEY="...", ...)
      - pattern: SECRET_KEY = "..."
  - id: flask-set-cookie-without-secure
    languages: [python]
    severity: WARNING
    message: set_cookie() without secure=True
    patterns:
      - pattern: $RESPONSE.set_cookie(...)
      - pattern-not: $RESPONSE.set_cookie(..., secure=True, ...)
  - id: flask-session-cookie-not-secure
    languages: [python]
    severity: WARNING
    message: SESSION_COOKIE_SECURE is switched off
    pattern-either:
      - pattern: $APP.config["SESSION_COOKIE_SECURE"] = False
      - pattern: SESSION_COOKIE_SECURE = False
  - id: flask-render-template-string-non-literal
    languages: [python]
    severity: WARNING
    message: render_template_string() with a template that is not a literal
    patterns:
      - pattern: flask.render_template_string($TEMPLATE, ...)
      - pattern-not: flask.render_template_string("...", ...)
"""

PARSE_CHILD = """\
import ast, json, sys
parsed, failed = 0, []
with open(sys.argv[1], encoding="utf-8") as handle:
    names = handle.read().splitlines()
for name in names:
    with open(name, "rb") as handle:
        data = handle.read()
    try:
        ast.parse(data, filename=name)
        parsed += 1
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        failed.append([name, type(error).__name__ + ": " + str(error)])
with open(sys.argv[2], "w", encoding="utf-8") as handle:
    json.dump({"files": len(names), "parsed": parsed, "failed": failed}, handle)
"""


# ---------------------------------------------------------------------------
# The corpus


@dataclass(frozen=True)
class Corpus:
    root: Path
    files: list[str]  # posix paths relative to root, sorted
    lines: int
    size: int


def collect_corpus(root: Path) -> Corpus:
    files: list[str] = []
    lines = size = 0
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            files.append(path.relative_to(root).as_posix())
            size += len(data)
            lines += physical_lines(data)
    files.sort()
    return Corpus(root, files, lines, size)


def physical_lines(data: bytes) -> int:
    """Lines as an editor counts them: a last line without a newline counts too."""
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


# ---------------------------------------------------------------------------
# Running one command


@dataclass
class Run:
    wall: float
    cpu: float | None
    max_rss_kib: int | None
    returncode: int | None
    timed_out: bool = False
    stderr_tail: list[str] = field(default_factory=list)
    load_before: float | None = None  # 1-minute load average just before the run
    other_cpu: float | None = None  # CPU seconds the rest of the machine used meanwhile (Linux)

    @property
    def ok(self) -> bool:
        return not self.timed_out and self.returncode == 0


def run_command(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Run:
    """Run argv once: wall time, CPU of it and its waited-for descendants, peak RSS."""
    timed_out = threading.Event()
    max_rss = None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryFile() as stderr_file:
        busy_before = machine_busy_seconds()
        before = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr_file,
            start_new_session=(os.name == "posix"),
        )

        def kill() -> None:
            timed_out.set()
            try:
                if os.name == "posix":
                    os.killpg(process.pid, signal.SIGKILL)  # the process group this run started, nothing else
                else:
                    process.kill()
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            if hasattr(os, "wait4"):
                _, status, usage = os.wait4(process.pid, 0)
                returncode = os.waitstatus_to_exitcode(status)
                process.returncode = returncode
                max_rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
            else:
                returncode = process.wait()
        except BaseException:  # Ctrl-C or SIGTERM: take the run's processes down with us
            kill()
            process.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
        busy_after = machine_busy_seconds()
        cpu = other = None
        if before is not None and after is not None:
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if busy_before is not None and busy_after is not None:
                other = max(0.0, (busy_after - busy_before) - cpu)
        stderr_file.seek(0)
        tail = stderr_file.read().decode("utf-8", "replace").splitlines()[-20:]
    return Run(wall, cpu, max_rss, returncode, timed_out.is_set(), tail, load, other)


def machine_busy_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (Linux /proc/stat), else None.

    Its change over a run minus the run's own CPU time is what other processes took
    meanwhile: a benchmark on a shared machine should say how shared it was.
    """
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = handle.readline().split()
        ticks = [int(value) for value in fields[1:9]]  # user nice system idle iowait irq softirq steal
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


# ---------------------------------------------------------------------------
# The tools


@dataclass
class Tool:
    key: str
    group: str
    label: str
    parallelism: str
    command: list[str] | None  # the executable part; None: not installed
    argv: Callable[[str], list[str]]  # report path -> full argv
    env: dict[str, str] = field(default_factory=dict)
    list_files: list[str] | None = None  # argv that prints the files the tool would analyse, one a line
    rules: int | None = None  # how many rules or tests the tool runs, where it can say
    version: str | None = None
    status: str = "not run"
    warmup: Run | None = None
    runs: list[Run] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def wall(self) -> float | None:
        good = [run.wall for run in self.runs if run.ok]
        return statistics.median(good) if good and len(good) == len(self.runs) else None

    @property
    def cpu(self) -> float | None:
        values = [run.cpu for run in self.runs if run.ok and run.cpu is not None]
        return statistics.median(values) if values and len(values) == len(self.runs) else None

    @property
    def other_cpu_share(self) -> float | None:
        """The share of the machine's cores other processes used during the timed runs."""
        runs = [run for run in self.runs if run.other_cpu is not None]
        if not runs:
            return None
        return sum(run.other_cpu for run in runs) / (sum(run.wall for run in runs) * (os.cpu_count() or 1))

    @property
    def max_rss_mib(self) -> float | None:
        values = [r.max_rss_kib for r in [*self.runs, *([self.warmup] if self.warmup else [])] if r.max_rss_kib]
        return max(values) / 1024 if values else None


def find_executable(name: str, tool_dirs: list[str]) -> str | None:
    for folder in tool_dirs:
        found = shutil.which(name, path=folder)
        if found:
            return found
    found = shutil.which(name)
    if found:
        return found
    return shutil.which(name, path=sysconfig.get_path("scripts"))


def flaskcheck_command(tool_dirs: list[str]) -> list[str] | None:
    if importlib.util.find_spec("flaskcheck") is not None:
        return [sys.executable, "-m", "flaskcheck"]
    found = find_executable("flaskcheck", tool_dirs)
    return [found] if found else None


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def summarize_flaskcheck(path: Path) -> dict[str, Any]:
    findings = read_json(path)
    codes = Counter(f["code"] for f in findings)
    return {
        "files": None,  # explicit paths are always analysed; the JSON report does not count them
        "findings": len(findings),
        "unparsed": codes["FLK001"] + codes["FLK002"],
        "errors": codes["FLK000"],
        "by_code": dict(codes.most_common()),
        "unparsed_files": {f["path"]: f"{f['code']} {f['message']}" for f in findings if f["code"] in {"FLK001", "FLK002"}},
        "problems": [f"{f['path']}: {f['code']} {f['message']}" for f in findings if f["code"] == "FLK000"],
    }


def summarize_ruff(path: Path) -> dict[str, Any]:
    findings = read_json(path)
    codes = Counter(f.get("code") or "invalid-syntax" for f in findings)
    syntax = {f["filename"]: f"invalid-syntax: {f.get('message', '')}" for f in findings if (f.get("code") or "invalid-syntax") == "invalid-syntax"}
    return {
        "files": None,  # ruff's JSON lists findings only: counted with --show-files
        "files_with_findings": len({f["filename"] for f in findings}),
        "findings": len(findings) - codes["invalid-syntax"],
        "syntax_error_findings": codes["invalid-syntax"],
        "unparsed": len(syntax),
        "errors": 0,
        "top_codes": dict(codes.most_common(10)),
        "unparsed_files": syntax,
        "problems": [],
    }


def summarize_bandit(path: Path) -> dict[str, Any]:
    report = read_json(path)
    errors = report.get("errors", [])
    syntax = [e for e in errors if "syntax error" in e.get("reason", "")]
    return {
        "files": len([k for k in report.get("metrics", {}) if k != "_totals"]),
        "findings": len(report.get("results", [])),
        "unparsed": len(syntax),
        "errors": len(errors) - len(syntax),
        "loc_counted_by_bandit": report.get("metrics", {}).get("_totals", {}).get("loc"),
        "unparsed_files": {e.get("filename", "?"): e.get("reason", "") for e in syntax},
        "problems": [f"{e.get('filename')}: {e.get('reason')}" for e in errors if e not in syntax],
    }


def summarize_semgrep(path: Path) -> dict[str, Any]:
    report = read_json(path)
    errors = report.get("errors", [])
    syntax = [e for e in errors if "syntax error" in str(e.get("type", "")).lower()]

    def text(error: dict[str, Any]) -> str:
        return f"{error.get('type')}: {' '.join(str(error.get('message', '')).split())}"

    paths = report.get("paths", {})
    return {
        "files": len(paths.get("scanned", [])),
        "skipped": len(paths.get("skipped", []) or []),
        "findings": len(report.get("results", [])),
        "unparsed": len(syntax),
        "errors": len(errors) - len(syntax),
        "by_rule": dict(Counter(r["check_id"].rsplit(".", 1)[-1] for r in report.get("results", [])).most_common()),
        "unparsed_files": {e.get("path", "?"): text(e) for e in syntax},
        "problems": [f"{e.get('path', '?')}: {text(e)}" for e in errors if e not in syntax],
    }


def summarize_parse(path: Path) -> dict[str, Any]:
    report = read_json(path)
    return {
        "files": report["files"],
        "findings": None,
        "unparsed": len(report["failed"]),
        "errors": 0,
        "unparsed_files": dict(report["failed"]),
        "problems": [],
    }


SUMMARIZERS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "parse": summarize_parse, "flaskcheck": summarize_flaskcheck, "ruff": summarize_ruff,
    "bandit": summarize_bandit, "semgrep": summarize_semgrep,
}


def summarize_report(group: str, path: str, corpus_root: str) -> dict[str, Any]:
    """Runs in a separate process (a report can be hundreds of MB of JSON), so this
    process stays small: a child inherits its parent's peak RSS through fork and exec."""
    summary = SUMMARIZERS[group](Path(path))
    summary["unparsed_files"] = {
        corpus_relative(name, corpus_root): message for name, message in summary.get("unparsed_files", {}).items()
    }
    return summary


def corpus_relative(name: str, corpus_root: str) -> str:
    if name.startswith(corpus_root.rstrip("/") + "/"):
        name = name[len(corpus_root.rstrip("/")) + 1:]
    return name[2:] if name.startswith("./") else name


def build_tools(groups: list[str], jobs: int, tool_dirs: list[str], work: Path, files_arg: list[str], list_file: Path) -> list[Tool]:
    tools: list[Tool] = []
    config = work / "flaskcheck.toml"
    rules = work / "semgrep-flask-rules.yaml"
    if "parse" in groups:
        tools.append(Tool(
            PARSE_KEY, "parse", "parse floor: `ast.parse` every file (1 process)", "1",
            [sys.executable],
            lambda out: [sys.executable, "-c", PARSE_CHILD, str(list_file), out],
            version=f"CPython {platform.python_version()}",
        ))
    if "flaskcheck" in groups:
        command = flaskcheck_command(tool_dirs)
        config.write_text("# empty: default flaskcheck settings; the cache goes next to this file\n", encoding="utf-8")
        common = ["lint", "--config", str(config), "--jobs", str(jobs), "--exit-zero", "--format", "json"]
        for key, label, extra in (
            ("flaskcheck-cold", "flaskcheck, cold (`--no-cache`)", ["--no-cache"]),
            ("flaskcheck-warm", "flaskcheck, warm (cache primed)", []),
        ):
            tools.append(Tool(
                key, "flaskcheck", label, str(jobs), command,
                lambda out, extra=extra: [*(command or []), *common, *extra, "--output", out, *files_arg],
                ))
    if "ruff" in groups:
        found = find_executable("ruff", tool_dirs)
        base = ["check", "--isolated", "--no-cache", "--exit-zero", "--output-format", "json"]
        for key, label, extra in (
            ("ruff-all", "ruff `--select ALL`", ["--select", "ALL"]),
            ("ruff-default", "ruff, default rules", []),
        ):
            tools.append(Tool(
                key, "ruff", label, f"{jobs} threads", [found] if found else None,
                lambda out, extra=extra, found=found: [found, *base, *extra, "--output-file", out, *files_arg],
                env={"RAYON_NUM_THREADS": str(jobs)},
                list_files=[found, "check", "--isolated", "--show-files", *files_arg] if found else None,
            ))
    if "bandit" in groups:
        found = find_executable("bandit", tool_dirs)
        tools.append(Tool(
            "bandit", "bandit", "bandit (all plugins)", "1 (no parallel mode)", [found] if found else None,
            lambda out, found=found: [found, "-r", "-q", "--exit-zero", "-f", "json", "-o", out, *files_arg],
        ))
    if "semgrep" in groups:
        found = find_executable("semgrep", tool_dirs)
        rules.write_text(SEMGREP_RULES, encoding="utf-8")
        tools.append(Tool(
            "semgrep", "semgrep", f"semgrep, {SEMGREP_RULES.count('- id:')} local Flask rules", str(jobs),
            [found] if found else None,
            lambda out, found=found: [
                found, "scan", "--config", str(rules), "--metrics=off", "--disable-version-check",
                "--jobs", str(jobs), "--quiet", "--json", "--max-target-bytes", "0", "--output", out, *files_arg,
            ],
            env={"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"},
        ))
    return tools


def tool_version(tool: Tool, cwd: Path, env: dict[str, str]) -> str | None:
    if tool.version or tool.command is None:
        return tool.version
    try:
        done = subprocess.run(
            [*tool.command, "--version"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return f"unknown ({error})"
    lines = [line.strip() for line in (done.stdout or done.stderr).splitlines() if line.strip()]
    return lines[0] if lines else None


def enabled_rules(tool: Tool, corpus: Corpus, env: dict[str, str]) -> int | None:
    """The number of rules the row runs: ruff's --show-settings, bandit's list of loaded tests."""
    if tool.command is None:
        return None
    if tool.group == "semgrep":
        return SEMGREP_RULES.count("- id:")
    if tool.group == "ruff":
        argv = [tool.command[0], "check", "--isolated", *(["--select", "ALL"] if tool.key == "ruff-all" else []), "--show-settings", corpus.files[0]]
    elif tool.group == "bandit":
        argv = [tool.command[0], "--help"]
    else:
        return None
    try:
        done = subprocess.run(argv, cwd=corpus.root, env=env, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.splitlines()
    if tool.group == "bandit":
        return len([line for line in lines if re.match(r"^\s+B\d{3}\s", line)]) or None
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("linter.rules.enabled = ["))
        end = next(i for i in range(start, len(lines)) if lines[i].strip() == "]")
    except StopIteration:
        return None
    return end - start - 1


def flaskcheck_details(tool: Tool, cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Rule count, and the git commit of the checkout flaskcheck runs from (if any)."""
    details: dict[str, Any] = {}
    if tool.command is None:
        return details
    try:
        done = subprocess.run([*tool.command, "rules", "--format", "json"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
        rows = json.loads(done.stdout)
        details["rules"] = len(rows)
        # `lint` runs the static rules that are not opt-in; the runtime deploy checks are listed too
        details["rules_run_by_lint"] = len([r for r in rows if "runtime" not in r.get("section", "") and not r.get("opt_in")])
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    spec = importlib.util.find_spec("flaskcheck")
    folder = Path(spec.origin).parent if spec and spec.origin and tool.command[0] == sys.executable else None
    if folder is not None:
        details["location"] = str(folder)
    if folder is not None and shutil.which("git"):
        try:
            head = subprocess.run(["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=30, check=False)
            if head.returncode == 0:
                dirty = subprocess.run(["git", "-C", str(folder), "status", "--porcelain"], capture_output=True, text=True, timeout=60, check=False)
                details["git"] = head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
        except (OSError, subprocess.SubprocessError):
            pass
    return details


# ---------------------------------------------------------------------------
# Measuring


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(tool: Tool, corpus: Corpus, repeat: int, timeout: float, work: Path, base_env: dict[str, str]) -> None:
    if tool.command is None:
        tool.status = "not installed"
        log(f"{tool.key}: not installed")
        return
    env = {**base_env, **tool.env}
    report_path = work / f"{tool.key}-report.json"
    log(f"{tool.key}: warm-up run ...")
    try:
        tool.warmup = run_command(tool.argv(str(report_path)), corpus.root, env, timeout)
    except OSError as error:
        tool.status = f"failed to start ({error.strerror or error})"
        log(f"{tool.key}: {tool.status}")
        return
    log(f"{tool.key}: warm-up {describe(tool.warmup)}")
    if not tool.warmup.ok:
        tool.status = "timed out" if tool.warmup.timed_out else f"failed (exit {tool.warmup.returncode})"
        return
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            tool.report = pool.submit(summarize_report, tool.group, str(report_path), str(corpus.root)).result()
    except Exception as error:  # noqa: BLE001 - a report we cannot read must not end the benchmark
        tool.report = {"summary_error": f"{type(error).__name__}: {error}"}
    finally:
        report_path.unlink(missing_ok=True)
    if tool.list_files and tool.report.get("files") is None:
        try:
            listed = subprocess.run(tool.list_files, cwd=corpus.root, env=env, capture_output=True, text=True, timeout=timeout, check=False)
            if listed.returncode == 0:
                tool.report["files"] = len([line for line in listed.stdout.splitlines() if line.strip()])
        except (OSError, subprocess.SubprocessError):
            pass
    for number in range(1, repeat + 1):
        run = run_command(tool.argv(os.devnull), corpus.root, env, timeout)
        tool.runs.append(run)
        log(f"{tool.key}: run {number}/{repeat} {describe(run)}")
        if not run.ok:
            tool.status = "timed out" if run.timed_out else f"failed (exit {run.returncode})"
            return
    tool.status = "ok"


def describe(run: Run) -> str:
    text = f"{run.wall:.2f} s wall"
    if run.cpu is not None:
        text += f", {run.cpu:.2f} s CPU"
    if run.other_cpu is not None:
        text += f"; other processes meanwhile: {run.other_cpu:.1f} s CPU"
    if run.timed_out:
        text += ", TIMED OUT"
    elif run.returncode != 0:
        text += f", exit {run.returncode}: " + " | ".join(run.stderr_tail[-3:])
    return text


# ---------------------------------------------------------------------------
# Reporting


def fmt_seconds(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def fmt_ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return "—"
    ratio = value / base
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.1f}×" if ratio < 100 else f"{ratio:.0f}×"


def fmt_share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%} of the cores"


def fmt_int(value: int | float | None) -> str:
    return "—" if value is None else f"{round(value):,}"


def display_command(tool: Tool, corpus: Corpus) -> str:
    argv = tool.argv("/dev/null")
    count = len(corpus.files)
    if tool.key == PARSE_KEY:
        return f"python -c <ast.parse loop> <list of {count} files> <report>"
    names = set(corpus.files)
    shown = [a for a in argv if a not in names]
    shown[0] = Path(shown[0]).name if shown[0] != sys.executable else "python"
    return shlex.join(shown) + f" <{count} files>"


def markdown(tools: list[Tool], corpus: Corpus, jobs: int, repeat: int, meta: dict[str, Any]) -> str:
    by_key = {tool.key: tool for tool in tools}
    baseline = by_key.get(BASELINE_KEY)
    base_wall = baseline.wall if baseline else None
    parse = by_key.get(PARSE_KEY)
    parse_wall = parse.wall if parse else None
    out: list[str] = []
    out.append(f"Corpus: `{corpus.root}`: {len(corpus.files):,} Python files, {corpus.lines:,} physical lines, {corpus.size / 1e6:.1f} MB.")
    out.append(f"Machine: {meta['machine']['summary']}. Jobs: {jobs}. Median of {repeat} timed run(s), each tool after one warm-up run.")
    out.append("")
    base_cpu = baseline.cpu if baseline else None
    parse_cpu = parse.cpu if parse else None
    out.append(
        "| tool | processes | wall s (median) | CPU s (user+sys) | lines/s (wall) "
        "| wall × flaskcheck cold | wall × parse floor | CPU × flaskcheck cold | CPU × parse floor |"
    )
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for tool in tools:
        if tool.status != "ok":
            out.append(f"| {tool.label} | {tool.parallelism} | {tool.status} | — | — | — | — | — | — |")
            continue
        wall, cpu = tool.wall, tool.cpu
        lines_per_second = corpus.lines / wall if wall else None
        out.append(
            f"| {tool.label} | {tool.parallelism} | {fmt_seconds(wall)} | {fmt_seconds(cpu, 1)} | {fmt_int(lines_per_second)} "
            f"| {fmt_ratio(wall, base_wall)} | {fmt_ratio(wall, parse_wall)} | {fmt_ratio(cpu, base_cpu)} | {fmt_ratio(cpu, parse_cpu)} |"
        )
        if tool.key == PARSE_KEY and wall and jobs > 1:
            ideal = wall / jobs
            out.append(
                f"| parse floor ÷ {jobs} (ideal parallel floor, computed) | {jobs} | {fmt_seconds(ideal)} | — | {fmt_int(corpus.lines / ideal)} "
                f"| {fmt_ratio(ideal, base_wall)} | {fmt_ratio(ideal, parse_wall)} | — | — |"
            )
    busy = [tool for tool in tools if tool.other_cpu_share is not None and tool.other_cpu_share > BUSY_SHARE]
    if busy:
        out.append("")
        out.append(
            f"**Warning: the machine was busy.** Other processes used more than {BUSY_SHARE:.0%} of the cores during the timed runs of "
            + ", ".join(tool.label for tool in busy)
            + " (second table): their wall times, lines/s and wall ratios are inflated; CPU seconds and CPU ratios suffer much less."
        )
    out.append("")
    out.append("What each tool reported in its warm-up run (same files for all; \"—\": its report does not say):")
    out.append("")
    out.append(
        "| tool | files analysed | findings | files it could not parse | internal errors "
        "| peak RSS MiB (largest process) | other processes' CPU during timed runs |"
    )
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for tool in tools:
        if not tool.report:
            continue
        report = tool.report
        out.append(
            f"| {tool.label} | {fmt_int(report.get('files'))} | {fmt_int(report.get('findings'))} | {fmt_int(report.get('unparsed'))} "
            f"| {fmt_int(report.get('errors'))} | {fmt_int(tool.max_rss_mib)} | {fmt_share(tool.other_cpu_share)} |"
        )
    unparsed: dict[str, dict[str, str]] = {}  # file -> tool group -> message
    for tool in tools:
        for name, message in tool.report.get("unparsed_files", {}).items():
            unparsed.setdefault(name, {}).setdefault(tool.group, message)
    if unparsed:
        out.append("")
        out.append("Files that a tool could not parse (and which tools):")
        out.append("")
        for name in sorted(unparsed)[:MAX_LISTED]:
            by_group = unparsed[name]
            message = by_group.get("parse") or next(iter(by_group.values()))
            out.append(f"- `{name}`: {', '.join(by_group)}: {' '.join(message.split())[:200]}")
        if len(unparsed) > MAX_LISTED:
            out.append(f"- ... and {len(unparsed) - MAX_LISTED} more (see --json)")
    notes = [tool for tool in tools if tool.report.get("problems") or tool.report.get("summary_error") or tool.status not in {"ok", "not installed"}]
    if notes:
        out.append("")
        out.append("Other problems reported (first few per tool):")
        out.append("")
        for tool in notes:
            if tool.report.get("summary_error"):
                out.append(f"- {tool.label}: its report could not be read: {tool.report['summary_error']}")
            for problem in tool.report.get("problems", [])[:8]:
                out.append(f"- {tool.label}: `{problem[:300]}`")
            last = tool.runs[-1] if tool.runs else tool.warmup
            if tool.status not in {"ok", "not installed"} and last is not None:
                out.append(f"- {tool.label}: {tool.status}; stderr: `{' | '.join(last.stderr_tail[-5:])[:500]}`")
    out.append("")
    out.append("Versions:")
    out.append("")
    for tool in tools:
        extra = ""
        if tool.group == "flaskcheck" and meta.get("flaskcheck"):
            details = meta["flaskcheck"]
            extra = "".join([
                f", {details['rules']} rules listed, {details.get('rules_run_by_lint', '?')} of them run by `lint` by default" if "rules" in details else "",
                f", git {details['git']}" if "git" in details else "",
                f", from `{details['location']}`" if "location" in details else "",
            ])
        if tool.rules is not None:
            extra += f", {tool.rules} rules enabled"
        out.append(f"- {tool.label}: {tool.version or 'not installed'}{extra}")
    out.append("")
    out.append("Commands (run in the corpus folder; the timed runs write their report to the null device):")
    out.append("")
    for tool in tools:
        if tool.command is not None:
            env = " ".join(f"{k}={v}" for k, v in tool.env.items())
            out.append(f"- `{(env + ' ') if env else ''}{display_command(tool, corpus)}`")
    out.append("")
    return "\n".join(out)


def machine_info(jobs: int) -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    parts = [f"{info['cpu_count']} cores"]
    if "cpu" in info:
        parts.append(info["cpu"])
    if "memory_gib" in info:
        parts.append(f"{info['memory_gib']} GiB RAM")
    parts.append(info["platform"])
    parts.append(f"Python {info['python']}")
    info["summary"] = ", ".join(parts)
    return info


def tool_json(tool: Tool, corpus: Corpus, base: Tool | None, parse: Tool | None) -> dict[str, Any]:
    base_wall, base_cpu = (base.wall, base.cpu) if base else (None, None)
    parse_wall, parse_cpu = (parse.wall, parse.cpu) if parse else (None, None)

    def run_dict(run: Run | None) -> dict[str, Any] | None:
        if run is None:
            return None
        return {
            "wall_seconds": run.wall, "cpu_seconds": run.cpu, "max_rss_kib": run.max_rss_kib,
            "returncode": run.returncode, "timed_out": run.timed_out, "stderr_tail": run.stderr_tail,
            "load_average_before": run.load_before, "other_processes_cpu_seconds": run.other_cpu,
        }

    wall = tool.wall
    return {
        "key": tool.key, "group": tool.group, "label": tool.label, "status": tool.status,
        "version": tool.version, "rules": tool.rules, "parallelism": tool.parallelism,
        "command": display_command(tool, corpus) if tool.command else None,
        "env": tool.env,
        "wall_seconds_median": wall, "cpu_seconds_median": tool.cpu,
        "lines_per_second": corpus.lines / wall if wall else None,
        "ratio_to_flaskcheck_cold": wall / base_wall if wall and base_wall else None,
        "ratio_to_parse_floor": wall / parse_wall if wall and parse_wall else None,
        "cpu_ratio_to_flaskcheck_cold": tool.cpu / base_cpu if tool.cpu and base_cpu else None,
        "cpu_ratio_to_parse_floor": tool.cpu / parse_cpu if tool.cpu and parse_cpu else None,
        "max_rss_mib": tool.max_rss_mib,
        "other_processes_share_of_cores": tool.other_cpu_share,
        "warmup": run_dict(tool.warmup),
        "runs": [run_dict(run) for run in tool.runs],
        "report": tool.report,
    }


# ---------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Compare flaskcheck with ruff, bandit and semgrep (and the ast.parse floor) on one corpus.",
        epilog="Install the other tools with: pip install ruff bandit semgrep",
    )
    parser.add_argument("corpus", metavar="CORPUS_DIR", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool, after one warm-up (default 3)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes/threads for the tools that can use them (default: all cores)")
    parser.add_argument("--tools", default=",".join(TOOL_GROUPS), help=f"comma-separated subset of {','.join(TOOL_GROUPS)} (default: all)")
    parser.add_argument("--json", dest="json_file", type=Path, help="also write the raw numbers to FILE")
    parser.add_argument("--timeout", type=float, default=3600, help="kill a run after this many seconds (default 3600)")
    parser.add_argument("--tool-dir", action="append", default=[], help="look for ruff, bandit, semgrep (and flaskcheck) in this folder first; repeatable")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    groups = [g.strip() for g in args.tools.split(",") if g.strip()]
    unknown = [g for g in groups if g not in TOOL_GROUPS]
    if unknown or not groups:
        parser.error(f"--tools: unknown tool {unknown[0]!r} (known: {', '.join(TOOL_GROUPS)})" if unknown else "--tools: name at least one tool")
    args.groups = [g for g in RUN_ORDER if g in groups]
    if not args.corpus.is_dir():
        parser.error(f"CORPUS_DIR {args.corpus} is not a folder")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    corpus = collect_corpus(args.corpus.resolve())
    if not corpus.files:
        print(f"benchmark: error: no Python files under {corpus.root}", file=sys.stderr)
        return 2
    log(f"corpus: {len(corpus.files):,} Python files, {corpus.lines:,} physical lines, {corpus.size / 1e6:.1f} MB below {corpus.root}")
    files_arg = list(corpus.files)
    arg_bytes = sum(len(name) + 1 for name in files_arg) + sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    arg_max = os.sysconf("SC_ARG_MAX") if hasattr(os, "sysconf") and "SC_ARG_MAX" in os.sysconf_names else 32_000
    if arg_bytes > arg_max - 65_536:
        print(
            f"benchmark: error: the {len(files_arg):,} file names ({arg_bytes:,} bytes) do not fit on one command line "
            f"(limit {arg_max:,}); use a smaller corpus",
            file=sys.stderr,
        )
        return 2
    meta: dict[str, Any] = {"machine": machine_info(args.jobs)}
    base_env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="flaskcheck-benchmark-") as temp:
        work = Path(temp)
        list_file = work / "files.txt"
        list_file.write_text("\n".join(corpus.files) + "\n", encoding="utf-8")
        tools = build_tools(args.groups, args.jobs, args.tool_dir, work, files_arg, list_file)
        for tool in tools:
            tool.version = tool_version(tool, corpus.root, {**base_env, **tool.env})
            tool.rules = enabled_rules(tool, corpus, {**base_env, **tool.env})
        flaskcheck_tool = next((t for t in tools if t.group == "flaskcheck"), None)
        if flaskcheck_tool is not None:
            meta["flaskcheck"] = flaskcheck_details(flaskcheck_tool, corpus.root, base_env)
        for tool in tools:
            measure(tool, corpus, args.repeat, args.timeout, work, base_env)
    total = time.perf_counter() - started
    print(markdown(tools, corpus, args.jobs, args.repeat, meta))
    print(f"Whole benchmark: {total / 60:.1f} minutes.")
    if args.json_file is not None:
        by_key = {tool.key: tool for tool in tools}
        base, parse = by_key.get(BASELINE_KEY), by_key.get(PARSE_KEY)
        parse_wall = parse.wall if parse else None
        document = {
            "schema": 1,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": [Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)],
            "corpus": {"root": str(corpus.root), "files": len(corpus.files), "lines": corpus.lines, "bytes": corpus.size},
            "jobs": args.jobs, "repeat": args.repeat, "timeout_seconds": args.timeout,
            "machine": meta["machine"], "flaskcheck": meta.get("flaskcheck", {}),
            "parse_ideal_parallel_floor_seconds": parse_wall / args.jobs if parse_wall else None,
            "tools": [tool_json(tool, corpus, base, parse) for tool in tools],
            "total_seconds": total,
        }
        args.json_file.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {args.json_file}")
    failed = [tool for tool in tools if tool.status not in {"ok", "not installed"}]
    return 1 if failed else 0


def _terminate(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds: the running tool is killed, the temporary folder removed


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("benchmark: interrupted", file=sys.stderr)
        sys.exit(130)
