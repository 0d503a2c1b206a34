"""One canonical report → its rows for every table (`prepare`), without touching the
database, so parse workers can build them.

No text munging here: the parser hands over canonical reports; this module only
decides where each value goes (the tables are declared in `schema`).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlite_utils

from .. import model
from .. import validate as validator
from .schema import (
    APPLICATION_VALUE_COLUMNS,
    FTS_TABLE,
    PROACTIVE_VALUE_COLUMNS,
    REPORT_TOTALS,
    REVIEW_VALUE_COLUMNS,
    TABLES,
)
from .search import index_text, narrative_text

Report = dict[str, Any]


def report_id(sha256: str) -> str:
    """A report's id: the first 16 hex digits of its file's sha256. The same bytes get
    the same id (and URL) wherever the file lies and however its path is spelled."""
    return sha256[:16]


def agency_key(report: Report) -> str | None:
    """One body under two names ("洪泽区人民政府", "淮安市洪泽区人民政府") is one agency:
    its region code plus its name with the place names taken off the front."""
    name = report.get("agency")
    if not name:
        return None
    region = report.get("region") or {}
    code = region.get("code")
    if not code:
        return name
    rest = name
    for place in (region.get("province"), region.get("city"), region.get("county")):
        if place and rest.startswith(place):
            rest = rest[len(place) :]
    return f"{code}:{rest or name}"


def _total(apps: dict[str, Any], rows: tuple[str, ...]) -> int | None:
    present = [apps[r].get("total") for r in rows if r in apps]
    if not present or any(v is None for v in present):
        return None
    return sum(present)


def _json_value(v: Any) -> str | None:
    if v is None:
        return None
    if type(v) is int:  # the common case; json.dumps of an int is its str()
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def _check_row(rid: str, c: dict[str, Any]) -> tuple[Any, ...]:
    """A checks row (CHILD_COLUMNS["checks"]); difference = computed − reported when both
    are numbers. About 45 per report, so written for speed."""
    name = c["check"]
    identity = c["identity"]
    ok = c["ok"]
    r, k = c.get("reported"), c.get("computed")
    return (
        rid,
        name,
        identity,
        name[len(identity) + 1 :] or None,
        c["severity"],
        None if ok is None else int(ok),
        _json_value(r),
        _json_value(k),
        float(k - r) if isinstance(r, (int, float)) and isinstance(k, (int, float)) else None,
        c.get("detail"),
    )


def _insert_sql(table: str, columns: tuple[str, ...], utf8: tuple[str, ...] = ()) -> str:
    """An insert of `columns`; those in `utf8` are bound as UTF-8 bytes and stored as
    TEXT (cast(? as text) keeps the bytes, in the database's UTF-8 encoding)."""
    names = ", ".join(f"[{c}]" for c in columns)
    values = ", ".join("cast(? as text)" if c in utf8 else "?" for c in columns)
    return f"insert into [{table}] ({names}) values ({values})"


# Column order of every row `prepare` builds; the loader inserts them with one
# executemany per table and batch (no per-row dicts on the hot path).
SOURCE_COLUMNS: tuple[str, ...] = tuple(TABLES["sources"]["columns"])
# agency_id comes first: the main process knows it, the worker does not.
REPORT_COLUMNS: tuple[str, ...] = tuple(c for c in TABLES["reports"]["columns"] if c != "agency_id")
AGENCY_COLUMNS: tuple[str, ...] = tuple(c for c in TABLES["agencies"]["columns"] if c != "id")
REGION_COLUMNS: tuple[str, ...] = tuple(TABLES["regions"]["columns"])
PROACTIVE_CELLS: tuple[str, ...] = (*PROACTIVE_VALUE_COLUMNS, "amount_unit")
APPLICATION_CELLS: tuple[str, ...] = tuple(APPLICATION_VALUE_COLUMNS)
REVIEW_CELLS: tuple[str, ...] = tuple(REVIEW_VALUE_COLUMNS)
CHILD_COLUMNS: dict[str, tuple[str, ...]] = {
    "proactive": ("report_id", "item", *PROACTIVE_CELLS),
    "applications": ("report_id", "row_key", "position", *APPLICATION_CELLS),
    "review_litigation": ("report_id", "grp", *REVIEW_CELLS),
    "checks": tuple(c for c in TABLES["checks"]["columns"] if c != "id"),
    "warnings": ("report_id", "message"),
    "unreadable_cells": ("report_id", "cell", "table_name", "row_key", "column_key"),
}
CHILD_TABLES: tuple[str, ...] = tuple(CHILD_COLUMNS)

# The big texts (source text, report JSON, section texts and their FTS bodies) travel
# from the workers as UTF-8 bytes: pickle copies bytes as they are, and the main
# process then neither decodes them (unpickling a str) nor encodes them again (binding
# a str): about a tenth of its time per report.
INSERT_SOURCE = _insert_sql("sources", SOURCE_COLUMNS, utf8=("raw_text",))
INSERT_REPORT = _insert_sql("reports", ("agency_id", *REPORT_COLUMNS), utf8=("json",))
INSERT_CHILD: dict[str, str] = {t: _insert_sql(t, cols) for t, cols in CHILD_COLUMNS.items()}
INSERT_SECTION = _insert_sql("sections", ("id", "report_id", "section", "text"), utf8=("text",))
INSERT_FTS = _insert_sql(FTS_TABLE, ("rowid", "body"), utf8=("body",))
INSERT_AGENCY = _insert_sql("agencies", AGENCY_COLUMNS)
UPSERT_ERROR = (
    _insert_sql("ingest_errors", tuple(TABLES["ingest_errors"]["columns"]))
    + " on conflict (path) do update set "
    + ", ".join(
        f"[{c}] = excluded.[{c}]" for c in TABLES["ingest_errors"]["columns"] if c != "path"
    )
)
UPSERT_REGION = (
    _insert_sql("regions", REGION_COLUMNS)
    + " on conflict (code) do update set "
    + ", ".join(f"[{c}] = excluded.[{c}]" for c in REGION_COLUMNS if c != "code")
)


class Prepared(NamedTuple):
    """One parsed report as rows in the loader's column orders.

    Built by `prepare` without touching the database, so parse workers can build it
    and send it to the main process: flat tuples pickle far cheaper than the nested
    report, and the main process is left with little more than executemany.
    """

    path: str
    rid: str
    sha256: str
    agency: tuple[Any, ...] | None  # AGENCY_COLUMNS, or None without an agency name
    region: tuple[Any, ...] | None  # REGION_COLUMNS, or None without a region code
    source: tuple[Any, ...]  # SOURCE_COLUMNS (raw_text as UTF-8 bytes)
    report: tuple[Any, ...]  # REPORT_COLUMNS (json as UTF-8 bytes)
    children: tuple[list[tuple[Any, ...]], ...]  # one list per CHILD_TABLES, in order
    sections: list[tuple[str, bytes, bytes]]  # (section key, text, FTS body) in UTF-8


_CELL_SETS: dict[tuple[str, ...], frozenset[str]] = {
    cols: frozenset(cols) for cols in (PROACTIVE_CELLS, APPLICATION_CELLS, REVIEW_CELLS)
}


def _cells(
    table: str, key: str, cells: dict[str, Any], columns: tuple[str, ...]
) -> tuple[Any, ...]:
    """A table's value cells in column order; a cell the table has no column for is an
    error, as it was for sqlite-utils' insert_all(alter=False)."""
    if not cells.keys() <= _CELL_SETS[columns]:
        extra = sorted(set(cells) - _CELL_SETS[columns])
        raise ValueError(f"{table} {key}: no column for {', '.join(extra)}")
    return tuple([cells.get(c) for c in columns])


def _in_order(table: str, values: dict[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...]:
    """A row dict → a tuple in the insert's column order (exactly those columns)."""
    if len(values) != len(columns):
        raise ValueError(f"{table}: row has {sorted(values)}, table has {sorted(columns)}")
    return tuple([values[c] for c in columns])


def update_provenance(db: sqlite_utils.Database, by_sha: dict[str, dict[str, str]]) -> None:
    """Set sources.url / published / retrieved for already-loaded files, by their sha256
    (an unchanged file whose manifest line is new). Empty values leave a column as it is."""
    sql = (
        "update sources set url = coalesce(nullif(?, ''), url),"
        " published = coalesce(nullif(?, ''), published),"
        " retrieved = coalesce(nullif(?, ''), retrieved) where sha256 = ?"
    )
    rows = [
        (p.get("url"), p.get("published"), p.get("retrieved"), sha) for sha, p in by_sha.items()
    ]
    if rows:
        db.conn.executemany(sql, rows)
        db.conn.commit()


def _sum_or_none(values: list[Any]) -> Any:
    return None if None in values else sum(values)


def _figures(report: Report) -> dict[str, Any]:
    """The reports row's sortable figures: table 三's key totals, the disclosure rate,
    table 四's totals, the fee (NULL where an input is blank)."""
    apps = report.get("applications") or {}
    rl = report.get("review_litigation") or {}
    fee = report.get("fee") or {}
    totals = {name: _total(apps, rows) for name, rows in REPORT_TOTALS}
    handled, granted = totals["total_handled"], totals["granted"]

    def rl_get(group: str, col: str) -> Any:
        return (rl.get(group) or {}).get(col)

    litigation = ("litigation_direct", "litigation_after_review")
    return {
        **totals,
        "disclosure_rate": round(granted / handled, 4) if granted is not None and handled else None,
        "review_total": rl_get("review", "total"),
        "review_corrected": rl_get("review", "corrected"),
        "litigation_total": _sum_or_none([rl_get(g, "total") for g in litigation]) if rl else None,
        "litigation_corrected": (
            _sum_or_none([rl_get(g, "corrected") for g in litigation]) if rl else None
        ),
        "fee_charged": None if fee.get("charged") is None else int(bool(fee["charged"])),
        "fee_amount_yuan": fee.get("amount_yuan"),
    }


def _report_row(report: Report, rid: str, source_path: str) -> dict[str, Any]:
    src = report.get("source") or {}
    region = report.get("region") or {}
    all_checks = report.get("checks") or []
    missing = [
        model.SECTION_BY_KEY[k].number
        for k in ("proactive", "applications", "review_litigation")
        if not report.get(k)
    ]
    return {
        "id": rid,
        "agency": report.get("agency"),
        "title": report.get("title"),
        "year": report.get("year"),
        "format": report.get("format"),
        "province": region.get("province"),
        "city": region.get("city"),
        "county": region.get("county"),
        "region_code": region.get("code"),
        "agency_type": report.get("agency_type"),
        "scope": report.get("scope"),
        "layout": src.get("layout"),
        **_figures(report),
        "check_status": validator.status(report),
        "checks_failed": len(validator.failed(all_checks, "hard")),
        "soft_checks_failed": len(validator.failed(all_checks, "soft")),
        "warnings_count": len(report.get("warnings") or []),
        "unreadable_count": len(report.get("unreadable") or []),
        "sources_count": 1,
        "disagreements": 0,
        "in_sums": 1,
        "tables_missing": ",".join(missing) or None,
        "source_id": rid,
        "source_path": source_path,
        "json": json.dumps(report, ensure_ascii=False).encode("utf-8"),
    }


def _source_row(
    report: Report, rid: str, sha: str, source_path: str, raw_utf8: bytes | None
) -> dict[str, Any]:
    src = report.get("source") or {}
    return {
        "id": rid,
        "path": source_path,
        "sha256": sha,
        "kind": os.path.splitext(source_path)[1].lstrip(".").lower() or "txt",
        "layout": src.get("layout"),
        "encoding": src.get("encoding"),
        "size": len(raw_utf8) if raw_utf8 is not None else None,
        "raw_text": raw_utf8,
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "url": src.get("url"),
        "published": report.get("published"),
        "retrieved": src.get("retrieved"),
        "report_id": rid,
        "reading_json": None,
    }


def _child_rows(report: Report, rid: str) -> tuple[list[tuple[Any, ...]], ...]:
    """The rows of CHILD_TABLES, in order."""
    return (
        [
            (rid, item, *_cells("proactive", item, cells, PROACTIVE_CELLS))
            for item, cells in (report.get("proactive") or {}).items()
        ],
        [
            (rid, key, i, *_cells("applications", key, cells, APPLICATION_CELLS))
            for i, (key, cells) in enumerate((report.get("applications") or {}).items())
        ],
        [
            (rid, grp, *_cells("review_litigation", grp, cells, REVIEW_CELLS))
            for grp, cells in (report.get("review_litigation") or {}).items()
        ],
        [_check_row(rid, c) for c in report.get("checks") or []],
        [(rid, w) for w in report.get("warnings") or []],
        [(rid, path, *_cell_parts(path)) for path in report.get("unreadable") or []],
    )


def _cell_parts(path: str) -> tuple[str | None, str | None, str | None]:
    """A dotted cell path of CANONICAL_JSON's `unreadable` ("applications.granted.total")
    → (table, row key, column key); missing parts are None."""
    parts = path.split(".", 2)
    parts += [None] * (3 - len(parts))  # type: ignore[list-item]
    return parts[0], parts[1], parts[2]


def _agency_row(report: Report) -> tuple[Any, ...] | None:
    """The agencies row (AGENCY_COLUMNS), or None without an agency name."""
    key = agency_key(report)
    if not key:
        return None
    region = report.get("region") or {}
    return (
        key,
        report["agency"],
        report.get("agency_type"),
        region.get("province"),
        region.get("city"),
        region.get("county"),
        region.get("township"),
        region.get("code"),
    )


def prepare(report: Report, source_path: str, raw_text: str | None) -> Prepared:
    """One canonical report → its rows for every table (no database access).

    Raises ValueError when a table row has a cell the schema has no column for."""
    raw_utf8 = raw_text.encode("utf-8") if raw_text is not None else None
    sha = (report.get("source") or {}).get("sha256") or hashlib.sha256(raw_utf8 or b"").hexdigest()
    rid = report_id(sha)
    sections = [
        (name, text.encode("utf-8"), index_text(narrative_text(text)).encode("utf-8"))
        for name, text in (report.get("sections") or {}).items()
        if text
    ]
    return Prepared(
        source_path,
        rid,
        sha,
        _agency_row(report),
        _region_row(report),
        _in_order("sources", _source_row(report, rid, sha, source_path, raw_utf8), SOURCE_COLUMNS),
        _in_order("reports", _report_row(report, rid, source_path), REPORT_COLUMNS),
        _child_rows(report, rid),
        sections,
    )


def _region_row(report: Report) -> tuple[Any, ...] | None:
    """The regions row (REGION_COLUMNS) for a report's region, or None without a code."""
    region = report.get("region") or {}
    if not region.get("code"):
        return None
    places = [region.get(k) for k in ("province", "city", "county")]
    return (region["code"], *places, "".join(p for p in places if p))
