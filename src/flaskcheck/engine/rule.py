"""The Rule base class and the Valid / Invalid examples that document and test each rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from flaskcheck.engine.diagnostic import Severity

if TYPE_CHECKING:
    from flaskcheck.engine.context import FileContext, ProjectContext, TextContext
    from flaskcheck.project.index import ProjectIndex

SECTIONS = {
    "0": ("checker", "The checker itself"),
    "1": ("context", "Application and request context"),
    "2": ("factory", "Application factory, circular imports, extensions"),
    "3": ("security", "Sessions and security"),
    "4": ("debug", "Debug mode"),
    "5": ("blueprints", "Blueprints"),
    "6": ("sqlalchemy", "SQLAlchemy"),
    "7": ("production", "Production"),
    "8": ("mistakes", "Common mistakes"),
    "9": ("deploy", "Deploy checks (runtime)"),
}

DOC_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")
_CODE_BLOCK = re.compile(r"```(?!text\n)[\w-]*\n(.*?)```", re.S)  # ```text blocks show output: not run


@dataclass(frozen=True)
class Valid:
    """Code that must produce no finding of the rule: `code` (one file at `path`) or `files`."""

    code: str | None = None
    files: dict[str, str] | None = None
    path: str = "app.py"
    todo: str | None = None

    def sources(self) -> dict[str, str]:
        return dict(self.files) if self.files is not None else {self.path: self.code or ""}


@dataclass(frozen=True)
class Invalid(Valid):
    """Code whose lines ending in `# error` must be exactly the lines the rule flags."""

    message: str | None = None
    severity: Severity | None = None
    fixed: str | None = None
    extra: dict = field(default_factory=dict)


class Rule:
    """A check. Subclasses set the metadata, the examples, and some of these hooks:

    - `visit_<AstClass>(node, ctx)`: called from the engine's single traversal of each module;
    - `leave_module(ctx)`: after that traversal;
    - `check_text(ctx)`: for the non-Python files `is_text_target(relative_path)` accepts;
    - `check_project(index, ctx)`: once, over the facts every module recorded.
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    in_tests: ClassVar[bool] = True
    opt_in: ClassVar[bool] = False
    example_path: ClassVar[str] = "app.py"  # where the docstring's examples are linted
    reads_templates: ClassVar[bool] = False  # also gets templates from `[tool.flaskcheck] templates` folders
    valid: ClassVar[list[Valid]] = []
    invalid: ClassVar[list[Invalid]] = []

    @classmethod
    def is_text_target(cls, relative_path: str) -> bool:
        return False

    def leave_module(self, ctx: FileContext) -> None:
        """Called after the traversal of each module."""

    def check_text(self, ctx: TextContext) -> None:
        """Called for each non-Python file `is_text_target` accepts."""

    def check_project(self, index: ProjectIndex, ctx: ProjectContext) -> None:
        """Called once after every module is summarised."""

    # -- metadata helpers -----------------------------------------------------------------

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """First sentence of `## What it does`."""
        text = section_text(cls.documentation(), "## What it does").replace("\n", " ").strip()
        match = re.match(r"(.+?[.!?])(\s|$)", text)
        return match.group(1) if match else text

    @classmethod
    def section(cls) -> tuple[str, str]:
        return SECTIONS[cls.code[3]]

    @classmethod
    def is_fixable(cls) -> bool:
        return any(example.fixed is not None for example in cls.invalid)

    @classmethod
    def is_project_rule(cls) -> bool:
        return cls.check_project is not Rule.check_project

    @classmethod
    def doc_examples(cls) -> tuple[str | None, str | None]:
        """The code of the `## Example` and `## Use instead` blocks."""
        docs = cls.documentation()
        return _first_block(section_text(docs, "## Example")), _first_block(section_text(docs, "## Use instead"))


def section_text(docs: str, heading: str) -> str:
    start = docs.find(heading + "\n")
    if start == -1:
        return ""
    start += len(heading) + 1
    end = docs.find("\n## ", start)
    return docs[start:] if end == -1 else docs[start:end]


def _first_block(text: str) -> str | None:
    match = _CODE_BLOCK.search(text)
    return match.group(1) if match else None
