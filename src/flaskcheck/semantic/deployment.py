"""Deployment files as data: which files they are, the environment they set, the commands they run.

Dockerfiles (`ENV`, `ARG`; `CMD`, `ENTRYPOINT`, `RUN`), Procfiles, Compose files
(`environment:`; `command:`, `entrypoint:`), systemd units (`Environment=`; `ExecStart=`),
App Engine's `app.yaml` (`env_variables:`; `entrypoint:`) and `fly.toml` (`[env]`;
`[processes]`, `cmd`, `entrypoint`, `release_command`). Standard library only: YAML is read
line by line in the common layouts, and whatever cannot be read is left out (silence rather
than a guess). Positions are 1-based lines and columns; `end_column` is one past the end.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from flaskcheck.semantic.flask import is_dev_or_test_name

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_COMPOSE = re.compile(r"(docker-)?compose[\w.-]*\.ya?ml")
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
_RUNNERS = (("poetry", "run"), ("pipenv", "run"), ("uv", "run"), ("pdm", "run"), ("hatch", "run"))
_PREFIXES = frozenset({"exec", "nohup", "time"})
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "(", ")", ";;"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class EnvSetting:
    """`NAME=value`; `value` is None when it is not a literal (`$VAR`, a YAML null)."""

    name: str
    value: str | None
    span: Span
    section: str = ""  # Dockerfile stage, Compose service or Procfile process name


@dataclass(frozen=True, slots=True)
class Command:
    """A command a deployment file runs: its words (exec form) or its shell text."""

    text: str
    words: tuple[str, ...] | None
    span: Span
    section: str = ""
    instruction: str = ""  # CMD, ENTRYPOINT, RUN, ExecStart, command, cmd, release_command, process...


@dataclass(frozen=True, slots=True)
class DeploymentFile:
    kind: str  # dockerfile | procfile | compose | systemd | app-yaml | fly
    environment: tuple[EnvSetting, ...]
    commands: tuple[Command, ...]


def deployment_kind(relative_path: str) -> str | None:
    """The kind of deployment file at `relative_path`, or None. `.flaskenv` and `.env` are not."""
    name = PurePosixPath(relative_path).name
    lower = name.lower()
    if lower.startswith("dockerfile") or lower.endswith(".dockerfile"):
        return "dockerfile"
    if name == "Procfile" or name.startswith("Procfile."):
        return "procfile"
    if _COMPOSE.fullmatch(lower):
        return "compose"
    if lower.endswith(".service"):
        return "systemd"
    if lower == "app.yaml":
        return "app-yaml"
    if lower == "fly.toml":
        return "fly"
    return None


def parse_deployment_file(relative_path: str, text: str) -> DeploymentFile | None:
    kind = deployment_kind(relative_path)
    if kind is None:
        return None
    environment, commands = _PARSERS[kind](text)
    for command in commands:
        environment.extend(command_environment(command))
    return DeploymentFile(kind, tuple(environment), tuple(commands))


# -- commands ------------------------------------------------------------------------------

_SETUP_INSTRUCTIONS = frozenset({"RUN", "ExecStartPre", "ExecStartPost", "release_command"})
_SETUP_PROCESSES = frozenset({"release"})
_DEVELOPMENT_FOLDERS = frozenset({".devcontainer"})


def service_commands(parsed: DeploymentFile) -> list[Command]:
    """The commands that start the deployed service: Dockerfile `CMD` / `ENTRYPOINT`, Procfile
    processes (not `release`), Compose and app.yaml `command:` / `entrypoint:`, systemd
    `ExecStart=`, fly.toml processes / `cmd` / `entrypoint`. Build and release steps are not."""
    return [c for c in parsed.commands if c.instruction not in _SETUP_INSTRUCTIONS and not (c.instruction == "process" and c.section in _SETUP_PROCESSES)]


def is_development_file(relative_path: str) -> bool:
    """A deployment file for development or tests, by its name or a folder above it
    (`Dockerfile.dev`, `docker-compose.override.yml`, `tests/Procfile`, `.devcontainer/`)."""
    path = PurePosixPath(relative_path)
    if is_dev_or_test_name(path.name, deployment_file=True):
        return True
    return any(part in _DEVELOPMENT_FOLDERS or is_dev_or_test_name(part, deployment_file=True) for part in path.parts[:-1])



def simple_commands(command: Command) -> list[list[str]]:
    """The simple commands a command runs, split at `&&`, `;`, `|`, with `sh -c "..."` opened."""
    words = list(command.words) if command.words is not None else _shell_words(command.text)
    return list(_split_simple(words, depth=3))


def _shell_words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # an unclosed quote: leave it out
        return []


def _split_simple(words: list[str], depth: int) -> Iterator[list[str]]:
    current: list[str] = []
    for word in [*words, ";"]:
        if word not in _SEPARATORS:
            current.append(word)
            continue
        if current:
            yield from _open_shell(current, depth)
        current = []


def _open_shell(words: list[str], depth: int) -> Iterator[list[str]]:
    program = PurePosixPath(words[0]).name
    if program in _SHELLS and depth and "-c" in words[1:]:
        script_at = words.index("-c", 1) + 1
        if script_at < len(words):
            yield from _split_simple(_shell_words(words[script_at]), depth - 1)
        return
    yield words


def invocation(words: list[str]) -> tuple[str, list[str]] | None:
    """(program, arguments) of a simple command, past `VAR=x`, `env`, `exec`, `poetry run` and
    `python -m`: `python -m flask run --debug` -> ("flask", ["run", "--debug"])."""
    index = 0
    while index < len(words):
        word = words[index]
        name = PurePosixPath(word).name
        if _ASSIGNMENT.match(word) or name in _PREFIXES or name == "env":
            index += 1
        elif any(tuple(words[index:index + 2]) == runner for runner in _RUNNERS):
            index += 2
        else:
            break
    if index >= len(words):
        return None
    program = PurePosixPath(words[index]).name
    arguments = words[index + 1:]
    if re.fullmatch(r"python[\d.]*", program) and len(arguments) >= 2 and arguments[0] == "-m":
        return arguments[1], arguments[2:]
    return program, arguments


def command_environment(command: Command) -> list[EnvSetting]:
    """`FLASK_DEBUG=1 flask run`, `export FLASK_DEBUG=1 && ...`: assignments a command makes."""
    found = []
    for words in simple_commands(command):
        leading = words[1:] if words and words[0] in ("export", "env") else words
        for word in leading:
            if not _ASSIGNMENT.match(word):
                break
            name, _, value = word.partition("=")
            found.append(EnvSetting(name, _literal(value), command.span, command.section))
    return found


def _literal(value: str) -> str | None:
    return None if "$" in value else value


# -- Dockerfile ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Piece:
    line: int
    column: int  # 1-based column where `text` starts
    text: str


def _dockerfile(text: str) -> tuple[list[EnvSetting], list[Command]]:
    environment: list[EnvSetting] = []
    commands: list[Command] = []
    stage = ""
    for pieces in _docker_instructions(text):
        joined = " ".join(piece.text for piece in pieces)
        keyword, _, rest = joined.strip().partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            words = rest.split()
            stage = words[-1] if len(words) >= 3 and words[-2].lower() == "as" else ""
        elif keyword in ("ENV", "ARG"):
            environment.extend(_docker_assignments(rest, keyword == "ENV", pieces, stage))
        elif keyword in ("CMD", "ENTRYPOINT", "RUN"):
            command = _docker_command(rest, keyword, pieces, stage)
            if command is not None:
                commands.append(command)
    return environment, commands


def _docker_instructions(text: str) -> Iterator[list[_Piece]]:
    """Logical instructions: comment lines dropped, `\\` continuations joined."""
    pieces: list[_Piece] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment and blank lines, inside continued instructions too
        column = len(line) - len(line.lstrip()) + 1
        continued = stripped.endswith("\\")
        pieces.append(_Piece(number, column, stripped[:-1] if continued else stripped))
        if not continued:
            yield pieces
            pieces = []
    if pieces:
        yield pieces


def _docker_assignments(rest: str, is_env: bool, pieces: list[_Piece], stage: str) -> list[EnvSetting]:
    words = _split_quoted(rest)
    if not words:
        return []
    if is_env and "=" not in words[0]:  # legacy `ENV NAME value`
        name, value = words[0], " ".join(words[1:])
        return [EnvSetting(name, _literal(value), _locate(pieces, name), stage)]
    found = []
    for word in words:
        if "=" not in word:
            continue  # `ARG NAME` without a default sets nothing
        name, _, value = word.partition("=")
        found.append(EnvSetting(name, _literal(value), _locate(pieces, name + "="), stage))
    return found


def _docker_command(rest: str, keyword: str, pieces: list[_Piece], stage: str) -> Command | None:
    if keyword == "RUN":
        while rest.startswith("--"):  # RUN --mount=... flags
            _, _, rest = rest.partition(" ")
            rest = rest.strip()
    if not rest:
        return None
    span = _whole(pieces)
    if rest.startswith("["):
        try:
            words = json.loads(rest)
        except ValueError:
            words = None
        if isinstance(words, list) and all(isinstance(word, str) for word in words):
            return Command(" ".join(words), tuple(words), span, stage, keyword)
    return Command(rest, None, span, stage, keyword)


def _locate(pieces: list[_Piece], needle: str) -> Span:
    for piece in pieces:
        index = piece.text.find(needle)
        if index != -1:
            start = piece.column + index
            end = piece.column + len(piece.text)
            token_end = piece.text.find(" ", index)
            if token_end != -1:
                end = piece.column + token_end
            return Span(piece.line, start, piece.line, end)
    return _whole(pieces)


def _whole(pieces: list[_Piece]) -> Span:
    first, last = pieces[0], pieces[-1]
    return Span(first.line, first.column, last.line, last.column + len(last.text))


def _split_quoted(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return []


# -- Procfile ------------------------------------------------------------------------------

_PROCESS = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(\S.*)$")


def _procfile(text: str) -> tuple[list[EnvSetting], list[Command]]:
    commands = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        match = _PROCESS.match(line)
        if match is None:
            continue
        column = match.start(2) + 1
        commands.append(Command(match.group(2).rstrip(), None, Span(number, column, number, len(line) + 1), match.group(1), "process"))
    return [], commands


# -- systemd -------------------------------------------------------------------------------


def _systemd(text: str) -> tuple[list[EnvSetting], list[Command]]:
    environment: list[EnvSetting] = []
    commands: list[Command] = []
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        start = number
        line = lines[number].rstrip("\r")
        while line.endswith("\\") and number + 1 < len(lines):
            number += 1
            line = line[:-1] + " " + lines[number].rstrip("\r").strip()
        number += 1
        key, equals, value = line.strip().partition("=")
        if not equals or line.lstrip().startswith(("#", ";")):
            continue
        key, value = key.strip(), value.strip()
        column = lines[start].find(key) + 1
        span = Span(start + 1, column, number, len(lines[number - 1].rstrip("\r")) + 1)
        if key == "Environment":
            for word in _split_quoted(value):
                name, equal, setting = word.partition("=")
                if equal:
                    place = lines[start].find(name)
                    where = Span(start + 1, place + 1, start + 1, place + len(word) + 1) if place != -1 and start + 1 == number else span
                    environment.append(EnvSetting(name, _literal(setting), where))
        elif key in ("ExecStart", "ExecStartPre", "ExecStartPost"):
            commands.append(Command(value.lstrip("-@:+!"), None, span, instruction=key))
    return environment, commands


# -- fly.toml ------------------------------------------------------------------------------

_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=\s*(.+?)\s*$")
_FLY_COMMAND_KEYS = frozenset({"cmd", "entrypoint", "release_command"})


def _fly(text: str) -> tuple[list[EnvSetting], list[Command]]:
    environment: list[EnvSetting] = []
    commands: list[Command] = []
    table = ""
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            table = header.group(1)
            continue
        match = _TOML_KEY.match(line)
        if match is None:
            continue
        key = match.group(1).strip("\"'")
        value = _toml_value(match.group(2))
        span = Span(number, match.start(1) + 1, number, len(line) + 1)
        if table == "env" and value is not None and not isinstance(value, (list, dict)):
            environment.append(EnvSetting(key, _toml_text(value), span))
        elif (table == "processes" or key in _FLY_COMMAND_KEYS) and value is not None:
            command = _fly_command(value, span, key if table == "processes" else "", "process" if table == "processes" else key)
            if command is not None:
                commands.append(command)
    return environment, commands


def _toml_value(raw: str) -> object | None:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return None  # a multi-line value: not read


def _toml_text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _literal(str(value))


def _fly_command(value: object, span: Span, section: str, instruction: str = "") -> Command | None:
    if isinstance(value, str):
        return Command(value, None, span, section, instruction)
    if isinstance(value, list) and all(isinstance(word, str) for word in value):
        return Command(" ".join(value), tuple(value), span, section, instruction)
    return None


# -- YAML (Compose, app.yaml), line by line --------------------------------------------------

_YAML_KEY = re.compile(r"""^(?P<dash>-\s+)?(?P<quote>["']?)(?P<key>[^\s"'#:][^:#]*?)(?P=quote)\s*:(?:\s+(?P<value>.*))?$""")


@dataclass(frozen=True, slots=True)
class _YamlLine:
    number: int
    indent: int  # column (0-based) where the content starts
    text: str  # content without comment and trailing space


@dataclass(frozen=True, slots=True)
class _YamlKey:
    key: str
    path: tuple[str, ...]  # enclosing keys, outermost first
    line: _YamlLine
    key_column: int  # 0-based
    value: str  # inline value ("" when the value is a block below)
    children: tuple[_YamlLine, ...]


def _compose(text: str) -> tuple[list[EnvSetting], list[Command]]:
    return _yaml_file(text, ("environment",), ("command", "entrypoint"))


def _app_yaml(text: str) -> tuple[list[EnvSetting], list[Command]]:
    return _yaml_file(text, ("env_variables",), ("entrypoint",))


def _yaml_file(text: str, env_keys: tuple[str, ...], command_keys: tuple[str, ...]) -> tuple[list[EnvSetting], list[Command]]:
    environment: list[EnvSetting] = []
    commands: list[Command] = []
    for entry in _yaml_keys(_yaml_lines(text), {*env_keys, *command_keys}):
        section = entry.path[-1] if entry.path and entry.path[0] == "services" and len(entry.path) == 2 else ""
        if entry.key in env_keys:
            environment.extend(_yaml_environment(entry, section))
        else:
            command = _yaml_command(entry, section)
            if command is not None:
                commands.append(command)
    return environment, commands


def _yaml_lines(text: str) -> list[_YamlLine]:
    found = []
    for number, raw in enumerate(text.split("\n"), start=1):
        content = _strip_yaml_comment(raw.rstrip("\r")).rstrip()
        if content.strip() and content.strip() not in ("---", "..."):
            indent = len(content) - len(content.lstrip())
            found.append(_YamlLine(number, indent, content.strip()))
    return found


def _strip_yaml_comment(line: str) -> str:
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'" and (index == 0 or line[index - 1] in " \t:[{,-"):
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line


def _yaml_keys(lines: list[_YamlLine], wanted: set[str]) -> Iterator[_YamlKey]:
    stack: list[tuple[int, str]] = []
    for position, line in enumerate(lines):
        match = _YAML_KEY.match(line.text)
        if match is None:
            continue
        column = line.indent + (len(match.group("dash")) if match.group("dash") else 0)
        while stack and stack[-1][0] >= column:
            stack.pop()
        key = match.group("key").strip()
        path = tuple(name for _, name in stack)
        stack.append((column, key))
        if key not in wanted:
            continue
        value = (match.group("value") or "").strip()
        children: tuple[_YamlLine, ...] = ()
        if not value or value[0] in "|>":  # a block below: a mapping, a list or a block scalar
            children = tuple(_block_children(lines, position, column))
            value = ""
        yield _YamlKey(key, path, line, line.indent + match.start("key"), value, children)


def _block_children(lines: list[_YamlLine], position: int, column: int) -> Iterator[_YamlLine]:
    for line in lines[position + 1:]:
        if line.indent > column or (line.indent == column and line.text.startswith("- ")):
            yield line
        else:
            return


def _yaml_environment(entry: _YamlKey, section: str) -> Iterator[EnvSetting]:
    if entry.value:
        yield from _flow_environment(entry, section)
        return
    for line in entry.children:
        if line.text.startswith("-"):
            item = _unquote(line.text[1:].strip())
            name, equal, value = item.partition("=")
            if equal:  # `- NAME` alone passes the host's value through: not a literal
                yield EnvSetting(name.strip(), _literal(value), _line_span(line), section)
            continue
        match = _YAML_KEY.match(line.text)
        if match:
            yield EnvSetting(match.group("key").strip(), _yaml_scalar(match.group("value")), _line_span(line), section)


def _flow_environment(entry: _YamlKey, section: str) -> Iterator[EnvSetting]:
    value = entry.value
    span = _line_span(entry.line)
    if value.startswith("[") and value.endswith("]"):
        for item in _flow_items(value[1:-1]):
            name, equal, setting = _unquote(item).partition("=")
            if equal:
                yield EnvSetting(name.strip(), _literal(setting), span, section)
    elif value.startswith("{") and value.endswith("}"):
        for item in _flow_items(value[1:-1]):
            name, colon, setting = item.partition(":")
            if colon:
                yield EnvSetting(_unquote(name.strip()), _yaml_scalar(setting), span, section)


def _yaml_command(entry: _YamlKey, section: str) -> Command | None:
    span = Span(entry.line.number, entry.key_column + 1, entry.line.number, entry.line.indent + len(entry.line.text) + 1)
    value = entry.value
    if value.startswith("["):
        if not value.endswith("]"):
            return None
        words = tuple(_unquote(item) for item in _flow_items(value[1:-1]))
        return Command(" ".join(words), words, span, section, entry.key)
    if value:
        return Command(_unquote(value), None, span, section, entry.key)
    if not entry.children:
        return None
    if all(line.text.startswith("-") for line in entry.children):
        words = tuple(_unquote(line.text[1:].strip()) for line in entry.children)
        return Command(" ".join(words), words, span, section, entry.key)
    return Command(" ".join(line.text for line in entry.children), None, span, section, entry.key)  # a block scalar


def _flow_items(text: str) -> list[str]:
    """The items of a one-line flow list or mapping, split at commas outside quotes."""
    items: list[str] = []
    current, quote = "", None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            items.append(current)
            current = ""
            continue
        current += char
    return [item.strip() for item in [*items, current] if item.strip()]


def _yaml_scalar(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip()
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    return _literal(_unquote(value))


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _line_span(line: _YamlLine) -> Span:
    start = line.indent + 1
    if line.text.startswith("-"):
        start += len(line.text) - len(line.text[1:].lstrip())
    return Span(line.number, start, line.number, line.indent + len(line.text) + 1)


_PARSERS = {
    "dockerfile": _dockerfile,
    "procfile": _procfile,
    "compose": _compose,
    "systemd": _systemd,
    "app-yaml": _app_yaml,
    "fly": _fly,
}
