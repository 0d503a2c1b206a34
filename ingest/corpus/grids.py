"""Tables 二, 三 and 四 as printed grids: the model's grids (:mod:`ingest.model_grids`)
filled with a report's values as a copy prints them (:func:`build_tables`); each layout
writes a grid its own way."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingest import model, model_grids

from .style import (
    CellKind,
    Report,
    Style,
    _Ctx,
    _noisy_label,
    format_value,
)

# ---------------------------------------------------------------------------
# Grids: the three tables as cells with spans
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One printed cell: its text, where it starts and how far it spans."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    kind: CellKind = "label"
    parts: tuple[str, ...] = ()  # the lines of a header the original wraps
    value: object = None  # the number behind a value cell


@dataclass(frozen=True)
class Grid:
    """A table as the originals print it: cells on a grid of rows and columns."""

    name: str  # "proactive", "applications" or "review_litigation"
    ncols: int
    nrows: int
    cells: tuple[Cell, ...]
    widths: tuple[float, ...]  # column widths in CJK characters (pdf-text, pdf)
    label_cols: int = 1  # columns of row labels before the values

    def starting(self, row: int) -> list[Cell]:
        """Cells that start in ``row``, left to right."""
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)

    def slots(self, row: int) -> list[tuple[int, Cell | None]]:
        """Per grid column of ``row``: the cell starting there, or None where a cell
        from a row above reaches down (only its first column); colspan coverage is
        left out."""
        out: list[tuple[int, Cell | None]] = []
        for c in self.cells:
            if c.row == row:
                out.append((c.col, c))
            elif c.row < row < c.row + c.rowspan:
                out.append((c.col, None))
        return sorted(out, key=lambda t: t[0])

    def owner(self, row: int, col: int) -> Cell | None:
        """The cell covering grid position (row, col)."""
        for c in self.cells:
            if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan:
                return c
        return None


def _wrap2(text: str) -> tuple[str, ...]:
    """A four-character header the originals print on two lines (商业 / 企业)."""
    return (text[:2], text[2:]) if len(text) == 4 else ()


# Column widths in CJK characters, per table (pdf-text, pdf): a rendering choice.
_WIDTHS: dict[str, tuple[float, ...]] = {
    "proactive": (8, 7, 7, 7),
    "applications": (1, 4, 15, 3, 3, 3, 4, 4, 2, 3),
    "review_litigation": (2,) * 15,
}
# Printed texts a careless copy never retypes (the long fixed headings); every other label
# of tables 二 and 三 may get a typo or a stray space. Table 四's headers are kept as printed.
_KEPT_AS_PRINTED = frozenset(
    {
        model.PROACTIVE_ITEM_HEAD,
        model.BALANCE_NOTE,
        model.APPLICANT_HEAD,
        model.APPLICANT_ORG_HEAD,
        dict(model.APPLICANT_COLUMNS)["natural_person"],
        dict(model.APPLICANT_COLUMNS)["total"],
        model.APPLICATION_ROW_BY_KEY["granted"].group,
    }
)


def _amount_unit(layout: model_grids.TableGrid, head: model_grids.GridCell, rows: Any) -> object:
    """The unit table 二's amount column prints in its header: that of the block's first row."""
    first = next(
        (
            c
            for c in layout.cells
            if c.kind == "value" and c.column == head.column and c.row > head.row
        ),
        None,
    )
    return rows[first.key].get("amount_unit") if first is not None else None


def _fill(layout: model_grids.TableGrid, rows: Mapping[str, Any], ctx: _Ctx) -> Grid:
    """The model's grid with a report's values (``rows``: row key → cells; table 四: group
    key → cells), as a copy prints them under ``ctx``'s style."""
    noisy = layout.name != "review_litigation"
    wrap = ctx.style.wrap_headers
    cells: list[Cell] = []
    for c in layout.cells:
        if c.kind == "value":
            v = (rows.get(c.key) or {}).get(c.column)
            text = format_value(v) if v is not None else ctx.style.blank_mark
            cells.append(Cell(text, c.row, c.col, c.rowspan, c.colspan, "value", value=v))
            continue
        text = c.text
        if c.kind == "head" and c.column == "amount":
            unit = _amount_unit(layout, c, rows)
            if unit:
                text = f"{text}（单位：{unit}）"
        parts = _wrap2(c.text) if wrap and c.wraps else ()
        if noisy and c.text not in _KEPT_AS_PRINTED:
            text = _noisy_label(text, ctx, item=c.numbered)
        kind: CellKind = c.kind
        cells.append(Cell(text, c.row, c.col, c.rowspan, c.colspan, kind, parts=parts))
    nrows = max((c.row + c.rowspan for c in cells), default=0)
    widths = _WIDTHS[layout.name]
    return Grid(layout.name, layout.ncols, nrows, tuple(cells), widths, layout.label_cols)


def _proactive_grid(report: Report, ctx: _Ctx) -> Grid | None:
    fmt = report.get("format", "2021")
    proactive: Mapping[str, Any] = report.get("proactive") or {}
    items = [it for it in model.PROACTIVE_ITEMS[fmt] if it.key in proactive]
    if not items:
        return None
    return _fill(model_grids.proactive_grid(items), proactive, ctx)


def application_rows(applications: Mapping[str, Any]) -> tuple[model.Row, ...]:
    """The rows of table 三 in the report, in printed order (25- or 23-row variant)."""
    return tuple(r for r in model.application_rows(applications) if r.key in applications)


def _applications_grid(report: Report, ctx: _Ctx) -> Grid | None:
    applications: Mapping[str, Any] = report.get("applications") or {}
    rows = application_rows(applications)
    if not rows:
        return None
    return _fill(model_grids.applications_grid(rows), applications, ctx)


def _review_grid(report: Report, ctx: _Ctx) -> Grid | None:
    review: Mapping[str, Any] = report.get("review_litigation") or {}
    if not review:
        return None
    return _fill(model_grids.review_grid(), review, ctx)


def build_tables(
    report: Report, style: Style | None = None, rng: random.Random | None = None
) -> dict[str, Grid]:
    """The report's tables 二, 三, 四 as grids, keyed by section key."""
    ctx = _Ctx(style or Style(), rng)
    grids = {
        "proactive": _proactive_grid(report, ctx),
        "applications": _applications_grid(report, ctx),
        "review_litigation": _review_grid(report, ctx),
    }
    return {k: v for k, v in grids.items() if v is not None}
