"""What one parse collects besides the tables: warnings (with lines) and unreadable cells."""

from __future__ import annotations

from typing import Any


class _Unreadable:
    """The value of a cell the document shows but the parser cannot settle."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE: Any = _Unreadable()


class Context:
    """Warnings and unreadable cells of one parse.

    A cell is unreadable when the document shows something there that the parser cannot
    settle (two splits satisfy the identities, a short row, a row that fits two labels):
    its value is None, its dotted path (``table.row.column``) is listed in `unreadable`,
    and a warning names the line.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.unreadable: list[str] = []
        self.blanks_visible = True  # False where a blank cell leaves no trace in the text

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(f"line {line}: {message}" if line else message)

    def mark_unreadable(
        self, table: str, row: str, columns: tuple[str, ...] | list[str], line: int | None, why: str
    ) -> None:
        """List ``table.row.col`` for each column as unreadable, with one warning naming the line."""
        for col in columns:
            path = f"{table}.{row}.{col}"
            if path not in self.unreadable:
                self.unreadable.append(path)
        self.warn(line, f"{table}.{row}: unreadable ({', '.join(columns)}): {why}")

    def store(
        self,
        table: str,
        row: str,
        keys: tuple[str, ...],
        values: list[Any],
        line: int | None,
        why: str = "",
    ) -> dict[str, Any]:
        """The row's cells by key; UNREADABLE values become None, listed and warned about."""
        if UNREADABLE not in values:  # the common case (identity: no value equals it)
            return dict(zip(keys, values, strict=True))
        bad = [k for k, v in zip(keys, values, strict=True) if v is UNREADABLE]
        if bad:
            self.mark_unreadable(table, row, bad, line, why or "see the warning above")
        return {k: (None if v is UNREADABLE else v) for k, v in zip(keys, values, strict=True)}
