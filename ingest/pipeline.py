"""The ingest pipeline as library calls: what the CLI, the benchmark and the tests run.

- `parse_one(path)`: one file → a result dict (``status`` ok/unchanged/error); never
  raises for bad input.
- `parse_many(files, known, jobs)`: results in file order, parsed in worker processes,
  each report already turned into its database rows.
- `ingest(db_path, files)`: parse and load into SQLite; a new database is built beside
  its final name and renamed into place when complete (`start_fresh_build`,
  `finish_fresh_build`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import deque
from collections.abc import Callable, Collection, Container, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import sqlite_utils

from .db.load import prepare, update_provenance
from .db.loader import Loader, sqlite_module
from .db.schema import ensure_db_shape
from .extract import SUFFIXES, ExtractError, read_document
from .fetch.manifest import apply_provenance, provenance_for_files
from .parse import NOT_A_REPORT_REASON, ParseError, parse_document

BUILDING_SUFFIX = ".building"


class PipelineError(Exception):
    """A run that cannot start or go on (the message names the file)."""


def _skipped(name: str) -> bool:
    """Hidden files, and a folder's README (its documentation, now that .md OCR output
    is a report kind)."""
    return name.startswith(".") or name.split(".")[0].upper() == "README"


def find_files(paths: tuple[str, ...] | list[str]) -> list[str]:
    """The report files named by `paths` (files, or folders searched recursively for
    the SUFFIXES, hidden files and READMEs skipped), in sorted order per folder.

    Raises FileNotFoundError naming a path that does not exist.
    """
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(
                str(f)
                for f in sorted(path.rglob("*"))
                if f.is_file() and f.suffix.lower() in SUFFIXES and not _skipped(f.name)
            )
        elif path.exists():
            out.append(str(path))
        else:
            raise FileNotFoundError(p)
    return out


def source_path(path: str) -> str:
    """How a report records where it came from: relative to the working directory when
    below it, else absolute."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else os.path.abspath(path)


def unique_files(paths: tuple[str, ...] | list[str]) -> list[str]:
    """The files to ingest, each source path once (a file named twice, or a folder and a
    file inside it, would otherwise load one report twice)."""
    seen: set[str] = set()
    out = []
    for f in find_files(paths):
        source = source_path(f)
        if source not in seen:
            seen.add(source)
            out.append(f)
    return out


def _failure(
    source: str, sha256: str, error: str, place: str | None, raw: bytes, text: str | None
) -> dict[str, Any]:
    return {
        "status": "error",
        "path": source,
        "sha256": sha256,
        "error": error,
        "place": place,
        "raw": raw,
        "text": text,
    }


def parse_one(
    path: str, known: Container[str] = (), provenance: dict[str, str] | None = None
) -> dict[str, Any]:
    """Parse one file; never raises for bad input (the result says what went wrong).

    Returns ``{"status": "ok", "path", "report", "text"}``,
    ``{"status": "unchanged", "path", "sha256"}`` when the file's sha256 is in `known`, or
    ``{"status": "error", "path", "sha256", "error", "place", "raw", "text"}``.
    `provenance` ({"url", "published", "retrieved"} from a manifest beside the file) fills
    or overrides the report's source.url / published / source.retrieved.
    """
    source = source_path(path)
    try:
        doc = read_document(path)
    except ExtractError as e:
        return _failure(source, e.sha256, e.reason, e.place, e.raw, None)
    if doc.sha256 in known:
        return {"status": "unchanged", "path": source, "sha256": doc.sha256}
    try:
        report, text = parse_document(doc, source)
    except ExtractError as e:
        return _failure(source, doc.sha256, e.reason, e.place, doc.raw, doc.text)
    except ParseError as e:
        return _failure(source, doc.sha256, e.reason, e.place, doc.raw, doc.text)
    except Exception as e:  # a parser bug must not stop the run or lose the file
        error = f"internal parser error: {type(e).__name__}: {e}"
        return _failure(source, doc.sha256, error, None, doc.raw, doc.text)
    apply_provenance(report, provenance)
    return {"status": "ok", "path": source, "report": report, "text": text}


def parse_for_load(
    path: str, known: Container[str] = (), provenance: dict[str, str] | None = None
) -> dict[str, Any]:
    """parse_one, with a parsed report already turned into its database rows
    (``{"status": "ok", "path", "rows"}``; other statuses as parse_one).

    Runs in the parse workers: the rows (`load.Prepared`) pickle cheaper than the
    nested report and leave the main process little more than executemany.
    """
    result = parse_one(path, known, provenance)
    if result["status"] != "ok":
        return result
    try:
        rows = prepare(result["report"], result["path"], result["text"])
    except Exception as e:  # a loader bug must not stop the run or lose the file
        raw = Path(path).read_bytes()
        sha = (result["report"].get("source") or {}).get("sha256") or hashlib.sha256(
            raw
        ).hexdigest()
        error = f"internal loader error: {type(e).__name__}: {e}"
        # raw bytes kept; not the text, which may be what could not be stored
        return _failure(result["path"], sha, error, None, raw, None)
    return {"status": "ok", "path": result["path"], "rows": rows}


_known_in_worker: frozenset[str] = frozenset()


def _start_worker(known: frozenset[str]) -> None:
    global _known_in_worker
    _known_in_worker = known


def _parse_chunk(paths: list[tuple[str, dict[str, str] | None]]) -> list[dict[str, Any]]:
    return [parse_for_load(path, _known_in_worker, prov) for path, prov in paths]


def parse_many(
    files: list[str],
    known: Collection[str] = (),
    jobs: int = 1,
    chunk_size: int = 16,
    provenance: dict[str, dict[str, str]] | None = None,
) -> Iterator[dict[str, Any]]:
    """parse_for_load over `files`, results in file order. `known` holds the sha256 of
    the files already loaded (those come back "unchanged", wherever they lie).

    With jobs > 1, a few chunks of files are in flight at a time (not the whole list),
    so memory stays flat however many files there are and however far the loader lags
    behind the workers. `provenance` maps absolute resolved paths to manifest records."""
    provenance = provenance or {}
    if jobs <= 1:
        for f in files:
            yield parse_for_load(f, known, provenance.get(str(Path(f).resolve())))
        return
    paths = ((f, provenance.get(str(Path(f).resolve()))) for f in files)
    chunks = iter(lambda: list(islice(paths, chunk_size)), [])
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(frozenset(known),)
    ) as pool:
        in_flight: deque[Future[list[dict[str, Any]]]] = deque(
            pool.submit(_parse_chunk, chunk) for chunk in islice(chunks, jobs * 4)
        )
        while in_flight:
            results = in_flight.popleft().result()
            for chunk in islice(chunks, 1):
                in_flight.append(pool.submit(_parse_chunk, chunk))
            yield from results


def start_fresh_build(db_path: str) -> sqlite_utils.Database:
    """Open DB.building for a new database, built for speed and renamed over DB at the end.

    The build needs no rollback journal and no fsync per batch (journal off,
    synchronous off: every page is written once): a run killed mid-way, or one that
    fails, leaves only DB.building, which is thrown away (the next run deletes it
    before it starts again). Not a journal in memory either: that would hold every
    index page a batch touches, growing with the database. The connection holds an
    exclusive lock for its whole life, so a leftover file still locked belongs to a
    running ingest (PipelineError).
    """
    tmp = db_path + BUILDING_SUFFIX
    if os.path.exists(tmp):
        probe = sqlite_utils.Database(tmp)
        module = sqlite_module(probe.conn)
        try:
            probe.conn.execute("PRAGMA busy_timeout = 200")
            probe.conn.execute("BEGIN EXCLUSIVE")
            probe.conn.rollback()
        except module.OperationalError as e:
            if "locked" in str(e):
                raise PipelineError(
                    f"{tmp} is in use: is another ingest building {db_path}?"
                ) from e
        except module.DatabaseError:
            pass  # not a database (cut short by a kill): nothing to keep
        finally:
            probe.close()
        os.remove(tmp)
    db = sqlite_utils.Database(tmp)
    db.conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    db.conn.execute("PRAGMA journal_mode = OFF")
    db.conn.execute("PRAGMA synchronous = OFF")
    return db


def finish_fresh_build(db: sqlite_utils.Database, db_path: str) -> None:
    """Close the build, make it durable, and rename it into place (atomic)."""
    db.close()
    tmp = db_path + BUILDING_SUFFIX
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    # A journal or WAL left by an earlier database of that name (deleted without them)
    # would be replayed into the new one.
    for suffix in ("-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(db_path + suffix)
    os.replace(tmp, db_path)
    try:
        dir_fd = os.open(os.path.dirname(os.path.abspath(db_path)), os.O_RDONLY)
    except OSError:  # pragma: no cover - a platform without directory handles
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@dataclass
class IngestSummary:
    """What an ingest did: files per status, one message per failed file, notes."""

    counts: dict[str, int] = field(
        default_factory=lambda: {"ok": 0, "unchanged": 0, "error": 0, "skipped": 0}
    )
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


LINKING_PAGE_NOTE = "a fetched page that links its report, not a report itself; skipped"


def _links_its_report(result: dict[str, Any], provenance: dict[str, dict[str, str]]) -> bool:
    """Is this failed file a page `nianbao fetch` saved whose attachments it also saved
    (per the manifest), and is it not a report only because it has no tables?"""
    if result["error"] != NOT_A_REPORT_REASON:
        return False
    return bool(provenance.get(str(Path(result["path"]).resolve()), {}).get("attachments"))


def ingest(
    db_path: str,
    files: list[str],
    *,
    jobs: int = 1,
    batch_size: int = 500,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> IngestSummary:
    """Parse `files` and load them into the SQLite database at `db_path`.

    Re-running on the same files changes nothing; a changed file replaces its old
    report; a file that cannot be parsed is recorded in ingest_errors (with its raw
    bytes) and in the summary's errors, and the others load. A new database is built
    beside `db_path` and renamed into place when complete; an existing one is updated
    in place, one transaction per batch (WAL). `on_result` is called with each file's
    result as it is loaded (for progress and error messages).

    Raises PipelineError when another ingest is building the same database.
    """
    summary = IngestSummary()
    fresh = not os.path.exists(db_path)
    if fresh:
        db = start_fresh_build(db_path)
    else:
        db = sqlite_utils.Database(db_path)
        db.conn.execute("PRAGMA journal_mode = WAL")
        db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        ensure_db_shape(db)
        loader = Loader(db, batch_size=batch_size)
        # url / published / retrieved from manifest.jsonl or manifest.csv beside the files
        provenance, manifest_notes = provenance_for_files(files)
        summary.notes.extend(manifest_notes)  # the files still load, without provenance
        unchanged: dict[str, dict[str, str]] = {}
        for r in parse_many(files, loader.shas, jobs, provenance=provenance):
            if r["status"] == "ok" and not loader.add_prepared(r["rows"]):
                r = {"status": "unchanged", "path": r["path"]}  # bytes loaded from another path
            elif r["status"] == "unchanged":
                loader.unchanged(r["path"], r["sha256"])
                if prov := provenance.get(str(Path(r["path"]).resolve())):
                    unchanged[r["sha256"]] = prov
            if r["status"] == "error" and _links_its_report(r, provenance):
                # a fetched page that only links its report (the attachments load): not
                # a failure; an error recorded for it by an older run goes
                summary.notes.append(f"{r['path']}: {LINKING_PAGE_NOTE}")
                loader.unchanged(r["path"], r["sha256"])
                r = {"status": "skipped", "path": r["path"]}
            summary.counts[r["status"]] += 1
            if r["status"] == "error":
                place = f": {r['place']}" if r["place"] else ""
                summary.errors.append(f"{r['path']}{place}: {r['error']}")
                loader.add_error(
                    r["path"], r["sha256"], r["error"], r["place"], r["raw"], r["text"]
                )
            if on_result is not None:
                on_result(r)
        update_provenance(db, unchanged)  # an unchanged file may have a new manifest line
        loader.finish()
    except BaseException:
        if fresh:  # nothing to keep: the previous state was no database at all
            db.close()
            with contextlib.suppress(FileNotFoundError):
                os.remove(db_path + BUILDING_SUFFIX)
        raise
    if fresh:
        finish_fresh_build(db, db_path)
    else:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            # A single file for `datasette -i` and downloads; skipped while someone reads it.
            db.conn.execute("PRAGMA journal_mode = DELETE")
        except sqlite_module(db.conn).OperationalError as e:
            summary.notes.append(f"kept WAL mode ({e})")
        db.close()
    return summary
