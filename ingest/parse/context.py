"""What one parse collects besides the tables: warnings (with lines) and unreadable cells."""

from __future__ import annotations

from typing import Any


class _Unreadable:
    """The value of a cell the document shows but the parser cannot settle."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE: Any = _Unreadable()

# No count or amount in a report reaches a trillion: China has 1.4 billion people, and
# table 二's fees are in 万元 (10^12 万元 is a hundred times the country's GDP). A cell
# printed larger is cells run together or junk, never a value; it is unreadable. The
# bound also keeps every cell, and the sums the checks and summaries take over a whole
# corpus, inside SQLite's 64-bit integers.
MAX_CELL_VALUE = 10**12 - 1


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
        """The row's cells by key; UNREADABLE values become None, listed and warned about.

        A number above MAX_CELL_VALUE (either sign) is unreadable too, with a warning that
        quotes it.
        """
        huge = next((v for v in values if _too_large(v)), None)
        if huge is not None:
            why = f"{huge} is larger than any count or amount (cells run together?)"
            values = [UNREADABLE if _too_large(v) else v for v in values]
        if UNREADABLE not in values:  # the common case (identity: no value equals it)
            return dict(zip(keys, values, strict=True))
        bad = [k for k, v in zip(keys, values, strict=True) if v is UNREADABLE]
        if bad:
            self.mark_unreadable(table, row, bad, line, why or "see the warning above")
        return {k: (None if v is UNREADABLE else v) for k, v in zip(keys, values, strict=True)}


def _too_large(value: Any) -> bool:
    return isinstance(value, int | float) and abs(value) > MAX_CELL_VALUE
