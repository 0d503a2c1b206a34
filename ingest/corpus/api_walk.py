"""Every row exactly once through the API: follow `next_url` through a sorted table's
JSON and stream its CSV, and count what comes back (issue 12).

Usage (bench/pagination.py is this module's command line):
  .venv/bin/python -m bench.pagination nianbao.db            # in-process Datasette
  .venv/bin/python -m bench.pagination nianbao.db --size 1000 --sorts default,_sort=province
  .venv/bin/python -m bench.pagination nianbao.db --json     # the walks as JSON (make bench)
  (or python -m ingest.corpus.api_walk …)

Runs our site as served (metadata.yml, plugins/, templates/, settings.json) in
process over DB, through Datasette's own ASGI client: no port, the same code paths as
a request. For each sort it prints the rows the database holds, the rows the walk
returned, how many distinct, how many missing and how many repeated, pages and
seconds; the exit code is 1 when any walk missed or repeated a row. tests/test_pagination.py
runs the same `check` on a few thousand synthetic reports.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from datasette.app import Datasette

ROOT = Path(__file__).resolve().parents[2]  # the repository: metadata.yml, plugins/ …
# The sorts the issue names: the table's default (sort_desc: year), a text column
# ascending, a count column descending.
DEFAULT_SORTS = ("default", "_sort=province", "_sort_desc=new_received")


@dataclass
class Walk:
    """One way through a table: what it returned against what the table holds."""

    name: str
    expected: int
    returned: int
    distinct: int
    missing: int
    repeated: int
    pages: int
    seconds: float

    @property
    def ok(self) -> bool:
        """Every row exactly once."""
        return self.missing == 0 and self.repeated == 0 and self.returned == self.expected

    def line(self) -> str:
        """One line for the console and BENCHMARKS.md."""
        verdict = "ok" if self.ok else "WRONG"
        return (
            f"{self.name:<40} rows {self.expected:>7,}  returned {self.returned:>7,}  "
            f"distinct {self.distinct:>7,}  missing {self.missing:>6,}  repeated {self.repeated:>6,}  "
            f"pages {self.pages:>5,}  {self.seconds:6.1f} s  {verdict}"
        )


def site(db_path: Path, plugins_dir: Path = ROOT / "plugins") -> Datasette:
    """Our site over `db_path` as `make serve-prod` configures it (settings.json,
    metadata.yml, plugins, templates), the database served immutable under its name."""
    with (ROOT / "metadata.yml").open(encoding="utf-8") as f:
        metadata = yaml.safe_load(f)
    settings = json.loads((ROOT / "settings.json").read_text(encoding="utf-8"))
    return Datasette(
        immutables=[str(db_path)],
        metadata=metadata,
        settings=settings,
        plugins_dir=str(plugins_dir),
        template_dir=str(ROOT / "templates"),
    )


def _summarize(name: str, expected: set[str], got: list[str], pages: int, start: float) -> Walk:
    counts = Counter(got)
    return Walk(
        name=name,
        expected=len(expected),
        returned=len(got),
        distinct=len(counts),
        missing=len(expected - counts.keys()),
        repeated=sum(n - 1 for n in counts.values() if n > 1),
        pages=pages,
        seconds=time.perf_counter() - start,
    )


async def walk_json(ds: Datasette, path: str, expected: set[str], name: str) -> Walk:
    """Follow next_url from `path` (a table .json URL) to the end; ids in order."""
    start = time.perf_counter()
    got: list[str] = []
    pages = 0
    url: str | None = path
    while url:
        response = await ds.client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
        data = response.json()
        pages += 1
        got += [str(row["id"]) for row in data["rows"]]
        next_url = data.get("next_url")
        url = None
        if next_url:
            parts = urlsplit(next_url)
            url = parts.path + ("?" + parts.query if parts.query else "")
    return _summarize(name, expected, got, pages, start)


async def stream_csv(ds: Datasette, path: str, expected: set[str], name: str) -> Walk:
    """Stream a table's CSV (`path` with _stream=on) and read its id column."""
    start = time.perf_counter()
    response = await ds.client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    got = [row["id"] for row in rows]
    return _summarize(name, expected, got, 1, start)


async def check(
    ds: Datasette,
    db_path: Path,
    *,
    database: str = "nianbao",
    sorts: tuple[str, ...] = DEFAULT_SORTS,
    size: int | None = None,
) -> list[Walk]:
    """Walk reports.json via next_url in each sort, and stream reports.csv in each sort;
    one Walk per way (JSON walks first, then the CSV streams)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        expected = {str(r[0]) for r in conn.execute("select id from reports")}
    walks: list[Walk] = []
    for sort in sorts:
        query = "" if sort == "default" else sort
        extra = f"&_size={size}" if size else ""
        path = (
            f"/{database}/reports.json?_shape=objects&_col=id&_col=year&_nofacet=1&_nocount=1{extra}"
            + (f"&{query}" if query else "")
        )
        walks.append(await walk_json(ds, path, expected, f"reports.json next_url {sort}"))
    for sort in sorts:
        query = "" if sort == "default" else sort
        path = f"/{database}/reports.csv?_stream=on&_col=id&_col=year" + (
            f"&{query}" if query else ""
        )
        walks.append(await stream_csv(ds, path, expected, f"reports.csv _stream=on {sort}"))
    return walks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("db", type=Path, help="the database (any file name)")
    parser.add_argument(
        "--size", type=int, default=None, help="_size of each JSON page (default: the table's)"
    )
    parser.add_argument(
        "--sorts",
        default=",".join(DEFAULT_SORTS),
        help="comma-separated: default, _sort=COL, _sort_desc=COL",
    )
    parser.add_argument(
        "--plugins-dir",
        type=Path,
        default=ROOT / "plugins",
        help="another plugins folder (e.g. one without pagination.py, to see the bug)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the walks as a JSON list (for bench/run.py)"
    )
    args = parser.parse_args(argv)
    ds = site(args.db, args.plugins_dir)
    database = next(iter(ds.databases.keys() - {"_internal"}))
    walks = asyncio.run(
        check(ds, args.db, database=database, sorts=tuple(args.sorts.split(",")), size=args.size)
    )
    if args.json:
        print(json.dumps([{**asdict(w), "ok": w.ok} for w in walks]))
    else:
        for w in walks:
            print(w.line())
    return 0 if all(w.ok for w in walks) else 1


if __name__ == "__main__":
    sys.exit(main())
