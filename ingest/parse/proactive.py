"""Table 二: rows matched by their labels (规章, 行政许可, …), cells by the columns of the format."""

from __future__ import annotations

import re
from typing import Any

from .. import model
from .cells import Cell, RawRow, nfkc, to_number
from .context import Context as _Ctx
from .digits import _parts
from .labels import _fuzzy_proactive, _match_proactive
from .rows import _cell_value

_WHITESPACE = re.compile(r"[^\S\n]+")


def parse_proactive(
    rows: list[RawRow], fmt: str, region_text: str, ctx: _Ctx
) -> dict[str, dict[str, Any]]:
    """Table 二: rows matched by their labels (规章, 行政许可, …)."""
    items = model.PROACTIVE_ITEMS[fmt]  # type: ignore[index]
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        item = _match_proactive(row.label, items)
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
        width = len(item.columns)
        allow = [model.PROACTIVE_COLUMN_BY_KEY[c].kind == "decimal" for c in item.columns]
        cells = row.cells
        if len(cells) == 1 and cells[0].kind == "digits":
            if width == 1:
                vals: list[Any] = [to_number(cells[0].text)]
            else:
                splits = _parts(cells[0].text, width) if "." not in cells[0].text else []
                if len(splits) == 1:
                    vals = list(splits[0])
                else:
                    ctx.warn(
                        cells[0].line,
                        f"table 二 {item.key}: ambiguous run-together digits '{cells[0].text}' "
                        f"({len(splits)} splits); cells left blank, raw text kept",
                    )
                    vals = [None] * width
        else:
            raw_vals = [_cell_value(c, True, ctx, f"table 二 {item.key}") for c in cells]
            vals = list(raw_vals)
            while len(vals) > width and vals[-1] is None:
                vals.pop()
            while len(vals) > width and vals[0] is None:
                vals.pop(0)
            if len(vals) != width:
                raw = " ".join(c.text or "∅" for c in cells)
                if ctx.blanks_visible:
                    ctx.warn(
                        row.line,
                        f"table 二 {item.key}: {len(vals)} cells where the format has {width} (raw: {raw}); aligned left",
                    )
                    vals = (vals + [None] * width)[:width]
                else:
                    ctx.warn(
                        row.line,
                        f"table 二 {item.key}: {len(vals)} of {width} numbers and blank cells leave no trace in this layout; cells left blank, raw text kept (raw: {raw})",
                    )
                    vals = [None] * width
        cells_out: dict[str, Any] = {}
        for col, v, dec in zip(item.columns, vals, allow, strict=True):
            if isinstance(v, float) and not dec:
                ctx.warn(
                    row.line, f"table 二 {item.key}.{col}: '{v}' is not a whole number; left blank"
                )
                v = None
            cells_out[col] = v
        if item.key == "procurement":
            # Wrapped or OCR'd headers put spaces inside the words ("采 购总金额"), and
            # a header cell wrapped in a text table leaves a cell border inside it
            # ("（单位：万 | 元）"): the header is searched with both removed.
            unit = re.search(
                r"采购总金额[^\n]{0,12}?[(（]?(?:单位[:：])?(万元|元)",
                _WHITESPACE.sub("", nfkc(region_text)).replace("|", ""),
            )
            cells_out["amount_unit"] = unit.group(1) if unit else None
            if unit is None and cells_out.get("amount") is not None:
                ctx.warn(
                    row.line, "table 二 procurement: amount unit (元/万元) not found in the header"
                )
        out[item.key] = cells_out
    # keep the format's order
    return {i.key: out[i.key] for i in items if i.key in out}


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
