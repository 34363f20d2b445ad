"""Every code the checker can emit, static rules and deploy checks alike."""

from __future__ import annotations


def all_codes() -> list[str]:
    from flaskcheck.engine.registry import all_rules

    codes = [rule.code for rule in all_rules()]
    try:
        from flaskcheck.runtime.registry import all_checks
    except ImportError:
        return codes
    return codes + [check.code for check in all_checks()]
