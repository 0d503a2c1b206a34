"""What the site needs to answer every page fast, built once at the end of an ingest.

`prepare_for_serving(db)` adds, from the loaded tables and the summaries of
ingest.db.summaries (it never changes a loaded row):

- serving indexes (named ``serving_*``): composite indexes for the facet and filter
  combinations the site links to, and ordered indexes for the watchdog queries that
  take the top N rows, so SQLite walks an index and stops instead of sorting;
- summary tables (named ``summary_*``, like those of ingest.db.summaries) for the
  watchdog queries that aggregate or self-join the reports: ``summary_zero_streaks``,
  ``summary_year_over_year``; ``summary_site``, the home page's counts in one row;
- ``summary_facets``: the facet counts of every faceted table with no filter, which
  plugins/facet_counts.py serves instead of counting the whole table per page view.

Each is dropped and rebuilt in one transaction, so running it again is harmless and a
re-ingest refreshes everything. The site falls back to the base tables when a table
here is missing (tests/test_serving.py checks the answers are the same).
"""

from __future__ import annotations

import time
from typing import Any

import sqlite_utils

from ..model import STATUS_FAILED
from .summaries import create_table_as

# (name, table, columns): columns are "col" or "col desc".
SERVING_INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # Every facet of the reports table under the filters the site links to (year,
    # year + province, province): one covering index answers them without row reads.
    (
        "serving_reports_facets",
        "reports",
        ("year", "province", "city", "agency_type", "format", "check_status", "scope"),
    ),
    ("serving_reports_province_year", "reports", ("province", "year", "city")),
    # /-/search with many matches walks the reports in its order (year desc, agency).
    ("serving_reports_year_agency", "reports", ("year desc", "agency", "id")),
    # disclosure_rate and review_by_agency: top N of one year, in index order.
    (
        "serving_reports_year_rate",
        "reports",
        ("year", "disclosure_rate desc", "total_handled desc"),
    ),
    (
        "serving_reports_year_review",
        "reports",
        ("year", "review_corrected desc", "litigation_corrected desc"),
    ),
    # The applications table filtered by a row and sorted by its total.
    ("serving_applications_row_total", "applications", ("row_key", "total")),
    # checks filtered by identity and result, joined to their report.
    ("serving_checks_identity_ok_report", "checks", ("identity", "ok", "report_id")),
    # problems and fees: the canned queries' order.
    ("serving_problems_order", "summary_report_problems", ("kind", "year", "agency")),
    (
        "serving_fees_order",
        "summary_report_fees",
        ("fee_amount_yuan desc", "other_no_fee desc", "report_id"),
    ),
)

# Tables whose facets (from metadata.yml) are precomputed for the unfiltered view.
FACETED: dict[str, tuple[str, ...]] = {
    "reports": ("year", "province", "city", "agency_type", "format", "check_status", "scope"),
    "agencies": ("province", "agency_type"),
    "proactive": ("item",),
    "applications": ("row_key",),
    "review_litigation": ("grp",),
    "sections": ("section",),
    "checks": ("identity", "severity", "ok"),
}

# The same query as canned query zero_applications before its filter, order and limit.
ZERO_STREAKS_SQL = """
with z as (
  select distinct agency_id, year from reports
  where new_received = 0 and agency_id is not null and year is not null
),
runs as (
  select agency_id, year, year - row_number() over (partition by agency_id order by year) as run
  from z
),
streaks as (
  select agency_id, min(year) as from_year, max(year) as to_year, count(*) as years
  from runs group by agency_id, run
)
select s.agency_id, a.name as agency, a.province, a.city, s.from_year, s.to_year, s.years
from streaks s join agencies a on a.id = s.agency_id
"""

# The same join as canned query year_over_year before its filter, order and limit.
YEAR_OVER_YEAR_SQL = """
select cur.id as report_id, cur.agency, cur.province, prev.year as prev_year, cur.year,
       prev.new_received as prev_new_received, cur.new_received,
       cur.new_received - prev.new_received as change,
       round(100.0 * (cur.new_received - prev.new_received) / nullif(prev.new_received, 0), 1) as change_pct,
       abs(cur.new_received - prev.new_received) as abs_change
from reports cur
join reports prev on prev.agency_id = cur.agency_id and prev.year = cur.year - 1
"""

# The home page's counts (plugins/home.py runs the same SQL when this table is missing).
SITE_SQL = f"""
select
  (select count(*) from reports) as reports,
  (select count(*) from agencies) as agencies,
  (select count(distinct year) from reports where year is not null) as years,
  (select min(year) from reports) as first_year,
  (select max(year) from reports) as last_year,
  (select count(distinct province) from reports where year is not null and province is not null) as provinces,
  (select count(*) from reports where year is not null and check_status = '{STATUS_FAILED}') as failing,
  (select count(*) from ingest_errors) as unparsed
"""

SUMMARIES: dict[str, str] = {
    "summary_zero_streaks": ZERO_STREAKS_SQL,
    "summary_year_over_year": YEAR_OVER_YEAR_SQL,
    "summary_site": SITE_SQL,
}

# Declared column types, as pysqlite3's SQLite infers them for CREATE TABLE ... AS SELECT
# (written out: the standard library's older SQLite may build these, see
# Loader.whole_table_work, and the schema must not depend on which one did).
SUMMARY_TYPES: dict[str, dict[str, str]] = {
    "summary_zero_streaks": {
        "agency_id": "INT",
        "agency": "TEXT",
        "province": "TEXT",
        "city": "TEXT",
    },
    "summary_year_over_year": {
        "report_id": "TEXT",
        "agency": "TEXT",
        "province": "TEXT",
        "prev_year": "INT",
        "year": "INT",
        "prev_new_received": "INT",
        "new_received": "INT",
    },
    "summary_site": {},
}

SUMMARY_INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "serving_zero_streaks_order",
        "summary_zero_streaks",
        ("years desc", "province", "agency", "agency_id", "from_year"),
    ),
    (
        "serving_year_over_year_order",
        "summary_year_over_year",
        ("year", "abs_change desc", "report_id", "prev_new_received"),
    ),
    ("serving_facets_lookup", "summary_facets", ("table_name", "column_name", "count desc")),
)

FACETS_TABLE = "summary_facets"


def facet_counts_sql(table: str, columns: tuple[str, ...]) -> str:
    """Insert Datasette's unfiltered facet counts of ``columns`` into summary_facets.

    Datasette counts ``select col, count(*) from table where col is not null group by
    col`` per column; summing the counts of every combination of the columns gives the
    same numbers while reading the table (or a covering index) once. The count of
    blanks (NULL) is stored too, as value NULL: the site shows it as the 未知 bucket.
    """
    cols = ", ".join(f"[{c}]" for c in columns)
    per_column = " union all ".join(
        f"select '{table}', '{c}', [{c}], sum(n) from combos group by [{c}]" for c in columns
    )
    return (
        f"with combos as materialized (select {cols}, count(*) as n from [{table}] group by {cols})"
        f" insert into [{FACETS_TABLE}] (table_name, column_name, value, count) {per_column}"
    )


def _index_sql(name: str, table: str, cols: tuple[str, ...]) -> str:
    quoted = ", ".join(f"[{c.split()[0]}]{' desc' if c.endswith(' desc') else ''}" for c in cols)
    return f"create index [{name}] on [{table}] ({quoted})"


def _existing(db: sqlite_utils.Database, kind: str) -> set[str]:
    return {r[0] for r in db.execute("select name from sqlite_master where type = ?", [kind])}


def prepare_for_serving(db: sqlite_utils.Database) -> dict[str, float]:
    """Create the serving indexes and the summary/facet tables (idempotent).

    Needs the tables of ingest.db.load and the summaries of ingest.db.summaries (run it after
    build_summaries, which recreates summary_report_problems and summary_report_fees).
    Returns the seconds each step took. At 100,000 reports (4.9 GB) it took 17–33 s on
    the shared 2-core machine: indexes ~9–23 s (applications and checks are the big
    ones), facet counts ~6–8 s (one grouped scan per table; checks is most of it),
    summary tables ~1 s.
    """
    timings: dict[str, float] = {}
    with db.conn:  # one transaction: a reader sees the old objects or the new ones
        if not db.conn.in_transaction:
            db.conn.execute("begin")
        t0 = time.perf_counter()
        for name in (*SUMMARIES, FACETS_TABLE):
            db.execute(f"drop table if exists [{name}]")
        for name, sql in SUMMARIES.items():
            create_table_as(db, name, sql, SUMMARY_TYPES[name])
        db.execute(
            f"create table [{FACETS_TABLE}]"
            " (table_name text, column_name text, value, count integer)"
        )
        timings["summary tables"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        indexes = _existing(db, "index")
        tables = _existing(db, "table")
        for name, table, cols in (*SERVING_INDEXES, *SUMMARY_INDEXES):
            if name in indexes:
                db.execute(f"drop index [{name}]")
            if table in tables:
                db.execute(_index_sql(name, table, cols))
        timings["indexes"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        for table, cols in FACETED.items():
            if table in tables:
                db.execute(facet_counts_sql(table, cols))
        timings["facet counts"] = time.perf_counter() - t0
    return timings


def serving_objects() -> dict[str, Any]:
    """Names of everything prepare_for_serving creates (the benchmark's baseline drops them)."""
    return {
        "tables": [*SUMMARIES, FACETS_TABLE],
        "indexes": [name for name, _, _ in (*SERVING_INDEXES, *SUMMARY_INDEXES)],
    }
