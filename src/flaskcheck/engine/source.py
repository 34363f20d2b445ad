"""SourceText: the one place that converts between ast positions and text offsets.

`ast` columns are UTF-8 byte offsets within a line; output columns are 1-based characters.
"""

from __future__ import annotations

import bisect


class SourceText:
    __slots__ = ("text", "line_starts", "_lines")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        index = text.find("\n")
        while index != -1:
            starts.append(index + 1)
            index = text.find("\n", index + 1)
        self.line_starts = starts
        self._lines: list[str] | None = None

    @property
    def newline(self) -> str:
        """The file's own line ending, for inserted lines."""
        index = self.text.find("\n")
        return "\r\n" if index > 0 and self.text[index - 1] == "\r" else "\n"

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def line_text(self, line: int) -> str:
        """The text of 1-based `line`, without its line ending."""
        if not 1 <= line <= len(self.line_starts):
            return ""
        return self.lines[line - 1].rstrip("\r")

    def char_column(self, line: int, byte_column: int) -> int:
        """0-based character column of a 0-based UTF-8 byte column on 1-based `line`."""
        text = self.line_text(line)
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="replace"))

    def offset(self, line: int, byte_column: int) -> int:
        """Text offset of an ast position (1-based line, 0-based byte column)."""
        line = max(1, min(line, len(self.line_starts)))
        return self.line_starts[line - 1] + self.char_column(line, byte_column)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a text offset."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1
