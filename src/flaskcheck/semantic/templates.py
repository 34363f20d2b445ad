"""Jinja templates: which files are templates, and the `url_for(...)` calls they make.

Templates are read with Jinja2's own parser (`Environment().parse`), never a regex, so
comments, raw blocks and string literals are understood as Jinja understands them.

Which files: any file with a template suffix under a folder named `templates` (the default
`template_folder` of apps and blueprints). Folders given with `template_folder=` under another
name, and the `templates` key of `[tool.flaskcheck]`, are not read yet: the engine does not pass
settings to `is_text_target`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

TEMPLATE_SUFFIXES = frozenset({".html", ".htm", ".jinja", ".jinja2", ".j2", ".txt", ".xml"})
# Extensions commonly enabled by Flask apps; their tags must not read as syntax errors.
_EXTENSIONS = ("jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols", "jinja2.ext.debug")


@dataclass(frozen=True, slots=True)
class UrlForCall:
    """One `url_for(...)` call in a template."""

    line: int
    column: int  # 1-based; the column of the `url_for` name on that line when it can be found
    endpoint: str | None  # None when the first argument is not a constant string
    keywords: tuple[str, ...]
    has_unpacking: bool  # `**values` given: any variable may be supplied


@dataclass(frozen=True, slots=True)
class TemplateError:
    line: int
    message: str


def is_template_path(relative_path: str) -> bool:
    """A file with a template suffix somewhere below a folder named `templates`."""
    path = PurePosixPath(relative_path)
    return path.suffix.lower() in TEMPLATE_SUFFIXES and "templates" in path.parts[:-1]


def template_url_for_calls(text: str) -> tuple[list[UrlForCall], TemplateError | None]:
    """The `url_for` calls of a template, or the error Jinja raises while parsing it.

    An unknown tag (a `{% cache %}` or `{% assets %}` of an extension the app registers) is not
    an error of the template: such a template is skipped without calls and without an error.
    """
    import jinja2
    from jinja2 import nodes

    environment = jinja2.Environment(extensions=list(_EXTENSIONS))
    try:
        tree = environment.parse(text)
    except jinja2.TemplateSyntaxError as error:
        if "unknown tag" in str(error.message or ""):
            return [], None
        return [], TemplateError(error.lineno or 1, f"template syntax error: {error.message}")
    lines = text.splitlines()
    seen_on_line: dict[int, int] = {}
    found: list[UrlForCall] = []
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name != "url_for":
            continue
        first = call.args[0] if call.args else next((k.value for k in call.kwargs if k.key == "endpoint"), None)
        endpoint = first.value if isinstance(first, nodes.Const) and isinstance(first.value, str) else None
        keywords = tuple(k.key for k in call.kwargs if k.key != "endpoint")
        line = call.lineno
        column = _nth_column(lines, line, seen_on_line.get(line, 0))
        seen_on_line[line] = seen_on_line.get(line, 0) + 1
        found.append(UrlForCall(line, column, endpoint, keywords, call.dyn_kwargs is not None or call.dyn_args is not None))
    return found, None


def _nth_column(lines: list[str], line: int, nth: int) -> int:
    """1-based column of the `nth` `url_for` on `line` (1 when it cannot be found)."""
    if not 0 < line <= len(lines):
        return 1
    text = lines[line - 1]
    position = -1
    for _ in range(nth + 1):
        position = text.find("url_for", position + 1)
        if position == -1:
            return 1
    return position + 1
