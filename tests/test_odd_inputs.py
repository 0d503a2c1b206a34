"""Inputs nobody designed for, found by trying to break ingest: each one loads, or is
recorded in ingest_errors with a reason naming it, and the rest of the run goes on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from ingest.cli import cli
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
