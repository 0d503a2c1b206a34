"""ingest/db/derived.py and the site's fast paths: every precomputed answer equals the one
computed from the base tables (on the sample database)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from datasette.app import Datasette
from datasette.plugins import pm

from ingest.db import derived
from ingest.db.derived import inline_derived
from ingest.db.search import fts_query, narrative_text

from .conftest import HAS_SHARED, ROOT, load_metadata

META = load_metadata()
REPORTS = 8 if HAS_SHARED else 5
QUERIES = META["databases"]["nianbao"]["queries"]
CHARTS = META["plugins"]["datasette-dashboards"]["trends"]["charts"]


@pytest.fixture(scope="module")
def served_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample database, prepared for serving (twice: it is idempotent)."""
    path = tmp_path_factory.mktemp("serving") / "nianbao.db"
    shutil.copy(sample_db, path)
    db = sqlite_utils.Database(path)
    derived.build_derived(db)
    derived.build_derived(db)
    db.close()
    return path


def _rows(con: sqlite3.Connection, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    return [tuple(r) for r in con.execute(sql, params or {}).fetchall()]


def _datasette(path: Path, immutable: bool) -> Datasette:
    return Datasette(
        [] if immutable else [str(path)],
        immutables=[str(path)] if immutable else [],
        metadata=META,
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
        static_mounts=[("static", str(ROOT / "static"))],
    )


@pytest.fixture(scope="module")
def immutable_app(served_db: Path) -> Datasette:
    return _datasette(served_db, immutable=True)


@pytest.fixture(scope="module")
def live_app(served_db: Path) -> Datasette:
    return _datasette(served_db, immutable=False)


# --------------------------------------------------------------------------- the DDL


def test_prepare_creates_every_index_and_table(served_db: Path) -> None:
    con = sqlite3.connect(served_db)
    names = {r[0] for r in con.execute("select name from sqlite_master")}
    objects = derived.derived_objects()
    assert set(objects["tables"]) <= names
    assert set(objects["indexes"]) <= names
    for name, table, cols in (*derived.SERVING_INDEXES, *derived.SUMMARY_INDEXES):
        info = con.execute(f"pragma index_xinfo([{name}])").fetchall()
        assert [r[2] for r in info if r[1] >= 0] == [c.split()[0] for c in cols], name
        assert con.execute(
            "select tbl_name from sqlite_master where name = ?", [name]
        ).fetchone() == (table,)


def test_ingest_leaves_the_database_ready_to_serve(sample_db: Path) -> None:
    """`nianbao ingest` runs build_derived itself: a fresh build has every serving
    object, with the declared column types, and counts that match the base tables."""
    con = sqlite3.connect(sample_db)
    names = {r[0] for r in con.execute("select name from sqlite_master")}
    objects = derived.derived_objects()
    assert set(objects["tables"]) | set(objects["indexes"]) <= names
    for name, types in derived.SUMMARY_TYPES.items():
        declared = {r[1]: r[2] for r in con.execute(f"pragma table_info([{name}])")}
        assert {c: declared[c] for c in types} == types, name
    assert con.execute("select reports, agencies from summary_site").fetchone() == (
        REPORTS,
        con.execute("select count(*) from agencies").fetchone()[0],
    )
    facet_years = dict(
        con.execute(
            "select value, count from summary_facets"
            " where table_name = 'reports' and column_name = 'year'"
        ).fetchall()
    )
    assert facet_years == dict(
        con.execute("select year, count(*) from reports where year is not null group by year")
    )


def test_reingest_refreshes_the_serving_tables(tmp_path: Path) -> None:
    """Adding reports to an existing database (updated in place) refreshes the counts."""
    from click.testing import CliRunner

    from ingest.cli import cli

    from .conftest import SAMPLES

    db = tmp_path / "nianbao.db"
    first, *rest = sorted(str(p) for p in SAMPLES.glob("*.txt"))
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(db), "--silent", first]).exit_code == 0
    con = sqlite3.connect(db)
    before = con.execute("select reports from summary_site").fetchone()[0]
    con.close()
    assert runner.invoke(cli, ["ingest", str(db), "--silent", *rest]).exit_code == 0
    con = sqlite3.connect(db)
    after = con.execute("select reports from summary_site").fetchone()[0]
    assert after == con.execute("select count(*) from reports").fetchone()[0] > before


def test_summary_tables_equal_their_sql_on_the_base_tables(served_db: Path) -> None:
    con = sqlite3.connect(served_db)
    for name, sql in derived.SUMMARIES.items():
        stored = sorted(_rows(con, f"select * from [{name}]"), key=repr)
        assert stored == sorted(_rows(con, sql), key=repr), name
    site = con.execute("select * from summary_site").fetchone()
    assert site[0] == con.execute("select count(*) from reports").fetchone()[0] == REPORTS


def test_facet_counts_equal_group_by_on_the_base_tables(served_db: Path) -> None:
    con = sqlite3.connect(served_db)
    for table, cols in derived.FACETED.items():
        for col in cols:
            live = _rows(
                con,
                # NULL included: the stored count of blanks is the facets' 未知 bucket.
                f"select [{col}], count(*) from [{table}] group by [{col}] order by 2 desc, 1",
            )
            stored = [
                tuple(r)
                for r in con.execute(
                    "select value, count from summary_facets"
                    " where table_name = ? and column_name = ? order by 2 desc, 1",
                    [table, col],
                )
            ]
            assert stored == live, (table, col)
            assert live, (table, col)


# --------------------------------------------------------------------------- canned queries


def _params(spec: dict[str, Any]) -> dict[str, str]:
    return {p: "" for p in spec.get("params") or []}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_canned_query_equals_its_base_table_version(served_db: Path, name: str) -> None:
    """The SQL the site runs (reading summary tables) and the benchmark's baseline SQL
    (every summary table recomputed as a CTE from the base tables) give the same rows."""
    spec = QUERIES[name]
    con = sqlite3.connect(served_db)
    for params in (_params(spec), {**_params(spec), **_nonempty(spec)}):
        assert _rows(con, spec["sql"], params) == _rows(con, inline_derived(spec["sql"]), params)


def _nonempty(spec: dict[str, Any]) -> dict[str, str]:
    values = {
        "year": "2024",
        "province": "湖南省",
        "min_years": "1",
        "agency": "商务",
        "kind": "解析警告",
    }
    return {p: values.get(p, "1") for p in spec.get("params") or []}


def test_zero_applications_and_year_over_year_match_the_original_joins(served_db: Path) -> None:
    con = sqlite3.connect(served_db)
    zero = _rows(
        con,
        f"select * from ({derived.ZERO_STREAKS_SQL}) where years >= 1 order by years desc,"
        " province, agency",
    )
    assert _rows(con, QUERIES["zero_applications"]["sql"], {"min_years": "1"}) == zero
    yoy = _rows(con, derived.YEAR_OVER_YEAR_SQL)
    assert _rows(con, "select * from summary_year_over_year") == yoy


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_dashboard_query_equals_its_base_table_version(served_db: Path, chart: str) -> None:
    con = sqlite3.connect(served_db)
    sql = CHARTS[chart]["query"]
    params = dict.fromkeys(re.findall(r":(\w+)", sql), "")  # as the dashboard sends them
    assert _rows(con, sql, params) == _rows(con, inline_derived(sql), params)


# --------------------------------------------------------------------------- facets, home


@pytest.mark.parametrize("table", sorted(derived.FACETED))
async def test_precomputed_facets_equal_datasette_counting(
    immutable_app: Datasette, live_app: Datasette, table: str
) -> None:
    """Immutable (reads summary_facets) and mutable (Datasette counts) give the same facets."""
    path = f"/nianbao/{table}.json"
    for params in ({}, {"_size": "1"}):
        fast = (await immutable_app.client.get(path, params=params)).json()
        slow = (await live_app.client.get(path, params=params)).json()
        assert fast["facet_results"] == slow["facet_results"], params
        assert fast["facet_results"], params


async def test_home_page_counts_are_the_same_from_summary_site(
    immutable_app: Datasette, live_app: Datasette
) -> None:
    fast = (await immutable_app.client.get("/")).text
    slow = (await live_app.client.get("/")).text
    assert fast == slow
    assert f"<strong>{REPORTS}</strong>份报告" in fast


# --------------------------------------------------------------------------- search


@pytest.fixture
def many_matches() -> Iterator[None]:
    """Every search takes the many-matches path (count-free, streamed, exists)."""
    plugin = pm.get_plugin("search.py")
    assert plugin is not None
    saved = plugin.MANY_MATCHES
    plugin.MANY_MATCHES = 0
    yield
    plugin.MANY_MATCHES = saved


async def _search_results(app: Datasette, q: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in ("reports", "sections"):
        r = await app.client.get(
            f"/nianbao/{table}.json", params={"_search": q, "_shape": "array", "_size": "max"}
        )
        assert r.status_code == 200, r.text[:300]
        out[table] = r.json()
    page = await app.client.get(f"/nianbao/sections.json?_search={q}&_size=1")
    out["first_section"] = page.json()["rows"]
    out["/-/search"] = (await app.client.get("/-/search", params={"q": q})).text
    return out


@pytest.mark.parametrize("q", ["湘", "统计", "复议", "行政复议", "复议 诉讼"])
async def test_many_matches_path_returns_the_same_results(
    immutable_app: Datasette, q: str, request: pytest.FixtureRequest
) -> None:
    few = await _search_results(immutable_app, q)
    request.getfixturevalue("many_matches")
    many = await _search_results(immutable_app, q)
    # The same reports in the same year-descending order; Datasette orders a sort by
    # year no further, so reports of one year may come in any order on either path.
    assert few["reports"]
    assert [r["year"] for r in many["reports"]] == [r["year"] for r in few["reports"]]
    assert sorted(many["reports"], key=repr) == sorted(few["reports"], key=repr)
    assert many["sections"] == few["sections"]
    assert many["first_section"] == few["first_section"]
    assert many["/-/search"] == few["/-/search"]
    plain = {s["id"] for s in few["sections"]}
    con = sqlite3.connect(immutable_app.databases["nianbao"].path)
    words = q.split()
    # Search reads the narrative only (tables left out, ingest.db.search.narrative_text).
    instr = {
        section_id
        for section_id, text in con.execute("select id, text from sections")
        if all(w in re.sub(r"\s", "", narrative_text(text)) for w in words)
    }
    assert plain == instr


async def test_many_matches_page_skips_count_and_facets(
    immutable_app: Datasette, many_matches: None
) -> None:
    r = await immutable_app.client.get("/nianbao/reports.json", params={"_search": "复议"})
    body = r.json()
    assert body["filtered_table_rows_count"] is None
    assert body["facet_results"] == {}
    page = await immutable_app.client.get("/nianbao/sections", params={"_search": "复议"})
    assert "段落超过 2,000 个" in page.text


async def test_search_pagination_streams_in_id_order(
    immutable_app: Datasette, many_matches: None
) -> None:
    """Page by page (?_next=) with the streamed filter gives every match once, in order."""
    ids: list[int] = []
    path = "/nianbao/sections.json?_search=" + "公开" + "&_size=2"
    while path:
        body = (await immutable_app.client.get(path)).json()
        ids += [row[0] for row in body["rows"]]
        path = body["next_url"].replace("http://localhost", "") if body["next_url"] else ""
    con = sqlite3.connect(immutable_app.databases["nianbao"].path)
    expected = [
        r[0]
        for r in con.execute(
            "select rowid from sections_fts where sections_fts match ? order by rowid",
            [fts_query("公开")],
        )
    ]
    assert ids == expected and len(ids) > 2


@pytest.mark.parametrize("sort", [{}, {"_sort": "province"}, {"_sort_desc": "new_received"}])
async def test_first_page_of_a_sorted_table_reads_stored_facet_counts(
    served_db: Path, live_app: Datasette, tmp_path: Path, sort: dict[str, str]
) -> None:
    """plugins/pagination.py gives page 1 of a sorted table a where clause every row
    passes; its facets are still the whole table's, read from summary_facets, not
    counted (seven group-bys took ~2 s a page at 100,000 reports). Seen by marking the
    stored counts (+1000 in a copy): page 1 shows them; a filtered page counts."""
    marked = tmp_path / "marked.db"
    shutil.copy(served_db, marked)
    with sqlite3.connect(marked) as con:
        con.execute("update summary_facets set count = count + 1000 where table_name = 'reports'")
    app = _datasette(marked, immutable=True)

    def counts(body: dict[str, Any]) -> dict[str, list[tuple[Any, int]]]:
        return {
            name: [(r["value"], r["count"]) for r in facet["results"]]
            for name, facet in body["facet_results"].items()
        }

    fast = counts((await app.client.get("/nianbao/reports.json", params=sort)).json())
    slow = counts((await live_app.client.get("/nianbao/reports.json", params=sort)).json())
    assert fast.keys() == slow.keys() and fast
    for name in slow:
        assert sorted(fast[name], key=str) == sorted(
            [(v, c + 1000) for v, c in slow[name]], key=str
        ), name
    year = {**sort, "year": str(slow["year"][0][0])}
    fast = counts((await app.client.get("/nianbao/reports.json", params=year)).json())
    slow = counts((await live_app.client.get("/nianbao/reports.json", params=year)).json())
    assert fast == slow
