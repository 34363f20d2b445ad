"""The rule catalogue is consistent: codes, names, files, folders, docs and examples agree."""

from __future__ import annotations

import re
import sys

import pytest

from flaskcheck.engine.registry import all_rules
from flaskcheck.engine.rule import DOC_HEADINGS, SECTIONS
from flaskcheck.engine.diagnostic import Severity

RULES = all_rules()
SPEC_NAMES = {
    "FLK000": "internal-error", "FLK001": "syntax-error", "FLK002": "unreadable-file",
}


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def test_codes_and_names_are_unique():
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_metadata(rule):
    assert re.fullmatch(r"FLK\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert not rule.name.startswith(("no-", "avoid-", "disallow-"))
    assert isinstance(rule.severity, Severity)
    module = sys.modules[rule.__module__]
    assert module.__file__.endswith(f"/{SECTIONS[rule.code[3]][0]}/{rule.name.replace('-', '_')}.py")
    assert rule.__name__ == pascal(rule.name)
    assert rule.code not in SPEC_NAMES or SPEC_NAMES[rule.code] == rule.name


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_documentation_headings_in_order(rule):
    docs = rule.documentation()
    positions = [docs.find(heading + "\n") for heading in DOC_HEADINGS]
    assert all(p >= 0 for p in positions), f"{rule.code} lacks a heading"
    assert positions == sorted(positions)
    assert rule.summary().endswith(".")


@pytest.mark.parametrize("rule", [r for r in RULES if r.code[3] != "0"], ids=lambda r: r.code)
def test_every_rule_has_valid_and_invalid_examples(rule):
    bad, good = rule.doc_examples()
    assert bad is not None and good is not None
    assert rule.valid and rule.invalid


@pytest.mark.parametrize("rule", [r for r in RULES if not r.in_tests], ids=lambda r: r.code)
def test_not_in_tests_rules_have_a_test_code_example(rule):
    assert any(
        any(path.startswith(("tests/", "test/")) or "/test_" in "/" + path or path.endswith("conftest.py") for path in example.sources())
        for example in rule.valid
    ), f"{rule.code} is silent in tests but no Valid example shows it"
