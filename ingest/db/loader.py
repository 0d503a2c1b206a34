"""The loader: parsed reports (as rows from `load.prepare`) into SQLite in batches,
one transaction per batch, then the indexes and the derived tables."""

from __future__ import annotations

import importlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import sqlite_utils

from .derived import build_derived
from .groups import delete_report_rows, group_readings, mark_aggregates
from .load import (
    CHILD_TABLES,
    INSERT_AGENCY,
    INSERT_CHILD,
    INSERT_FTS,
    INSERT_REPORT,
    INSERT_SECTION,
    INSERT_SOURCE,
    REGION_COLUMNS,
    UPSERT_ERROR,
    UPSERT_REGION,
    Prepared,
    Report,
    prepare,
    report_id,
)
from .schema import create_indexes, drop_indexes, ensure_db_shape


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
        delete_report_rows(self.conn, rid)
        execute = self.conn.execute
        execute("delete from disagreements where source_id = ? or report_id = ?", [rid, rid])
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
        """Flush, build the indexes, then everything derived from the rows
        (ingest.db.derived: cross-year checks, summary tables, serving indexes, facets)."""
        self.flush()
        self._restore_orphans()
        with self.whole_table_work() as db:
            create_indexes(db)
        group_readings(self.db)
        mark_aggregates(self.db)
        with self.whole_table_work() as db:
            build_derived(db)

    def _restore_orphans(self) -> None:
        """Readings whose report went (its primary file changed or failed this run) are
        loaded again as reports of their own; group_readings then merges them anew."""
        orphans = self.conn.execute(
            "select id, path, sha256, raw_text, reading_json from sources"
            " where reading_json is not null"
            " and report_id not in (select id from reports)"
        ).fetchall()
        if not orphans:
            return
        with self.conn:
            for rid, _path, sha, _raw, _doc in orphans:
                self.conn.execute("delete from sources where id = ?", [rid])
                self.shas.discard(sha)
        for _rid, path, _sha, raw, doc in orphans:
            self.add_prepared(prepare(json.loads(doc), path, raw))
        self.flush()


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
