"""Table 四: fifteen cells, three groups of five."""

from __future__ import annotations

from typing import Any

from .. import model
from .cells import Cell, RawRow
from .context import UNREADABLE
from .context import Context as _Ctx
from .digits import agreed, split_review
from .rows import _cell_value, _counts_only, _fit, joined

WIDTH = len(model.REVIEW_GROUPS) * len(model.REVIEW_KEYS)


def _glued_values(cell: Cell, ctx: _Ctx) -> list[Any]:
    """One run of digits for the whole table: split by the groups' identities."""
    splits = split_review(cell.text) if cell.text.isdigit() else []
    if len(splits) == 1:
        return list(splits[0])
    ctx.warn(
        cell.line,
        f"table 四: ambiguous run-together digits '{cell.text}': {len(splits)} splits satisfy "
        "the identities; the cells they do not agree on are unreadable",
    )
    return agreed(splits, WIDTH, UNREADABLE)


def parse_review(rows: list[RawRow], ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """Table 四: fifteen cells, three groups of five."""
    rows = _counts_only(rows, ctx, "table 四")
    value_rows = [r for r in rows if r.numbers]
    if not value_rows:
        return {}
    cells = joined([c for r in value_rows for c in r.cells], WIDTH)
    if len(cells) == 1 and cells[0].kind == "number" and len(cells[0].text) >= WIDTH:
        cells = [Cell("digits", cells[0].text, cells[0].line)]
    if len(cells) == 1 and cells[0].kind == "digits":
        values = _glued_values(cells[0], ctx)
    elif (
        len(value_rows) == 3
        and all(len([c for c in r.cells if c.kind != "noise"]) >= 4 for r in value_rows)
        and len(cells) < WIDTH + 3
    ):
        # Transposed: one row per group, labelled.
        values = []
        for r in value_rows:
            vals = [_cell_value(c, False, ctx, "table 四") for c in r.cells]
            values.extend(_fit(vals, r.cells, 5, ctx, "table 四", total_last=True))
    else:
        vals = [_cell_value(c, False, ctx, "table 四") for c in cells]
        values = _fit(vals, cells, WIDTH, ctx, "table 四")
    line = value_rows[0].line
    out: dict[str, dict[str, Any]] = {}
    for g, (group, _) in enumerate(model.REVIEW_GROUPS):
        part = values[g * 5 : g * 5 + 5]
        out[group] = ctx.store("review_litigation", group, model.REVIEW_KEYS, part, line)
    return out
