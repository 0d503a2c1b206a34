"""Everything built from the loaded rows at the end of an ingest, in one registry
(`DERIVED`): the checks across years, the summary tables, the serving indexes and the
precomputed facet counts. `build_derived(db)` (re)builds them all; it never changes a
loaded row, and running it again is harmless.

- cross-year checks: soft checks that need two reports of one agency (``checks`` rows);
- summary tables (``summary_*``): what dashboards, the home page and the watchdog
  queries read (a few hundred rows instead of every report per view);
- serving indexes (``serving_*``): composite indexes for the facet and filter
  combinations the site links to, and ordered indexes for the watchdog queries that
  take the top N rows, so SQLite walks an index and stops instead of sorting;
- ``summary_facets``: the facet counts of every faceted table with no filter, which
  plugins/facet_counts.py serves instead of counting the whole table per page view.

The site falls back to the base tables when a summary table is missing
(tests/test_serving.py checks the answers are the same); `inline_derived` rewrites a
query to compute the summaries it reads (the benchmark's baseline).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ..model import STATUS_FAILED
from .schema import REPORT_SORT_COLUMNS

# A whole-region aggregate report (scope = 'region') already contains its agencies'
# figures: where reports of agencies in its region are loaded for the same year, it is
# counted apart (region_reports) and never added to them (reports.in_sums = 0, set by
# ingest.db.groups.mark_aggregates).
ORGAN = "coalesce(in_sums, 1) = 1"


def _organ_sum(expr: str, name: str) -> str:
    return f"sum(case when {ORGAN} then {expr} end) as {name}"


_OUTCOME_SUMS = ", ".join(
    _organ_sum(name, name)
    for name in (
        "new_received",
        "carried_over",
        "granted",
        "partially_granted",
        "denied",
        "unavailable",
        "unprocessed",
        "other_processed",
        "total_handled",
        "carried_forward",
    )
)
_COUNTS = f"sum({ORGAN}) as reports, sum(coalesce(in_sums, 1) = 0) as region_reports"

# Table 三's rows and table 四's groups summed per year (summary_year_row, _review) and
# per year and province (summary_year_province_row, _review: the dashboard's province
# filter, a few thousand rows where the base tables hold ~25 a report). Per part: its
# label columns, with the ones only the per-year table has as {year_only}; its sums;
# the tables it reads; its key; the order within a year.
_PER_YEAR_PARTS: dict[str, tuple[str, str, str, str, str]] = {
    "row": (
        "a.row_key, ar.label, {year_only}ar.position",
        "count(a.total) as reports, sum(a.total) as total",
        "applications a join reports r on r.id = a.report_id\n"
        "join application_rows ar on ar.key = a.row_key",
        "a.row_key",
        "ar.position",
    ),
    "review": (
        "v.grp, g.label",
        "sum(v.upheld) as upheld, sum(v.corrected) as corrected, sum(v.other) as other,"
        " sum(v.pending) as pending, sum(v.total) as total",
        "review_litigation v join reports r on r.id = v.report_id\n"
        "join review_groups g on g.key = v.grp",
        "v.grp",
        "v.grp",
    ),
}


def _per_year_sql(part: str, by: str) -> str:
    """The SQL of summary_year{by}_{part} (by "" or "_province"; see _PER_YEAR_PARTS)."""
    labels, sums, tables, key, order = _PER_YEAR_PARTS[part]
    province = by == "_province"
    group = "r.year, r.province" if province else "r.year"
    return f"""
select r.year, {"coalesce(r.province, '（未识别）') as province, " if province else ""}\
{labels.format(year_only="" if province else "ar.group_label, ")}, {sums}
from {tables}
where r.year is not null and coalesce(r.in_sums, 1) = 1
group by {group}, {key} order by {group}, {order}
"""


TABLE_SUMMARIES: dict[str, str] = {
    "summary_year": f"""
select year, {_COUNTS}, count(distinct agency_id) as agencies,
       count(distinct province) as provinces, {_OUTCOME_SUMS},
       {_organ_sum("review_total", "review_total")},
       {_organ_sum("review_corrected", "review_corrected")},
       {_organ_sum("litigation_total", "litigation_total")},
       {_organ_sum("litigation_corrected", "litigation_corrected")},
       sum(fee_charged) as reports_charging_fees, sum(fee_amount_yuan) as fee_amount_yuan,
       sum(check_status = '{STATUS_FAILED}') as reports_failing_checks
from reports where year is not null group by year order by year
""",
    "summary_year_province": f"""
select year, coalesce(province, '（未识别）') as province, {_COUNTS}, {_OUTCOME_SUMS},
       {_organ_sum("review_total", "review_total")},
       {_organ_sum("review_corrected", "review_corrected")},
       {_organ_sum("litigation_total", "litigation_total")}, sum(check_status = '{STATUS_FAILED}') as reports_failing_checks
from reports where year is not null group by year, province order by year, province
""",
    "summary_year_agency_type": f"""
select year, coalesce(agency_type, '（未识别）') as agency_type, {_COUNTS}, {_OUTCOME_SUMS}
from reports where year is not null group by year, agency_type order by year, agency_type
""",
    **{
        f"summary_year{by}_{part}": _per_year_sql(part, by)
        for by in ("", "_province")
        for part in _PER_YEAR_PARTS
    },
    # Only the reports that mention or imply a fee: section 六 (fee_charged, fee_amount_yuan)
    # and table 三's other_no_fee row (applications dropped for an unpaid fee notice).
    "summary_report_fees": """
select r.id as report_id, r.agency, r.agency_id, r.year, r.province, r.city,
       r.fee_charged, r.fee_amount_yuan, a.total as other_no_fee
from reports r left join applications a on a.report_id = r.id and a.row_key = 'other_no_fee'
where r.fee_charged = 1 or r.fee_amount_yuan > 0 or a.total > 0
order by r.year, r.province, r.agency
""",
    # One row per problem: a missing table, a parse warning, or a file that failed to parse.
    "summary_report_problems": """
select r.id as report_id, r.agency, r.year, r.province, '缺表' as kind,
       '缺少表' || r.tables_missing as detail, r.source_path
from reports r where r.tables_missing is not null
union all
select r.id, r.agency, r.year, r.province, '解析警告', w.message, r.source_path
from warnings w join reports r on r.id = w.report_id
union all
select null, null, null, null, '无法解析', e.error || coalesce('（' || e.place || '）', ''), e.path
from ingest_errors e
""",
}

TABLE_SUMMARY_TYPES: dict[str, dict[str, str]] = {
    "summary_year": {"year": "INT"},
    "summary_year_province": {"year": "INT"},
    "summary_year_agency_type": {"year": "INT"},
    "summary_year_row": {
        "year": "INT",
        "row_key": "TEXT",
        "label": "TEXT",
        "group_label": "TEXT",
        "position": "INT",
    },
    "summary_year_review": {"year": "INT", "grp": "TEXT", "label": "TEXT"},
    "summary_year_province_row": {
        "year": "INT",
        "row_key": "TEXT",
        "label": "TEXT",
        "position": "INT",
    },
    "summary_year_province_review": {
        "year": "INT",
        "grp": "TEXT",
        "label": "TEXT",
    },
    "summary_report_fees": {
        "report_id": "TEXT",
        "agency": "TEXT",
        "agency_id": "INT",
        "year": "INT",
        "province": "TEXT",
        "city": "TEXT",
        "fee_charged": "INT",
        "fee_amount_yuan": "REAL",
        "other_no_fee": "INT",
    },
    "summary_report_problems": {
        "report_id": "TEXT",
        "agency": "TEXT",
        "year": "INT",
        "province": "TEXT",
        "detail": "TEXT",
        "source_path": "TEXT",
    },
}


def create_table_as(db: sqlite_utils.Database, name: str, sql: str, types: dict[str, str]) -> None:
    """CREATE TABLE name AS sql, with the declared column types given (others untyped),
    whichever SQLite library runs it: the query's columns, laid out as CREATE TABLE ...
    AS SELECT lays them out, then an INSERT ... SELECT."""
    columns = [d[0] for d in db.execute(f"select * from ({sql}) limit 0").description]
    lines = [f"  {c} {types[c]}" if c in types else f"  {c}" for c in columns]
    db.execute(f"CREATE TABLE {name}(\n" + ",\n".join(lines) + "\n)")
    db.execute(f"insert into [{name}] {sql}")


CROSS_YEAR_SQL = (
    # carried_over(y) = carried_forward(y-1), same agency
    """
insert into checks (report_id, check_name, identity, part, severity, ok, reported, computed, difference, detail)
select cur.id, 'carry_continuity', 'carry_continuity', null, 'soft',
       cur.carried_over = prev.carried_forward,
       cur.carried_over, prev.carried_forward, prev.carried_forward - cur.carried_over,
       '本年上年结转 vs ' || prev.year || ' 年结转下年度'
from reports cur join reports prev
  on prev.agency_id = cur.agency_id and prev.year = cur.year - 1
where cur.carried_over is not null and prev.carried_forward is not null
""",
    # in_force(y) ≈ in_force(y-1) + made(y) - abolished(y), for 规章 and 行政规范性文件
    """
insert into checks (report_id, check_name, identity, part, severity, ok, reported, computed, difference, detail)
select cur.id, 'in_force_continuity.' || p.item, 'in_force_continuity', p.item, 'soft',
       p.in_force = pp.in_force + p.made - p.abolished,
       p.in_force, pp.in_force + p.made - p.abolished,
       (pp.in_force + p.made - p.abolished) - p.in_force,
       '现行有效件数 vs ' || prev.year || ' 年现行有效 + 本年制发 − 本年废止'
from reports cur
join reports prev on prev.agency_id = cur.agency_id and prev.year = cur.year - 1
join proactive p on p.report_id = cur.id
join proactive pp on pp.report_id = prev.id and pp.item = p.item
where p.in_force is not null and pp.in_force is not null and p.made is not null
  and p.abolished is not null
""",
)


def cross_year_checks(db: sqlite_utils.Database) -> None:
    """Recompute the soft checks across years of one agency."""
    db.execute("delete from checks where identity in ('carry_continuity', 'in_force_continuity')")
    for sql in CROSS_YEAR_SQL:
        db.execute(sql)
    # Only the rows whose count changes are rewritten (a reports row holds the JSON, so
    # rewriting every row would copy the whole table).
    db.execute(
        """
update reports set soft_checks_failed = (
  select count(*) from checks c where c.report_id = reports.id and c.severity = 'soft' and c.ok = 0
)
where soft_checks_failed is not (
  select count(*) from checks c where c.report_id = reports.id and c.severity = 'soft' and c.ok = 0
)
"""
    )


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
    # The register sorted descending (its default, `sort_desc: year`, and every
    # `_sort_desc`): Datasette orders by `col desc, id`, which the (col, id) index of
    # schema.REPORT_SORT_COLUMNS gives only with a sort of each run of ties, reading
    # every tied row (a year is ~10,000 reports at 100,000: ~550 ms a page); with
    # (col desc, id) the page is the index's first rows (~5 ms).
    *(
        (f"serving_reports_sort_{column}_desc", "reports", (f"{column} desc", "id"))
        for column in REPORT_SORT_COLUMNS
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

SERVING_SUMMARIES: dict[str, str] = {
    "summary_zero_streaks": ZERO_STREAKS_SQL,
    "summary_year_over_year": YEAR_OVER_YEAR_SQL,
    "summary_site": SITE_SQL,
}

# Declared column types, as pysqlite3's SQLite infers them for CREATE TABLE ... AS SELECT
# (written out: the standard library's older SQLite may build these, see
# Loader.whole_table_work, and the schema must not depend on which one did).
SERVING_SUMMARY_TYPES: dict[str, dict[str, str]] = {
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


@dataclass(frozen=True)
class Derived:
    """One summary table: its name, the query that fills it, and the declared types of
    its columns (what CREATE TABLE ... AS SELECT gives with the SQLite the site runs on,
    written out so the schema does not depend on which SQLite built it)."""

    name: str
    sql: str
    types: dict[str, str] = field(default_factory=dict)


# The registry, in build order (later queries may read earlier tables).
DERIVED: tuple[Derived, ...] = tuple(
    Derived(name, sql, types[name])
    for sqls, types in (
        (TABLE_SUMMARIES, TABLE_SUMMARY_TYPES),
        (SERVING_SUMMARIES, SERVING_SUMMARY_TYPES),
    )
    for name, sql in sqls.items()
)
SUMMARIES: dict[str, str] = {d.name: d.sql for d in DERIVED}
SUMMARY_TYPES: dict[str, dict[str, str]] = {d.name: d.types for d in DERIVED}


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


def build_derived(db: sqlite_utils.Database) -> dict[str, float]:
    """(Re)build everything in DERIVED and the serving indexes and facet counts, after
    the cross-year checks; returns the seconds each step took.

    Needs the tables of ingest.db.schema, loaded. Each step is one transaction: a reader
    sees the old objects or the new ones. At 100,000 reports (4.9 GB) the serving part
    took 17–33 s on the shared 2-core machine: indexes ~9–23 s (applications and checks
    are the big ones), facet counts ~6–8 s (one grouped scan per table; checks is most of
    it), summary tables ~1–8 s.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with db.conn:
        cross_year_checks(db)
    timings["cross-year checks"] = time.perf_counter() - t0
    with db.conn:
        if not db.conn.in_transaction:
            db.conn.execute("begin")
        t0 = time.perf_counter()
        for name in (*SUMMARIES, FACETS_TABLE):
            db.execute(f"drop table if exists [{name}]")
        for d in DERIVED:
            create_table_as(db, d.name, d.sql, d.types)
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
        timings["serving indexes"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        for table, cols in FACETED.items():
            if table in tables:
                db.execute(facet_counts_sql(table, cols))
        timings["facet counts"] = time.perf_counter() - t0
    return timings


def inline_derived(sql: str) -> str:
    """``sql`` with every summary table it reads computed from the base tables (as CTEs
    of the same names), so a database without them answers the same question."""
    used = [name for name in SUMMARIES if re.search(rf"\b{name}\b", sql)]
    if not used:
        return sql
    ctes = ", ".join(f"{name} as ({SUMMARIES[name].strip()})" for name in used)
    leading_with = re.match(r"\s*with\s", sql, re.I)
    if leading_with:
        return f"with {ctes}, {sql[leading_with.end() :]}"
    return f"with {ctes}\n{sql}"


def derived_objects() -> dict[str, Any]:
    """Names of the tables and indexes build_derived creates (the benchmark's baseline
    drops them)."""
    return {
        "tables": [*SUMMARIES, FACETS_TABLE],
        "indexes": [name for name, _, _ in (*SERVING_INDEXES, *SUMMARY_INDEXES)],
    }
