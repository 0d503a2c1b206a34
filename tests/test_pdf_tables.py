"""PDF tables read from pdfium's ruling lines and text boxes: pipe rows, blanks in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.corpus.render import render_pdf
from ingest.extract import read_document
from ingest.extract.pdf import pdf_text
from ingest.parse import parse_file

from .helpers import SHARED_SOURCES, gold_for, mismatches, needs_shared
from .test_roundtrip import report_2019, report_blanks


@pytest.fixture(scope="module")
def blanks_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("pdf") / "blanks.pdf"
    render_pdf(report_blanks(), path)
    return read_document(path).text


def _rows(text: str, start: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(start)]


def test_blank_pdf_cells_keep_their_place(blanks_text: str) -> None:
    assert _rows(blanks_text, "| 一、本年新收") == [
        "| 一、本年新收政府信息公开申请数量 | 3 |  |  |  |  |  | 3 |"
    ]
    assert _rows(blanks_text, "| 规章") == ["| 规章 |  |  | 4 |"]


def test_merged_pdf_cell_is_read_once_in_its_first_row(blanks_text: str) -> None:
    lines = blanks_text.splitlines()
    first = next(i for i, s in enumerate(lines) if s.startswith("| 三、本年度办理结果 |"))
    assert lines[first].startswith("| 三、本年度办理结果 | （一）予以公开 | 2 |")
    assert lines[first + 1].startswith("|  | （二）部分公开")
    # a header cell wrapped over two lines is one cell
    assert "|  |  | 商业企业 | 科研机构 |" in blanks_text


def test_pdf_table_across_a_page_break_keeps_every_row(blanks_text: str) -> None:
    """The renderer's table 三 runs over the page end: the page number sits between
    its rows and no row is lost."""
    lines = blanks_text.splitlines()
    page_end = lines.index("- 1 -")
    assert lines[page_end - 1].startswith("| ")  # a table row right before the page number
    assert len(_rows(blanks_text, "|  |  | ")) >= 15  # the numbered rows of table 三


def test_blanks_survive_the_whole_pdf_parse(tmp_path: Path) -> None:
    path = tmp_path / "blanks.pdf"
    report = report_blanks()
    render_pdf(report, path)
    parsed = parse_file(path)
    assert parsed["applications"]["carried_over"] == report["applications"]["carried_over"]
    assert parsed["proactive"] == report["proactive"]


def test_2019_pdf_signed_and_decimal_cells(tmp_path: Path) -> None:
    path = tmp_path / "r2019.pdf"
    report = report_2019()
    render_pdf(report, path)
    assert parse_file(path)["proactive"] == report["proactive"]


def test_rows_without_rules_between_them_are_read_as_plain_text(tmp_path: Path) -> None:
    """Two rows in one ruled band: the cell rectangle cannot tell them apart, so the
    page is read as pdfium's text (numbers never glued)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    path = tmp_path / "unruled.pdf"
    data = [["label", "count"], ["alpha", "12"], ["beta", "34"]]
    style = TableStyle([("BOX", (0, 0), (-1, -1), 0.5, "black"),
                        ("LINEAFTER", (0, 0), (0, -1), 0.5, "black"),
                        ("LINEBELOW", (0, 0), (-1, 0), 0.5, "black")])  # fmt: skip
    SimpleDocTemplate(str(path), pagesize=A4).build([Table(data, style=style)])
    text = pdf_text(path.read_bytes())
    assert "|" not in text and "1234" not in text
    assert text.split() == ["label", "count", "alpha", "12", "beta", "34"]


@needs_shared
@pytest.mark.parametrize(
    "name", ["huaian_hongzequ_2023", "huaian_hongzequ_2024", "huaian_shi_2024"]
)
def test_real_pdf_tables_come_out_as_pipe_rows(name: str) -> None:
    text = read_document(SHARED_SOURCES / f"{name}.pdf").text
    assert _rows(text, "| 三、本年度办理结果 | （一）予以公开 |")
    # the row after a page break (its group label may be split over the two pages)
    assert [r for r in text.splitlines() if "| 2.没有现成信息需要另行制作 |" in r]
    assert mismatches(gold_for(f"{name}.pdf"), parse_file(SHARED_SOURCES / f"{name}.pdf")) == []
