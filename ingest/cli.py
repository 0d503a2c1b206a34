"""The `nianbao` command line: a thin layer over parse, load and synth."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

import click
import sqlite_utils

from . import checks as validator
from .extract import ExtractError, read_document
from .load import Loader, ensure_db_shape, prepare, sqlite_module
from .parse import ParseError, parse_document

SUFFIXES = {".txt", ".html", ".htm", ".docx", ".pdf", ".doc"}


@click.group()
@click.version_option(package_name="nianbao")
def cli() -> None:
    """nianbao: parse government information-disclosure annual reports into SQLite."""


def _files(paths: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(
                str(f)
                for f in sorted(path.rglob("*"))
                if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith(".")
            )
        elif path.exists():
            out.append(str(path))
        else:
            raise click.UsageError(f"{p}: no such file or directory")
    return out


def _source_path(path: str) -> str:
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else os.path.abspath(path)


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


def parse_one(path: str, known_sha: str | None = None) -> dict[str, Any]:
    """Parse one file; never raises for bad input (the result says what went wrong)."""
    source = _source_path(path)
    try:
        doc = read_document(path)
    except ExtractError as e:
        return _failure(source, e.sha256, e.reason, e.place, e.raw, None)
    if known_sha is not None and doc.sha256 == known_sha:
        return {"status": "unchanged", "path": source}
    try:
        report, text = parse_document(doc, source)
    except ExtractError as e:
        return _failure(source, doc.sha256, e.reason, e.place, doc.raw, doc.text)
    except ParseError as e:
        return _failure(source, doc.sha256, e.reason, e.place, doc.raw, doc.text)
    except Exception as e:  # a parser bug must not stop the run or lose the file
        error = f"internal parser error: {type(e).__name__}: {e}"
        return _failure(source, doc.sha256, error, None, doc.raw, doc.text)
    return {"status": "ok", "path": source, "report": report, "text": text}


def _parse_for_load(path: str, known_sha: str | None) -> dict[str, Any]:
    """parse_one, with a parsed report already turned into its database rows.

    Runs in the parse workers: the rows (`load.Prepared`) pickle cheaper than the
    nested report and leave the main process little more than executemany.
    """
    result = parse_one(path, known_sha)
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


def _parse_chunk(args: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    return [_parse_for_load(path, sha) for path, sha in args]


def _parse_many(
    files: list[str], known: dict[str, str], jobs: int, chunk_size: int = 16
) -> Iterator[dict[str, Any]]:
    """Parse results in file order. With jobs > 1, a few chunks of files are in
    flight at a time (not the whole list), so memory stays flat however many files
    there are and however far the loader lags behind the workers."""
    args = ((f, known.get(_source_path(f))) for f in files)
    if jobs <= 1:
        for f, sha in args:
            yield _parse_for_load(f, sha)
        return
    chunks = iter(lambda: list(islice(args, chunk_size)), [])
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        in_flight: deque[Future[list[dict[str, Any]]]] = deque(
            pool.submit(_parse_chunk, chunk) for chunk in islice(chunks, jobs * 4)
        )
        while in_flight:
            results = in_flight.popleft().result()
            for chunk in islice(chunks, 1):
                in_flight.append(pool.submit(_parse_chunk, chunk))
            yield from results


def _summary(report: dict[str, Any]) -> str:
    tables = [
        name
        for key, name in (("proactive", "二"), ("applications", "三"), ("review_litigation", "四"))
        if report.get(key)
    ]
    failed = validator.failed(report["checks"], "hard")
    lines = [
        f"{report['source']['path']}",
        f"  agency:   {report.get('agency')}  ({report.get('agency_type')}, scope {report.get('scope')})",
        f"  year:     {report.get('year')}  format: {report.get('format')}  layout: {report['source']['layout']}",
        f"  region:   {' '.join(v for v in (report.get('region') or {}).values() if v) or '-'}",
        f"  tables:   {' '.join(tables) or 'none'}",
        f"  checks failed: {len(failed)}"
        + "".join(
            f"\n    {c['check']}: expected {c['expected']}, actual {c['actual']}" for c in failed
        ),
        f"  warnings: {len(report['warnings'])}"
        + "".join(f"\n    {w}" for w in report["warnings"]),
    ]
    return "\n".join(lines)


@cli.command(name="parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the canonical JSON (JSON Lines for several files)",
)
def parse_command(files: tuple[str, ...], as_json: bool) -> None:
    """Parse report files and print what was read.

    Example: nianbao parse data/samples/000_872c2db3c34386f9.txt --json
    """
    failures = 0
    for f in files:
        result = parse_one(f)
        if result["status"] == "error":
            failures += 1
            place = f": {result['place']}" if result["place"] else ""
            click.echo(f"Error: {result['path']}{place}: {result['error']}", err=True)
            continue
        report = result["report"]
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False, indent=None if len(files) > 1 else 1))
        else:
            click.echo(_summary(report))
    if failures:
        raise click.ClickException(f"{failures} of {len(files)} files could not be parsed")


BUILDING_SUFFIX = ".building"


def _start_fresh_build(db_path: str) -> sqlite_utils.Database:
    """Open DB.building for a new database, built for speed and renamed over DB at the end.

    The build needs no rollback journal and no fsync per batch (journal off,
    synchronous off: every page is written once): a run killed mid-way, or one that
    fails, leaves only DB.building, which is thrown away (the next run deletes it
    before it starts again). Not a journal in memory either: that would hold every
    index page a batch touches, growing with the database. The connection holds an
    exclusive lock for its whole life, so a leftover file still locked belongs to a
    running ingest.
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
                raise click.ClickException(
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


def _finish_fresh_build(db: sqlite_utils.Database, db_path: str) -> None:
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


def _unique_files(paths: tuple[str, ...]) -> list[str]:
    """The files to ingest, each source path once (a file named twice, or a folder and a
    file inside it, would otherwise load one report twice)."""
    seen: set[str] = set()
    out = []
    for f in _files(paths):
        source = _source_path(f)
        if source not in seen:
            seen.add(source)
            out.append(f)
    return out


@cli.command(name="ingest")
@click.argument("db_path", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, required=True)
@click.option("-j", "--jobs", default=1, show_default=True, help="Parse in N processes")
@click.option("-s", "--silent", is_flag=True, help="No progress bar")
@click.option("--batch-size", default=500, show_default=True, help="Reports per transaction")
def ingest_command(
    db_path: str, paths: tuple[str, ...], jobs: int, silent: bool, batch_size: int
) -> None:
    """Parse files (or folders, recursively) and load them into a SQLite database.

    Re-running on the same files changes nothing; a changed file replaces its old
    report. A file that cannot be parsed is recorded in the ingest_errors table
    (with its raw bytes) and on stderr; the others load; the exit code is non-zero.

    A new database is built beside DB (as DB.building) and renamed into place when
    complete; an existing one is updated in place, one transaction per batch (WAL).
    Either way a killed run leaves the previous database valid, and re-running
    finishes the job.

    Example: nianbao ingest nianbao.db data/samples --jobs 2
    """
    files = _unique_files(paths)
    fresh = not os.path.exists(db_path)
    if fresh:
        db = _start_fresh_build(db_path)
    else:
        db = sqlite_utils.Database(db_path)
        db.conn.execute("PRAGMA journal_mode = WAL")
        db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        ensure_db_shape(db)
        loader = Loader(db, batch_size=batch_size)
        errors: list[str] = []
        counts = {"ok": 0, "unchanged": 0, "error": 0}
        results = _parse_many(files, loader.known, jobs)
        with (
            open(os.devnull, "w") as devnull,
            click.progressbar(
                results, length=len(files), label="Ingesting", file=devnull if silent else None
            ) as bar,
        ):
            for r in bar:
                counts[r["status"]] += 1
                if r["status"] == "ok":
                    loader.add_prepared(r["rows"])
                elif r["status"] == "error":
                    place = f": {r['place']}" if r["place"] else ""
                    msg = f"{r['path']}{place}: {r['error']}"
                    errors.append(msg)
                    click.echo(f"\nError: {msg}", err=True)
                    loader.add_error(
                        r["path"], r["sha256"], r["error"], r["place"], r["raw"], r["text"]
                    )
        loader.finish()
    except BaseException:
        if fresh:  # nothing to keep: the previous state was no database at all
            db.close()
            with contextlib.suppress(FileNotFoundError):
                os.remove(db_path + BUILDING_SUFFIX)
        raise
    if fresh:
        _finish_fresh_build(db, db_path)
    else:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            # A single file for `datasette -i` and downloads; skipped while someone reads it.
            db.conn.execute("PRAGMA journal_mode = DELETE")
        except sqlite_module(db.conn).OperationalError as e:
            click.echo(f"note: kept WAL mode ({e})", err=True)
        db.close()
    if not silent:
        click.echo(
            f"{counts['ok']} loaded, {counts['unchanged']} unchanged, {counts['error']} failed -> {db_path}",
            err=True,
        )
    if errors:
        raise click.ClickException(
            f"{len(errors)} of {len(files)} files failed; see the ingest_errors table"
        )


if __name__ == "__main__":  # pragma: no cover
    cli(sys.argv[1:])
from .synth import synth_command  # noqa: E402

cli.add_command(synth_command)
