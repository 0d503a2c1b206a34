"""Summary tables built at the end of an ingest, so dashboards and watchdog
queries read a few hundred rows instead of scanning every report per view."""

from __future__ import annotations

import sqlite_utils

from ..model import STATUS_FAILED

_OUTCOME_SUMS = ", ".join(
    f"sum({name}) as {name}"
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

SUMMARIES: dict[str, str] = {
    "summary_year": f"""
select year, count(*) as reports, count(distinct agency_id) as agencies,
       count(distinct province) as provinces, {_OUTCOME_SUMS},
       sum(review_total) as review_total, sum(review_corrected) as review_corrected,
       sum(litigation_total) as litigation_total, sum(litigation_corrected) as litigation_corrected,
       sum(fee_charged) as reports_charging_fees, sum(fee_amount_yuan) as fee_amount_yuan,
       sum(check_status = '{STATUS_FAILED}') as reports_failing_checks
from reports where year is not null group by year order by year
""",
    "summary_year_province": f"""
select year, coalesce(province, '（未识别）') as province, count(*) as reports, {_OUTCOME_SUMS},
       sum(review_total) as review_total, sum(review_corrected) as review_corrected,
       sum(litigation_total) as litigation_total, sum(check_status = '{STATUS_FAILED}') as reports_failing_checks
from reports where year is not null group by year, province order by year, province
""",
    "summary_year_agency_type": f"""
select year, coalesce(agency_type, '（未识别）') as agency_type, count(*) as reports, {_OUTCOME_SUMS}
from reports where year is not null group by year, agency_type order by year, agency_type
""",
    "summary_year_row": """
select r.year, a.row_key, ar.label, ar.group_label, ar.position,
       count(a.total) as reports, sum(a.total) as total
from applications a join reports r on r.id = a.report_id
join application_rows ar on ar.key = a.row_key
where r.year is not null group by r.year, a.row_key order by r.year, ar.position
""",
    "summary_year_review": """
select r.year, v.grp, g.label, sum(v.upheld) as upheld, sum(v.corrected) as corrected,
       sum(v.other) as other, sum(v.pending) as pending, sum(v.total) as total
from review_litigation v join reports r on r.id = v.report_id
join review_groups g on g.key = v.grp
where r.year is not null group by r.year, v.grp order by r.year, v.grp
""",
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


SUMMARY_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("summary_year_province", ("province", "year")),
    ("summary_year_row", ("row_key", "year")),
    ("summary_report_fees", ("year",)),
    ("summary_report_problems", ("year",)),
)

# Declared column types (other columns have none): what CREATE TABLE ... AS SELECT gives
# with the SQLite the site runs on (pysqlite3, 3.51). Written out because other SQLite
# versions infer some differently (3.40 leaves summary_report_problems.detail untyped),
# and the summaries may be built through the standard library's sqlite3 (see
# Loader.whole_table_work): the schema must not depend on which one ran.
SUMMARY_TYPES: dict[str, dict[str, str]] = {
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


def build_summaries(db: sqlite_utils.Database) -> None:
    """(Re)build every summary table in one transaction."""
    with db.conn:
        for name, sql in SUMMARIES.items():
            db.execute(f"drop table if exists [{name}]")
            create_table_as(db, name, sql, SUMMARY_TYPES[name])
        for table, cols in SUMMARY_INDEXES:
            db.execute(f"create index [{table}_{'_'.join(cols)}] on [{table}] ({', '.join(cols)})")
