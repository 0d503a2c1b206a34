"""The printed grids of tables 二, 三 and 四, as the format's template lays them out: which
cells the originals print, where each starts, how far it spans, the header text and the
merged label cells. No values and no styling: the renderer (:mod:`ingest.corpus.grids`)
fills a grid with a report's numbers as a copy prints them, the report page
(``plugins/report_page.py``) with a report's cells. Labels come from :mod:`ingest.model`.

Facts: the State Council templates of the 2019 and 2021 formats (FORMAT.md); the
two-row header of table 四 (行政复议 | 行政诉讼, then 未经复议直接起诉 | 复议后起诉) is
how the originals print it (shared/real, e.g. pingtan_caizheng_2023).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ingest import model

GridCellKind = Literal["head", "label", "group", "value"]


@dataclass(frozen=True)
class GridCell:
    """One printed cell: where it starts (0-based grid row and column), how far it spans,
    and what it holds. ``head``: header text; ``label``: a row's own label; ``group``: a
    merged label over several rows; ``value``: the slot of one number."""

    kind: GridCellKind
    row: int
    col: int
    text: str = ""  # head, label and group cells: the text as printed (values: "")
    rowspan: int = 1
    colspan: int = 1
    key: str = ""  # label and value cells: the row key (table 四: the group key)
    column: str = ""  # value cells, and the header of one column: the column key
    numbered: bool = False  # a numbered item under a merged group ("1.属于国家秘密")
    wraps: bool = False  # a header the originals print on two lines (商业 / 企业)


@dataclass(frozen=True)
class TableGrid:
    """A table as the originals print it. ``cells`` are in printed order (top to bottom,
    left to right), except that a merged group column's cell comes before the rows it
    spans; ``label_cols`` columns of row labels come before the values."""

    name: str  # the section key: "proactive", "applications" or "review_litigation"
    ncols: int
    label_cols: int
    cells: tuple[GridCell, ...]

    @property
    def nrows(self) -> int:
        """Rows of the grid (header rows included)."""
        return max((c.row + c.rowspan for c in self.cells), default=0)

    def starting(self, row: int) -> list[GridCell]:
        """The cells that start in ``row``, left to right."""
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)


# ---------------------------------------------------------------------------
# Table 二 — one block per 第二十条 item: a title row, a column-header row, item rows
# ---------------------------------------------------------------------------

PROACTIVE_COLS = 4  # 信息内容 and up to three value columns


def proactive_grid(items: Sequence[model.ProactiveItem]) -> TableGrid:
    """Table 二 for ``items`` (model.PROACTIVE_ITEMS[format], or the ones a report holds):
    consecutive items of one block share its title and header rows; a block with fewer
    than three columns stretches its last column to the table's right edge."""
    cells: list[GridCell] = []
    r = 0
    blocks: list[list[model.ProactiveItem]] = []
    for it in items:
        if blocks and (blocks[-1][0].block, blocks[-1][0].columns) == (it.block, it.columns):
            blocks[-1].append(it)
        else:
            blocks.append([it])
    for block in blocks:
        first = block[0]
        cells.append(GridCell("head", r, 0, first.block, colspan=PROACTIVE_COLS))
        r += 1
        last_span = PROACTIVE_COLS - len(first.columns)
        cells.append(GridCell("head", r, 0, model.PROACTIVE_ITEM_HEAD))
        for j, key in enumerate(first.columns):
            label = model.PROACTIVE_COLUMN_BY_KEY[key].label
            span = last_span if j == len(first.columns) - 1 else 1
            cells.append(GridCell("head", r, 1 + j, label, colspan=span, column=key))
        r += 1
        for it in block:
            cells.append(GridCell("label", r, 0, it.labels[0], key=it.key))
            for j, key in enumerate(it.columns):
                span = last_span if j == len(it.columns) - 1 else 1
                cells.append(GridCell("value", r, 1 + j, colspan=span, key=it.key, column=key))
            r += 1
    return TableGrid("proactive", PROACTIVE_COLS, 1, tuple(cells))


# ---------------------------------------------------------------------------
# Table 三 — a three-row header, then one row per row key under merged group labels
# ---------------------------------------------------------------------------

APPLICATION_HEAD_ROWS = 3
APPLICATION_LABEL_COLS = 3  # 三、本年度办理结果 | （三）不予公开 | 1.属于国家秘密
_WRAPPED_APPLICANTS = ("commercial", "research")  # printed 商业 / 企业, 科研 / 机构


def _application_head() -> list[GridCell]:
    labels = dict(model.APPLICANT_COLUMNS)
    cells = [
        GridCell("head", 0, 0, model.BALANCE_NOTE, rowspan=3, colspan=APPLICATION_LABEL_COLS),
        GridCell("head", 0, 3, model.APPLICANT_HEAD, colspan=len(model.APPLICANT_KEYS)),
        GridCell("head", 1, 3, labels["natural_person"], rowspan=2, column="natural_person"),
        GridCell("head", 1, 4, model.APPLICANT_ORG_HEAD, colspan=len(model.APPLICANT_PARTS) - 1),
        GridCell("head", 1, 9, labels["total"], rowspan=2, column="total"),
    ]
    for j, key in enumerate(model.APPLICANT_PARTS[1:]):
        wraps = key in _WRAPPED_APPLICANTS
        cells.append(GridCell("head", 2, 4 + j, labels[key], column=key, wraps=wraps))
    return cells


def _application_values(r: int, key: str) -> list[GridCell]:
    first = APPLICATION_LABEL_COLS
    return [
        GridCell("value", r, first + j, key=key, column=c)
        for j, c in enumerate(model.APPLICANT_KEYS)
    ]


def applications_grid(rows: Sequence[model.Row]) -> TableGrid:
    """Table 三 for ``rows`` (model.application_rows(...), or the ones a report holds):
    rows outside 三、本年度办理结果 print their label across the three label columns; the
    result rows sit under that merged label, each with its own label across two columns,
    or under a merged group label ((三) 不予公开 …) with a numbered item label."""
    cells = _application_head()
    result = model.APPLICATION_ROW_BY_KEY["granted"].group
    first = APPLICATION_HEAD_ROWS
    in_result = [i for i, row in enumerate(rows) if row.group]
    if in_result:
        cells.append(GridCell("group", first + in_result[0], 0, result, rowspan=len(in_result)))
    i = 0
    while i < len(rows):
        row, r = rows[i], first + i
        if not row.group:
            cells.append(GridCell("label", r, 0, row.label, colspan=3, key=row.key))
        elif row.group == result:
            cells.append(GridCell("label", r, 1, row.label, colspan=2, key=row.key))
        else:
            span = 1
            while i + span < len(rows) and rows[i + span].group == row.group:
                span += 1
            cells.append(GridCell("group", r, 1, row.group, rowspan=span))
            for k, sub in enumerate(rows[i : i + span]):
                cells.append(GridCell("label", r + k, 2, sub.label, key=sub.key, numbered=True))
                cells += _application_values(r + k, sub.key)
            i += span
            continue
        cells += _application_values(r, row.key)
        i += 1
    return TableGrid(
        "applications", APPLICATION_LABEL_COLS + 7, APPLICATION_LABEL_COLS, tuple(cells)
    )


# ---------------------------------------------------------------------------
# Table 四 — a three-row header over one row of fifteen values
# ---------------------------------------------------------------------------

REVIEW_HEAD_ROWS = 3


def review_grid() -> TableGrid:
    """Table 四: 行政复议 (five columns) | 行政诉讼 (ten), the latter split into 未经复议直接
    起诉 | 复议后起诉; 行政复议's five column labels span the two lower header rows."""
    (rk, rlabel), (dk, dlabel), (ak, alabel) = model.REVIEW_GROUPS
    litigation, direct = dlabel.split("·")
    after = alabel.split("·")[1]
    n = len(model.REVIEW_KEYS)
    cells = [
        GridCell("head", 0, 0, rlabel, colspan=n),
        GridCell("head", 0, n, litigation, colspan=2 * n),
        GridCell("head", 1, n, direct, colspan=n),
        GridCell("head", 1, 2 * n, after, colspan=n),
    ]
    for j, (key, label) in enumerate(model.REVIEW_COLUMNS):
        cells.append(GridCell("head", 1, j, label, rowspan=2, column=key, wraps=j > 0))
        cells.append(GridCell("head", 2, n + j, label, column=key, wraps=True))
        cells.append(GridCell("head", 2, 2 * n + j, label, column=key, wraps=True))
    for g, group in enumerate((rk, dk, ak)):
        for j, key in enumerate(model.REVIEW_KEYS):
            cells.append(GridCell("value", REVIEW_HEAD_ROWS, g * n + j, key=group, column=key))
    return TableGrid("review_litigation", 3 * n, 0, tuple(cells))
