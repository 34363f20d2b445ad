"""FLK002."""

from flaskcheck.engine.diagnostic import Severity
from flaskcheck.engine.rule import Rule, Valid


class UnreadableFile(Rule):
    """
    ## What it does
    Reports a file that cannot be read or decoded: not valid UTF-8, binary (it contains NUL
    bytes), over the 10 MiB size limit, or a path the operating system refuses to read.

    ## Why is this bad?
    Python reads source files as UTF-8 unless they declare another encoding; a module that
    cannot be decoded fails to import. flaskcheck cannot check such a file, and says so
    instead of skipping it silently; every other file is still checked.

    ## Example
    ```text
    legacy.py saved as Latin-1: b"name = 'caf\\xe9'"
    ```

    ## Use instead
    ```python
    name = "café"  # saved as UTF-8
    ```
    """

    code = "FLK002"
    name = "unreadable-file"
    severity = Severity.ERROR
    valid = [Valid("# -*- coding: utf-8 -*-\nname = 'café'\n")]
