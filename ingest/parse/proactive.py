"""Table 二: rows matched by their labels (规章, 行政许可, …), cells by the columns of the format."""

from __future__ import annotations

import re
from typing import Any

from .. import model
from .cells import Cell, RawRow, nfkc
from .context import UNREADABLE
from .context import Context as _Ctx
from .digits import agreed, split_typed
from .labels import _fuzzy_proactive, _match_proactive
from .rows import _cell_value, joined

_WHITESPACE = re.compile(r"[^\S\n]+")


def parse_proactive(
    rows: list[RawRow], fmt: str, region_text: str, ctx: _Ctx
) -> dict[str, dict[str, Any]]:
    """Table 二: rows matched by their labels (规章, 行政许可, …)."""
    items = model.PROACTIVE_ITEMS[fmt]  # type: ignore[index]
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        item = _match_proactive(row.label, items)
        if item is None and " " in row.label:
            # Header cells run into the row's label where every cell has its own line
            # ("第二十条第（五）项 信息内容 本年处理决定数量 行政许可"): the last one is the row's.
            last = row.label.rsplit(" ", 1)[-1]
            item = _match_proactive(last, items)
            if item is not None:
                row = RawRow(last, row.cells, row.line)
        if item is None and (row.cells or (i + 1 < len(rows) and not rows[i + 1].label)):
            item = _fuzzy_proactive(row.label, items)
            if item is not None and item.key not in out:
                ctx.warn(
                    row.line,
                    f"table 二: label '{row.label}' read as '{item.labels[0]}' (fuzzy match)",
                )
        if item is None or item.key in out:
            continue
        if not row.cells:
            # A label alone on its line: its numbers are on the next line (a wrapped
            # label in PDF text, with or without the label's wrapped tail before them),
            # or it has none (every cell blank). The tail may also sit alone on a line
            # of its own before the numbers ("其他对外管理服务" / "事项" / "3 0 0").
            label, j = row.label, i + 1
            while (
                j < len(rows)
                and j <= i + 2
                and not rows[j].cells
                and rows[j].label
                and _match_proactive(rows[j].label, items) is None
                and _match_proactive(label + rows[j].label, items) is item
            ):
                label, j = label + rows[j].label, j + 1
            nxt = rows[j] if j < len(rows) else None
            if (
                nxt is not None
                and nxt.cells
                and (
                    not nxt.label
                    or (
                        _match_proactive(nxt.label, items) is None
                        and _match_proactive(label + nxt.label, items) is item
                    )
                )
            ):
                row = RawRow(row.label, nxt.cells, row.line)
            else:
                row = RawRow(row.label, [Cell("blank", "", row.line)] * len(item.columns), row.line)
        values = _item_values(item, row, ctx)
        out[item.key] = _store_item(item, row, values, region_text, ctx)
    # keep the format's order
    return {i.key: out[i.key] for i in items if i.key in out}


def _item_values(item: model.ProactiveItem, row: RawRow, ctx: _Ctx) -> list[Any]:
    """The row's cells in the item's columns; UNREADABLE where the text does not settle one."""
    width = len(item.columns)
    kinds = tuple(model.PROACTIVE_COLUMN_BY_KEY[c].kind for c in item.columns)
    cells = joined(row.cells, width)
    raw = " ".join(c.text or "∅" for c in cells)
    if len(cells) == 1 and cells[0].kind == "digits":
        splits = split_typed(cells[0].text, kinds)
        if len(splits) == 1:
            return list(splits[0])
        ctx.warn(
            cells[0].line,
            f"table 二 {item.key}: ambiguous run-together digits '{cells[0].text}': "
            f"{len(splits)} splits fit the columns; the cells they do not agree on are unreadable",
        )
        return agreed(splits, width, UNREADABLE)
    vals = [_cell_value(c, True, ctx, f"table 二 {item.key}") for c in cells]
    while len(vals) > width and vals[-1] is None:
        vals.pop()
    while len(vals) > width and vals[0] is None:
        vals.pop(0)
    if len(vals) == width:
        return vals
    # Nothing in the row says which cell is missing (or which is extra): never shift.
    ctx.warn(
        row.line,
        f"table 二 {item.key}: {len(vals)} cells where the format has {width} (raw: {raw})",
    )
    return [UNREADABLE] * width


def _store_item(
    item: model.ProactiveItem, row: RawRow, vals: list[Any], region_text: str, ctx: _Ctx
) -> dict[str, Any]:
    for n, (col, v) in enumerate(zip(item.columns, vals, strict=True)):
        if isinstance(v, float) and model.PROACTIVE_COLUMN_BY_KEY[col].kind != "decimal":
            ctx.warn(
                row.line, f"table 二 {item.key}.{col}: '{v}' is not a whole number; left blank"
            )
            vals[n] = None
    cells_out = ctx.store("proactive", item.key, item.columns, vals, row.line)
    if item.key == "procurement":
        cells_out["amount_unit"] = _amount_unit(row, region_text)
        if cells_out["amount_unit"] is None and cells_out.get("amount") is not None:
            ctx.warn(
                row.line, "table 二 procurement: amount unit (元/万元) not found in the header"
            )
    return cells_out


def _amount_unit(row: RawRow, region_text: str) -> str | None:
    """元 or 万元: typed into the amount cell (``125000元``), else from the column header."""
    units = [c.unit for c in row.cells if c.unit in ("元", "万元")]
    if units:
        return units[-1]
    # Wrapped or OCR'd headers put spaces inside the words ("采 购总金额"), and a header
    # cell wrapped in a text table leaves a cell border inside it ("（单位：万 | 元）"):
    # the header is searched with both removed.
    unit = re.search(
        r"采购总金额[^\n]{0,12}?[(（]?(?:单位[:：])?(万元|元)",
        _WHITESPACE.sub("", nfkc(region_text)).replace("|", ""),
    )
    return unit.group(1) if unit else None


def detect_format(
    proactive_text: str, whole: str, year: int | None, ctx: _Ctx
) -> model.FormatVersion:
    """The format version from the table headers, never the year."""
    for text in (proactive_text, whole):
        t = nfkc(text).replace(" ", "")
        scores = {
            v: sum(1 for m in marks if nfkc(m) in t) for v, marks in model.FORMAT_MARKERS.items()
        }
        if scores["2021"] != scores["2019"]:
            return "2021" if scores["2021"] > scores["2019"] else "2019"
    guess: model.FormatVersion = "2019" if year is not None and year < 2021 else "2021"
    ctx.warn(None, f"format version not stated by the table headers; assumed {guess}")
    return guess
