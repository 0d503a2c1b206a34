"""Row-level damage the synthetic corpus showed: each is read, or flagged, never silent.

Each test renders the constructed 2019 report of test_roundtrip, damages one line the
way careless copies do, and checks the value read and the warning given.
"""

from __future__ import annotations

import pytest

from ingest.corpus.render import render_text
from ingest.parse import parse_text

from .test_roundtrip import report_2019


def _parse(old: str, new: str, layout: str = "pipe-rows") -> dict:
    text = render_text(report_2019(), layout)
    assert old in text, old
    return parse_text(text.replace(old, new, 1))


def test_a_table_2_label_with_a_dropped_character_is_read_and_flagged() -> None:
    report = _parse("其他对外管理服务事项 |", "其他外管理服务事项 |")
    assert report["proactive"]["other_services"] == {
        "previous_items": 3,
        "change": 0,
        "decisions": 0,
    }
    assert any("read as '其他对外管理服务事项'" in w for w in report["warnings"])


def test_a_short_unrelated_label_is_not_fuzzily_taken_for_a_table_2_row() -> None:
    report = _parse("其他对外管理服务事项 |", "合计 |")
    assert "other_services" not in report["proactive"]


def test_procurement_unit_is_read_through_stray_spaces() -> None:
    report = _parse("采购总金额（单位：万元）", "采 购总金额（单位： 万元）")
    assert report["proactive"]["procurement"]["amount_unit"] == "万元"
    assert report["proactive"]["procurement"]["amount"] == 8.5


def test_a_missing_procurement_unit_is_flagged() -> None:
    report = _parse("采购总金额（单位：万元）", "采购总金额")
    assert report["proactive"]["procurement"]["amount_unit"] is None
    assert any("amount unit" in w for w in report["warnings"])


def test_explicit_blank_marks_at_the_end_of_table_4_are_cells_not_padding() -> None:
    # Only the 行政复议 group filled in; the litigation groups printed as "/".
    row = "12 | 3 | 0 | 1 | 16 | 0 | 0 | 0 | 1 | 1 | 0 | 0 | 0 | 0 | 0 |"
    report = _parse(row, "12 | 3 | 0 | 1 | 16 | / | / | / | / | / | / | / | / | / | / | |")
    review = report["review_litigation"]
    assert review["review"] == {"upheld": 12, "corrected": 3, "other": 0, "pending": 1, "total": 16}
    assert review["litigation_direct"] == dict.fromkeys(review["litigation_direct"])
    assert review["litigation_after_review"] == dict.fromkeys(review["litigation_after_review"])


def test_empty_cells_after_the_numbers_are_blank_cells_in_place() -> None:
    # A row of the format's width keeps every cell where it is: the empty cells after the
    # five numbers are the two litigation groups left blank (never the numbers moved right).
    row = "12 | 3 | 0 | 1 | 16 | 0 | 0 | 0 | 1 | 1 | 0 | 0 | 0 | 0 | 0 |"
    report = _parse(row, "12 | 3 | 0 | 1 | 16 | | | | | | | | | | |")
    review = report["review_litigation"]
    assert review["review"] == {"upheld": 12, "corrected": 3, "other": 0, "pending": 1, "total": 16}
    assert review["litigation_direct"] == dict.fromkeys(review["litigation_direct"])
    assert review["litigation_after_review"] == dict.fromkeys(review["litigation_after_review"])
    assert report["unreadable"] == []


def test_split_solver_agrees_with_brute_force_over_the_column_identities() -> None:
    """_column_solutions (meet in the middle) finds what trying every combination finds."""
    import itertools
    import random

    from ingest import model
    from ingest import validate as checks
    from ingest.parse.digits import _column_solutions

    rng = random.Random(7)
    keys = ["new_received", "carried_over", "granted", "partially_granted", "other_processing"]
    keys += ["total_handled", "carried_forward"]
    width = len(model.APPLICANT_KEYS)

    def row() -> tuple[int, ...]:
        parts = [rng.choice((0, 0, 1, 2, 3)) for _ in range(width - 1)]
        return (*parts, sum(parts))

    compared = 0
    for _ in range(300):
        truth = {k: row() for k in keys}
        truth["total_handled"] = tuple(
            sum(truth[k][j] for k in ("granted", "partially_granted", "other_processing"))
            for j in range(width)
        )
        truth["new_received"] = tuple(
            truth["total_handled"][j] + truth["carried_forward"][j] - truth["carried_over"][j]
            for j in range(width)
        )
        if min(truth["new_received"]) < 0:
            continue
        open_keys = rng.sample(keys, 3)
        open_rows = {k: [truth[k], *(row() for _ in range(2))] for k in open_keys}
        fixed = {k: v for k, v in truth.items() if k not in open_rows}
        if rng.random() < 0.3:  # a blank cell makes its column's identities uncheckable
            k = rng.choice(list(fixed))
            fixed[k] = (None, *fixed[k][1:])
        brute = []
        for pick in itertools.product(*open_rows.values()):
            trial = {**fixed, **dict(zip(open_rows, pick, strict=True))}
            apps = {k: dict(zip(model.APPLICANT_KEYS, v, strict=True)) for k, v in trial.items()}
            if all(c["ok"] is not False for c in checks.column_checks(apps)):
                brute.append(dict(zip(open_rows, pick, strict=True)))
        got = _column_solutions(fixed, open_rows)
        assert len(got) == min(len(brute), 2)
        assert all(g in brute for g in got)
        compared += 1
    assert compared > 100


def test_a_wrapped_table_2_label_with_its_tail_alone_before_the_numbers() -> None:
    # PDF text extractors differ in where a wrapped label's tail lands: after the
    # numbers (pdfplumber) or on its own line before them (pdfium).
    for numbers_then_tail in (False, True):
        old = "其他对外管理服务\n3 0 0\n事项\n"
        new = old if numbers_then_tail else "其他对外管理服务\n事项\n3 0 0\n"
        report = _parse(old, new, layout="pdf-text")
        assert report["proactive"]["other_services"] == {
            "previous_items": 3,
            "change": 0,
            "decisions": 0,
        }, numbers_then_tail
        assert report["proactive"]["punishment"]["previous_items"] == 1


def test_procurement_unit_is_read_across_a_cell_border() -> None:
    # A header cell wrapped in a text table: "万" and "元" end up in two cells.
    report = _parse("采购总金额（单位：万元）", "采购总金额（单位：万 | 元）")
    assert report["proactive"]["procurement"]["amount_unit"] == "万元"
    assert report["proactive"]["procurement"]["amount"] == 8.5


def _piped_table_four(values: list[str]) -> list[tuple[int, str]]:
    """Table 四 as the pipe-ended one-cell-per-line copy prints it: every row opens with a
    line '|', each cell's line ends with ' |', a blank cell is a line '|'."""
    header = ["|", "行政复议 |", "行政诉讼 |", "|", "未经复议直接起诉 |", "复议后起诉 |", "|"]
    header += ["结果维持 |", "结果纠正 |", "其他结果 |", "尚未审结 |", "总计 |"] * 3
    body = ["|", *[f"{v} |" if v else "|" for v in values]]
    return list(enumerate(header + body, start=1))


@pytest.mark.parametrize(
    "values",
    [
        ["2", "", "", "", "2", "", "", "", "", "", "", "", "", "3", "3"],
        ["", "1", "", "", "1", "4", "", "", "", "4", "", "", "", "", ""],  # a blank first cell
    ],
)
def test_table_four_row_opener_in_pipe_ended_cell_lines_is_not_a_cell(values: list[str]) -> None:
    from ingest.parse.cell_lines import cell_line_rows
    from ingest.parse.context import Context
    from ingest.parse.review import parse_review

    rows = cell_line_rows(_piped_table_four(values), unlabelled_values=True)
    got = parse_review(rows, Context("<test>"))
    flat = [got[g][c] for g in ("review", "litigation_direct", "litigation_after_review")
            for c in ("upheld", "corrected", "other", "pending", "total")]  # fmt: skip
    assert flat == [int(v) if v else None for v in values]
