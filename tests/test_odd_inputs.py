"""Inputs nobody designed for, found by trying to break ingest: each one loads, or is
recorded in ingest_errors with a reason naming it, and the rest of the run goes on."""

from __future__ import annotations

import json
import random
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import cli
from ingest.corpus.render import render_docx, render_html, render_pdf
from ingest.extract import ExtractError
from ingest.parse import parse_file

from .helpers import SAMPLES

SAMPLE = SAMPLES / "000_872c2db3c34386f9.txt"  # 湘潭县商务局 2024, one cell per line
OTHER = SAMPLES / "002_46ba6e2557a9db6f.txt"


def _with_cell(label: str, printed: str, value: str, agency: str) -> str:
    """Sample 000 with the first cell after the row `label` (printed as `printed`)
    replaced by `value`, and another agency's name so it is a report of its own."""
    text = SAMPLE.read_text(encoding="utf-8")
    row = f"\t{label}\n\t{printed}\n"
    assert text.count(row) == 1
    return text.replace(row, f"\t{label}\n\t{value}\n").replace("湘潭县商务局", agency)


NEW_RECEIVED = "一、本年新收政府信息公开申请数量"  # table 三's first row; natural_person 13


def _ingest(db: Path, *paths: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["ingest", str(db), "--silent", *map(str, paths)])
    return result.exit_code, result.output


def test_a_number_larger_than_any_count_is_unreadable_and_the_run_goes_on(tmp_path: Path) -> None:
    """25 digits (past SQLite's integers) and 19 digits (whose sums are) used to crash the
    whole ingest with OverflowError; 12 digits is still what the document prints."""
    folder = tmp_path / "in"
    folder.mkdir()
    huge = "1234567890123456789012345"
    (folder / "a25.txt").write_text(
        _with_cell("行政许可", "0", huge, "湘潭县财政局"), encoding="utf-8"
    )
    (folder / "b19.txt").write_text(
        _with_cell(NEW_RECEIVED, "13", "9223372036854775807", "湘潭县教育局"), encoding="utf-8"
    )
    (folder / "c12.txt").write_text(
        _with_cell(NEW_RECEIVED, "13", "123456789012", "湘潭县水利局"), encoding="utf-8"
    )
    (folder / "other.txt").write_bytes(OTHER.read_bytes())

    report = parse_file(folder / "a25.txt")
    assert report["proactive"]["licensing"] == {"decisions": None}
    assert report["proactive"]["punishment"] == {"decisions": 0}
    assert report["unreadable"] == ["proactive.licensing.decisions"]
    assert [w for w in report["warnings"] if huge in w] == [
        "line 43: proactive.licensing: unreadable (decisions): "
        f"{huge} is larger than any count or amount (cells run together?)"
    ]
    report = parse_file(folder / "b19.txt")
    cells = report["applications"]["new_received"]
    assert cells["natural_person"] is None
    assert cells["total"] == 13 and cells["commercial"] == 0  # the row's other cells stay
    assert report["unreadable"] == ["applications.new_received.natural_person"]

    db = tmp_path / "t.db"
    code, output = _ingest(db, folder)
    assert code == 0, output
    conn = sqlite3.connect(db)
    got = dict(conn.execute("select agency, new_received from reports"))
    assert got["湘潭县财政局"] == 13 and got["湘潭县教育局"] == 13
    assert got["湘潭县水利局"] == 13  # the total as printed; the 12-digit cell is kept
    assert conn.execute(
        "select a.natural_person from applications a join reports r on r.id = a.report_id"
        " where r.agency = '湘潭县水利局' and a.row_key = 'new_received'"
    ).fetchone() == (123456789012,)
    unreadable = conn.execute(
        "select r.agency, u.cell from unreadable_cells u join reports r on r.id = u.report_id"
        " order by r.agency"
    ).fetchall()
    assert unreadable == [
        ("湘潭县教育局", "applications.new_received.natural_person"),
        ("湘潭县财政局", "proactive.licensing.decisions"),
    ]
    assert len(got) == 4


def _gold() -> dict:
    return json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))


TABLES = ("proactive", "applications", "review_litigation")


def test_an_html_page_saved_as_pdf_is_read_as_html_and_says_so(tmp_path: Path) -> None:
    """An attachment link that answers with the report's web page instead of the PDF;
    it used to fail with pdfium's 'Data format error' and nothing else."""
    page = tmp_path / "附件 1.pdf"
    page.write_text(render_html(_gold(), random.Random(3)), encoding="utf-8")
    report = parse_file(page)
    assert report["source"]["layout"] == "html"
    assert {k: report[k] for k in TABLES} == {k: parse_file(SAMPLE)[k] for k in TABLES}
    title = "湘潭县商务局2024年政府信息公开工作年度报告"
    assert f"the .pdf file is an HTML page titled '{title}'; read as HTML" in report["warnings"]


def test_an_error_page_saved_as_pdf_is_named_as_one(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "report.pdf").write_text(
        "<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
        "<body><h1>页面不存在</h1></body></html>",
        encoding="utf-8",
    )
    (folder / "good.txt").write_bytes(SAMPLE.read_bytes())
    code, output = _ingest(tmp_path / "t.db", folder)
    assert code == 1
    reason = (
        "not an annual report: none of tables 二, 三, 四 was found"
        " (the .pdf file is an HTML page titled '404 Not Found')"
    )
    assert f"Error: {folder / 'report.pdf'}: whole file: {reason}" in output
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("select error, place, size from ingest_errors").fetchall() == [
        (reason, "whole file", (folder / "report.pdf").stat().st_size)
    ]
    assert conn.execute("select count(*) from reports").fetchone() == (1,)


def test_empty_files_are_empty_whatever_their_suffix(tmp_path: Path) -> None:
    """A 0-byte .pdf/.docx (a failed download) used to be 'cannot read PDF: …Data format
    error' or 'corrupt .docx: File is not a zip file'."""
    for name in ("a.pdf", "b.docx", "c.doc", "d.html", "e.txt"):
        (tmp_path / name).write_bytes(b"" if name != "d.html" else b"  \n ")
        result = CliRunner().invoke(cli, ["parse", str(tmp_path / name)])
        assert result.exit_code == 1
        assert f"Error: {tmp_path / name}: empty file\n" in result.output


def test_a_cut_off_pdf_and_a_pdf_of_random_bytes_say_what_they_are(tmp_path: Path) -> None:
    whole = tmp_path / "whole.pdf"
    render_pdf(_gold(), whole, random.Random(1))
    assert parse_file(whole)["applications"]["new_received"]["total"] == 13
    raw = whole.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(raw[: len(raw) // 3])
    noise = tmp_path / "noise.pdf"
    noise.write_bytes(random.Random(5).randbytes(3000))
    with pytest.raises(ExtractError) as e:
        parse_file(cut)
    assert str(e.value).startswith(f"{cut}: cannot read PDF (cut off? no %%EOF at its end): ")
    assert e.value.raw == raw[: len(raw) // 3]
    with pytest.raises(ExtractError) as e:
        parse_file(noise)
    assert str(e.value) == f"{noise}: not a PDF: no %PDF header in its first 1,024 bytes"


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_random_bytes_named_doc_or_wps_say_they_are_not_word(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"report{suffix}"
    path.write_bytes(random.Random(7).randbytes(8000))
    with pytest.raises(ExtractError) as e:
        parse_file(path)
    assert e.value.reason == f"not a Word 97 {suffix} file (no OLE2 header) nor text: binary data"


@pytest.mark.parametrize("meta", ['<meta charset="gbk">', ""])
def test_a_text_report_in_a_gbk_pre_block_reads_like_the_text(tmp_path: Path, meta: str) -> None:
    """A page that shows the copied text in <pre>, GBK-encoded, with or without declaring
    it: its tab-indented cells used to be read as pipe rows, losing table 三."""
    text = SAMPLE.read_text(encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_bytes(
        f"<html><head>{meta}<title>年报</title></head><body><pre>{text}</pre></body></html>".encode(
            "gbk"
        )
    )
    report = parse_file(page)
    assert report["source"]["encoding"] == "gb18030"
    assert report["warnings"] == []
    assert {k: report[k] for k in TABLES} == {k: parse_file(SAMPLE)[k] for k in TABLES}


def test_a_hand_made_manifest_csv_with_bad_rows(tmp_path: Path) -> None:
    """A manifest.csv saved by Excel (GBK) with the rows people get wrong: each bad row
    is named (file and line) and skipped, a bad date left empty, the good rows count.
    Before, the GBK file was dropped whole, and the rows below were silent while
    'not a date' and '2024-02-30' reached the report page as 发布日期."""
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    names = ["000_872c2db3c34386f9.txt", "001_8baf80acad458d1f.txt", "002_46ba6e2557a9db6f.txt"]
    for name in names:
        (folder / "sub" / name).write_bytes((SAMPLES / name).read_bytes())
    manifest = folder / "manifest.csv"
    manifest.write_bytes(
        "\n".join(
            [
                "path,url,published,retrieved",
                f"sub/{names[0]},https://a.gov.cn/0.html,2024年3月5日,2024/4/1",
                f"sub/{names[1]},https://a.gov.cn/1.html,不详,2024-02-30",
                ",https://a.gov.cn/nopath.html,2024-01-01,2024-04-01",
                "sub/缺失.txt,https://a.gov.cn/missing.html,2024-01-01,2024-04-01",
                f"sub/{names[2]},https://a.gov.cn/2.html,2024-02-01,2024-04-01,多余,列",
            ]
        ).encode("gbk")
    )
    db_path = tmp_path / "nianbao.db"
    result = CliRunner().invoke(cli, ["ingest", "-s", str(db_path), str(folder)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: ")]
    assert notes == [
        f"note: {manifest}:3: published '不详' is not a date; left empty",
        f"note: {manifest}:3: retrieved '2024-02-30' is not a date; left empty",
        f"note: {manifest}:4: no path; row skipped",
        f"note: {manifest}:5: no file 'sub/缺失.txt'; row skipped",
        f"note: {manifest}:6: 6 values under 4 columns; row skipped",
    ]
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "select substr(path, -24), url, published, retrieved from sources order by path"
        ).fetchall()
    assert rows == [
        (names[0], "https://a.gov.cn/0.html", "2024-03-05", "2024-04-01"),
        (names[1], "https://a.gov.cn/1.html", None, None),
        (names[2], None, None, None),
    ]


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    """A 1 MB .docx whose document.xml inflates to 600 MB of empty paragraphs took 2.9 GB
    before lxml gave up (past memory, the run itself would be killed); one just over the
    bound is refused by the sizes its zip directory states."""
    good = tmp_path / "good.docx"
    render_docx(_gold(), good, random.Random(1))
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", compresslevel=1) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename != "word/document.xml":
                out.writestr(item, data)
                continue
            end = data.rindex(b"</w:body>")
            info = zipfile.ZipInfo(item.filename)
            info.compress_type = zipfile.ZIP_DEFLATED
            with out.open(info, "w", force_zip64=True) as f:
                f.write(data[:end])
                for _ in range(101):
                    f.write(b"<w:p/>" * (2**20 // 6) + b" " * (2**20 % 6))
                f.write(data[end:])
    assert bomb.stat().st_size < 2**20
    with pytest.raises(ExtractError) as e:
        parse_file(bomb)
    assert str(e.value).startswith(f"{bomb}: word/document.xml inflates to 101 MB (")
    assert str(e.value).endswith(" MB packed): too large for a report (a zip bomb?)")
    assert parse_file(good)["applications"]["new_received"]["total"] == 13
