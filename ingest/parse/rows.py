"""A row's cells to the format's width: values, padding, short and long rows."""

from __future__ import annotations

from typing import Any

from .cells import Cell, RawRow, to_number
from .context import UNREADABLE
from .context import Context as _Ctx
from .digits import _parts, split_row_sum


def _cell_value(cell: Cell, allow_decimal: bool, ctx: _Ctx, where: str) -> Any:
    if cell.kind == "blank":
        return None
    if cell.kind == "digits":
        v = to_number(cell.text)
    else:
        v = cell.value
    if isinstance(v, float) and not allow_decimal:
        ctx.warn(cell.line, f"{where}: '{cell.text}' is not a whole number; left blank")
        return None
    return v


def _counts_only(rows: list[RawRow], ctx: _Ctx, where: str) -> list[RawRow]:
    """Tables 三 and 四 hold counts: a decimal there is OCR noise, dropped with a warning."""
    out = []
    for r in rows:
        bad = [c for c in r.cells if c.kind == "number" and isinstance(c.value, float)]
        for c in bad:
            ctx.warn(c.line, f"{where}: '{c.text}' is not a count; ignored as noise")
        out.append(RawRow(r.label, [c for c in r.cells if c not in bad], r.line) if bad else r)
    return out


def _is_group(row: RawRow, width: int) -> bool:
    """Does this row carry a table row's values (not just header blanks)?"""
    if row.numbers:
        return True
    return (
        len(row.cells) >= width - 1
        and all(c.kind == "blank" for c in row.cells)
        and bool(row.label)
    )


def _fit(values: list[Any], cells: list[Cell], width: int, ctx: _Ctx, where: str) -> list[Any]:
    """Fit a row's cells to the format's width: drop padding blanks, right-align short rows."""
    vals = list(values)
    if len(vals) > width:
        # Empty padding cells around the values (pipe and markdown copies) carry nothing
        # when the row is too wide; an explicit blank mark (—, /, 无) goes last. A row
        # of exactly the format's width keeps every cell in place: an empty cell there
        # is a blank whose position counts.
        marks = (
            [c.kind == "blank" and bool(c.text.strip()) for c in cells]
            if len(cells) == len(vals)
            else [False] * len(vals)
        )
        pairs = list(zip(vals, marks, strict=True))
        while len(pairs) > width and pairs[-1][0] is None and not pairs[-1][1]:
            pairs.pop()
        while len(pairs) > width and pairs[0][0] is None and not pairs[0][1]:
            pairs.pop(0)
        while len(pairs) > width and pairs[-1][0] is None:
            pairs.pop()
        while len(pairs) > width and pairs[0][0] is None:
            pairs.pop(0)
        vals = [v for v, _ in pairs]
    line = cells[0].line if cells else None
    raw = " ".join(c.text or "∅" for c in cells)
    if len(vals) > width:
        ctx.warn(line, f"{where}: {len(vals)} cells where the format has {width} (raw: {raw})")
        return [UNREADABLE] * width
    if len(vals) < width and not ctx.blanks_visible:
        parts, last = vals[:-1], vals[-1] if vals else None
        keep_total = width > 1 and last is not None and None not in parts and sum(parts) == last
        ctx.warn(
            line,
            f"{where}: {len(vals)} of {width} numbers and blank cells leave no trace in this layout"
            f"{'; the total read' if keep_total else ''} (raw: {raw})",
        )
        return [UNREADABLE] * (width - 1) + [last if keep_total else UNREADABLE]
    if len(vals) < width and vals and all(v is None for v in vals[:-1]):
        # Only the last cell holds a number, every cell before it blank (merged label
        # cells took the place of blank ones): the last cell is the row's last column.
        ctx.warn(
            line, f"{where}: {len(vals)} of {width} cells; the last one read as 总计 (raw: {raw})"
        )
        return [None] * (width - len(vals)) + vals
    if len(vals) < width:
        # Nothing in the row says which cell is missing: never shift the numbers.
        ctx.warn(line, f"{where}: {len(vals)} of {width} cells (raw: {raw})")
        return [UNREADABLE] * width
    return vals


def joined(cells: list[Cell], width: int) -> list[Cell]:
    """Spaces inside glued digits are not cell borders when the tokens cannot be the cells.

    ``121 0 0 0 013`` (a PDF extractor's uneven spacing) has a token with a leading zero,
    which no printed cell has: the tokens are joined into one run of digits and split with
    the identities like any run-together row. Tokens that can be cells stay cells.
    """
    if len(cells) < 2 or any(c.kind not in ("number", "digits") for c in cells):
        return cells
    if not any(c.kind == "digits" for c in cells):
        return cells
    text = "".join(c.text for c in cells)
    return [Cell("digits", text, cells[0].line, unit=cells[-1].unit)]


def _row_values(
    row: RawRow, width: int, ctx: _Ctx, where: str, allow_decimal: bool = False
) -> list[Any] | list[tuple[int, ...]]:
    cells = joined(list(row.cells), width)
    if (
        len(cells) == 1
        and cells[0].kind == "number"
        and width > 1
        and cells[0].text.isdigit()
        and len(cells[0].text) >= width
    ):
        cells = [Cell("digits", cells[0].text, cells[0].line)]
    if len(cells) == 1 and cells[0].kind == "digits" and width > 1:
        text = cells[0].text
        if not text.isdigit():
            return []
        return split_row_sum(text, width) if where.startswith("table 三") else _parts(text, width)  # type: ignore[return-value]
    values = [_cell_value(c, allow_decimal, ctx, where) for c in cells]
    return _fit(values, cells, width, ctx, where)
