"""Short rows and rows whose blank cells are lines of their own, read or flagged, never guessed.

The renderer writes these reports with our own numbers (not the field cases'); each
test pins a kind the 10,000-report corpus showed:

- PDF text whose blank cells print nothing: a row's numbers keep their order but not
  their columns. Only the 总计 of a table 三 row (or a table 四 group) can be certain:
  the last number, when it is positive and the sum of the others (`certain_total`).
- Pipe rows whose blank cells each sit on a line ``|`` of their own: every such line
  is one blank cell in its place, also at the end of a row and in table 四's unlabelled
  value row (which starts after an empty line).
- PDF text whose wrapped label sits above and below a row of blank marks.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from ingest import model
from ingest.corpus import glued
from ingest.corpus.render import render_text
from ingest.corpus.style import Style
from ingest.parse import parse_text
from ingest.parse.context import UNREADABLE, Context
from ingest.parse.rows import certain_total

from .test_roundtrip import _apps, _review, report_blanks

NONE6 = (None,) * 6
NONE5 = (None,) * 5


def _report(apps: dict[str, tuple[int | None, ...]], review: tuple, **proactive: Any) -> dict:
    """A 2021-format report of 示例县交通运输局 from table 三's applicant cells (totals
    follow the identities; a row of blanks has a blank total)."""
    report = report_blanks()
    report["agency"] = "示例县交通运输局"
    report["applications"] = _apps(model.APPLICATION_ROWS_SPLIT, apps)
    for key, parts in apps.items():
        if all(p is None for p in parts):
            report["applications"][key]["total"] = None
    report["review_litigation"] = _review(*review)
    report["proactive"].update(proactive)
    return report


# --- which total of a short row is certain -------------------------------------------


@pytest.mark.parametrize(
    ("printed", "total"),
    [
        ([3, 2, 5], 5),  # two parts and their total
        ([4, 4], 4),  # one part and its total
        ([1, 0, 2, 0, 3], 3),  # zeros among the parts
        ([6, 1, 1, 1, 1, 1, 10], UNREADABLE),  # does not add up: no placement keeps it
        ([0, 0], UNREADABLE),  # the total, or a part beside a blank total
        ([0], UNREADABLE),
        ([0, 0, 0, 0], UNREADABLE),
        ([7], UNREADABLE),  # a lone number: neither a total of nothing nor a part of a blank
        ([2, 5], UNREADABLE),
    ],
)
def test_a_short_row_publishes_its_total_only_when_no_other_reading_keeps_the_identity(
    printed: list[int], total: Any
) -> None:
    got = certain_total(printed, 7)
    assert got is UNREADABLE if total is UNREADABLE else got == total


def _reads_back(
    report: dict,
    table: str,
    layout: str,
    style: Style | None = None,
    rng: random.Random | None = None,
) -> None:
    """Render `report` in `layout` and parse it back: `table` reads exactly as rendered,
    and no cell is unreadable."""
    parsed = parse_text(render_text(report, layout, rng, style=style))
    assert parsed[table] == report[table], (layout, style)
    assert parsed["unreadable"] == [], (layout, style)


def _vanished_parse(report: dict) -> dict:
    text = render_text(report, "pdf-text", style=Style(blank_mark=""))
    return parse_text(text)


# Each: table 三 rows (applicant cells; the rest 0), table 四's three groups.
VANISHED = [
    (
        {
            "new_received": (4, 1, None, None, None, None),
            "carried_over": NONE6,
            "granted": (3, None, None, None, None, None),
            "unavailable_not_held": (1, 1, None, None, None, None),
            "total_handled": (4, 1, None, None, None, None),
            "carried_forward": (0, None, None, None, None, None),
        },
        ((2, None, None, 1, 3), NONE5, NONE5),
    ),
    (
        {
            "new_received": (None, 6, 2, None, None, 1),
            "carried_over": (None, 1, None, None, None, None),
            "granted": (None, 5, 2, None, None, None),
            "partially_granted": (None, 2, None, None, None, 1),
            "total_handled": (None, 7, 2, None, None, 1),
            "carried_forward": (None, 0, 0, None, None, 0),
        },
        (NONE5, (None, 1, None, None, 1), (0, 0, None, None, 0)),
    ),
]


@pytest.mark.parametrize(("apps", "review"), VANISHED)
def test_pdf_text_without_blank_marks_reads_only_what_the_identities_settle(
    apps: dict, review: tuple
) -> None:
    report = _report(apps, review)
    parsed = _vanished_parse(report)
    truth_unreadable = glued.vanished_unreadable("2021", report)
    listed = set(parsed["unreadable"])
    for table in ("applications", "review_litigation"):
        for row, cells in report[table].items():
            for col, want in cells.items():
                path = f"{table}.{row}.{col}"
                got = parsed[table].get(row, {}).get(col)
                if path in truth_unreadable:
                    assert got is None and path in listed, path  # never a guess
                elif got is not None:
                    assert got == want, path  # never a wrong number
    # The parser and the corpus's truth agree on every table 三 total.
    for row in report["applications"]:
        path = f"applications.{row}.total"
        if report["applications"][row]["total"]:
            assert (path in listed) == (path in truth_unreadable), path
    for row, cells in report["applications"].items():
        if cells["total"] and any(cells[c] for c in model.APPLICANT_PARTS):
            assert parsed["applications"][row]["total"] == cells["total"], row
    assert parsed["warnings"]


def test_a_short_table_four_row_never_gives_its_last_number_to_the_last_total() -> None:
    # "2 1 3" of 行政复议 alone (the litigation groups blank): any group could hold it.
    report = _report(
        {"new_received": (1, 0, 0, 0, 0, 0), "granted": (1, 0, 0, 0, 0, 0)},
        ((2, 1, None, None, 3), NONE5, NONE5),
    )
    parsed = _vanished_parse(report)
    review = parsed["review_litigation"]
    assert all(v is None for g in review.values() for v in g.values())
    assert {f"review_litigation.{g}.total" for g in review} <= set(parsed["unreadable"])
    assert any("table 四" in w and "leave no trace" in w for w in parsed["warnings"])


def test_a_short_table_two_row_is_never_read_by_the_total_rule() -> None:
    # Table 二 has no total column: "规章 5 5" could be any two of its three cells.
    report = _report(
        {"new_received": (1, 0, 0, 0, 0, 0), "granted": (1, 0, 0, 0, 0, 0)},
        ((0, 0, 0, 0, 0), NONE5, NONE5),
        regulations={"made": 5, "abolished": None, "in_force": 5},
    )
    parsed = _vanished_parse(report)
    assert parsed["proactive"]["regulations"] == dict.fromkeys(("made", "abolished", "in_force"))
    assert {f"proactive.regulations.{c}" for c in ("made", "abolished", "in_force")} <= set(
        parsed["unreadable"]
    )


def test_the_total_rule_holds_for_a_transposed_table_four_group() -> None:
    from ingest.parse.cells import Cell, RawRow
    from ingest.parse.review import parse_review

    ctx = Context("<test>")
    ctx.blanks_visible = False
    rows = [
        RawRow("行政复议", [Cell("number", t, 1, value=int(t)) for t in "2 1 0 3".split()], 1),
        RawRow(
            "未经复议直接起诉", [Cell("number", t, 2, value=int(t)) for t in "0 0 0 0".split()], 2
        ),
        RawRow("复议后起诉", [Cell("number", t, 3, value=int(t)) for t in "1 0 0 0 1".split()], 3),
    ]
    got = parse_review(rows, ctx)
    assert got["review"]["total"] == 3
    assert got["review"]["upheld"] is None and "review_litigation.review.upheld" in ctx.unreadable
    assert got["litigation_direct"]["total"] is None  # 0 0 0 0: a total or a part
    assert "review_litigation.litigation_direct.total" in ctx.unreadable
    assert got["litigation_after_review"] == {
        "upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1,
    }  # fmt: skip


# --- pipe rows: a line "|" is one blank cell --------------------------------------------


@pytest.mark.parametrize(
    "review",
    [
        (NONE5, (3, 1, 1, 1, 6), NONE5),  # the blank first group's pipes follow an empty line
        ((0, 2, None, None, 2), NONE5, NONE5),  # blanks after the numbers are cells
        (NONE5, NONE5, (1, None, None, 4, 5)),
        ((1, None, None, None, 1), NONE5, (None, 2, None, None, 2)),
    ],
)
def test_pipe_rows_table_four_blank_cells_on_lines_of_their_own_keep_their_place(
    review: tuple,
) -> None:
    report = _report({"new_received": (2, 0, 0, 0, 0, 0), "granted": (2, 0, 0, 0, 0, 0)}, review)
    _reads_back(report, "review_litigation", "pipe-rows")


@pytest.mark.parametrize(
    "blank_rows",
    [
        ("granted", "denied_state_secret"),  # rows led by a merged cell: two labels, no number
        ("unavailable_not_held", "unprocessed_petition", "other_no_correction"),
        ("carried_over", "granted", "partially_granted", "other_other"),
    ],
)
def test_pipe_rows_rows_of_blank_lines_after_two_labels_stay_rows(
    blank_rows: tuple[str, ...],
) -> None:
    apps: dict[str, tuple[int | None, ...]] = {
        "new_received": (5, 2, 0, 0, 1, 0),
        "carried_over": (1, 0, 0, 0, 0, 0),
        "granted": (2, 1, 0, 0, 0, 0),
        "denied_state_secret": (1, 0, 0, 0, 0, 0),
        "unavailable_not_held": (1, 0, 0, 0, 1, 0),
        "unprocessed_petition": (1, 0, 0, 0, 0, 0),
        "other_no_correction": (1, 1, 0, 0, 0, 0),
        "other_other": (0, 0, 0, 0, 0, 0),
    }
    # A blank row moves its numbers to partially_granted (the identities keep holding).
    moved = [0] * 6
    for key in blank_rows:
        if key != "carried_over":
            moved = [m + (v or 0) for m, v in zip(moved, apps.get(key, NONE6), strict=True)]
        apps[key] = NONE6
    if "carried_over" in blank_rows:
        apps["new_received"] = (6, 2, 0, 0, 1, 0)
    if "partially_granted" not in blank_rows:
        apps["partially_granted"] = tuple(moved)
    else:
        apps["unprocessed_duplicate"] = tuple(moved)
    report = _report(apps, ((1, 0, 0, 0, 1), NONE5, NONE5))
    _reads_back(report, "applications", "pipe-rows")


# --- PDF text: a row of blank marks between a wrapped label's halves ----------------------


@pytest.mark.parametrize(
    "blank_row",
    ["partially_granted", "other_no_correction", "other_no_fee", "unprocessed_confirmation"],
)
def test_pdf_text_row_of_blank_marks_inside_a_wrapped_label_is_that_row(blank_row: str) -> None:
    apps: dict[str, tuple[int | None, ...]] = {
        "new_received": (4, 1, 0, 0, 0, 0),
        "granted": (1, 0, 0, 0, 0, 0),
        "partially_granted": (1, 0, 0, 0, 0, 0),
        "other_no_correction": (1, 1, 0, 0, 0, 0),
        "other_no_fee": (1, 0, 0, 0, 0, 0),
        "unprocessed_confirmation": (0, 0, 0, 0, 0, 0),
    }
    apps[blank_row] = NONE6
    report = _report(apps, ((0, 0, 0, 0, 0), NONE5, NONE5))
    for mark in ("/", "—"):
        _reads_back(report, "applications", "pdf-text", Style(blank_mark=mark), random.Random(5))


# --- run-together rows: a no-break space is an &nbsp; cell --------------------------------


@pytest.mark.parametrize(
    "row",
    [
        (None, None, None, None, None, None),  # six blanks, then 总计 0 (no number to sum)
        (2, None, None, None, None, None),
        (None, 3, None, None, None, None),
    ],
)
def test_run_together_no_break_spaces_are_blank_cells_in_place(row: tuple) -> None:
    apps = {k: row for k in ("new_received", "granted", "total_handled")}
    report = _report(apps, ((0, 0, 0, 0, 0), NONE5, NONE5))
    for key in report["applications"]:
        if key not in apps:  # every other row blank but its total 0, as sample 001 prints
            report["applications"][key] = {**dict.fromkeys(model.APPLICANT_PARTS), "total": 0}
    for key in apps:
        report["applications"][key]["total"] = sum(v or 0 for v in row)
    parsed = parse_text(render_text(report, "run-together"))
    assert parsed["applications"] == report["applications"]
    assert not [p for p in parsed["unreadable"] if p.startswith("applications.")]


def test_no_break_spaces_beside_ordinary_spaces_are_spacing() -> None:
    from ingest.parse.cells import _nbsp_cells

    assert _nbsp_cells("行政许可\xa0\xa05") == "行政许可 —  — 5"
    assert _nbsp_cells("本年新收 3\xa02 0") == "本年新收 3\xa02 0"
