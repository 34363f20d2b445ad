"""Suppression comments, exactly as the interface spec defines them.

`# noqa` on the reported line suppresses every code there; `# noqa: FLK301,FLK302` those
codes. `# flaskcheck: noqa` on a line of its own in a file's first 5 lines skips the file.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from flaskcheck.project.index import NOQA_ALL

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_SKIP_FILE = re.compile(r"^\s*#\s*flaskcheck:\s*noqa\s*$", re.I)


def is_file_skipped(text: str) -> bool:
    head = text.split("\n", 5)[:5]
    return any(_SKIP_FILE.match(line.rstrip("\r")) for line in head)


def parse_comment(comment: str) -> frozenset[str] | None:
    """Codes a comment suppresses ({NOQA_ALL} for a bare `# noqa`), or None."""
    match = _NOQA.search(comment)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset({NOQA_ALL})
    return frozenset(code.upper() for code in re.split(r"[\s,]+", codes.strip()) if code)


def python_noqa(text: str, tree: ast.Module | None = None) -> dict[int, frozenset[str]]:
    """line -> suppressed codes, from real comments only (not from strings).

    Only lines mentioning `noqa` are tokenized, one at a time; lines inside a multi-line
    string (known from the AST) are skipped.
    """
    if "noqa" not in text.lower():
        return {}
    inside_strings = _multiline_string_lines(tree) if tree is not None else set()
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if "noqa" not in line.lower() or number in inside_strings:
            continue
        comment = _comment_of(line)
        codes = parse_comment(comment) if comment else None
        if codes is not None:
            found[number] = codes
    return found


def _comment_of(line: str) -> str | None:
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return token.string
    except (tokenize.TokenError, SyntaxError):
        pass  # an unclosed bracket continues on the next line: the comment was already seen
    except IndentationError:
        return None
    return None


def _multiline_string_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Constant, ast.JoinedStr)) and node.end_lineno and node.end_lineno > node.lineno:
            lines.update(range(node.lineno + 1, node.end_lineno + 1))
            if not isinstance(getattr(node, "value", None), (str, bytes)) and not isinstance(node, ast.JoinedStr):
                lines.difference_update(range(node.lineno + 1, node.end_lineno + 1))
    return lines


def text_noqa(text: str) -> dict[int, frozenset[str]]:
    """line -> suppressed codes, for deployment files and templates."""
    if "noqa" not in text.lower():
        return {}
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if "#" in line:
            codes = parse_comment(line[line.index("#"):])
            if codes is not None:
                found[number] = codes
    return found


def is_suppressed(noqa: dict[int, frozenset[str]], line: int | None, code: str) -> bool:
    if line is None:
        return False
    codes = noqa.get(line)
    return codes is not None and (NOQA_ALL in codes or code in codes)
