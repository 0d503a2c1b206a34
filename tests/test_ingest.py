"""The loader: normalized tables, re-runs that change nothing, replaced files, FTS."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
import sqlite_utils
from click.testing import CliRunner

from ingest.cli import cli
from ingest.search import fts_query

from .helpers import SAMPLES, SHARED_REPORTS, needs_shared


def _ingest(db_path, *paths, jobs=1):
    result = CliRunner().invoke(
        cli, ["ingest", str(db_path), *map(str, paths), "--silent", "--jobs", str(jobs)]
    )
    assert result.exit_code == 0, result.output
    return sqlite3.connect(db_path)


def _dump(conn):
    return [line for line in conn.iterdump() if "ingested_at" not in line and "sources" not in line]


@pytest.fixture
def samples(tmp_path):
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES, folder)
    return folder


def test_schema_is_normalized_with_foreign_keys(tmp_path, samples):
    _ingest(tmp_path / "t.db", samples)
    db = sqlite_utils.Database(tmp_path / "t.db")
    fks = {
        (fk.table, fk.column, fk.other_table)
        for t in ("reports", "applications", "checks", "sections")
        for fk in db[t].foreign_keys
    }
    assert ("applications", "report_id", "reports") in fks
    assert ("applications", "row_key", "application_rows") in fks
    assert ("reports", "agency_id", "agencies") in fks
    assert ("checks", "identity", "identities") in fks
    indexed = {tuple(i.columns) for i in db["reports"].indexes}
    assert {("year",), ("province",), ("agency_type",), ("check_status",)} <= indexed
    assert db["reports"].count == 5
    assert db["applications"].count == 5 * 25
    assert db["review_litigation"].count == 5 * 3
    row = db.execute(
        "select natural_person, total from applications a join reports r on r.id = a.report_id "
        "where r.agency = '衡阳市商务局' and a.row_key = 'new_received'"
    ).fetchone()
    assert row == (None, 0)


def test_rerun_changes_nothing(tmp_path, samples):
    conn = _ingest(tmp_path / "t.db", samples)
    before = _dump(conn)
    conn.close()
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "t.db"), str(samples)])
    assert "0 loaded, 5 unchanged, 0 failed" in result.output
    assert _dump(sqlite3.connect(tmp_path / "t.db")) == before


def test_changed_file_replaces_its_report(tmp_path, samples):
    _ingest(tmp_path / "t.db", samples)
    f = samples / "000_872c2db3c34386f9.txt"
    f.write_text(
        f.read_text(encoding="utf-8").replace("湘潭县商务局", "湘潭县商务和粮食局", 1),
        encoding="utf-8",
    )
    conn = _ingest(tmp_path / "t.db", samples)
    assert conn.execute("select count(*) from reports").fetchone()[0] == 5
    assert conn.execute("select count(*) from applications").fetchone()[0] == 125
    names = {r[0] for r in conn.execute("select agency from reports")}
    assert "湘潭县商务和粮食局" in names and "湘潭县商务局" not in names
    n_sections = conn.execute("select count(*) from sections").fetchone()[0]
    assert conn.execute("select count(*) from sections_fts").fetchone()[0] == n_sections


def test_jobs_give_the_same_database(tmp_path, samples):
    a = _dump(_ingest(tmp_path / "a.db", samples, jobs=1))
    b = _dump(_ingest(tmp_path / "b.db", samples, jobs=2))
    assert a == b


@pytest.mark.parametrize(
    ("query", "agencies"),
    [
        ("复议", {"湘潭县商务局"}),
        ("费", {"湘潭县商务局", "新乡市商务局"}),
        ("收费", {"湘潭县商务局"}),
        ("统计月报", {"湘潭县统计局"}),
    ],
)
def test_chinese_search_finds_short_words(tmp_path, samples, query, agencies):
    conn = _ingest(tmp_path / "t.db", samples)
    found = {
        r[0]
        for r in conn.execute(
            "select distinct r.agency from sections_fts f join sections s on s.id = f.rowid "
            "join reports r on r.id = s.report_id where sections_fts match ?",
            [fts_query(query)],
        )
    }
    expected = {
        r[0]
        for r in conn.execute(
            "select distinct r.agency from sections s join reports r on r.id = s.report_id where instr(s.text, ?)",
            [query],
        )
    }
    assert found == expected
    assert agencies <= found


def test_fts_query_quotes_everything():
    assert fts_query("复议") == '"复 议"'
    assert fts_query('行政 诉讼 NEAR(") *') == '"行 政" AND "诉 讼" AND "NEAR"'
    assert fts_query("   ") is None


@needs_shared
def test_hongze_2023_is_loaded_with_its_broken_checks(tmp_path):
    conn = _ingest(
        tmp_path / "t.db",
        SHARED_REPORTS / "huaian_hongzequ_2023.pdf.txt",
        SHARED_REPORTS / "huaian_hongzequ_2024.pdf.txt",
    )
    rows = conn.execute(
        "select c.check_name, c.expected, c.actual, c.difference from checks c join reports r on r.id = c.report_id "
        "where r.year = 2023 and c.ok = 0 and c.severity = 'hard' order by c.check_name"
    ).fetchall()
    assert rows == [
        ("review_total.litigation_after_review", "0", "5", 5.0),
        ("review_total.review", "0", "11", 11.0),
    ]
    status = conn.execute(
        "select check_status, checks_failed, review_total from reports where year = 2023"
    ).fetchone()
    assert status == ("有错误", 2, 0)
    # one agency across the two years, despite two spellings of its name
    assert conn.execute("select count(distinct agency_id) from reports").fetchone()[0] == 1
    cross = conn.execute(
        "select check_name, ok from checks where identity like '%continuity' order by check_name"
    ).fetchall()
    assert cross == [
        ("carry_continuity", 1),
        ("in_force_continuity.normative_documents", 1),
        ("in_force_continuity.regulations", 1),
    ]
