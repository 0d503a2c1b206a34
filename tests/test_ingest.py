"""The loader: normalized tables, re-runs that change nothing, replaced files, FTS."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
import sqlite_utils
from click.testing import CliRunner

from ingest.cli import cli
from ingest.db.search import fts_query, index_text, narrative_text

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
    assert {("year", "id"), ("province", "id"), ("agency_type",), ("check_status", "id")} <= indexed
    assert db["reports"].count == 5
    assert db["applications"].count == 5 * 25
    assert db["review_litigation"].count == 5 * 3
    row = db.execute(
        "select natural_person, total from applications a join reports r on r.id = a.report_id "
        "where r.agency = '衡阳市商务局' and a.row_key = 'new_received'"
    ).fetchone()
    assert row == (None, 0)


ROW_COUNTED = ("reports", "sources", "applications", "review_litigation", "proactive", "checks")


def _ids_and_counts(conn):
    ids = [r[0] for r in conn.execute("select id from reports order by id")]
    return ids, {t: conn.execute(f"select count(*) from [{t}]").fetchone()[0] for t in ROW_COUNTED}


def test_ids_do_not_depend_on_where_ingest_runs(tmp_path, samples, monkeypatch):
    """The same bytes get the same report id from any working directory and any spelling
    of the path; re-ingesting them from elsewhere adds nothing."""
    here, there = tmp_path / "here", tmp_path / "a" / "b"
    here.mkdir()
    there.mkdir(parents=True)
    monkeypatch.chdir(here)
    one = _ingest(tmp_path / "one.db", samples)  # an absolute path
    monkeypatch.chdir(there)
    two = _ingest(tmp_path / "two.db", "../../samples/")  # relative, from another folder
    assert _ids_and_counts(one) == _ids_and_counts(two)
    ids, counts = _ids_and_counts(one)
    assert len(ids) == counts["reports"] == counts["sources"] == 5
    assert counts["applications"] == 5 * 25
    assert ids == sorted(
        hashlib.sha256(f.read_bytes()).hexdigest()[:16] for f in samples.glob("*.txt")
    )
    one.close()
    # the first database, fed the same files from the other folder: unchanged, nothing added
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "one.db"), "../../samples"])
    assert result.exit_code == 0, result.output
    assert "0 loaded, 5 unchanged, 0 failed" in result.output
    assert _ids_and_counts(sqlite3.connect(tmp_path / "one.db")) == (ids, counts)


def test_identical_files_are_one_report(tmp_path, samples):
    """Byte-identical copies in two folders are one report (its first path), not two."""
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(samples / "000_872c2db3c34386f9.txt", copy / "same.txt")
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "t.db"), str(samples), str(copy)])
    assert result.exit_code == 0, result.output
    assert "5 loaded, 1 unchanged, 0 failed" in result.output
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("select count(*) from reports").fetchone()[0] == 5


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
    conn.create_function("narrative", 1, _narrative)
    expected = {
        r[0]
        for r in conn.execute(
            "select distinct r.agency from sections s join reports r on r.id = s.report_id"
            " where instr(narrative(s.text), ?)",
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
        "select c.check_name, c.reported, c.computed, c.difference from checks c join reports r on r.id = c.report_id "
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


def test_index_text_is_the_regex_definition():
    """index_text (a translate table) gives exactly what the regex definition gives:
    a space either side of each Chinese character, whitespace runs collapsed, ends trimmed."""
    cjk = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")

    def reference(text: str) -> str:
        return re.sub(r"\s+", " ", cjk.sub(r" \1 ", text)).strip()

    every_bmp_char = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)
    assert index_text(every_bmp_char) == reference(every_bmp_char)
    rng = random.Random(7)
    alphabet = "复议a1 \t\n\u3000\xa0，。（）㐀䶿一鿿豈﫿𠀀Ａ"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        assert index_text(text) == reference(text)


def _narrative(text: str) -> str:
    """What search reads of a section: its narrative (tables left out), spaces removed
    as the index removes them between Chinese characters."""
    return re.sub(r"\s", "", narrative_text(text))


def _search(conn: sqlite3.Connection, query: str) -> tuple[set[int], set[int]]:
    """Section ids the FTS index finds for a query, and those whose narrative has it."""
    fts = {
        r[0]
        for r in conn.execute(
            "select rowid from sections_fts where sections_fts match ?", [fts_query(query)]
        )
    }
    conn.create_function("narrative", 1, _narrative)
    text = {
        r[0]
        for r in conn.execute("select id from sections where instr(narrative(text), ?)", [query])
    }
    return fts, text


def test_search_stays_exact_after_reingest_adds_and_replaces_files(tmp_path, samples):
    later = tmp_path / "later"
    later.mkdir()
    for f in sorted(samples.glob("*.txt"))[3:]:
        f.rename(later / f.name)
    _ingest(tmp_path / "t.db", samples).close()  # a new database: 3 reports
    for f in later.iterdir():  # 2 more, and one of the first 3 changed
        f.rename(samples / f.name)
    changed = samples / "000_872c2db3c34386f9.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("行政复议", "行政复核", 1), encoding="utf-8"
    )
    conn = _ingest(tmp_path / "t.db", samples)
    assert conn.execute("select count(*) from reports").fetchone()[0] == 5
    n_sections = conn.execute("select count(*) from sections").fetchone()[0]
    assert conn.execute("select count(*) from sections_fts").fetchone()[0] == n_sections
    conn.execute("insert into sections_fts (sections_fts) values ('integrity-check')")
    for query in ("复议", "复核", "费", "行政复核", "统计月报", "公开", "2023", "政府信息公开"):
        fts, text = _search(conn, query)
        assert fts == text, query
    assert _search(conn, "复核")[0], "the changed text is searchable"


def test_new_database_has_every_index_and_no_leftovers(tmp_path, samples):
    from ingest.db.schema import INDEXES, UNIQUE_INDEXES

    conn = _ingest(tmp_path / "t.db", samples)
    db = sqlite_utils.Database(conn)
    for table, cols in (*INDEXES, *UNIQUE_INDEXES):
        assert list(cols) in [i.columns for i in db[table].indexes], (table, cols)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("t.db")) == ["t.db"]


def test_loader_builds_missing_indexes_before_loading_more(tmp_path):
    """A bulk load into an empty database defers its indexes to finish(); a loader on a
    non-empty database without them (a run killed before finish) builds them first."""
    from ingest.db.loader import Loader
    from ingest.db.schema import INDEXES, ensure_db_shape
    from ingest.pipeline import parse_one

    db = sqlite_utils.Database(tmp_path / "t.db")
    ensure_db_shape(db)
    loader = Loader(db)
    assert loader.bulk
    r = parse_one(str(next(SAMPLES.glob("*.txt"))))
    loader.add(r["report"], r["path"], r["text"])
    loader.flush()  # committed, but no finish(): as if killed here
    indexed = {tuple(i.columns) for i in db["checks"].indexes}
    assert ("report_id",) not in indexed
    again = Loader(db)
    assert not again.bulk
    for table, cols in INDEXES:
        assert list(cols) in [i.columns for i in db[table].indexes], (table, cols)


def test_a_file_named_twice_loads_once(tmp_path, samples):
    one = samples / "000_872c2db3c34386f9.txt"
    conn = _ingest(tmp_path / "t.db", samples, one)
    assert conn.execute("select count(*) from reports").fetchone()[0] == 5


def test_report_that_turns_bad_is_replaced_by_its_error(tmp_path, samples):
    _ingest(tmp_path / "t.db", samples).close()
    f = samples / "000_872c2db3c34386f9.txt"
    f.write_bytes(b"")
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "t.db"), str(samples), "--silent"])
    assert result.exit_code == 1
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("select count(*) from reports").fetchone()[0] == 4
    assert conn.execute("select count(*) from sources").fetchone()[0] == 4
    assert (
        conn.execute("select count(*) from sections").fetchone()[0]
        == conn.execute("select count(*) from sections_fts").fetchone()[0]
    )
    assert conn.execute("select error from ingest_errors").fetchall() == [("empty file",)]


def test_stale_build_file_is_replaced_and_a_live_one_refused(tmp_path, samples):
    stale = tmp_path / "t.db.building"
    stale.write_bytes(b"left by a killed run")
    conn = _ingest(tmp_path / "t.db", samples)
    assert conn.execute("select count(*) from reports").fetchone()[0] == 5
    assert not stale.exists()

    # another ingest building the same new database holds its file locked (a process
    # of its own: POSIX locks do not conflict within one process)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute('pragma locking_mode = exclusive'); c.execute('create table t (x)');"
            " print('locked', flush=True); sys.stdin.read()",
            str(tmp_path / "u.db.building"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = CliRunner().invoke(
            cli, ["ingest", str(tmp_path / "u.db"), str(samples), "--silent"]
        )
        assert result.exit_code == 1
        assert "is in use: is another ingest building" in result.output
        assert (tmp_path / "u.db.building").exists() and not (tmp_path / "u.db").exists()
    finally:
        holder.communicate("")


def test_a_report_the_loader_cannot_store_is_recorded_not_fatal(tmp_path, samples, monkeypatch):
    import ingest.pipeline

    real = ingest.pipeline.prepare

    def prepare(report, path, text):
        if path.endswith("001_8baf80acad458d1f.txt"):
            raise ValueError("proactive x: no column for y")
        return real(report, path, text)

    monkeypatch.setattr(ingest.pipeline, "prepare", prepare)
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "t.db"), str(samples), "--silent"])
    assert result.exit_code == 1
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("select count(*) from reports").fetchone()[0] == 4
    error, raw = conn.execute("select error, raw_bytes from ingest_errors").fetchone()
    assert error == "internal loader error: ValueError: proactive x: no column for y"
    assert raw == (samples / "001_8baf80acad458d1f.txt").read_bytes()


def test_summary_tables_have_the_schema_create_table_as_gives_on_the_site(tmp_path, samples):
    """The summaries' declared types are written out (SQLite versions infer them
    differently); they are what CREATE TABLE AS gives with the SQLite Datasette uses."""
    from ingest.db.derived import SUMMARIES

    _ingest(tmp_path / "t.db", samples).close()
    db = sqlite_utils.Database(tmp_path / "t.db")
    if type(db.conn).__module__.split(".")[0] != "pysqlite3":
        pytest.skip("Datasette's SQLite here is pysqlite3; not installed")
    for name, sql in SUMMARIES.items():
        db.execute(f"create table probe as {sql}")
        expected = db["probe"].schema.replace("CREATE TABLE probe(", f"CREATE TABLE {name}(", 1)
        db.execute("drop table probe")
        assert db[name].schema == expected
