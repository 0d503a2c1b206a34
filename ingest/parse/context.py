"""What one parse collects besides the tables: warnings (with lines), unreadable cells."""

from __future__ import annotations


class Context:
    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.blanks_visible = True  # False where a blank cell leaves no trace in the text

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(f"line {line}: {message}" if line else message)
