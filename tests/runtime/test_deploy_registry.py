"""The deploy-check catalogue: codes FLK901-FLK919, names, files, classes and docs agree with rules'."""

from __future__ import annotations

import re
import sys

import pytest

from flaskcheck.engine.codes import all_codes
from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.registry import all_rules
from flaskcheck.engine.rule import DOC_HEADINGS
from flaskcheck.runtime.check import DeployCheck
from flaskcheck.runtime.registry import all_checks, check_by_code

CHECKS = all_checks()


def test_the_spec_codes_exist_once_each():
    assert [check.code for check in CHECKS] == [f"FLK9{n:02d}" for n in range(1, 20)]
    names = [rule.name for rule in all_rules()] + [check.name for check in CHECKS]
    assert len(names) == len(set(names)), "a deploy check reuses a rule's name"
    assert set(all_codes()) >= {check.code for check in CHECKS}
    assert check_by_code("flk902").name == "secret-key-weak"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.code)
def test_check_metadata_and_docs(check):
    assert issubclass(check, DeployCheck)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", check.name) and not check.name.startswith(("no-", "avoid-", "disallow-"))
    assert isinstance(check.severity, Severity)
    assert sys.modules[check.__module__].__file__.endswith(f"/runtime/checks/{check.name.replace('-', '_')}.py")
    assert check.__name__ == "".join(part.capitalize() for part in check.name.split("-"))
    docs = check.documentation()
    positions = [docs.find(heading + "\n") for heading in DOC_HEADINGS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert check.summary().endswith(".")
    bad, good = check.doc_examples()
    assert bad and good
