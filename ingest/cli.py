"""The `nianbao` command line: a thin layer over parse, load and synth."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click
import sqlite_utils

from . import checks as validator
from .extract import ExtractError, read_document
from .load import Loader, ensure_db_shape
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


def _parse_many(files: list[str], known: dict[str, str], jobs: int) -> Iterator[dict[str, Any]]:
    args = [(f, known.get(_source_path(f))) for f in files]
    if jobs <= 1:
        for f, sha in args:
            yield parse_one(f, sha)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(parse_one, *zip(*args, strict=True), chunksize=16)


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

    Example: nianbao ingest nianbao.db data/samples --jobs 2
    """
    files = _files(paths)
    db = sqlite_utils.Database(db_path)
    db.conn.execute("PRAGMA journal_mode = WAL")
    db.conn.execute("PRAGMA synchronous = NORMAL")
    ensure_db_shape(db)
    loader = Loader(db, batch_size=batch_size)
    errors: list[str] = []
    counts = {"ok": 0, "unchanged": 0, "error": 0}
    results = _parse_many(files, loader.known, jobs)
    with click.progressbar(
        results,
        length=len(files),
        label="Ingesting",
        file=None if not silent else open(os.devnull, "w"),
    ) as bar:
        for r in bar:
            counts[r["status"]] += 1
            if r["status"] == "ok":
                loader.add(r["report"], r["path"], r["text"])
            elif r["status"] == "error":
                place = f": {r['place']}" if r["place"] else ""
                msg = f"{r['path']}{place}: {r['error']}"
                errors.append(msg)
                click.echo(f"\nError: {msg}", err=True)
                loader.add_error(
                    r["path"], r["sha256"], r["error"], r["place"], r["raw"], r["text"]
                )
    loader.finish()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    try:
        # A single file for `datasette -i` and downloads; skipped while someone reads it.
        db.conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.OperationalError as e:
        click.echo(f"note: kept WAL mode ({e})", err=True)
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
