"""Tables 二, 三 and 四 as printed grids: cells with their row and column spans, built
from the model (:func:`build_tables`); each layout writes a grid its own way."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingest import model

from .style import (
    _APPLICANT_HEAD,
    _BALANCE_NOTE,
    _INFO_CONTENT,
    _ORG_HEAD,
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


class _GridBuilder:
    def __init__(self, name: str, ncols: int, widths: Sequence[float], label_cols: int) -> None:
        self.name, self.ncols, self.widths, self.label_cols = name, ncols, tuple(widths), label_cols
        self.cells: list[Cell] = []

    def add(self, row: int, col: int, text: str, kind: CellKind = "label", **kw: Any) -> None:
        self.cells.append(Cell(text, row, col, kind=kind, **kw))

    def values(
        self, row: int, col: int, values: Sequence[object], ctx: _Ctx, last_span: int = 1
    ) -> None:
        for j, v in enumerate(values):
            span = last_span if j == len(values) - 1 else 1
            text = format_value(v) if v is not None else ctx.style.blank_mark
            self.add(row, col + j, text, "value", colspan=span, value=v)

    def build(self) -> Grid:
        nrows = max((c.row + c.rowspan for c in self.cells), default=0)
        return Grid(self.name, self.ncols, nrows, tuple(self.cells), self.widths, self.label_cols)


def _wrap2(text: str) -> tuple[str, ...]:
    """A four-character header the originals print on two lines (商业 / 企业)."""
    return (text[:2], text[2:]) if len(text) == 4 else ()


def _proactive_grid(report: Report, ctx: _Ctx) -> Grid | None:
    fmt = report.get("format", "2021")
    proactive: Mapping[str, Any] = report.get("proactive") or {}
    items = [it for it in model.PROACTIVE_ITEMS[fmt] if it.key in proactive]
    if not items:
        return None
    g = _GridBuilder("proactive", 4, (8, 7, 7, 7), 1)
    r = 0
    blocks: list[tuple[str, list[model.ProactiveItem]]] = []
    for it in items:
        if blocks and blocks[-1][0] == it.block:
            blocks[-1][1].append(it)
        else:
            blocks.append((it.block, [it]))
    for block, block_items in blocks:
        g.add(r, 0, _noisy_label(block, ctx), "head", colspan=4)
        r += 1
        cols = block_items[0].columns
        last_span = 4 - len(cols)
        g.add(r, 0, _INFO_CONTENT, "head")
        for j, key in enumerate(cols):
            label = model.PROACTIVE_COLUMN_BY_KEY[key].label
            if key == "amount":
                unit = next((proactive[i.key].get("amount_unit") for i in block_items), None)
                if unit:
                    label = f"{label}（单位：{unit}）"
            span = last_span if j == len(cols) - 1 else 1
            g.add(r, 1 + j, _noisy_label(label, ctx), "head", colspan=span)
        r += 1
        for it in block_items:
            row = proactive[it.key]
            g.add(r, 0, _noisy_label(it.labels[0], ctx))
            g.values(r, 1, [row.get(k) for k in it.columns], ctx, last_span)
            r += 1
    return g.build()


def application_rows(applications: Mapping[str, Any]) -> tuple[model.Row, ...]:
    """The rows of table 三 in the report, in printed order (25- or 23-row variant)."""
    return tuple(r for r in model.application_rows(applications) if r.key in applications)


def _applications_grid(report: Report, ctx: _Ctx) -> Grid | None:
    applications: Mapping[str, Any] = report.get("applications") or {}
    rows = application_rows(applications)
    if not rows:
        return None
    g = _GridBuilder("applications", 10, (1, 4, 15, 3, 3, 3, 4, 4, 2, 3), 3)
    wrap = ctx.style.wrap_headers
    labels = dict(model.APPLICANT_COLUMNS)
    # Header: three rows, as in the format's template.
    g.add(0, 0, _BALANCE_NOTE, "head", rowspan=3, colspan=3)
    g.add(0, 3, _APPLICANT_HEAD, "head", colspan=7)
    g.add(1, 3, labels["natural_person"], "head", rowspan=2)
    g.add(1, 4, _ORG_HEAD, "head", colspan=5)
    g.add(1, 9, labels["total"], "head", rowspan=2)
    for j, key in enumerate(model.APPLICANT_PARTS[1:]):
        text = labels[key]
        parts = _wrap2(text) if wrap and key in ("commercial", "research") else ()
        g.add(2, 4 + j, _noisy_label(text, ctx), "head", parts=parts)
    result_group = model.APPLICATION_ROW_BY_KEY["granted"].group
    result_keys = set(model.OUTCOME_KEYS) | {"total_handled"}
    first = 3
    result_rows = [i for i, row in enumerate(rows) if row.key in result_keys]
    if result_rows:
        g.add(first + result_rows[0], 0, result_group, "group", rowspan=len(result_rows))
    i = 0
    while i < len(rows):
        row = rows[i]
        r = first + i
        if row.key not in result_keys:
            g.add(r, 0, _noisy_label(row.label, ctx), colspan=3)
        elif row.group == result_group:
            g.add(r, 1, _noisy_label(row.label, ctx), colspan=2)
        else:
            span = 1
            while i + span < len(rows) and rows[i + span].group == row.group:
                span += 1
            g.add(r, 1, _noisy_label(row.group, ctx), "group", rowspan=span)
            for k in range(span):
                sub = rows[i + k]
                g.add(r + k, 2, _noisy_label(sub.label, ctx, item=True))
                g.values(
                    r + k, 3, [applications[sub.key].get(c) for c in model.APPLICANT_KEYS], ctx
                )
            i += span
            continue
        g.values(r, 3, [applications[row.key].get(c) for c in model.APPLICANT_KEYS], ctx)
        i += 1
    return g.build()


def _review_grid(report: Report, ctx: _Ctx) -> Grid | None:
    review: Mapping[str, Any] = report.get("review_litigation") or {}
    if not review:
        return None
    g = _GridBuilder("review_litigation", 15, (2,) * 15, 0)
    wrap = ctx.style.wrap_headers
    (rk, rlabel), (dk, dlabel), (ak, alabel) = model.REVIEW_GROUPS
    litigation, direct = dlabel.split("·")
    after = alabel.split("·")[1]
    g.add(0, 0, rlabel, "head", colspan=5)
    g.add(0, 5, litigation, "head", colspan=10)
    g.add(1, 5, direct, "head", colspan=5)
    g.add(1, 10, after, "head", colspan=5)
    for j, (_, label) in enumerate(model.REVIEW_COLUMNS):
        parts = _wrap2(label) if wrap and j > 0 else ()
        g.add(1, j, label, "head", rowspan=2, parts=parts)
        g.add(2, 5 + j, label, "head", parts=_wrap2(label) if wrap else ())
        g.add(2, 10 + j, label, "head", parts=_wrap2(label) if wrap else ())
    values = [(review.get(k) or {}).get(c) for k in (rk, dk, ak) for c in model.REVIEW_KEYS]
    g.values(3, 0, values, ctx)
    return g.build()


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
