"""A row's cells to the format's width: values, padding, short and long rows."""

from __future__ import annotations

from typing import Any

from .cells import Cell, RawRow, to_number
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
    if len(vals) != width:
        # Empty padding cells around the values (pipe and markdown copies) carry nothing;
        # an explicit blank mark (—, /, 无) is a value, NULL, unless the row is still too
        # wide without it.
        marks = (
            [c.kind == "blank" and bool(c.text.strip()) for c in cells]
            if len(cells) == len(vals)
            else [False] * len(vals)
        )
        pairs = list(zip(vals, marks, strict=True))
        while pairs and pairs[-1][0] is None and not pairs[-1][1]:
            pairs.pop()
        while len(pairs) > width and pairs[0][0] is None and not pairs[0][1]:
            pairs.pop(0)
        while len(pairs) > width and pairs[-1][0] is None:
            pairs.pop()
        while len(pairs) > width and pairs[0][0] is None:
            pairs.pop(0)
        vals = [v for v, _ in pairs]
    line = cells[0].line if cells else None
    if len(vals) > width:
        raw = " ".join(c.text for c in cells)
        ctx.warn(
            line,
            f"{where}: {len(vals)} cells where the format has {width}; kept the first {width} (raw: {raw})",
        )
        vals = vals[:width]
    elif len(vals) < width and not ctx.blanks_visible:
        raw = " ".join(c.text or "∅" for c in cells)
        parts, last = vals[:-1], vals[-1] if vals else None
        keep_total = width > 1 and last is not None and None not in parts and sum(parts) == last
        ctx.warn(
            line,
            f"{where}: {len(vals)} of {width} numbers and blank cells leave no trace in this layout; "
            f"{'only the total kept' if keep_total else 'cells left blank'}, raw text kept (raw: {raw})",
        )
        vals = [None] * (width - 1) + [last] if keep_total else [None] * width
    elif len(vals) < width:
        raw = " ".join(c.text or "∅" for c in cells)
        ctx.warn(
            line,
            f"{where}: {len(vals)} of {width} cells; aligned to the right (总计 last), "
            f"the missing ones left blank (raw: {raw})",
        )
        vals = [None] * (width - len(vals)) + vals
    return vals


def _row_values(
    row: RawRow, width: int, ctx: _Ctx, where: str, allow_decimal: bool = False
) -> list[Any] | list[tuple[int, ...]]:
    cells = list(row.cells)
    digits = [c for c in cells if c.kind == "digits"]
    if digits and len(cells) == 1 and width > 1:
        return (
            split_row_sum(digits[0].text, width)
            if where.startswith("table 三")
            else _parts(digits[0].text, width)
        )  # type: ignore[return-value]
    values = [_cell_value(c, allow_decimal, ctx, where) for c in cells]
    return _fit(values, cells, width, ctx, where)
