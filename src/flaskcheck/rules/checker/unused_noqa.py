"""FLK003."""

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid


class UnusedNoqa(Rule):
    """
    ## What it does
    Reports a `# noqa: FLKnnn` comment that suppresses nothing: no finding of that code is
    reported on its line. Opt-in: enable it with `--select FLK003`.

    ## Why is this bad?
    A stale suppression outlives the code it was written for. When the line changes again,
    it silently hides a new, real finding of the same code. Only flaskcheck's own codes are
    considered: a `# noqa: E501` for another linter is left alone, and so is a bare `# noqa`.

    ## Example
    ```python
    DEBUG = False  # noqa: FLK401  # error
    ```

    ## Use instead
    ```python
    DEBUG = False
    ```
    """

    code = "FLK003"
    name = "unused-noqa"
    severity = Severity.INFO
    opt_in = True
    valid = [Valid("x = 1  # noqa: E501\n"), Valid("x = 1  # noqa\n"), Valid("def f(:  # noqa: FLK001\n")]
    invalid = [Invalid("def f(:  # noqa: FLK001, FLK301  # error\n", message="unused `noqa` for FLK301: nothing on this line is reported under that code")]
