"""A fixed report for the reporter tests, a fixed rule catalogue, and the golden-file helper.

The catalogue is defined here rather than taken from the registry so that the golden files
change only when a reporter changes, not whenever a rule is added or its docs are edited.
`UPDATE_GOLDEN=1 python -m pytest tests/reporters` rewrites the golden files.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

from flaskcheck.engine.diagnostic import Diagnostic, Edit, Fix, Severity
from flaskcheck.engine.rule import Rule
from flaskcheck.reporters.common import Report

GOLDEN = Path(__file__).resolve().parent / "golden"
VERSION = "0.0.0"  # stands in for flaskcheck.__version__ so the golden files survive releases

CONFIG_SOURCE = 'from flask import Flask\n\nclass Config:\n    DEBUG = False\n    SECRET_KEY = "dev"\n    TESTING = False\n'
VIEWS_SOURCE = (
    "from flask import Blueprint, jsonify\n"
    "\n"
    "admin = Blueprint(\n"
    '    "admin",\n'
    "    __name__,\n"
    ")\n"
    "\n"
    '@admin.route("/")\n'
    "def index():\n"
    '    return jsonify({"message": "Café ✓"})\n'
)
# The files the findings point at; `Procfile` is left out on purpose: its snippet is omitted.
SOURCES = {"app/config.py": CONFIG_SOURCE, "app/vues/café.py": VIEWS_SOURCE}


class HardcodedSecretKey(Rule):
    """
    ## What it does
    Reports a `SECRET_KEY` written in the source as a literal. Also a fallback literal.

    ## Why is this bad?
    Anyone who has read the key can sign a session cookie of their own, for example
    `{"is_admin": True}`, and the app accepts it as <genuine>.

    ## Example
    ```python
    SECRET_KEY = "dev"  # error
    ```

    ## Use instead
    ```python
    SECRET_KEY = os.environ["SECRET_KEY"]
    ```

    ## References
    - [Flask: `SECRET_KEY`](https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY)
    - Sessions: see the
      quickstart
    """

    code = "FLK301"
    name = "hardcoded-secret-key"
    severity = Severity.ERROR


class BlueprintNeverRegistered(Rule):
    """
    ## What it does
    Reports a blueprint that no `register_blueprint` call registers.

    ## Why is this bad?
    Its routes do not exist: every URL in it answers 404.
    """

    code = "FLK501"
    name = "blueprint-never-registered"
    severity = Severity.WARNING


class JsonifyRedundant(Rule):
    """
    ## What it does
    Reports `jsonify()` around a dict a view returns; Flask serialises dicts itself.
    """

    code = "FLK815"
    name = "jsonify-redundant"
    severity = Severity.INFO


class WebConcurrencyUnset(Rule):
    """
    ## What it does
    Reports a `Procfile` that starts gunicorn with one worker.
    """

    code = "FLK701"
    name = "web-concurrency-unset"
    severity = Severity.WARNING


RULES = (HardcodedSecretKey, BlueprintNeverRegistered, JsonifyRedundant, WebConcurrencyUnset)

SECRET_FIX = Fix(
    title="Read `SECRET_KEY` from the environment",
    edits=(Edit(start=0, end=0, content="import os\n", line=1, column=1, end_line=1, end_column=1),
           Edit(start=74, end=79, content='os.environ["SECRET_KEY"]', line=5, column=18, end_line=5, end_column=23)),
    safe=False,
)

# Deliberately out of order: every reporter sorts by path, line, column, code.
DIAGNOSTICS = [
    Diagnostic("FLK815", "jsonify-redundant", Severity.INFO, "`jsonify()` is redundant: return the dict « Café » as is",
               "app/vues/café.py", 10, 12, 10, 42),
    Diagnostic("FLK301", "hardcoded-secret-key", Severity.ERROR, "`SECRET_KEY` is a hardcoded literal (weak: 3 characters)",
               "app/config.py", 5, 18, 5, 23, fix=SECRET_FIX),
    Diagnostic("FLK902", "weak-secret-key", Severity.ERROR, "`SECRET_KEY` is 3 characters long, 100% guessable", object="config.SECRET_KEY"),
    Diagnostic("FLK501", "blueprint-never-registered", Severity.WARNING,
               "Blueprint `admin` is never registered: <script>alert('x')</script>, 50% of routes, a\nb",
               "app/vues/café.py", 3, 9, 6, 2),
    Diagnostic("FLK701", "web-concurrency-unset", Severity.WARNING, "gunicorn starts with 1 worker", "Procfile", 1, 1, 1, 30),
]

REPORT = Report(DIAGNOSTICS, files_checked=3)


def write_sources(root: Path) -> None:
    for relative, text in SOURCES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def assert_golden(name: str, text: str) -> None:
    """Compare with golden/NAME, or rewrite it when UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing: run `UPDATE_GOLDEN=1 python -m pytest tests/reporters`"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its golden file: if the change is intended, run `UPDATE_GOLDEN=1 python -m pytest tests/reporters`"


SARIF_SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "sarif-schema-2.1.0.json"


def validate_sarif(log: dict) -> None:
    """Validate against the official schema, read in place, with no network look-ups.

    The schema declares draft-04; it is checked with that dialect and with Draft 7. Its
    `#/definitions/...` references resolve inside the document, which a registry holds under
    the schema's own id, so nothing is ever fetched.
    """
    import json

    from jsonschema import Draft7Validator
    from jsonschema.validators import validator_for
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    assert SARIF_SCHEMA.is_file(), f"the SARIF schema is expected beside the checkout at {SARIF_SCHEMA}"
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    resource = Resource.from_contents(schema, default_specification=DRAFT4)
    registry = Registry().with_resource(schema["id"], resource)
    for validator_class in (validator_for(schema), Draft7Validator):
        validator_class.check_schema(schema)
        errors = sorted(validator_class(schema, registry=registry).iter_errors(log), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


VOID_ELEMENTS = {"meta", "br", "hr", "img", "input", "link"}


class TagBalance(HTMLParser):
    """Records tags closed out of order: a cheap check that the template's markup nests."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parsed(page: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(page)
    parser.close()
    assert not parser.problems and not parser.stack, (parser.problems, parser.stack)
    return parser
