"""The `nianbao fetch` click command (registered in ingest/cli.py); the work is in run.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from . import DEFAULT_USER_AGENT, Fetcher, Outcome, Settings, read_urls


@click.command(name="fetch")
@click.argument("urls", nargs=-1)
@click.option(
    "-i",
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    help="A file of URLs, one per line ('#' comments; '-' for stdin)",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the files and manifest.jsonl",
)
@click.option(
    "--delay", default=1.0, show_default=True, help="Seconds between requests to one host"
)
@click.option(
    "--timeout", default=30.0, show_default=True, help="Seconds to wait for a connection or data"
)
@click.option("--max-time", default=300.0, show_default=True, help="Seconds for one whole download")
@click.option("--retries", default=3, show_default=True, help="Retries after a timeout, 429 or 5xx")
@click.option(
    "--backoff", default=1.0, show_default=True, help="First pause before a retry (doubles)"
)
@click.option("--max-size", default=100.0, show_default=True, help="Largest file kept, in MB")
@click.option(
    "--user-agent",
    default=DEFAULT_USER_AGENT,
    show_default=True,
    help="Sent with every request, and matched against robots.txt groups",
)
@click.option(
    "--refresh", is_flag=True, help="Download again files whose server gave no ETag/Last-Modified"
)
@click.option("-s", "--silent", is_flag=True, help="No progress bar or summary")
def fetch_command(
    urls: tuple[str, ...],
    input_file: Any,  # a click.File (LazyFile) or None
    out_dir: Path,
    delay: float,
    timeout: float,
    max_time: float,
    retries: int,
    backoff: float,
    max_size: float,
    user_agent: str,
    refresh: bool,
    silent: bool,
) -> None:
    """Download report pages and the attachments they link (PDF, DOC, DOCX, WPS, XLS)
    into OUT, with OUT/manifest.jsonl saying where each file came from and when.

    Polite: obeys robots.txt, one request at a time with --delay seconds between two
    requests to a host (or its Crawl-delay), retries 5xx/429/timeouts with backoff.
    Re-running the same command asks the server whether files changed (ETag /
    Last-Modified) and downloads only what did; an interrupted run picks up where it
    stopped. A URL that fails is reported and the run goes on; the exit code is 1 if
    any failed. Then: nianbao ingest nianbao.db OUT

    Example: nianbao fetch -o data/fetched https://www.example.gov.cn/art/2024/1/15/art_1.html
    """
    wanted = list(urls)
    if input_file is not None:
        wanted += read_urls(input_file.read())
    if not wanted:
        raise click.UsageError("give URLs, or -i FILE with one URL per line")
    settings = Settings(
        user_agent=user_agent,
        delay=delay,
        timeout=timeout,
        max_time=max_time,
        retries=retries,
        backoff=backoff,
        max_bytes=int(max_size * 1024 * 1024),
    )
    fetcher = Fetcher(out_dir, settings, refresh=refresh)
    failed: list[Outcome] = []
    totals = {"downloaded": 0, "unchanged": 0}
    start = "" if silent else "\n"  # a new line after the progress bar's; none when silent
    with (
        open(os.devnull, "w") as devnull,
        click.progressbar(
            fetcher.run(list(dict.fromkeys(wanted))),
            length=len(dict.fromkeys(wanted)),
            label="Fetching",
            file=devnull if silent else None,
        ) as bar,
    ):
        for outcome in bar:
            totals["downloaded"] += outcome.downloaded
            totals["unchanged"] += outcome.unchanged
            for error in outcome.errors:
                click.echo(f"{start}Error: {error}", err=True)
            for note in outcome.notes:
                click.echo(f"{start}note: {note}", err=True)
            if not outcome.ok:
                failed.append(outcome)
    if not silent:
        click.echo(
            f"{totals['downloaded']} downloaded, {totals['unchanged']} unchanged, "
            f"{len(failed)} of {len(dict.fromkeys(wanted))} URLs with errors -> {out_dir}",
            err=True,
        )
    if failed:
        lines = "\n".join(f"  {e}" for o in failed for e in o.errors)
        click.echo(f"Failed:\n{lines}", err=True)
        sys.exit(1)
