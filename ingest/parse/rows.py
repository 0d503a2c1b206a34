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
    """Does this row carry a table row's values (not just header blanks)?

    A row with numbers does; so does a labelled row of (about) the format's width of
    blank cells, and an unlabelled row of exactly the format's width of blank marks
    (``/ / / / / / /``: PDF text whose wrapped label sits above and below its row)."""
    if row.numbers:
        return True
    if not row.cells or any(c.kind != "blank" for c in row.cells):
        return False
    if row.label:
        return len(row.cells) >= width - 1
    return len(row.cells) == width and all(c.text.strip() for c in row.cells)


def _drop_padding(values: list[Any], cells: list[Cell], width: int) -> list[Any]:
    """A row wider than the format without its padding blanks.

    Empty padding cells around the values (pipe and markdown copies) carry nothing when
    the row is too wide; an explicit blank mark (—, /, 无) goes last. A row of exactly
    the format's width keeps every cell in place: an empty cell there is a blank whose
    position counts.
    """
    marks = (
        [c.kind == "blank" and bool(c.text.strip()) for c in cells]
        if len(cells) == len(values)
        else [False] * len(values)
    )
    # Trimmed by moving two bounds, not by popping the list's head (quadratic on a
    # line of many blank cells).
    lo, hi = 0, len(values)
    for keep_marks in (True, False):
        while hi - lo > width and values[hi - 1] is None and not (keep_marks and marks[hi - 1]):
            hi -= 1
        while hi - lo > width and values[lo] is None and not (keep_marks and marks[lo]):
            lo += 1
    return values[lo:hi]


def certain_total(values: list[Any], width: int) -> Any:
    """The 总计 of a short row whose blank cells left no trace, or UNREADABLE.

    In table 三's rows (six applicant columns, then 总计) and table 四's groups (four
    outcomes, then 总计) the total is the last column and the sum of the others. When a
    copy drops blank cells, the printed numbers keep their order but not their columns.
    Their last is the total when it is positive and the sum of the others: the one other
    reading, a blank total with those numbers all parts, breaks the row's identity (a
    blank counts as 0 there, and the parts would add up to more). A last number of 0
    with only zeros before it is either the total or a part beside a blank total: two
    readings, so unreadable. A row of one number, or whose numbers do not add up, keeps
    no identity in any placement: unreadable.
    """
    if len(values) < 2 or width < 2 or any(v is None or v is UNREADABLE for v in values):
        return UNREADABLE
    *parts, last = values
    if isinstance(last, (int, float)) and last > 0 and sum(parts) == last:
        return last
    return UNREADABLE


def _short_row(
    vals: list[Any], width: int, total_last: bool, ctx: _Ctx, line: int | None, where: str, raw: str
) -> list[Any]:
    """A row with fewer cells than the format: what of it is certain."""
    if not ctx.blanks_visible:
        total = certain_total(vals, width) if total_last else UNREADABLE
        read = "" if total is UNREADABLE else "; the total read (the sum of the others)"
        ctx.warn(
            line,
            f"{where}: {len(vals)} of {width} numbers and blank cells leave no trace in this layout"
            f"{read} (raw: {raw})",
        )
        return [UNREADABLE] * (width - 1) + [total]
    if vals and all(v is None for v in vals[:-1]):
        # Only the last cell holds a number, every cell before it blank (merged label
        # cells took the place of blank ones): the last cell is the row's last column.
        ctx.warn(
            line, f"{where}: {len(vals)} of {width} cells; the last one read as 总计 (raw: {raw})"
        )
        return [None] * (width - len(vals)) + vals
    # Nothing in the row says which cell is missing: never shift the numbers.
    ctx.warn(line, f"{where}: {len(vals)} of {width} cells (raw: {raw})")
    return [UNREADABLE] * width


def _fit(
    values: list[Any],
    cells: list[Cell],
    width: int,
    ctx: _Ctx,
    where: str,
    total_last: bool = False,
) -> list[Any]:
    """Fit a row's cells to the format's width: drop padding blanks; a short row keeps
    what is certain (see `_short_row`), the rest unreadable.

    ``total_last``: the row's last column is the sum of the others (a table 三 row, a
    table 四 group), so a short row's total may be certain (`certain_total`)."""
    vals = _drop_padding(values, cells, width) if len(values) > width else list(values)
    line = cells[0].line if cells else None
    raw = " ".join(c.text or "∅" for c in cells)
    if len(vals) > width:
        ctx.warn(line, f"{where}: {len(vals)} cells where the format has {width} (raw: {raw})")
        return [UNREADABLE] * width
    if len(vals) < width:
        return _short_row(vals, width, total_last, ctx, line, where, raw)
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
    row: RawRow,
    width: int,
    ctx: _Ctx,
    where: str,
    allow_decimal: bool = False,
    total_last: bool = False,
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
    return _fit(values, cells, width, ctx, where, total_last=total_last)
