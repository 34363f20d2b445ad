"""FLK001."""

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Invalid, Rule, Valid


class SyntaxError(Rule):  # noqa: A001 - named after the rule
    """
    ## What it does
    Reports a Python file that cannot be parsed, with the parser's line and message.

    ## Why is this bad?
    A module that does not parse cannot be imported: the app fails at start-up, or at the
    first request that imports it. flaskcheck cannot check anything else in that file, but
    it still checks every other file.

    ## Example
    ```python
    def index(:  # error
        return "hi"
    ```

    ## Use instead
    ```python
    def index():
        return "hi"
    ```
    """

    code = "FLK001"
    name = "syntax-error"
    severity = Severity.ERROR
    valid = [Valid("x = 1\n")]
    invalid = [Invalid("x = (1,  # error\n", message="syntax error: '(' was never closed")]
