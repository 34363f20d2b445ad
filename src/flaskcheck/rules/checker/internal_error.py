"""FLK000."""

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Rule


class InternalError(Rule):
    """
    ## What it does
    Reports that one of flaskcheck's own rules raised an exception on one file, naming the
    rule and the file.

    ## Why is this bad?
    It is a bug in flaskcheck, not in your code. The finding makes it visible instead of
    hiding it: every other rule still ran on that file, and every other file was still
    checked, so the rest of the report is complete. Please report it with the file (or a
    reduced copy) that triggers it.

    ## Example
    ```text
    app.py:1:1: FLK000 [error] internal error: rule FLK301 (hardcoded-secret-key) raised ValueError: ... while checking app.py
    ```

    ## Use instead
    ```text
    (nothing to change in your code: ignore FLK000 with `--ignore FLK000` until a fixed flaskcheck is released)
    ```
    """

    code = "FLK000"
    name = "internal-error"
    severity = Severity.ERROR
