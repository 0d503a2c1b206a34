"""Summary tables built at the end of an ingest, so dashboards and watchdog
queries read a few hundred rows instead of scanning every report per view."""

from __future__ import annotations

import sqlite_utils

_OUTCOME_SUMS = ", ".join(f"sum({name}) as {name}" for name in (
    "new_received", "carried_over", "granted", "partially_granted", "denied", "unavailable",
    "unprocessed", "other_processed", "total_handled", "carried_forward",
))

SUMMARIES: dict[str, str] = {
    "summary_year": f"""
select year, count(*) as reports, count(distinct agency_id) as agencies,
       count(distinct province) as provinces, {_OUTCOME_SUMS},
       sum(review_total) as review_total, sum(review_corrected) as review_corrected,
       sum(litigation_total) as litigation_total, sum(litigation_corrected) as litigation_corrected,
       sum(fee_charged) as reports_charging_fees, sum(fee_amount_yuan) as fee_amount_yuan,
       sum(check_status = '有错误') as reports_failing_checks
from reports where year is not null group by year order by year
""",
    "summary_year_province": f"""
select year, coalesce(province, '（未识别）') as province, count(*) as reports, {_OUTCOME_SUMS},
       sum(review_total) as review_total, sum(review_corrected) as review_corrected,
       sum(litigation_total) as litigation_total, sum(check_status = '有错误') as reports_failing_checks
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
}


def build_summaries(db: sqlite_utils.Database) -> None:
    """(Re)build every summary table in one transaction."""
    with db.conn:
        for name, sql in SUMMARIES.items():
            db.execute(f"drop table if exists [{name}]")
            db.execute(f"create table [{name}] as {sql}")
