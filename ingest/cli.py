"""The `nianbao` command line: click only, over ingest.pipeline and the synthetic corpus."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from . import pipeline
from . import validate as validator
from .corpus.synth import synth_command
from .fetch.command import fetch_command


@click.group()
@click.version_option(package_name="nianbao")
def cli() -> None:
    """nianbao: parse government information-disclosure annual reports into SQLite."""


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
            f"\n    {c['check']}: reported {c['reported']}, computed {c['computed']}"
            for c in failed
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
    # url / published / retrieved from a manifest beside the files, as ingest stores them
    provenance, notes = pipeline.provenance_for_files(files)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    for f in files:
        result = pipeline.parse_one(f, provenance=provenance.get(str(Path(f).resolve())))
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

    A new database is built beside DB (as DB.building) and renamed into place when
    complete; an existing one is updated in place, one transaction per batch (WAL).
    Either way a killed run leaves the previous database valid, and re-running
    finishes the job.

    A manifest.jsonl (from nianbao fetch) or manifest.csv in the files' folders or
    above them gives each file its original url and its published and retrieved
    dates.

    Example: nianbao ingest nianbao.db data/samples --jobs 2
    """
    try:
        files = pipeline.unique_files(paths)
    except FileNotFoundError as e:
        raise click.UsageError(f"{e.args[0]}: no such file or directory") from e
    with (
        open(os.devnull, "w") as devnull,
        click.progressbar(
            length=len(files), label="Ingesting", file=devnull if silent else None
        ) as bar,
    ):

        def on_result(r: dict[str, Any]) -> None:
            bar.update(1)
            if r["status"] == "error":
                place = f": {r['place']}" if r["place"] else ""
                # a new line after the progress bar's, none between messages when silent
                start = "" if silent else "\n"
                click.echo(f"{start}Error: {r['path']}{place}: {r['error']}", err=True)

        try:
            summary = pipeline.ingest(
                db_path, files, jobs=jobs, batch_size=batch_size, on_result=on_result
            )
        except pipeline.PipelineError as e:
            raise click.ClickException(str(e)) from e
    for note in summary.notes:
        click.echo(f"note: {note}", err=True)
    counts = summary.counts
    if not silent:
        skipped = f", {counts['skipped']} skipped" if counts["skipped"] else ""
        click.echo(
            f"{counts['ok']} loaded, {counts['unchanged']} unchanged, {counts['error']} failed"
            f"{skipped} -> {db_path}",
            err=True,
        )
    if summary.errors:
        raise click.ClickException(
            f"{len(summary.errors)} of {len(files)} files failed; see the ingest_errors table"
        )


cli.add_command(synth_command)
cli.add_command(fetch_command)
