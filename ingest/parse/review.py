"""Table 四: fifteen cells, three groups of five."""

from __future__ import annotations

from typing import Any

from .. import model
from .cells import Cell, RawRow
from .context import Context as _Ctx
from .digits import split_review
from .rows import _cell_value, _counts_only, _fit


def parse_review(rows: list[RawRow], ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """Table 四: fifteen cells, three groups of five."""
    width = 15
    rows = _counts_only(rows, ctx, "table 四")
    value_rows = [r for r in rows if r.numbers]
    if not value_rows:
        return {}
    cells = [c for r in value_rows for c in r.cells]
    if len(cells) == 1 and cells[0].kind == "number" and len(cells[0].text) >= width:
        cells = [Cell("digits", cells[0].text, cells[0].line)]
    if len(cells) == 1 and cells[0].kind == "digits":
        splits = split_review(cells[0].text)
        if len(splits) != 1:
            ctx.warn(
                cells[0].line,
                f"table 四: ambiguous run-together digits '{cells[0].text}' "
                f"({len(splits)} splits satisfy the identities); cells left blank, raw text kept",
            )
            values: list[Any] = [None] * width
        else:
            values = list(splits[0])
    elif (
        len(value_rows) == 3
        and all(len([c for c in r.cells if c.kind != "noise"]) >= 4 for r in value_rows)
        and len(cells) < width + 3
    ):
        # Transposed: one row per group, labelled.
        values = []
        for r in value_rows:
            vals = [_cell_value(c, False, ctx, "table 四") for c in r.cells]
            values.extend(_fit(vals, r.cells, 5, ctx, "table 四"))
    else:
        vals = [_cell_value(c, False, ctx, "table 四") for c in cells]
        values = _fit(vals, cells, width, ctx, "table 四")
    out: dict[str, dict[str, Any]] = {}
    for g, (group, _) in enumerate(model.REVIEW_GROUPS):
        out[group] = dict(zip(model.REVIEW_KEYS, values[g * 5 : g * 5 + 5], strict=True))
    return out
