"""Each table kind of ../shared/field-cases, again with inputs of our own.

The field cases fix one input per kind of copy fault; these tests make the same fault
in other reports (another agency, other numbers, other rows, other layouts) and assert
the values read. The documents are the renderer's (`ingest.corpus.render`), damaged the
way the kind describes; a table region is swapped for hand-written lines where the kind
is a way of writing the table itself.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ingest import model
from ingest.corpus import fault_tables as ft
from ingest.corpus.faults import assemble, base_doc, grids
from ingest.corpus.render import render_text
from ingest.parse import parse_text

from .test_parse_short_rows import NONE5, NONE6, _report
from .test_roundtrip import _apps, _review, report_2019

ROWS = model.APPLICATION_ROWS_SPLIT
HEAD3, HEAD4 = "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"


def _numbers() -> dict[str, Any]:
    """示例县交通运输局: table 三 with blanks (None) and numbers in several rows."""
    return _report(
        {
            "new_received": (14, 2, None, None, 1, None),
            "carried_over": (2, None, None, None, None, None),
            "granted": (9, 1, None, None, None, None),
            "partially_granted": (3, None, None, None, 1, None),
            "denied_third_party": (1, 1, None, None, None, None),
            "unavailable_not_held": (2, None, None, None, None, None),
            "total_handled": (15, 2, None, None, 1, None),
            "carried_forward": (1, None, None, None, None, None),
        },
        ((1, None, None, 2, 3), (None, 1, None, None, 1), NONE5),
    )


def _zeros_for_blanks(report: dict[str, Any]) -> dict[str, Any]:
    for table in ("applications", "review_litigation"):
        for cells in report[table].values():
            for k, v in cells.items():
                cells[k] = 0 if v is None else v
    return report


def _swap_table3(text: str, lines: list[str]) -> str:
    """The document with table 三's region replaced by ``lines``."""
    a, b = text.index(HEAD3) + len(HEAD3), text.index(HEAD4)
    return text[:a] + "\n" + "\n".join(lines) + "\n" + text[b:]


def _cell(v: Any) -> str:
    return "" if v is None else str(v)


def _row(report: dict[str, Any], key: str) -> list[Any]:
    return [report["applications"][key][c] for c in model.APPLICANT_KEYS]


def _assert_table3(parsed: dict[str, Any], report: dict[str, Any]) -> None:
    assert parsed["applications"] == report["applications"]
    assert not [p for p in parsed["unreadable"] if p.startswith("applications.")]


# --- 01a / 01b: the whole body on one line ------------------------------------------------


def _one_line(text: str) -> str:
    title, body = text.split("\n", 1)
    return title + "\n" + "".join(body.split("\n")) + "\n"


def test_01a_one_line_body_2021_reads_all_three_tables() -> None:
    report = _zeros_for_blanks(_numbers())
    report["proactive"]["regulations"] = {"made": 1, "abolished": 0, "in_force": 6}
    parsed = parse_text(_one_line(render_text(report, "run-together")))
    _assert_table3(parsed, report)
    assert parsed["proactive"]["regulations"] == {"made": 1, "abolished": 0, "in_force": 6}
    assert parsed["proactive"]["punishment"] == {"decisions": 15}
    assert parsed["review_litigation"]["review"] == report["review_litigation"]["review"]


def test_01b_one_line_body_2019_reads_table_3_and_the_unique_table_2_rows() -> None:
    report = report_2019()
    report["agency"] = "样本市审计局"
    parsed = parse_text(_one_line(render_text(report, "run-together")))
    assert parsed["format"] == "2019"
    _assert_table3(parsed, report)
    assert parsed["proactive"]["normative_documents"] == {
        "new_made": 2, "new_published": 2, "total_published": 9,
    }  # fmt: skip
    for key, cells in parsed["proactive"].items():  # the rest: right or listed, never a guess
        for col, v in cells.items():
            if col != "amount_unit" and v is None:
                assert f"proactive.{key}.{col}" in parsed["unreadable"] or (
                    report["proactive"][key][col] is None
                )
            elif col != "amount_unit":
                assert v == report["proactive"][key][col], (key, col)


# --- 05: irregular spaces inside a row's digits ----------------------------------------------


@pytest.mark.parametrize(
    ("key", "printed"),
    [
        ("new_received", "142 0 0 1 017"),  # 14/2/0/0/1/0/17: '017' has a leading zero
        ("carried_over", "2 00 0 002"),
        ("total_handled", "1520 01 018"),
    ],
)
def test_05_spaced_glued_digits_are_joined_and_split_by_the_identities(
    key: str, printed: str
) -> None:
    report = _zeros_for_blanks(_numbers())
    text = render_text(report, "pdf-text")
    row = " ".join(str(v) for v in _row(report, key))
    assert re.search(rf"\b{row}\n", text), row
    parsed = parse_text(re.sub(rf"\b{row}\n", printed + "\n", text, count=1))
    assert parsed["applications"][key] == report["applications"][key]


# --- 06a / 06b: pipe rows with empty cells in place ------------------------------------------


def _pipe_table3(report: dict[str, Any], bordered: bool) -> list[str]:
    lines = [
        " | 自然人 | 法人或其他组织 | 总计",
        " |  | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | ",
    ]
    for r in ROWS:
        lead = " | " if r.key not in ("new_received", "carried_over", "carried_forward") else ""
        cells = " | ".join(f" {_cell(v)} " if v is not None else "  " for v in _row(report, r.key))
        line = f"{lead}{r.label} | {cells}"
        lines.append(f"|{line} |" if bordered else line)
    return lines


@pytest.mark.parametrize("bordered", [False, True], ids=["06a-unbordered", "06b-bordered"])
def test_06_pipe_rows_blank_cells_keep_their_place(bordered: bool) -> None:
    report = _numbers()
    text = _swap_table3(render_text(report, "pipe-rows"), _pipe_table3(report, bordered))
    _assert_table3(parse_text(text), report)


# --- 07a / 07b: units typed into the 2019 procurement cells ------------------------------------


@pytest.mark.parametrize(
    ("cells", "projects", "amount", "unit"),
    [("| 5个 | 86000元 |", 5, 86000, "元"), ("| 2项 | 37.5万元 |", 2, 37.5, "万元")],
)
def test_07a_units_typed_into_procurement_cells(
    cells: str, projects: int, amount: float, unit: str
) -> None:
    text = render_text(report_2019(), "pipe-rows")
    text = re.sub(r"采购总金额（单位：万元）", "采购总金额", text)
    text = re.sub(r"政府集中采购 \|[^\n]*", f"政府集中采购 {cells}", text)
    got = parse_text(text)["proactive"]["procurement"]
    assert got == {"projects": projects, "amount": amount, "amount_unit": unit}


def test_07b_glued_procurement_count_and_amount_are_unreadable_with_the_unit_kept() -> None:
    text = render_text(report_2019(), "run-together")
    text = re.sub(r"采购总金额（单位：万元）", "采购总金额", text)
    text = re.sub(r"政府集中采购[^\n]*", "政府集中采购4127000元", text)
    parsed = parse_text(text)
    assert parsed["proactive"]["procurement"] == {
        "projects": None, "amount": None, "amount_unit": "元",
    }  # fmt: skip
    assert {"proactive.procurement.projects", "proactive.procurement.amount"} <= set(
        parsed["unreadable"]
    )


# --- 08: OCR mini tables under their own headings ---------------------------------------------


def test_08_ocr_mini_tables_with_generated_headers_read_by_label() -> None:
    report = _zeros_for_blanks(_numbers())
    lines = []
    for n, r in enumerate(ROWS):
        lines += [
            f"### 表{n + 1}",
            "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |",
        ]
        lines += ["|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r.label} | " + " | ".join(map(str, _row(report, r.key))) + " |", ""]
    text = _swap_table3(render_text(report, "markdown-ocr"), lines)
    _assert_table3(parse_text(text), report)


# --- 09a / 09b: wrapped labels stacked above unlabelled number rows ---------------------------


def _md_rows(report: dict[str, Any], stacked: dict[str, str | None]) -> list[str]:
    """Markdown rows; a key in ``stacked`` prints its label (or, if None, nothing) as a
    loose line above and its numbers unlabelled."""
    lines = [
        "| 项目 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ROWS:
        nums = " | ".join(_cell(v) for v in _row(report, r.key))
        if r.key in stacked:
            if stacked[r.key]:
                lines.append(stacked[r.key])  # type: ignore[arg-type]
            lines.append(f"|  | {nums} |")
        else:
            lines.append(f"| {r.label} | {nums} |")
    return lines


def test_09a_stacked_labels_and_a_stray_number_are_placed_by_the_format_order() -> None:
    report = _zeros_for_blanks(_numbers())
    lines = _md_rows(report, {"denied_process_info": "6.属于四类过程", "unavailable_unclear": None})
    lines.insert(lines.index(next(s for s in lines if "7.属于行政执法案卷" in s)), "性信息")
    lines.insert(lines.index(next(s for s in lines if "3.要求提供公开出版物" in s)), "3")  # a mark
    text = _swap_table3(render_text(report, "markdown-ocr"), lines)
    parsed = parse_text(text)
    _assert_table3(parsed, report)


def test_09b_one_number_row_for_two_stacked_labels_is_unreadable_in_both() -> None:
    report = _zeros_for_blanks(_numbers())
    lines = _md_rows(report, {"denied_third_party": "4.保护第三方合法权益"})
    # 5.属于三类内部事务信息 printed as a loose label with no number row at all.
    lines = [s for s in lines if "5.属于三类内部事务信息" not in s]
    at = lines.index("4.保护第三方合法权益")
    lines.insert(at + 1, "5.属于三类内部事务信息")
    parsed = parse_text(_swap_table3(render_text(report, "markdown-ocr"), lines))
    for key in ("denied_third_party", "denied_internal_affairs"):
        assert parsed["applications"][key] == dict.fromkeys(model.APPLICANT_KEYS)
        assert f"applications.{key}.total" in parsed["unreadable"]
    assert parsed["applications"]["granted"] == report["applications"]["granted"]
    assert parsed["applications"]["denied_process_info"]["total"] == 0


# --- 10: a table 二 row printed with two of its three cells ----------------------------------


@pytest.mark.parametrize("row", ["| 行政规范性文件 | 2 | 9 |", "| 规章 | 0 | 4 |"])
def test_10_table_2_row_missing_a_cell_is_unreadable(row: str) -> None:
    report = _zeros_for_blanks(_numbers())
    report["proactive"]["regulations"] = {"made": 0, "abolished": 0, "in_force": 4}
    text = render_text(report, "markdown-ocr")
    key = "normative_documents" if "规范性" in row else "regulations"
    label = "行政规范性文件" if key == "normative_documents" else "规章"
    text = re.sub(rf"\| {label} \|[^\n]*", row, text, count=1)
    parsed = parse_text(text)
    assert parsed["proactive"][key] == {"made": None, "abolished": None, "in_force": None}
    assert f"proactive.{key}.made" in parsed["unreadable"]
    other = "regulations" if key == "normative_documents" else "normative_documents"
    assert parsed["proactive"][other] == report["proactive"][other]


# --- 11: table 三 left empty -------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["pipe-rows", "markdown-ocr", "tab-cells"])
def test_11_blank_table_3_is_every_cell_null(layout: str) -> None:
    report = _report(dict.fromkeys((r.key for r in ROWS), NONE6), ((1, 0, 0, 0, 1), NONE5, NONE5))
    for cells in report["applications"].values():
        cells["total"] = None
    parsed = parse_text(render_text(report, layout))
    assert set(parsed["applications"]) == {r.key for r in ROWS}
    assert all(v is None for row in parsed["applications"].values() for v in row.values())
    assert parsed["review_litigation"]["review"]["total"] == 1


# --- 20: signed 本年增/减 cells run together in the 2019 format ---------------------------------


@pytest.mark.parametrize(
    ("glued", "cells"),
    [
        ("行政许可9+47", {"previous_items": 9, "change": 4, "decisions": 7}),
        ("行政处罚15-36", {"previous_items": 15, "change": -3, "decisions": 6}),
        ("行政事业性收费4-1", {"previous_items": 4, "change": -1}),
    ],
)
def test_20_signed_change_starts_its_cell(glued: str, cells: dict[str, int]) -> None:
    text = render_text(report_2019(), "run-together")
    label = re.match(r"\D+", glued).group()  # type: ignore[union-attr]
    text = re.sub(rf"\n{label}[^\n]*", "\n" + glued, text, count=1)
    key = {"行政许可": "licensing", "行政处罚": "punishment", "行政事业性收费": "admin_fees"}[label]
    assert parse_text(text)["proactive"][key] == cells


def test_20_a_signed_run_that_splits_two_ways_is_unreadable() -> None:
    text = render_text(report_2019(), "run-together")
    text = re.sub(r"\n行政许可[^\n]*", "\n行政许可7+315", text, count=1)  # +3/15, +31/5
    parsed = parse_text(text)
    assert parsed["proactive"]["licensing"]["previous_items"] == 7
    assert parsed["proactive"]["licensing"]["change"] is None
    assert "proactive.licensing.change" in parsed["unreadable"]


# --- 22a / 22b / 27: one cell per line, a blank cell an empty line --------------------------


def _cell_lines(report: dict[str, Any], only_first: bool = False) -> list[str]:
    out = ["自然人", "", "法人或其他组织", "", "总计", ""]
    for r in ROWS:
        out += [r.label, ""]
        values = _row(report, r.key)
        if only_first and r.key != "new_received":
            values = [None] * len(values)
        for v in values:
            out += [str(v), ""] if v is not None else [""]
    return out


@pytest.mark.parametrize("only_first", [False, True], ids=["22a", "27-first-row-only"])
def test_22_cell_lines_count_empty_lines_as_blank_cells(only_first: bool) -> None:
    report = _numbers()
    if only_first:
        for key, cells in report["applications"].items():
            if key != "new_received":
                report["applications"][key] = dict.fromkeys(cells)
    text = _swap_table3(render_text(report, "pipe-rows"), _cell_lines(report, only_first))
    # Tables 二 and 四 left out (headings only): the table lines are all one cell per line.
    a, b = text.index("二、主动公开政府信息情况"), text.index(HEAD3)
    text = text[: a + 12] + "\n" + text[b:]
    a, b = text.index(HEAD4), text.index("五、存在的主要问题")
    text = text[: a + len(HEAD4)] + "\n" + text[b:]
    _assert_table3(parse_text(text), report)


def _report_22b() -> dict[str, Any]:
    """示例县青石乡人民政府, 2019 format: blanks in every table (本年增/减 left empty beside
    numbers, a table 二 row and most table 三 rows all blank), the amount in 元."""
    report = report_2019()
    report["agency"] = "示例县青石乡人民政府"
    report["proactive"].update(
        regulations={"new_made": None, "new_published": None, "total_published": None},
        normative_documents={"new_made": 3, "new_published": None, "total_published": 11},
        licensing={"previous_items": 6, "change": None, "decisions": 20},
        other_services={"previous_items": None, "change": None, "decisions": None},
        punishment={"previous_items": 2, "change": -1, "decisions": 9},
        coercion={"previous_items": 1, "change": None, "decisions": 3},
        admin_fees={"previous_items": 3, "change": None},
        procurement={"projects": 4, "amount": 52000, "amount_unit": "元"},
    )
    apps = _apps(
        model.APPLICATION_ROWS_SINGLE,
        {
            "new_received": (6, None, 2, None, None, None),
            "carried_over": (None, None, None, None, None, 1),
            "granted": (3, None, 1, None, None, None),
            "denied_third_party": (1, None, None, None, None, None),
            "unavailable_not_held": (2, None, 1, None, None, 1),
            "total_handled": (6, None, 2, None, None, 1),
            "carried_forward": (None,) * 6,
        },
    )
    for key, cells in apps.items():
        if key not in ("total_handled", "carried_forward") and not any(cells.values()):
            apps[key] = dict.fromkeys(cells)  # rows left empty, not rows of zeros
    report["applications"] = apps
    report["review_litigation"] = _review(
        (None, 1, None, None, 1), (None,) * 5, (2, None, None, None, 2)
    )
    return report


def test_22b_cell_lines_2019_keep_blank_cells_and_the_unit_typed_into_the_amount() -> None:
    """All three tables of a 2019 report one cell per line (a CMS page's text), the
    procurement amount with its unit in the cell (``52000元``, header without one)."""
    report = _report_22b()
    doc = base_doc(report)
    doc.tables = {key: ft.cell_lines(grid) for key, grid in grids(report).items()}
    text = assemble(doc, cms=True)
    typed = text.replace("采购总金额（单位：元）", "采购总金额").replace(
        "政府集中采购\n\n4\n\n52000\n", "政府集中采购\n\n4\n\n52000元\n"
    )
    assert typed.count("52000元") == 1 and "单位：元" not in typed
    parsed = parse_text(typed)
    assert parsed["source"]["layout"] == "cell-lines"
    for table in ("proactive", "applications", "review_litigation"):
        assert parsed[table] == report[table], table
    assert parsed["unreadable"] == []
