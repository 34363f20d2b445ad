"""`python -m flaskcheck.runtime.probe SPEC [--keys-only] [--timeout S]`: build, snapshot, print JSON.

Runs in a child process so that a hanging import or factory can be killed, a crash cannot
take the checker down, and the user's imports never load into the checker. The digest salt
arrives in the FLASKCHECK_DIGEST_SALT environment variable (removed before user code runs).
While user code runs, file descriptor 1 points at stderr, so a `print` in the app cannot
corrupt the JSON, which goes to the original stdout as one line:
`{"snapshot": {...}}`, `{"secret_key": {...} | null}` (with --keys-only) or `{"error": {"kind", "message"}}`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict

SALT_VARIABLE = "FLASKCHECK_DIGEST_SALT"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flaskcheck.runtime.probe")
    parser.add_argument("spec", nargs="?")
    parser.add_argument("--keys-only", action="store_true", help="build only; report the SECRET_KEY digest")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    salt = bytes.fromhex(os.environ.pop(SALT_VARIABLE, "") or os.urandom(16).hex())
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the app's prints go to stderr
    sys.stdout = sys.stderr
    result = build(args.spec, salt, args.timeout, keys_only=args.keys_only)
    out.write(json.dumps(result) + "\n")
    out.flush()
    sys.stderr.flush()
    # The result is out: do not wait for the app's non-daemon threads or run its atexit hooks.
    os._exit(0)


def build(spec: str | None, salt: bytes, timeout: float, *, keys_only: bool = False) -> dict:
    from flaskcheck.runtime.loader import BuildError, BuildTimeout, describe, load_app
    from flaskcheck.runtime.snapshot import alarm, collect, key_facts

    try:
        with alarm(timeout):
            app = load_app(spec)
    except BuildError as error:
        return {"error": {"kind": error.kind, "message": error.message}}
    except BuildTimeout as error:
        failure = describe(error, f"building the app from {spec!r}", None)
        return {"error": {"kind": failure.kind, "message": failure.message}}
    try:
        if keys_only:
            facts = key_facts(app.config.get("SECRET_KEY"), salt)
            return {"secret_key": None if facts is None else asdict(facts)}
        return {"snapshot": collect(app, salt=salt, spec=spec or "", timeout=timeout).to_json()}
    except BaseException as error:  # noqa: BLE001 - reading a broken app must still give one line
        failure = describe(error, "inspecting the built app", None)
        return {"error": {"kind": "inspect", "message": failure.message}}


if __name__ == "__main__":
    main()
