"""Tests for ingest.extract: one input file in, text for the parser out."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import docx
import pytest
from PIL import Image

from ingest.extract import ExtractError, decode_bytes, read_document

from .conftest import needs_shared

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE = REPO / "data" / "samples" / "000_872c2db3c34386f9.txt"
HUAIAN = ["huaian_hongzequ_2023", "huaian_hongzequ_2024", "huaian_shi_2024"]
TEMPLATE = SHARED / "sources" / "annual_report_template_2021.docx"


def raises(path: Path) -> ExtractError:
    with pytest.raises(ExtractError) as info:
        read_document(path)
    return info.value


# --- plain text -----------------------------------------------------------------------


def test_utf8_bom_and_gbk_copies_decode_to_the_same_text(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    copies = {
        "utf8.txt": (text.encode("utf-8"), "utf-8"),
        "bom.txt": (text.encode("utf-8-sig"), "utf-8-sig"),
        "gbk.txt": (text.encode("gbk"), "gb18030"),
        "crlf.txt": (text.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    }
    for name, (raw, encoding) in copies.items():
        (tmp_path / name).write_bytes(raw)
        document = read_document(tmp_path / name)
        assert document.text == text, name
        assert document.encoding == encoding
        assert document.kind == "txt"
        assert document.raw == raw
        assert document.sha256 == hashlib.sha256(raw).hexdigest()
        assert document.path == str(tmp_path / name)
    assert "\t" in text  # the sample's tab-indented cells survive


def test_decode_bytes_returns_text_and_encoding() -> None:
    assert decode_bytes("报告\r\n一、总体情况\r".encode("gbk")) == (
        "报告\n一、总体情况\n",
        "gb18030",
    )
    assert decode_bytes(b"\xef\xbb\xbfa\tb") == ("a\tb", "utf-8-sig")
    assert decode_bytes("报告".encode("utf-16")) == ("报告", "utf-16-le")


def test_utf8_with_one_broken_byte_is_not_read_as_gb18030() -> None:
    raw = "政府信息公开工作年度报告".encode() * 200 + b"\xe4\xb8"  # cut mid-character
    text, encoding = decode_bytes(raw)
    assert encoding == "utf-8"
    assert text == "政府信息公开工作年度报告" * 200 + "\ufffd\ufffd"


@pytest.mark.parametrize("raw", [b"", b"  \r\n\t \n", "\ufeff\u3000 \n".encode()])
def test_empty_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(raw)
    err = raises(path)
    assert str(err) == f"{path}: empty file"
    assert (err.reason, err.place, err.raw) == ("empty file", None, raw)
    assert err.sha256 == hashlib.sha256(raw).hexdigest()


def test_binary_junk_is_not_a_report(tmp_path: Path) -> None:
    junk = bytearray(random.Random(711).randbytes(4096))
    junk[100:110] = b"\x00" * 10
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes(junk))
    err = raises(path)
    assert err.reason == "binary data, not a text report"
    assert err.place is not None and err.place.startswith("byte ")
    assert str(err).startswith(f"{path}: byte ")


def test_binary_junk_place_points_at_the_first_offending_byte(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "报告".encode() + b"\x00\x00\x00text")
    err = raises(path)
    assert str(err) == f"{path}: byte 9: binary data, not a text report"


def test_a_few_control_characters_are_tolerated() -> None:
    text = "一、总体情况\n" * 200 + "\x07\n"
    assert decode_bytes(text.encode()) == (text, "utf-8")


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    assert str(raises(path)) == f"{path}: cannot read file: No such file or directory"


def test_extract_error_message_forms() -> None:
    assert str(ExtractError("a.pdf", "bad", "page 3")) == "a.pdf: page 3: bad"
    assert str(ExtractError("a.pdf", "bad")) == "a.pdf: bad"


# --- kind sniffing --------------------------------------------------------------------


def test_kind_is_sniffed_for_unknown_extensions(tmp_path: Path) -> None:
    (tmp_path / "page.dat").write_bytes(
        b"<html><body><p>\xe6\x8a\xa5\xe5\x91\x8a</p></body></html>"
    )
    (tmp_path / "notes").write_bytes("一、总体情况".encode())
    assert read_document(tmp_path / "page.dat").kind == "html"
    assert read_document(tmp_path / "page.dat").text == "报告"
    assert read_document(tmp_path / "notes").kind == "txt"


def test_word_web_page_saved_as_doc_is_read_as_html(tmp_path: Path) -> None:
    path = tmp_path / "report.doc"
    path.write_bytes(b"<html><body><table><tr><td>a</td><td></td></tr></table></body></html>")
    document = read_document(path)
    assert (document.kind, document.text) == ("html", "| a |  |")


# --- HTML -----------------------------------------------------------------------------

GBK_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>门户网站</title><style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script></head>
<body><h1>湘潭县商务局2024年政府信息公开工作年度报告</h1>
<p>&nbsp;&nbsp;一、总体情况</p><div>本年度<b>收到</b>申请  13 件。<br>第二行</div>
<table border="1">
<tr><td colspan="3">第二十条第（一）项</td></tr>
<tr><th>信息内容</th><th>本年<br/>制发件数</th><th>&nbsp;</th></tr>
<tr><td rowspan="2"><p>规章</p></td><td>  0 </td><td></td></tr>
<tr><td>-</td><td>无</td></tr>
</table>
<p>五、存在的主要问题</p><!-- a comment --> tail text
</body></html>"""


def test_html_tables_become_pipe_rows(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(GBK_PAGE.encode("gbk"))
    document = read_document(path)
    assert document.kind == "html"
    assert document.encoding == "gb18030"
    assert document.text.split("\n") == [
        "湘潭县商务局2024年政府信息公开工作年度报告",
        "一、总体情况",
        "本年度收到申请 13 件。",
        "第二行",
        "| 第二十条第（一）项 |",
        "| 信息内容 | 本年 制发件数 |  |",
        "| 规章 | 0 |  |",
        "| - | 无 |",
        "五、存在的主要问题",
        "tail text",
    ]


def test_html_without_charset_is_guessed_and_layout_tables_are_read_as_blocks(
    tmp_path: Path,
) -> None:
    page = (
        "<html><body><table><tr><td><p>标题</p>"
        "<table><tbody><tr><td>自然人</td><td>总计</td></tr>"
        "<tr><td>\u3000</td><td>5</td></tr></tbody></table>"
        "</td></tr></table></body></html>"
    )
    path = tmp_path / "report.htm"
    path.write_bytes(page.encode("gb18030"))
    document = read_document(path)
    assert document.encoding == "gb18030"
    assert document.text == "标题\n| 自然人 | 总计 |\n|  | 5 |"


def test_html_without_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_bytes(b"<html><body><script>x()</script></body></html>")
    assert str(raises(path)) == f"{path}: no text found in the HTML"


# --- DOCX -----------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("一、总体情况")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "申请人情况"  # horizontal merge
    table.cell(0, 2).text = "总计"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "三、本年度办理结果"  # vertical merge
    table.cell(1, 1).text = "商业\n企业"
    table.cell(1, 2).text = "\u3000"  # blank as Word templates leave it
    table.cell(2, 1).text = "（一）予以公开"
    table.cell(2, 2).text = "7"
    document.add_paragraph("二、主动公开政府信息情况\t(续)")
    path = tmp_path / "report.docx"
    document.save(str(path))

    extracted = read_document(path)
    assert (extracted.kind, extracted.encoding) == ("docx", None)
    assert extracted.text.split("\n") == [
        "一、总体情况",
        "| 申请人情况 | 总计 |",
        "| 三、本年度办理结果 | 商业 企业 |  |",
        "|  | （一）予以公开 | 7 |",
        "二、主动公开政府信息情况\t(续)",
    ]
    # python-docx itself repeats the merged cells, which is what the extractor undoes
    rows = docx.Document(str(path)).tables[0].rows
    assert [c.text for c in rows[0].cells] == ["申请人情况", "申请人情况", "总计"]
    assert rows[2].cells[0].text == "三、本年度办理结果"


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    assert str(raises(path)) == f"{path}: corrupt .docx: File is not a zip file"


@needs_shared
def test_template_docx_extracts() -> None:
    document = read_document(TEMPLATE)
    assert document.kind == "docx"
    assert "三、收到和处理政府信息公开申请情况" in document.text
    lines = document.text.split("\n")
    assert "| 一、本年新收政府信息公开申请数量 |  |  |  |  |  |  |  |" in lines
    assert "|  |  | 商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 |  |" in lines


# --- PDF ------------------------------------------------------------------------------


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pages = [Image.new("RGB", (200, 280), "white") for _ in range(3)]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    err = raises(path)
    assert str(err) == f"{path}: pages 1-3: no text layer (scanned PDF?); OCR it first"
    assert err.place == "pages 1-3"


def test_pdf_with_text(tmp_path: Path) -> None:
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    path = tmp_path / "report.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Annual report 2024")
    pdf.showPage()
    pdf.drawString(72, 720, "- 2 -")
    pdf.save()
    document = read_document(path)
    assert (document.kind, document.encoding) == ("pdf", None)
    assert document.text == "Annual report 2024\n- 2 -"


@needs_shared
def test_truncated_pdf_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes((SHARED / "sources" / "huaian_shi_2024.pdf").read_bytes()[:2000])
    err = raises(path)
    # pdfium alone reads PDFs in a run (no pdfminer fallback: it read no damaged copy
    # that pdfium refused)
    assert str(err) == (
        f"{path}: cannot read PDF (cut off? no %%EOF at its end):"
        " Failed to load document (PDFium: Data format error)."
    )
    assert len(err.raw) == 2000


@needs_shared
@pytest.mark.parametrize("name", HUAIAN)
def test_pdf_text_matches_the_shared_pdfplumber_text(name: str) -> None:
    document = read_document(SHARED / "sources" / f"{name}.pdf", pdf_engine="pdfplumber")
    expected = (SHARED / "reports" / f"{name}.pdf.txt").read_text(encoding="utf-8")
    got = [line.rstrip() for line in document.text.splitlines()]
    assert got == [line.rstrip() for line in expected.splitlines()]
    assert document.kind == "pdf"
