"""Word 97 .doc and WPS .wps files: wvWare's HTML, read into the parser's pipe rows.

The fixtures in tests/fixtures/doc are bundled samples (data/samples) and a constructed
report, rendered to DOCX and converted to Word 97 by LibreOffice
(tests/fixtures/doc/build.py rebuilds them).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import cli
from ingest.extract import ExtractError, read_document
from ingest.parse import parse_file

from .helpers import COMPARED, SAMPLES, gold_for, mismatches
from .test_roundtrip import assert_round_trip, report_2019

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "doc"
SAMPLE_FIXTURES = [
    "000_872c2db3c34386f9.doc",
    "001_8baf80acad458d1f.doc",
    "004_a6ef57ba315dc141.wps",
]
needs_wv = pytest.mark.skipif(
    shutil.which("wvWare") is None,
    reason="wvWare is not installed: apt-get install wv (make doc-tools)",
)


def _raises(path: Path) -> ExtractError:
    with pytest.raises(ExtractError) as info:
        read_document(path)
    return info.value


@needs_wv
@pytest.mark.parametrize("name", SAMPLE_FIXTURES)
def test_word97_copy_of_a_sample_parses_like_the_sample(name: str) -> None:
    report = parse_file(FIXTURES / name)
    sample = parse_file(SAMPLES / f"{Path(name).stem}.txt")
    for key in COMPARED:
        assert report[key] == sample[key], key
    assert report["source"]["layout"] == "doc"


@needs_wv
@pytest.mark.parametrize("name", SAMPLE_FIXTURES)
def test_word97_copy_of_a_sample_matches_gold(name: str) -> None:
    report = parse_file(FIXTURES / name)
    assert mismatches(gold_for(Path(name).stem), report) == []


@needs_wv
def test_2019_format_round_trips_through_word97() -> None:
    """Signed change columns and the procurement row, through a .doc."""
    report = report_2019()
    assert_round_trip(parse_file(FIXTURES / "constructed_2019.doc"), report, "doc")


@needs_wv
def test_doc_table_rows_keep_blank_cells_and_read_merged_cells_once() -> None:
    """Sample 001 fills only the 总计 column of table 三: the blanks keep their places."""
    text = read_document(FIXTURES / "001_8baf80acad458d1f.doc").text
    rows = [line for line in text.splitlines() if line.startswith("| 一、本年新收")]
    assert rows == ["| 一、本年新收政府信息公开申请数量 |  |  |  |  |  |  | 0 |"]
    first = text.index("| 三、本年度办理结果 | （一）予以公开 |")
    assert text[first:].splitlines()[1].startswith("|  | （二）部分公开")


@needs_wv
def test_truncated_doc_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.doc"
    path.write_bytes((FIXTURES / "000_872c2db3c34386f9.doc").read_bytes()[:3000])
    err = _raises(path)
    assert (
        str(err)
        == f"{path}: corrupt .doc: the file ends before its directory (a cut-off download?)"
    )
    assert len(err.raw) == 3000


@needs_wv
def test_damaged_doc_names_the_file(tmp_path: Path) -> None:
    """Whole directory, text and tables overwritten: wvWare refuses it, the error says so."""
    raw = bytearray((FIXTURES / "000_872c2db3c34386f9.doc").read_bytes())
    directory = raw.find("WordDocument".encode("utf-16-le"))
    raw[512 : directory - 64] = bytes(directory - 64 - 512)
    path = tmp_path / "damaged.doc"
    path.write_bytes(bytes(raw))
    assert str(_raises(path)).startswith(f"{path}: corrupt .doc: wvWare cannot read it (")


def test_ole_file_that_is_not_word_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sheet.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert str(_raises(path)) == (
        f"{path}: an OLE2 file without a Word document stream (Excel, PowerPoint or Works?), "
        "not a report"
    )


def test_missing_wvware_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no wvWare on it
    path = FIXTURES / "000_872c2db3c34386f9.doc"
    assert str(_raises(path)) == f"{path}: wvWare is not installed: apt-get install wv"


def test_doc_suffix_on_html_is_read_as_html(tmp_path: Path) -> None:
    """Portals often serve a web page saved as .doc: the bytes decide, not the suffix."""
    path = tmp_path / "report.doc"
    path.write_text("<html><body><p>一、总体情况</p><table><tr><td>a</td><td></td></tr></table>"
                    "</body></html>", encoding="utf-8")  # fmt: skip
    document = read_document(path)
    assert (document.kind, document.text) == ("html", "一、总体情况\n| a |  |")


@needs_wv
def test_corrupt_doc_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "000_872c2db3c34386f9.doc", folder / "good.doc")
    shutil.copy(FIXTURES / "004_a6ef57ba315dc141.wps", folder / "good.wps")
    shutil.copy(SAMPLES / "003_ce0f4ed176ab6a33.txt", folder / "good.txt")
    (folder / "bad.doc").write_bytes((FIXTURES / "001_8baf80acad458d1f.doc").read_bytes()[:3000])
    db = tmp_path / "t.db"
    result = CliRunner().invoke(cli, ["ingest", str(db), str(folder), "--silent"])
    assert result.exit_code == 1
    assert "1 of 4 files failed; see the ingest_errors table" in result.output
    conn = sqlite3.connect(db)
    loaded = {r[0].rsplit("/", 1)[-1] for r in conn.execute("select source_path from reports")}
    assert loaded == {"good.doc", "good.wps", "good.txt"}
    [(path, error)] = conn.execute("select path, error from ingest_errors").fetchall()
    assert path.endswith("bad.doc") and error.startswith("corrupt .doc: ")
