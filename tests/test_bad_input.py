"""Bad input gets a clear error naming the file and the place, and loses nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from ingest.cli import cli
from ingest.parse import ParseError, parse_file, parse_text

from .helpers import SAMPLES

SAMPLE = SAMPLES / "000_872c2db3c34386f9.txt"


def _cut_table_three(text: str) -> str:
    """The report with table 三 cut off half-way (after the 4.保护第三方合法权益 row)."""
    start = text.index("\t4.保护第三方合法权益")
    end = text.index("四、政府信息公开行政复议")
    return text[:start] + "\n" + text[end:]


@pytest.fixture
def bad_folder(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "good.txt").write_bytes(SAMPLE.read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "gbk.txt").write_bytes(SAMPLE.read_text(encoding="utf-8").encode("gbk"))
    (folder / "cut.txt").write_text(
        _cut_table_three(SAMPLE.read_text(encoding="utf-8")), encoding="utf-8"
    )
    (folder / "notareport.txt").write_text(
        "会议通知\n\n请各单位于周五下午三点参加会议。\n", encoding="utf-8"
    )
    return folder


def test_empty_file_error_names_the_file(tmp_path):
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    result = CliRunner().invoke(cli, ["parse", str(f)])
    assert result.exit_code == 1
    assert f"Error: {f}: empty file" in result.output


def test_not_a_report_is_a_clear_error():
    with pytest.raises(ParseError) as e:
        parse_text("会议通知\n请各单位参加会议。\n", "notice.txt")
    assert (
        str(e.value)
        == "notice.txt: whole file: not an annual report: none of tables 二, 三, 四 was found"
    )


def test_gbk_copy_parses_like_the_utf8_original(tmp_path):
    f = tmp_path / "gbk.txt"
    f.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("gbk"))
    a, b = parse_file(SAMPLE), parse_file(f)
    assert b["source"]["encoding"] == "gb18030"
    for key in ("agency", "year", "proactive", "applications", "review_litigation", "sections"):
        assert a[key] == b[key]


def test_table_three_cut_half_way_keeps_the_rows_it_has():
    report = parse_text(_cut_table_three(SAMPLE.read_text(encoding="utf-8")), "cut.txt")
    apps = report["applications"]
    assert list(apps)[:7] == [
        "new_received",
        "carried_over",
        "granted",
        "partially_granted",
        "denied_state_secret",
        "denied_prohibited_by_law",
        "denied_three_safety",
    ]
    assert "total_handled" not in apps and "carried_forward" not in apps
    assert apps["new_received"]["total"] == 13
    assert any("rows not found" in w and "total_handled" in w for w in report["warnings"])
    # table 四 after the cut is still read
    assert report["review_litigation"]["review"]["total"] == 0


def test_ingest_loses_nothing(bad_folder, tmp_path):
    db_path = tmp_path / "t.db"
    result = CliRunner().invoke(cli, ["ingest", str(db_path), str(bad_folder), "--silent"])
    assert result.exit_code == 1
    assert "Error: 3 of 6 files failed; see the ingest_errors table" in result.output
    assert (
        f"{bad_folder / 'empty.txt'}" in result.output or "empty.txt: empty file" in result.output
    )
    conn = sqlite3.connect(db_path)
    loaded = {r[0].rsplit("/", 1)[-1] for r in conn.execute("select path from sources")}
    assert loaded == {"good.txt", "gbk.txt", "cut.txt"}
    # the three are readings of one report (same agency and year): one report, three sources
    assert conn.execute("select count(*), max(sources_count) from reports").fetchone() == (1, 3)
    errors = {
        r[0].rsplit("/", 1)[-1]: (r[1], r[2], r[3])
        for r in conn.execute("select path, error, size, place from ingest_errors")
    }
    assert errors["empty.txt"][0] == "empty file"
    assert errors["junk.txt"][0] == "binary data, not a text report"
    assert errors["junk.txt"][1] == 2048
    assert (
        errors["notareport.txt"][0] == "not an annual report: none of tables 二, 三, 四 was found"
    )
    # raw bytes kept for the failures, raw text for the loaded ones
    raw = conn.execute(
        "select raw_bytes from ingest_errors where path like '%junk.txt'"
    ).fetchone()[0]
    assert raw == bytes(range(256)) * 8
    text = conn.execute("select raw_text from sources where path like '%cut.txt'").fetchone()[0]
    assert "4.保护第三方合法权益" not in text and "湘潭县商务局" in text
    # the cut copy is a further source of the report (the whole copy is primary), its
    # own reading kept with its warning visible
    reading = conn.execute("select reading_json from sources where path like '%cut.txt'").fetchone()
    assert any("rows not found" in w for w in json.loads(reading[0])["warnings"])


def test_fixed_file_replaces_its_error(bad_folder, tmp_path):
    db_path = tmp_path / "t.db"
    CliRunner().invoke(cli, ["ingest", str(db_path), str(bad_folder), "--silent"])
    (bad_folder / "empty.txt").write_bytes((SAMPLES / "001_8baf80acad458d1f.txt").read_bytes())
    (bad_folder / "junk.txt").write_bytes(SAMPLE.read_bytes())  # the bytes of good.txt
    CliRunner().invoke(cli, ["ingest", str(db_path), str(bad_folder), "--silent"])
    conn = sqlite3.connect(db_path)
    # a copy of a loaded file is that report, not a second one; its error goes too
    assert (
        conn.execute("select count(*) from ingest_errors where path like '%junk.txt'").fetchone()[0]
        == 0
    )
    assert (
        conn.execute("select count(*) from reports where source_path like '%junk.txt'").fetchone()[
            0
        ]
        == 0
    )
    assert (
        conn.execute("select count(*) from ingest_errors where path like '%empty.txt'").fetchone()[
            0
        ]
        == 0
    )
    assert (
        conn.execute("select count(*) from reports where source_path like '%empty.txt'").fetchone()[
            0
        ]
        == 1
    )


def test_scanned_pdf_is_recorded_with_its_bytes(tmp_path):
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    scan = folder / "scan.pdf"
    Image.new("RGB", (200, 280), "white").save(scan)
    (folder / "good.txt").write_bytes(SAMPLE.read_bytes())
    db_path = tmp_path / "t.db"
    result = CliRunner().invoke(cli, ["ingest", str(db_path), str(folder), "--silent"])
    assert result.exit_code == 1
    assert "scan.pdf: pages 1-1: no text layer (scanned PDF?); OCR it first" in result.output
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from reports").fetchone()[0] == 1
    row = conn.execute("select error, place, length(raw_bytes) from ingest_errors").fetchone()
    assert row == ("no text layer (scanned PDF?); OCR it first", "pages 1-1", scan.stat().st_size)
