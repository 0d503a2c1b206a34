"""One report per agency and year: files that are readings of the same report become
one report with several sources.

The loader gives every distinct file (by sha256) its own report rows. After a load,
`group_readings` finds the reports of one agency (agencies.id, the agency key that folds
"洪泽区人民政府" and "淮安市洪泽区人民政府" together), one year and one scope (an
agency's own report and its whole-region aggregate are different reports), keeps the
primary reading as the report and turns the others into further sources of it:

- their `sources` rows point at the report (`sources.report_id`) and keep their own
  canonical JSON (`sources.reading_json`), so nothing read is lost;
- every cell where a reading prints a value other than the primary's is a
  `disagreements` row, and the report carries the count (`reports.disagreements`);
- their rows in the value tables, sections and search index are deleted: summaries,
  facets and queries count the report once.

The primary reading is the first by PRIMARY_RULE (stated in the README and on the report
page too): 1. fewer tables missing; 2. fewer unreadable cells; 3. fewer failed hard checks
that another reading of the report passes; 4. the original formats before copies (PDF,
then Word, then an HTML page, then text); 5. fewer parse warnings; 6. the smaller id (so
the choice never depends on load order). Byte-identical copies never get here: they are
one file (one sha256, one id) already.

Why 3 before 4: the readings are copies of one document, so a check one of them fails
and another passes is most likely misread in the one that fails it (an HTML page whose
cells slipped, say), whatever its format. A check that the document itself breaks (洪泽区
2023 prints a total of 0 over parts that add up to 11) is failed by every faithful
reading and passed by none, so it does not count: a copy that dropped those cells (check
not evaluated) does not win over the original by hiding the report's own error.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from .load import CHILD_TABLES
from .schema import FTS_TABLE

# Lower is better: the kinds (file suffixes) in the order originals come before copies.
FORMAT_RANK: dict[str, int] = {"pdf": 0, "docx": 1, "doc": 1, "wps": 1, "html": 2, "htm": 2}
OTHER_FORMAT_RANK = 3
PRIMARY_RULE = (
    "表格缺失少者优先；无法识别的格少者优先；其他原文成立而本原文不成立的勾稽关系少者优先；"
    "原始格式优先（PDF、Word、网页、文本）；解析警告少者优先；编号小者优先"
)

# The value tables whose cells are compared between readings (CANONICAL_JSON's tables).
VALUE_TABLES = ("proactive", "applications", "review_litigation")

_CANDIDATES_SQL = """
select r.id, r.agency_id, r.year, coalesce(r.scope, '') as scope,
       length(coalesce(r.tables_missing, '')) as missing, coalesce(r.unreadable_count, 0),
       lower(coalesce(s.kind, '')), coalesce(r.warnings_count, 0), r.json
from reports r left join sources s on s.id = r.source_id
where (r.agency_id, r.year, coalesce(r.scope, '')) in (
  select agency_id, year, coalesce(scope, '') from reports
  where agency_id is not null and year is not null
  group by agency_id, year, coalesce(scope, '') having count(*) > 1
)
"""


def _hard_checks(report: dict[str, Any], ok: bool) -> set[str]:
    return {
        c["check"]
        for c in report.get("checks") or ()
        if c.get("severity") == "hard" and c.get("ok") is ok
    }


def contested_failures(reading: dict[str, Any], others: list[dict[str, Any]]) -> int:
    """How many hard checks `reading` fails that at least one of `others` (readings of
    the same report) passes: the failures most likely its own misreading. A check that no
    other reading passes (the document's own error, or not evaluated elsewhere) is not
    counted."""
    passed: set[str] = set()
    for other in others:
        passed |= _hard_checks(other, True)
    return len(_hard_checks(reading, False) & passed)


def _ranked(rows: list[tuple[Any, ...]], stored: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """_CANDIDATES_SQL rows of one group in PRIMARY_RULE's order (the primary first);
    `stored`: the readings already merged into these reports (they count as others)."""
    docs = {row[0]: json.loads(row[-1]) for row in rows}

    def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
        rid, _agency, _year, _scope, missing, unreadable, kind, warnings, _json = row
        others = [d for other, d in docs.items() if other != rid] + stored
        return (
            missing,
            unreadable,
            contested_failures(docs[rid], others),
            FORMAT_RANK.get(kind, OTHER_FORMAT_RANK),
            warnings,
            rid,
        )

    return sorted(rows, key=key)


def cells(report: dict[str, Any]) -> dict[str, Any]:
    """A canonical report's table cells as {dotted path: value} (amount units included)."""
    out: dict[str, Any] = {}
    for table in VALUE_TABLES:
        for row, values in (report.get(table) or {}).items():
            for column, value in (values or {}).items():
                out[f"{table}.{row}.{column}"] = value
    return out


def differing_cells(primary: dict[str, Any], other: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(cell, primary value, other value) for every cell both readings print where the
    values differ. A cell that one reading could not read (listed in its `unreadable`)
    or does not have is not a disagreement: that reading says nothing about it."""
    a, b = cells(primary), cells(other)
    skip = set(primary.get("unreadable") or ()) | set(other.get("unreadable") or ())
    out = []
    for path in a.keys() & b.keys():
        if path in skip:
            continue
        x, y = a[path], b[path]
        if x != y and not (isinstance(x, (int, float)) and isinstance(y, (int, float)) and x == y):
            out.append((path, x, y))
    return sorted(out)


def _text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def delete_report_rows(conn: Any, rid: str) -> None:
    """Delete a report's rows: its reports row, its rows of load.CHILD_TABLES, its
    sections and their search index (not its sources row)."""
    for table in CHILD_TABLES:
        conn.execute(f"delete from [{table}] where report_id = ?", [rid])
    ids = [r[0] for r in conn.execute("select id from sections where report_id = ?", [rid])]
    if ids:
        conn.execute(f"delete from {FTS_TABLE} where rowid in ({','.join('?' * len(ids))})", ids)
        conn.execute("delete from sections where report_id = ?", [rid])
    conn.execute("delete from reports where id = ?", [rid])


def group_readings(db: sqlite_utils.Database) -> int:
    """Merge the readings of one report (agency, year, scope) into one report; returns
    how many readings became further sources of another report.

    Re-runnable: a reading that joins an existing report later is compared with its
    primary (and may become the primary: then the old primary's rows become a source
    and every disagreement of the report is computed again against the new one)."""
    conn = db.conn
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for row in conn.execute(_CANDIDATES_SQL).fetchall():
        groups.setdefault((row[1], row[2], row[3]), []).append(row)
    merged = 0
    with conn:
        for group in groups.values():
            ids = [r[0] for r in group]
            marks = ",".join("?" * len(ids))
            stored = [
                json.loads(doc)
                for (doc,) in conn.execute(
                    f"select reading_json from sources where report_id in ({marks})"
                    " and reading_json is not null",
                    ids,
                )
            ]
            rows = _ranked(group, stored)
            primary_id = rows[0][0]
            others = [r[0] for r in rows[1:]]
            # Sources that already belonged to one of these reports follow the new primary.
            conn.execute(
                f"update sources set report_id = ? where report_id in ({marks})", [primary_id, *ids]
            )
            for rid in others:
                doc = conn.execute("select json from reports where id = ?", [rid]).fetchone()[0]
                conn.execute(
                    "update sources set reading_json = ? where id = ?",
                    [doc, rid],
                )
                delete_report_rows(conn, rid)
                merged += 1
            conn.execute("update sources set reading_json = null where id = ?", [primary_id])
            conn.execute(f"delete from disagreements where report_id in ({marks})", ids)
            _compare(conn, primary_id)
    return merged


def _compare(conn: Any, report_id: str) -> None:
    """Write the disagreements of every other reading of `report_id` with its primary,
    and the report's sources and disagreements counts."""
    primary = json.loads(
        conn.execute("select json from reports where id = ?", [report_id]).fetchone()[0]
    )
    readings = conn.execute(
        "select id, reading_json from sources where report_id = ? and id != ?"
        " and reading_json is not null order by id",
        [report_id, report_id],
    ).fetchall()
    rows = [
        (report_id, source_id, cell, _text(mine), _text(theirs))
        for source_id, doc in readings
        for cell, mine, theirs in differing_cells(primary, json.loads(doc))
    ]
    conn.executemany(
        "insert into disagreements (report_id, source_id, cell, primary_value, other_value)"
        " values (?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute(
        "update reports set sources_count = ?, disagreements = ? where id = ?",
        [len(readings) + 1, len(rows), report_id],
    )


# The region codes an agency's report lies in (its county, city and province codes, as
# the division list writes them: 320813, 320800, 320000), by year.
_INSIDE_SQL = """
select year, region_code from reports
where scope = 'organ' and region_code is not null and year is not null
union select year, substr(region_code, 1, 4) || '00' from reports
where scope = 'organ' and length(region_code) = 6 and year is not null
union select year, substr(region_code, 1, 2) || '0000' from reports
where scope = 'organ' and length(region_code) = 6 and year is not null
"""


def mark_aggregates(db: sqlite_utils.Database) -> int:
    """Set reports.in_sums: 0 for a whole-region aggregate (scope = 'region') when a report
    of an agency inside its region is loaded for the same year (the aggregate already
    contains that agency's figures), else 1. Summaries add only in_sums = 1 reports.
    Returns how many aggregates are kept apart."""
    with db.conn:
        db.conn.execute("update reports set in_sums = 1 where coalesce(in_sums, 0) != 1")
        cur = db.conn.execute(
            "update reports set in_sums = 0 where scope = 'region' and region_code is not null"
            f" and (year, region_code) in ({_INSIDE_SQL})"
        )
    return cur.rowcount
