"""Write canonical reports into one normalized SQLite database with sqlite-utils.

No text munging here: the parser hands over canonical reports; this module only
decides where each value goes. The shape (tables, indexes, views, FTS) is declared
as module constants and applied by one re-runnable function, `ensure_db_shape`.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any, NamedTuple

import sqlite_utils

from .. import model
from .. import validate as validator
from .search import index_text

Report = dict[str, Any]

APPLICATION_VALUE_COLUMNS = {k: int for k in model.APPLICANT_KEYS}
REVIEW_VALUE_COLUMNS = {k: int for k in model.REVIEW_KEYS}
PROACTIVE_VALUE_COLUMNS: dict[str, type] = {
    c.key: (float if c.kind == "decimal" else int) for c in model.PROACTIVE_COLUMNS
}

# Key totals copied onto the report row (总计 column of table 三) so the public can
# sort and facet on them without joins.
REPORT_TOTALS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new_received", ("new_received",)),
    ("carried_over", ("carried_over",)),
    ("granted", ("granted",)),
    ("partially_granted", ("partially_granted",)),
    ("denied", model.DENIED_KEYS),
    ("unavailable", model.UNAVAILABLE_KEYS),
    ("unprocessed", model.UNPROCESSED_KEYS),
    ("other_processed", model.OTHER_KEYS),
    ("total_handled", ("total_handled",)),
    ("carried_forward", ("carried_forward",)),
)

TABLES: dict[str, dict[str, Any]] = {
    "regions": {
        "columns": {"code": str, "province": str, "city": str, "county": str, "name": str},
        "pk": "code",
    },
    "agency_types": {"columns": {"name": str}, "pk": "name"},
    "agencies": {
        "columns": {
            "id": int,
            "key": str,
            "name": str,
            "agency_type": str,
            "province": str,
            "city": str,
            "county": str,
            "township": str,
            "region_code": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("region_code", "regions", "code"),
            ("agency_type", "agency_types", "name"),
        ],
    },
    "sources": {
        "columns": {
            "id": str,
            "path": str,
            "sha256": str,
            "kind": str,
            "layout": str,
            "encoding": str,
            "size": int,
            "raw_text": str,
            "ingested_at": str,
            # provenance (issue 12): the original address, the date the page says it was
            # published, the date it was downloaded (YYYY-MM-DD; from a manifest or the parser)
            "url": str,
            "published": str,
            "retrieved": str,
        },
        "pk": "id",
    },
    "reports": {
        "columns": {
            "id": str,
            "agency_id": int,
            "agency": str,
            "title": str,
            "year": int,
            "format": str,
            "province": str,
            "city": str,
            "county": str,
            "region_code": str,
            "agency_type": str,
            "scope": str,
            "layout": str,
            **{name: int for name, _ in REPORT_TOTALS},
            "disclosure_rate": float,
            "review_total": int,
            "review_corrected": int,
            "litigation_total": int,
            "litigation_corrected": int,
            "fee_charged": int,
            "fee_amount_yuan": float,
            "check_status": str,
            "checks_failed": int,
            "soft_checks_failed": int,
            "warnings_count": int,
            "tables_missing": str,
            "source_id": str,
            "source_path": str,
            "json": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("agency_id", "agencies", "id"),
            ("source_id", "sources", "id"),
            ("region_code", "regions", "code"),
        ],
    },
    "proactive": {
        "columns": {"report_id": str, "item": str, **PROACTIVE_VALUE_COLUMNS, "amount_unit": str},
        "pk": ("report_id", "item"),
        "foreign_keys": [("report_id", "reports", "id"), ("item", "proactive_items", "key")],
    },
    "applications": {
        "columns": {"report_id": str, "row_key": str, "position": int, **APPLICATION_VALUE_COLUMNS},
        "pk": ("report_id", "row_key"),
        "foreign_keys": [("report_id", "reports", "id"), ("row_key", "application_rows", "key")],
    },
    "review_litigation": {
        "columns": {"report_id": str, "grp": str, **REVIEW_VALUE_COLUMNS},
        "pk": ("report_id", "grp"),
        "foreign_keys": [("report_id", "reports", "id"), ("grp", "review_groups", "key")],
    },
    "sections": {
        "columns": {"id": int, "report_id": str, "section": str, "text": str},
        "pk": "id",
        "foreign_keys": [("report_id", "reports", "id"), ("section", "section_keys", "key")],
    },
    "checks": {
        "columns": {
            "id": int,
            "report_id": str,
            "check_name": str,
            "identity": str,
            "part": str,
            "severity": str,
            "ok": int,
            "reported": str,
            "computed": str,
            "difference": float,
            "detail": str,
        },
        "pk": "id",
        "foreign_keys": [("report_id", "reports", "id"), ("identity", "identities", "name")],
    },
    "warnings": {
        "columns": {"id": int, "report_id": str, "message": str},
        "pk": "id",
        "foreign_keys": [("report_id", "reports", "id")],
    },
    "ingest_errors": {
        "columns": {
            "path": str,
            "sha256": str,
            "error": str,
            "place": str,
            "size": int,
            "raw_text": str,
            "raw_bytes": bytes,
            "at": str,
        },
        "pk": "path",
    },
    # Lookup tables: the model's labels, so foreign keys show Chinese names.
    "application_rows": {
        "columns": {"key": str, "label": str, "group_label": str, "position": int},
        "pk": "key",
    },
    "applicant_columns": {"columns": {"key": str, "label": str, "position": int}, "pk": "key"},
    "proactive_items": {"columns": {"key": str, "label": str}, "pk": "key"},
    "review_groups": {"columns": {"key": str, "label": str}, "pk": "key"},
    "section_keys": {"columns": {"key": str, "number": str, "title": str}, "pk": "key"},
    "identities": {"columns": {"name": str, "description": str, "severity": str}, "pk": "name"},
}

INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("reports", ("year",)),
    ("reports", ("province",)),
    ("reports", ("city",)),
    ("reports", ("agency_type",)),
    ("reports", ("format",)),
    ("reports", ("check_status",)),
    ("reports", ("scope",)),
    ("reports", ("agency_id", "year")),
    ("reports", ("source_path",)),
    ("reports", ("new_received",)),
    ("reports", ("disclosure_rate",)),
    ("agencies", ("name",)),
    ("agencies", ("region_code",)),
    ("applications", ("row_key",)),
    ("proactive", ("item",)),
    ("review_litigation", ("grp",)),
    ("sections", ("report_id",)),
    ("checks", ("report_id",)),
    ("checks", ("identity", "ok")),
    ("warnings", ("report_id",)),
)
UNIQUE_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (("agencies", ("key",)),)

FTS_TABLE = "sections_fts"
FTS_SQL = f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(body, tokenize='unicode61')"

VIEWS: dict[str, str] = {
    "failed_checks": """
select c.report_id, r.agency, r.year, r.province, c.check_name, i.description,
       c.reported, c.computed, c.difference
from checks c join reports r on r.id = c.report_id join identities i on i.name = c.identity
where c.ok = 0 and c.severity = 'hard'
""",
}


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


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create every table, index, view and the FTS index if missing (re-runnable)."""
    db.conn.execute("PRAGMA foreign_keys = OFF")
    # Tables without foreign keys first, so every reference has its target.
    ordered = sorted(TABLES.items(), key=lambda item: bool(item[1].get("foreign_keys")))
    for name, spec in ordered:
        if not db[name].exists():
            db[name].create(
                spec["columns"],
                pk=spec["pk"],
                foreign_keys=spec.get("foreign_keys"),
                not_null=None,
            )
        else:  # a database from before a column was added (e.g. sources.url) gains it
            have = set(db[name].columns_dict)
            for column, kind in spec["columns"].items():
                if column not in have:
                    db[name].add_column(column, kind)
    create_indexes(db)
    db.execute(FTS_SQL)
    for name, sql in VIEWS.items():
        # right-stripped as SQLite stores it, so an unchanged view is left alone (not dropped
        # and recreated on every run, which would reorder the schema)
        db.create_view(name, sql.rstrip(), replace=True)
    _fill_lookups(db)


def _index_name(table: str, cols: tuple[str, ...]) -> str:
    # sqlite-utils' default name, so databases built before keep theirs
    return f"idx_{table}_{'_'.join(cols)}"


def create_indexes(db: sqlite_utils.Database) -> None:
    """Create the unique and secondary indexes that are missing (re-runnable)."""
    for table, cols in UNIQUE_INDEXES:
        db[table].create_index(
            cols, index_name=_index_name(table, cols), unique=True, if_not_exists=True
        )
    for table, cols in INDEXES:
        db[table].create_index(cols, index_name=_index_name(table, cols), if_not_exists=True)


def drop_indexes(db: sqlite_utils.Database) -> None:
    """Drop the secondary indexes (not the unique ones), before a bulk load."""
    for table, cols in INDEXES:
        db.execute(f"drop index if exists [{_index_name(table, cols)}]")


def _fill_lookups(db: sqlite_utils.Database) -> None:
    db["application_rows"].upsert_all(
        [
            {"key": r.key, "label": r.label, "group_label": r.group, "position": i}
            for i, r in enumerate(model.APPLICATION_ROWS_ALL)
        ],
        pk="key",
    )
    db["applicant_columns"].upsert_all(
        [{"key": k, "label": v, "position": i} for i, (k, v) in enumerate(model.APPLICANT_COLUMNS)],
        pk="key",
    )
    db["proactive_items"].upsert_all(
        [{"key": k, "label": v} for k, v in model.PROACTIVE_LABELS.items()], pk="key"
    )
    db["review_groups"].upsert_all(
        [{"key": k, "label": v} for k, v in model.REVIEW_GROUPS], pk="key"
    )
    db["section_keys"].upsert_all(
        [{"key": s.key, "number": s.number, "title": s.title} for s in model.SECTIONS], pk="key"
    )
    db["identities"].upsert_all(
        [
            {"name": i.name, "description": i.description, "severity": i.severity}
            for i in model.IDENTITIES
        ],
        pk="name",
    )


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
    numbers = isinstance(r, (int, float)) and isinstance(k, (int, float))
    return (
        rid,
        name,
        identity,
        name[len(identity) + 1 :] or None,
        c["severity"],
        None if ok is None else int(ok),
        _json_value(r),
        _json_value(k),
        float(k - r) if numbers else None,
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


def prepare(report: Report, source_path: str, raw_text: str | None) -> Prepared:
    """One canonical report → its rows for every table (no database access)."""
    src = report.get("source") or {}
    region = report.get("region") or {}
    rl = report.get("review_litigation") or {}
    fee = report.get("fee") or {}
    apps = report.get("applications") or {}
    all_checks = report.get("checks") or []
    failed_hard = validator.failed(all_checks, "hard")
    missing = [
        model.SECTION_BY_KEY[k].number
        for k in ("proactive", "applications", "review_litigation")
        if not report.get(k)
    ]
    totals = {name: _total(apps, rows) for name, rows in REPORT_TOTALS}
    handled = totals["total_handled"]
    granted = totals["granted"]

    def rl_get(group: str, col: str) -> Any:
        return (rl.get(group) or {}).get(col)

    lit_total = [rl_get("litigation_direct", "total"), rl_get("litigation_after_review", "total")]
    lit_corr = [
        rl_get("litigation_direct", "corrected"),
        rl_get("litigation_after_review", "corrected"),
    ]
    raw_utf8 = raw_text.encode("utf-8") if raw_text is not None else None
    sha = src.get("sha256") or hashlib.sha256(raw_utf8 or b"").hexdigest()
    rid = report_id(sha)
    source = {
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
    }
    row = {
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
        **totals,
        "disclosure_rate": round(granted / handled, 4) if granted is not None and handled else None,
        "review_total": rl_get("review", "total"),
        "review_corrected": rl_get("review", "corrected"),
        "litigation_total": None if None in lit_total or not rl else sum(lit_total),  # type: ignore[arg-type]
        "litigation_corrected": None if None in lit_corr or not rl else sum(lit_corr),  # type: ignore[arg-type]
        "fee_charged": None if fee.get("charged") is None else int(bool(fee["charged"])),
        "fee_amount_yuan": fee.get("amount_yuan"),
        "check_status": validator.status(report),
        "checks_failed": len(failed_hard),
        "soft_checks_failed": len(validator.failed(all_checks, "soft")),
        "warnings_count": len(report.get("warnings") or []),
        "tables_missing": ",".join(missing) or None,
        "source_id": rid,
        "source_path": source_path,
        "json": json.dumps(report, ensure_ascii=False).encode("utf-8"),
    }
    children = (
        [
            (rid, item, *_cells("proactive", item, cells, PROACTIVE_CELLS))
            for item, cells in (report.get("proactive") or {}).items()
        ],
        [
            (rid, key, i, *_cells("applications", key, cells, APPLICATION_CELLS))
            for i, (key, cells) in enumerate(apps.items())
        ],
        [
            (rid, grp, *_cells("review_litigation", grp, cells, REVIEW_CELLS))
            for grp, cells in rl.items()
        ],
        [_check_row(rid, c) for c in all_checks],
        [(rid, w) for w in report.get("warnings") or []],
    )
    key = agency_key(report)
    agency = (
        (
            key,
            report["agency"],
            report.get("agency_type"),
            region.get("province"),
            region.get("city"),
            region.get("county"),
            region.get("township"),
            region.get("code"),
        )
        if key
        else None
    )
    sections = [
        (name, text.encode("utf-8"), index_text(text).encode("utf-8"))
        for name, text in (report.get("sections") or {}).items()
        if text
    ]
    return Prepared(
        source_path,
        rid,
        sha,
        agency,
        _region_row(report),
        _in_order("sources", source, SOURCE_COLUMNS),
        _in_order("reports", row, REPORT_COLUMNS),
        children,
        sections,
    )


def _region_row(report: Report) -> tuple[Any, ...] | None:
    """The regions row (REGION_COLUMNS) for a report's region, or None without a code."""
    region = report.get("region") or {}
    if not region.get("code"):
        return None
    places = [region.get(k) for k in ("province", "city", "county")]
    return (region["code"], *places, "".join(p for p in places if p))


@cache
def _stdlib_sorts_on_disk() -> bool:
    """Whether the standard library's SQLite may spill sorts to temporary files."""
    with closing(sqlite3.connect(":memory:")) as conn:
        options = {r[0] for r in conn.execute("pragma compile_options")}
    return "TEMP_STORE=3" not in options


def _null(value: None) -> None:
    return value


def sqlite_module(conn: Any) -> Any:
    """The sqlite3 module behind a connection (sqlite-utils may use pysqlite3, whose
    exceptions and adapters are not the standard library's)."""
    return importlib.import_module(type(conn).__module__)


def bind_nulls_fast(conn: Any) -> None:
    """Bind None parameters without the sqlite3 module's slow path.

    The module adapts every parameter that is not exactly int, float, str or
    bytearray, and None takes the slowest way through (adapter lookup, then the
    protocol's and the object's own hooks): ~0.7 µs per None, which made a
    15-column row with 10 NULLs cost 10 µs instead of under 2. A registered
    adapter is found at the first step; None → None binds NULL exactly as before,
    for every connection of the module.
    """
    sqlite_module(conn).register_adapter(type(None), _null)


class Loader:
    """Loads parsed reports in batches; each batch is one transaction.

    A report is known by its file's sha256 (`shas`: those in the database, and those
    loaded by this loader): bytes already loaded, from any path, add nothing.
    `known` maps the source paths in the database when the loader starts to their
    sha256: a path loaded again with other bytes replaces its report. Each path is
    loaded once per loader (the pipeline drops repeated paths).

    On an empty database the secondary indexes are dropped and built once by
    `finish` (a sorted build is faster than updating 20 indexes row by row, and
    leaves them densely packed). A run killed before then leaves committed batches
    without those indexes; the next Loader on that (now non-empty) database builds
    them first, before it deletes or replaces anything.
    """

    CHILD_TABLES = CHILD_TABLES

    def __init__(self, db: sqlite_utils.Database, batch_size: int = 500) -> None:
        self.db = db
        self.conn = db.conn
        bind_nulls_fast(self.conn)
        self.batch_size = batch_size
        self.pending: list[Prepared] = []
        self.agency_ids: dict[str, int] = {
            key: id_ for id_, key in self.conn.execute("select id, key from agencies")
        }
        self.known: dict[str, str] = dict(self.conn.execute("select path, sha256 from sources"))
        self.shas: set[str] = set(self.known.values())
        self.error_paths: set[str] = set()
        self.error_shas: set[str] = set()
        for path, sha in self.conn.execute("select path, sha256 from ingest_errors"):
            self.error_paths.add(path)
            self.error_shas.add(sha)
        self.regions: dict[str, tuple[Any, ...]] = {
            r[0]: tuple(r)
            for r in self.conn.execute(f"select {', '.join(REGION_COLUMNS)} from regions")
        }
        self.loaded = 0
        self.bulk = not self.known and not self.error_paths
        if self.bulk:
            drop_indexes(db)
        else:
            create_indexes(db)

    def add(self, report: Report, source_path: str, raw_text: str | None) -> None:
        self.add_prepared(prepare(report, source_path, raw_text))

    def add_prepared(self, prepared: Prepared) -> bool:
        """Queue a report's rows; False (nothing added) when its bytes are loaded already."""
        if prepared.sha256 in self.shas:
            self.unchanged(prepared.path, prepared.sha256)
            return False
        self.shas.add(prepared.sha256)
        self.pending.append(prepared)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return True

    def unchanged(self, path: str, sha256: str) -> None:
        """A file whose bytes are loaded already (from this path or another): if the
        file at `path` held other bytes before, its old report or error goes."""
        if self.known.get(path, sha256) == sha256 and path not in self.error_paths:
            return
        with self.conn:
            if self.known.get(path, sha256) != sha256:
                self._drop_path(path)
            self._drop_error(path)

    def add_error(
        self,
        path: str,
        sha256: str,
        error: str,
        place: str | None,
        raw: bytes,
        raw_text: str | None,
    ) -> None:
        """Record a file that could not be read or parsed (once per content: the same
        bytes from another path add nothing); its old report, if any, goes."""
        if sha256 in self.error_shas and path not in self.error_paths:
            return
        with self.conn:
            self._drop_path(path)
            self.conn.execute(
                UPSERT_ERROR,
                [
                    path,
                    sha256,
                    error,
                    place,
                    len(raw),
                    raw_text,
                    raw,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ],
            )
        self.error_paths.add(path)
        self.error_shas.add(sha256)

    def _drop_path(self, path: str) -> None:
        """Delete the report loaded from `path` before this run, if any."""
        old = self.known.pop(path, None)
        if old is not None:
            self._delete_report(report_id(old))
            self.shas.discard(old)

    def _drop_error(self, path: str) -> None:
        """Delete the error recorded for `path`, if any (its file now loads)."""
        if path in self.error_paths:
            self.conn.execute("delete from ingest_errors where path = ?", [path])
            self.error_paths.discard(path)

    def _delete_report(self, rid: str) -> None:
        execute = self.conn.execute
        for table in self.CHILD_TABLES:
            execute(f"delete from [{table}] where report_id = ?", [rid])
        ids = [r[0] for r in execute("select id from sections where report_id = ?", [rid])]
        if ids:
            execute(f"delete from {FTS_TABLE} where rowid in ({','.join('?' * len(ids))})", ids)
            execute("delete from sections where report_id = ?", [rid])
        execute("delete from reports where id = ?", [rid])
        execute("delete from sources where id = ?", [rid])

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        conn = self.conn
        sources: list[tuple[Any, ...]] = []
        reports: list[tuple[Any, ...]] = []
        children: list[list[tuple[Any, ...]]] = [[] for _ in CHILD_TABLES]
        sections: list[tuple[str, str, bytes, bytes]] = []
        regions: dict[str, tuple[Any, ...]] = {}
        with conn:
            for p in batch:
                # `known` only shrinks: a path loaded in this run is not added (memory
                # stays flat in the number of reports; the CLI names each path once)
                self._drop_path(p.path)  # the file at this path changed
                self._drop_error(p.path)
                if p.region is not None and self.regions.get(p.region[0]) != p.region:
                    regions[p.region[0]] = self.regions[p.region[0]] = p.region
                sources.append(p.source)
                reports.append((self._agency_id(p.agency), *p.report))
                for rows, new in zip(children, p.children, strict=True):
                    rows.extend(new)
                rid = p.rid
                sections.extend([(rid, name, text, body) for name, text, body in p.sections])
            if regions:
                conn.executemany(UPSERT_REGION, regions.values())
            conn.executemany(INSERT_SOURCE, sources)
            conn.executemany(INSERT_REPORT, reports)
            for table, rows in zip(CHILD_TABLES, children, strict=True):
                if rows:
                    conn.executemany(INSERT_CHILD[table], rows)
            if sections:
                # ids assigned here so both tables are written with one executemany each
                next_id = (conn.execute("select max(id) from sections").fetchone()[0] or 0) + 1
                ids = range(next_id, next_id + len(sections))
                conn.executemany(
                    INSERT_SECTION,
                    [
                        (i, rid, name, text)
                        for i, (rid, name, text, _) in zip(ids, sections, strict=True)
                    ],
                )
                conn.executemany(
                    INSERT_FTS, [(i, s[3]) for i, s in zip(ids, sections, strict=True)]
                )
        self.loaded += len(batch)

    def _agency_id(self, agency: tuple[Any, ...] | None) -> int | None:
        if agency is None:
            return None
        known = self.agency_ids.get(agency[0])
        if known is not None:
            return known
        if agency[2]:
            self.conn.execute("insert or ignore into agency_types (name) values (?)", [agency[2]])
        new_id: int = self.conn.execute(INSERT_AGENCY, agency).lastrowid  # type: ignore[assignment]
        self.agency_ids[agency[0]] = new_id
        return new_id

    def create_indexes(self) -> None:
        """Build the secondary indexes (no-op for those that exist)."""
        with self.whole_table_work() as db:
            create_indexes(db)

    @contextmanager
    def whole_table_work(self) -> Iterator[sqlite_utils.Database]:
        """A connection for the statements that sort whole tables (CREATE INDEX, the
        GROUP BYs of the summaries): memory must stay flat however big the database is.

        pysqlite3-binary's SQLite is compiled with SQLITE_TEMP_STORE=3, which keeps
        every sort wholly in memory (measured at 10,000 reports: +28 MB to index the
        checks, +29 MB for the summaries; ten times that at 100,000). So, for a database
        file not in WAL mode (a new
        database being built), this work goes through the standard library's sqlite3,
        whose sorts spill to temporary files, while the loader's own connection holds
        no lock and waits. In WAL mode (an existing database, maybe served while it is
        updated) the loader's connection does it: two SQLite libraries in one process
        must not share a WAL (closing one's file handles drops the other's POSIX locks).
        """
        conn = self.conn
        file = conn.execute("pragma database_list").fetchone()[2]
        journal = conn.execute("pragma journal_mode").fetchone()[0]
        if (
            not file
            or journal == "wal"
            or type(conn).__module__ == sqlite3.__name__
            or not _stdlib_sorts_on_disk()
        ):
            yield self.db
            return
        synchronous = conn.execute("pragma synchronous").fetchone()[0]
        exclusive = conn.execute("pragma locking_mode").fetchone()[0] == "exclusive"
        conn.commit()
        if exclusive:  # released at the next read
            conn.execute("pragma locking_mode = normal")
            conn.execute("select count(*) from sqlite_master").fetchone()
        other = sqlite3.connect(file, timeout=60)
        try:
            if exclusive:  # the build stays locked (see cli._start_fresh_build)
                other.execute("pragma locking_mode = exclusive")
            if journal == "off":
                other.execute("pragma journal_mode = off")
            other.execute(f"pragma synchronous = {int(synchronous)}")
            yield sqlite_utils.Database(other)
            other.commit()
        finally:
            other.close()
            if exclusive:
                conn.execute("pragma locking_mode = exclusive")

    def finish(self) -> None:
        """Flush, build the indexes, then the checks that need more than one report
        (across years), the summary tables and what the site serves from
        (ingest.db.serving)."""
        from .serving import prepare_for_serving
        from .summaries import build_summaries

        self.flush()
        with self.whole_table_work() as db:
            create_indexes(db)
            with db.conn:
                cross_year_checks(db)
            build_summaries(db)
            prepare_for_serving(db)


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


def load_reports(
    db: sqlite_utils.Database, reports: Iterable[tuple[Report, str, str | None]]
) -> int:
    """Load (report, source_path, raw_text) tuples; returns how many were loaded."""
    ensure_db_shape(db)
    loader = Loader(db)
    for report, path, raw in reports:
        loader.add(report, path, raw)
    loader.finish()
    return loader.loaded
