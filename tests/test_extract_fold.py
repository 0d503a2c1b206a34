"""What PDF text layers and web pages put into text (Kangxi radicals, compatibility
ideographs, full-width digits, zero-width characters) is folded where text enters, so
every stored text holds ordinary characters; a glyph-garbage PDF text layer is refused.
"""

from __future__ import annotations

import random
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ingest.cli import cli
from ingest.corpus.render import render_html, render_text
from ingest.corpus.synth import truths
from ingest.extract import ExtractError, fold_text, glyph_garbage, read_document
from ingest.parse import parse_document

# Ordinary character → its Kangxi radical (⼈ U+2F08 for 人, ⼯ U+2F2F for 工, …).
RADICAL_OF = {
    unicodedata.normalize("NFKC", chr(cp)): chr(cp)
    for cp in range(0x2F00, 0x2FD6)
    if len(unicodedata.normalize("NFKC", chr(cp))) == 1
}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _truth(seed: int) -> dict[str, Any]:
    for report in truths(30, seed):
        if report["applications"]["new_received"].get("total"):
            return report
    raise AssertionError("no synthetic report with applications")


def _parse(path: Path) -> dict[str, Any]:
    return parse_document(read_document(path))[0]


def _radicals(text: str) -> str:
    """``text`` as a PDF font with radical code points gives it: every character that has
    a Kangxi radical twin becomes the radical; 六 in headings the compatibility 六."""
    text = text.replace("六、", "\uf9d1、")
    return "".join(RADICAL_OF.get(ch, ch) for ch in text)


def test_fold_text_maps_radicals_compatibility_ideographs_digits_and_drops_zero_width() -> None:
    assert fold_text("⼈民政府⼯作\uf9d1、") == "人民政府工作六、"
    assert fold_text("２０２４年１⽉") == "2024年1月"
    assert fold_text("1\u200b8\u200c|\u200d\u2060\ufeff7") == "18|7"
    # Nothing else changes: full-width punctuation, letters and spaces stay as printed.
    assert fold_text("（一）予以公开：ＡＢ\u3000１") == "（一）予以公开：ＡＢ\u30001"


def test_kangxi_radicals_are_folded_in_every_stored_text(tmp_path: Path) -> None:
    report = _truth(seed=21)
    clean = render_text(report, "tab-cells", random.Random(3))
    body, period = clean.split("\n", 1)[0], "统计期限"
    mangled = _radicals(clean)
    # Full-width digits in the 统计期限 sentence (the year is read from it).
    mangled = "\n".join(
        line.translate(FULL_WIDTH) if period in line else line for line in mangled.split("\n")
    )
    assert mangled != clean and "⼈" in mangled and "\uf9d1" in mangled
    (tmp_path / "clean.txt").write_text(clean, encoding="utf-8")
    (tmp_path / "radicals.txt").write_text(mangled, encoding="utf-8")

    want = _parse(tmp_path / "clean.txt")
    got = _parse(tmp_path / "radicals.txt")
    assert got["agency"] == want["agency"] == report["agency"]
    assert got["title"] == want["title"] and body in (got["title"] or "") + body
    assert got["year"] == report["year"]
    assert got["sections"] == want["sections"]  # 六 found: other_matters is there
    assert "other_matters" in got["sections"]
    assert got["fee"] == want["fee"]
    assert got["applications"] == want["applications"]
    assert not any("\u2f00" <= ch <= "\u2fdf" for ch in str(got))

    db = tmp_path / "folded.db"
    result = CliRunner().invoke(
        cli, ["ingest", str(db), "--silent", str(tmp_path / "radicals.txt")]
    )
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    title, agency = conn.execute("select title, agency from reports").fetchone()
    (name,) = conn.execute("select name from agencies").fetchone()
    bodies = " ".join(b for (b,) in conn.execute("select body from sections_fts"))
    assert (title, agency, name) == (want["title"], report["agency"], report["agency"])
    assert not any("\u2f00" <= ch <= "\u2fdf" or ch == "\uf9d1" for ch in title + bodies)


def test_zero_width_spaces_after_html_cell_numbers_are_dropped(tmp_path: Path) -> None:
    report = _truth(seed=22)
    page = render_html(report, random.Random(4))
    # A CMS editor's U+200B after every number in a cell; a word joiner before some.
    mangled = page.replace("</td>", "\u200b</td>").replace("<td>", "<td>\u2060")
    assert mangled != page
    (tmp_path / "clean.html").write_text(page, encoding="utf-8")
    (tmp_path / "zwsp.html").write_text(mangled, encoding="utf-8")
    want, got = _parse(tmp_path / "clean.html"), _parse(tmp_path / "zwsp.html")
    assert got["applications"] == want["applications"]
    assert got["applications"]["new_received"] == report["applications"]["new_received"]
    assert got["proactive"] == want["proactive"]


def test_byte_order_marks_inside_text_lines_are_dropped(tmp_path: Path) -> None:
    report = _truth(seed=23)
    clean = render_text(report, "pdf-text", random.Random(5))
    # Text joined from per-page files: a BOM before headings, labels and after numbers.
    lines = []
    for line in clean.split("\n"):
        if line[:1] in "一二三四五（" or "本年新收" in line:
            line = "\ufeff" + line
        lines.append(line.replace(" ", "\ufeff ", 1))
    mangled = "\n".join(lines)
    (tmp_path / "clean.txt").write_text(clean, encoding="utf-8")
    (tmp_path / "bom.txt").write_text(mangled, encoding="utf-8")
    want, got = _parse(tmp_path / "clean.txt"), _parse(tmp_path / "bom.txt")
    assert got["applications"] == want["applications"]
    assert got["review_litigation"] == want["review_litigation"]
    assert got["sections"] == want["sections"]


def test_glyph_garbage_text_is_recognised() -> None:
    report_like = "一、总体情况\n本年新收政府信息公开申请 12 件。" * 20
    assert glyph_garbage(report_like) is None
    assert glyph_garbage("") is None
    pua = "".join(chr(0xE000 + i % 300) for i in range(400)) + " 12 3 \n"
    reason = glyph_garbage(pua)
    assert reason is not None and "private-use or replacement" in reason
    assert "400 of 403" in reason
    latin = "!\"#$%&'()*+,-./ 0123 :;<=>?@ ABCD " * 20  # glyph ids shown as ASCII
    reason = glyph_garbage(latin)
    assert reason is not None and "0 of" in reason and "are Chinese" in reason


def _pdf_with_text(text: bytes) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica (glyphs map to Latin letters)."""
    stream = (
        b"BT /F1 9 Tf 20 800 Td 11 TL "
        + b" ".join(b"(" + text[i : i + 90] + b") Tj T*" for i in range(0, len(text), 90))
        + b" ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_pdf_whose_text_layer_is_glyph_garbage_is_refused_with_that_reason(
    tmp_path: Path, engine: str
) -> None:
    # What a CID font without a ToUnicode map gives: glyph ids read as Latin symbols.
    junk = b"".join(bytes([33 + (i * 7) % 90]) for i in range(1200)).replace(b")", b"]")
    junk = junk.replace(b"(", b"[").replace(b"\\", b"/")
    path = tmp_path / "garbled.pdf"
    path.write_bytes(_pdf_with_text(junk))
    with pytest.raises(ExtractError) as info:
        read_document(path, pdf_engine=engine)
    assert info.value.reason.startswith("text layer is glyph garbage (fonts without a Unicode map)")
    assert str(info.value).startswith(f"{path}: text layer is glyph garbage")
    assert "not an annual report" not in str(info.value)
