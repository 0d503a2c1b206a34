"""The printed grids of tables 二, 三 and 四 (ingest.model_grids): one description the
renderer and the report page both build from."""

from __future__ import annotations

import pytest

from ingest import model, model_grids
from ingest.corpus.grids import build_tables

GRIDS = {
    "proactive 2021": model_grids.proactive_grid(model.PROACTIVE_2021),
    "proactive 2019": model_grids.proactive_grid(model.PROACTIVE_2019),
    "applications 25 rows": model_grids.applications_grid(model.APPLICATION_ROWS_SPLIT),
    "applications 23 rows": model_grids.applications_grid(model.APPLICATION_ROWS_SINGLE),
    "review": model_grids.review_grid(),
}


@pytest.mark.parametrize("name", GRIDS)
def test_every_grid_position_is_covered_by_exactly_one_cell(name: str) -> None:
    grid = GRIDS[name]
    covered: dict[tuple[int, int], int] = {}
    for c in grid.cells:
        for r in range(c.row, c.row + c.rowspan):
            for col in range(c.col, c.col + c.colspan):
                covered[(r, col)] = covered.get((r, col), 0) + 1
    every = {(r, col) for r in range(grid.nrows) for col in range(grid.ncols)}
    assert set(covered) == every
    assert set(covered.values()) == {1}


def test_value_cells_are_the_models_keys_in_printed_order() -> None:
    apps = GRIDS["applications 23 rows"]
    slots = [(c.key, c.column) for c in apps.cells if c.kind == "value"]
    assert slots == [
        (r.key, k) for r in model.APPLICATION_ROWS_SINGLE for k in model.APPLICANT_KEYS
    ]
    review = [(c.key, c.column) for c in GRIDS["review"].cells if c.kind == "value"]
    assert review == [(g, k) for g, _ in model.REVIEW_GROUPS for k in model.REVIEW_KEYS]
    assert {c.row for c in GRIDS["review"].cells if c.kind == "value"} == {3}
    pro = [(c.key, c.column) for c in GRIDS["proactive 2019"].cells if c.kind == "value"]
    assert pro == [(it.key, k) for it in model.PROACTIVE_2019 for k in it.columns]


def test_table_three_merges_the_group_labels_over_their_rows() -> None:
    grid = GRIDS["applications 25 rows"]
    groups = {c.text: (c.row, c.col, c.rowspan) for c in grid.cells if c.kind == "group"}
    # Header rows 0-2; new_received row 3, carried_over 4; the result block is rows 5-26.
    assert groups["三、本年度办理结果"] == (5, 0, 22)
    assert groups["（三）不予公开"] == (7, 1, 8)
    assert groups["（六）其他处理"] == (23, 1, 3)
    single = GRIDS["applications 23 rows"]
    labels = {c.key: (c.col, c.colspan) for c in single.cells if c.kind == "label"}
    assert labels["other_processing"] == (1, 2)  # a result row of its own, no group
    assert labels["new_received"] == (0, 3)
    assert labels["denied_state_secret"] == (2, 1)


def test_table_four_header_is_printed_as_the_originals() -> None:
    # pingtan_caizheng_2023: 行政复议 行政诉讼 / 结果维持…总计 未经复议直接起诉 复议后起诉 / ×2
    grid = GRIDS["review"]
    rows = [[(c.text, c.rowspan, c.colspan) for c in grid.starting(r)] for r in range(3)]
    assert rows[0] == [("行政复议", 1, 5), ("行政诉讼", 1, 10)]
    assert rows[1] == [(label, 2, 1) for _, label in model.REVIEW_COLUMNS] + [
        ("未经复议直接起诉", 1, 5),
        ("复议后起诉", 1, 5),
    ]
    assert [t for t, _, _ in rows[2]] == [label for _, label in model.REVIEW_COLUMNS] * 2


def test_renderer_fills_the_models_grid() -> None:
    report = {
        "format": "2019",
        "proactive": {"procurement": {"projects": 3, "amount": 12.5, "amount_unit": "万元"}},
        "applications": {
            r.key: {k: 1 for k in model.APPLICANT_KEYS} for r in model.APPLICATION_ROWS_SINGLE
        },
        "review_litigation": {g: {k: 0 for k in model.REVIEW_KEYS} for g, _ in model.REVIEW_GROUPS},
    }
    tables = build_tables(report)
    for name, layout in (
        ("applications", GRIDS["applications 23 rows"]),
        ("review_litigation", GRIDS["review"]),
    ):
        spans = [(c.row, c.col, c.rowspan, c.colspan, c.kind) for c in tables[name].cells]
        assert spans == [(c.row, c.col, c.rowspan, c.colspan, c.kind) for c in layout.cells]
    heads = [c.text for c in tables["proactive"].cells if c.kind == "head"]
    assert heads == ["第二十条第（九）项", "信息内容", "采购项目数量", "采购总金额（单位：万元）"]
    values = [c.text for c in tables["proactive"].cells if c.kind == "value"]
    assert values == ["3", "12.5"]
