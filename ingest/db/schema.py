"""The database's declared shape: tables (with their columns, keys and foreign keys),
indexes, the full-text index, views and the lookup tables filled from the model, applied
by one re-runnable function, `ensure_db_shape` (sqlite-utils)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from .. import model

# The name metadata.yml, the canned queries and the site's links use for the database.
SITE_DATABASE = "nianbao"


def site_database(names: Iterable[str]) -> str:
    """Which served database the site's pages read: SITE_DATABASE when it is served
    (plugins/database_name.py serves a lone database under that name), else the first
    one that is not Datasette's own (``_internal``, ``_memory``); SITE_DATABASE when none is."""
    served = [name for name in names if not name.startswith("_")]
    return SITE_DATABASE if SITE_DATABASE in served or not served else served[0]


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
            # the report this file is a reading of (one report per agency and year:
            # ingest.db.groups); reading_json keeps the canonical JSON of a reading that
            # is not the report's primary one (the primary's is reports.json)
            "report_id": str,
            "reading_json": str,
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
            "unreadable_count": int,
            "sources_count": int,
            "disagreements": int,
            "in_sums": int,
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
    # Cells the parser saw but could not settle (CANONICAL_JSON's `unreadable`): NULL in
    # the value tables like a blank, listed here so nobody takes them for blanks.
    "unreadable_cells": {
        "columns": {
            "id": int,
            "report_id": str,
            "cell": str,
            "table_name": str,
            "row_key": str,
            "column_key": str,
        },
        "pk": "id",
        "foreign_keys": [("report_id", "reports", "id")],
    },
    # Where two files of one report (agency and year) print different values for a cell:
    # the primary reading's value and the other file's (ingest.db.groups).
    "disagreements": {
        "columns": {
            "id": int,
            "report_id": str,
            "source_id": str,
            "cell": str,
            "primary_value": str,
            "other_value": str,
        },
        "pk": "id",
        "foreign_keys": [("report_id", "reports", "id"), ("source_id", "sources", "id")],
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
        "columns": {
            "key": str,
            "label": str,
            "group_label": str,
            "position": int,
            "group_key": str,
            "outcome": str,
        },
        "pk": "key",
    },
    "applicant_columns": {"columns": {"key": str, "label": str, "position": int}, "pk": "key"},
    "proactive_items": {"columns": {"key": str, "label": str}, "pk": "key"},
    "review_groups": {"columns": {"key": str, "label": str}, "pk": "key"},
    "section_keys": {"columns": {"key": str, "number": str, "title": str}, "pk": "key"},
    "identities": {"columns": {"name": str, "description": str, "severity": str}, "pk": "name"},
}

# The columns the reports register offers to sort by (metadata.yml, nianbao-register),
# each indexed with the primary key after it. Datasette pages a sorted table by keyset:
# `where (col < :v or col is null or (col = :v and id > :pk)) order by col desc, id`.
# With an index on `col` alone SQLite reads every earlier row from the table to test
# `id > :pk`, so late pages of `_sort_desc=new_received` at 100,000 reports ran past
# the 1 s SQL time limit (HTTP 400); with (col, id) the test runs on the index alone
# (about 0.01-0.1 s a page). tests/test_pagination.py checks every register column.
REPORT_SORT_COLUMNS: tuple[str, ...] = (
    "year",
    "agency",
    "title",
    "province",
    "city",
    "new_received",
    "total_handled",
    "disclosure_rate",
    "denied",
    "review_total",
    "review_corrected",
    "litigation_total",
    "check_status",
)

INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    *(("reports", (column, "id")) for column in REPORT_SORT_COLUMNS),
    ("reports", ("agency_type",)),
    ("reports", ("format",)),
    ("reports", ("scope",)),
    ("reports", ("agency_id", "year")),
    ("reports", ("source_path",)),
    ("agencies", ("name",)),
    ("agencies", ("region_code",)),
    ("applications", ("row_key",)),
    ("proactive", ("item",)),
    ("review_litigation", ("grp",)),
    ("sections", ("report_id",)),
    ("unreadable_cells", ("report_id",)),
    ("disagreements", ("report_id",)),
    ("sources", ("report_id",)),
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


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create every table, index, view and the FTS index if missing (re-runnable)."""
    db.conn.execute("PRAGMA foreign_keys = OFF")
    # Tables without foreign keys first, so every reference has its target.
    ordered = sorted(TABLES.items(), key=lambda item: bool(item[1].get("foreign_keys")))
    for name, spec in ordered:
        if not db.table(name).exists():
            db.table(name).create(
                spec["columns"],
                pk=spec["pk"],
                foreign_keys=spec.get("foreign_keys"),
                not_null=None,
            )
        else:  # a database from before a column was added (e.g. sources.url) gains it
            have = set(db.table(name).columns_dict)
            for column, kind in spec["columns"].items():
                if column not in have:
                    db.table(name).add_column(column, kind)
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
        db.table(table).create_index(
            cols, index_name=_index_name(table, cols), unique=True, if_not_exists=True
        )
    for table, cols in INDEXES:
        db.table(table).create_index(cols, index_name=_index_name(table, cols), if_not_exists=True)


def drop_indexes(db: sqlite_utils.Database) -> None:
    """Drop the secondary indexes (not the unique ones), before a bulk load."""
    for table, cols in INDEXES:
        db.execute(f"drop index if exists [{_index_name(table, cols)}]")


def _fill_lookups(db: sqlite_utils.Database) -> None:
    # The whole vocabulary of agency types, so the site lists every type the parser can give.
    db.table("agency_types").upsert_all(
        [{"name": kind} for kind in dict.fromkeys(kind for _, kind in model.AGENCY_TYPES)],
        pk="name",
    )
    db.table("application_rows").upsert_all(
        [
            {
                "key": r.key,
                "label": r.label,
                "group_label": r.group,
                "position": i,
                "group_key": model.GROUP_KEY_BY_LABEL.get(r.group),
                "outcome": model.outcome_label(r),
            }
            for i, r in enumerate(model.APPLICATION_ROWS_ALL)
        ],
        pk="key",
    )
    db.table("applicant_columns").upsert_all(
        [{"key": k, "label": v, "position": i} for i, (k, v) in enumerate(model.APPLICANT_COLUMNS)],
        pk="key",
    )
    db.table("proactive_items").upsert_all(
        [{"key": k, "label": v} for k, v in model.PROACTIVE_LABELS.items()], pk="key"
    )
    db.table("review_groups").upsert_all(
        [{"key": k, "label": v} for k, v in model.REVIEW_GROUPS], pk="key"
    )
    db.table("section_keys").upsert_all(
        [{"key": s.key, "number": s.number, "title": s.title} for s in model.SECTIONS], pk="key"
    )
    db.table("identities").upsert_all(
        [
            {"name": i.name, "description": i.description, "severity": i.severity}
            for i in model.IDENTITIES
        ],
        pk="name",
    )
