"""Write canonical reports into one normalized SQLite database with sqlite-utils.

No text munging here: the parser hands over canonical reports; this module only
decides where each value goes. The shape (tables, indexes, views, FTS) is declared
as module constants and applied by one re-runnable function, `ensure_db_shape`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from . import checks as validator
from . import model
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
            "severity": str,
            "ok": int,
            "expected": str,
            "actual": str,
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
       c.expected, c.actual, c.difference
from checks c join reports r on r.id = c.report_id join identities i on i.name = c.identity
where c.ok = 0 and c.severity = 'hard'
""",
}


def report_id(source_path: str) -> str:
    """A stable id for the report read from a path: the same path keeps its URL."""
    return hashlib.sha256(source_path.encode("utf-8")).hexdigest()[:16]


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
    for table, cols in UNIQUE_INDEXES:
        db[table].create_index(cols, unique=True, if_not_exists=True)
    for table, cols in INDEXES:
        db[table].create_index(cols, if_not_exists=True)
    db.execute(FTS_SQL)
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
    _fill_lookups(db)


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


def _total(report: Report, rows: tuple[str, ...]) -> int | None:
    apps = report.get("applications") or {}
    present = [apps[r].get("total") for r in rows if r in apps]
    if not present or any(v is None for v in present):
        return None
    return sum(present)


def _json_value(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False)


def _difference(c: dict[str, Any]) -> float | None:
    e, a = c.get("expected"), c.get("actual")
    if isinstance(e, (int, float)) and isinstance(a, (int, float)):
        return float(a - e)
    return None


def report_rows(
    report: Report, source_path: str, raw_text: str | None
) -> dict[str, list[dict[str, Any]]]:
    """One canonical report → rows for each table (no database access)."""
    rid = report_id(source_path)
    src = report.get("source") or {}
    region = report.get("region") or {}
    rl = report.get("review_litigation") or {}
    fee = report.get("fee") or {}
    all_checks = report.get("checks") or []
    hard = [c for c in all_checks if c["severity"] == "hard"]
    failed_hard = validator.failed(all_checks, "hard")
    missing = [
        model.SECTION_BY_KEY[k].number
        for k in ("proactive", "applications", "review_litigation")
        if not report.get(k)
    ]
    totals = {name: _total(report, rows) for name, rows in REPORT_TOTALS}
    handled = totals["total_handled"]
    granted = totals["granted"]

    def rl_get(group: str, col: str) -> Any:
        return (rl.get(group) or {}).get(col)

    lit_total = [rl_get("litigation_direct", "total"), rl_get("litigation_after_review", "total")]
    lit_corr = [
        rl_get("litigation_direct", "corrected"),
        rl_get("litigation_after_review", "corrected"),
    ]
    if failed_hard:
        status = "有错误"
    elif any(c["ok"] is True for c in hard) and not report.get("applications") == {}:
        status = "全部通过" if all(c["ok"] is not None for c in hard) else "部分无法核对"
    else:
        status = "无法核对"
    sha = src.get("sha256") or hashlib.sha256((raw_text or "").encode("utf-8")).hexdigest()
    rows: dict[str, list[dict[str, Any]]] = {
        "sources": [
            {
                "id": rid,
                "path": source_path,
                "sha256": sha,
                "kind": os.path.splitext(source_path)[1].lstrip(".").lower() or "txt",
                "layout": src.get("layout"),
                "encoding": src.get("encoding"),
                "size": len(raw_text.encode("utf-8")) if raw_text is not None else None,
                "raw_text": raw_text,
                "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ],
        "reports": [
            {
                "id": rid,
                "agency_id": None,  # filled by the loader
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
                "disclosure_rate": round(granted / handled, 4)
                if granted is not None and handled
                else None,
                "review_total": rl_get("review", "total"),
                "review_corrected": rl_get("review", "corrected"),
                "litigation_total": None if None in lit_total or not rl else sum(lit_total),  # type: ignore[arg-type]
                "litigation_corrected": None if None in lit_corr or not rl else sum(lit_corr),  # type: ignore[arg-type]
                "fee_charged": None if fee.get("charged") is None else int(bool(fee["charged"])),
                "fee_amount_yuan": fee.get("amount_yuan"),
                "check_status": status,
                "checks_failed": len(failed_hard),
                "soft_checks_failed": len(validator.failed(all_checks, "soft")),
                "warnings_count": len(report.get("warnings") or []),
                "tables_missing": ",".join(missing) or None,
                "source_id": rid,
                "source_path": source_path,
                "json": json.dumps(report, ensure_ascii=False),
            }
        ],
        "proactive": [
            {"report_id": rid, "item": item, **cells}
            for item, cells in (report.get("proactive") or {}).items()
        ],
        "applications": [
            {
                "report_id": rid,
                "row_key": key,
                "position": i,
                **cells,
            }
            for i, (key, cells) in enumerate((report.get("applications") or {}).items())
        ],
        "review_litigation": [{"report_id": rid, "grp": grp, **cells} for grp, cells in rl.items()],
        "sections": [
            {"report_id": rid, "section": key, "text": text}
            for key, text in (report.get("sections") or {}).items()
            if text
        ],
        "checks": [
            {
                "report_id": rid,
                "check_name": c["check"],
                "identity": c["check"].split(".")[0],
                "severity": c["severity"],
                "ok": None if c["ok"] is None else int(c["ok"]),
                "expected": _json_value(c.get("expected")),
                "actual": _json_value(c.get("actual")),
                "difference": _difference(c),
                "detail": c.get("detail"),
            }
            for c in all_checks
        ],
        "warnings": [{"report_id": rid, "message": w} for w in report.get("warnings") or []],
    }
    return rows


def _region_row(report: Report) -> dict[str, Any] | None:
    """The regions row for a report's region, or None when it has no code."""
    region = report.get("region") or {}
    if not region.get("code"):
        return None
    places = [region.get(k) for k in ("province", "city", "county")]
    return {
        "code": region["code"],
        "province": places[0],
        "city": places[1],
        "county": places[2],
        "name": "".join(p for p in places if p),
    }


class Loader:
    """Loads parsed reports in batches; each batch is one transaction."""

    CHILD_TABLES = ("proactive", "applications", "review_litigation", "checks", "warnings")

    def __init__(self, db: sqlite_utils.Database, batch_size: int = 500) -> None:
        self.db = db
        self.batch_size = batch_size
        self.pending: list[tuple[Report, str, str | None]] = []
        self.agency_ids: dict[str, int] = {
            r["key"]: r["id"] for r in db.query("select id, key from agencies")
        }
        self.known: dict[str, str] = {
            r["path"]: r["sha256"] for r in db.query("select path, sha256 from sources")
        }
        self.loaded = 0

    def unchanged(self, source_path: str, sha256: str) -> bool:
        return self.known.get(source_path) == sha256

    def add(self, report: Report, source_path: str, raw_text: str | None) -> None:
        self.pending.append((report, source_path, raw_text))
        if len(self.pending) >= self.batch_size:
            self.flush()

    def add_error(
        self,
        path: str,
        sha256: str,
        error: str,
        place: str | None,
        raw: bytes,
        raw_text: str | None,
    ) -> None:
        with self.db.conn:
            self._delete_report(report_id(path))
            self.db["ingest_errors"].upsert(
                {
                    "path": path,
                    "sha256": sha256,
                    "error": error,
                    "place": place,
                    "size": len(raw),
                    "raw_text": raw_text,
                    "raw_bytes": raw,
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                },
                pk="path",
            )

    def _delete_report(self, rid: str) -> None:
        for table in self.CHILD_TABLES:
            self.db.execute(f"delete from [{table}] where report_id = ?", [rid])
        ids = [r[0] for r in self.db.execute("select id from sections where report_id = ?", [rid])]
        if ids:
            self.db.execute(
                f"delete from {FTS_TABLE} where rowid in ({','.join('?' * len(ids))})", ids
            )
            self.db.execute("delete from sections where report_id = ?", [rid])
        self.db.execute("delete from reports where id = ?", [rid])
        self.db.execute("delete from sources where id = ?", [rid])

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        tables: dict[str, list[dict[str, Any]]] = {}
        with self.db.conn:
            for report, path, raw_text in batch:
                rows = report_rows(report, path, raw_text)
                rid = rows["reports"][0]["id"]
                if path in self.known:
                    self._delete_report(rid)
                self.db.execute("delete from ingest_errors where path = ?", [path])
                rows["reports"][0]["agency_id"] = self._agency_id(report)
                self.known[path] = rows["sources"][0]["sha256"]
                for name, table_rows in rows.items():
                    tables.setdefault(name, []).extend(table_rows)
            region_rows = {row["code"]: row for row in (_region_row(r) for r, _, _ in batch) if row}
            if region_rows:
                self.db["regions"].upsert_all(region_rows.values(), pk="code")
            for name in (
                "sources",
                "reports",
                "proactive",
                "applications",
                "review_litigation",
                "checks",
                "warnings",
            ):
                if tables.get(name):
                    self.db[name].insert_all(tables[name], batch_size=1000, alter=False)
            sections = tables.get("sections", [])
            if sections:
                # ids assigned here so both tables are written with one executemany each
                next_id = (self.db.execute("select max(id) from sections").fetchone()[0] or 0) + 1
                ids = range(next_id, next_id + len(sections))
                self.db.conn.executemany(
                    "insert into sections (id, report_id, section, text) values (?, ?, ?, ?)",
                    [
                        (i, s["report_id"], s["section"], s["text"])
                        for i, s in zip(ids, sections, strict=True)
                    ],
                )
                self.db.conn.executemany(
                    f"insert into {FTS_TABLE} (rowid, body) values (?, ?)",
                    [(i, index_text(s["text"])) for i, s in zip(ids, sections, strict=True)],
                )
        self.loaded += len(batch)

    def _agency_id(self, report: Report) -> int | None:
        name = report.get("agency")
        key = agency_key(report)
        if not name or not key:
            return None
        if key in self.agency_ids:
            return self.agency_ids[key]
        region = report.get("region") or {}
        atype = report.get("agency_type")
        if atype:
            self.db["agency_types"].insert({"name": atype}, pk="name", ignore=True)
        cur = self.db.execute(
            "insert into agencies (key, name, agency_type, province, city, county, township, region_code)"
            " values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                key,
                name,
                atype,
                region.get("province"),
                region.get("city"),
                region.get("county"),
                region.get("township"),
                region.get("code"),
            ],
        )
        self.agency_ids[key] = cur.lastrowid
        return cur.lastrowid

    def finish(self) -> None:
        """Flush, then the checks that need more than one report (across years)."""
        self.flush()
        with self.db.conn:
            cross_year_checks(self.db)
        from .summaries import build_summaries

        build_summaries(self.db)


CROSS_YEAR_SQL = (
    # carried_over(y) = carried_forward(y-1), same agency
    """
insert into checks (report_id, check_name, identity, severity, ok, expected, actual, difference, detail)
select cur.id, 'carry_continuity', 'carry_continuity', 'soft',
       cur.carried_over = prev.carried_forward,
       prev.carried_forward, cur.carried_over, cur.carried_over - prev.carried_forward,
       '本年上年结转 vs ' || prev.year || ' 年结转下年度'
from reports cur join reports prev
  on prev.agency_id = cur.agency_id and prev.year = cur.year - 1
where cur.carried_over is not null and prev.carried_forward is not null
""",
    # in_force(y) ≈ in_force(y-1) + made(y) - abolished(y), for 规章 and 行政规范性文件
    """
insert into checks (report_id, check_name, identity, severity, ok, expected, actual, difference, detail)
select cur.id, 'in_force_continuity.' || p.item, 'in_force_continuity', 'soft',
       p.in_force = pp.in_force + p.made - p.abolished,
       pp.in_force + p.made - p.abolished, p.in_force,
       p.in_force - (pp.in_force + p.made - p.abolished),
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
    db.execute(
        """
update reports set soft_checks_failed = (
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
