"""Every report exactly once through the API (issue 12): following next_url through
reports.json and streaming reports.csv, in the default sort (year descending) and in
other sorts, on a few thousand synthetic reports in a real Datasette with our plugins.

The database holds the synthetic generator's reports (ingest.corpus.synth.truths, with
their checks) loaded through the loader `nianbao ingest` uses; rendering and
re-parsing them is other tests' business.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from ingest import validate
from ingest.corpus.api_walk import DEFAULT_SORTS, check, site, stream_csv, walk_json
from ingest.corpus.synth import truths
from ingest.db.loader import Loader
from ingest.db.schema import REPORT_SORT_COLUMNS, ensure_db_shape

ROOT = Path(__file__).resolve().parents[1]
REPORTS = 2000


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pagination") / "nianbao.db"
    db = sqlite_utils.Database(path)
    ensure_db_shape(db)
    loader = Loader(db)
    for i, report in enumerate(truths(REPORTS, seed=12)):
        report["checks"] = validate.hard_checks(report) + validate.soft_checks(report)
        report.setdefault("warnings", [])
        source = f"synthetic/{i:05d}.txt"
        report["source"] = {
            "path": source,
            "sha256": hashlib.sha256(source.encode()).hexdigest(),
            "layout": "tab-cells",
            "url": None,
        }
        loader.add(report, source, None)
    loader.finish()
    db.close()
    return path


def ids(db_path: Path) -> set[str]:
    return {r[0] for r in sqlite_utils.Database(db_path).execute("select id from reports")}


def test_the_database_has_ties_on_every_page_boundary(synthetic_db: Path) -> None:
    """The case that broke: far more reports per year than a page holds."""
    db = sqlite_utils.Database(synthetic_db)
    assert db["reports"].count == REPORTS
    per_year = dict(db.execute("select year, count(*) from reports group by year").fetchall())
    assert min(per_year.values()) > 100  # the table's page size is 50
    provinces = db.execute("select count(distinct province) from reports").fetchone()[0]
    assert provinces < 40


@pytest.mark.parametrize("sort", DEFAULT_SORTS)
async def test_next_url_gives_every_report_once(synthetic_db: Path, sort: str) -> None:
    ds = site(synthetic_db)
    query = "" if sort == "default" else "&" + sort
    walk = await walk_json(
        ds,
        f"/nianbao/reports.json?_shape=objects&_nocol=json&_nofacet=1{query}",
        ids(synthetic_db),
        sort,
    )
    assert (walk.returned, walk.distinct, walk.missing, walk.repeated) == (REPORTS, REPORTS, 0, 0)
    assert walk.pages == REPORTS // 50  # the table's page size (metadata.yml)


@pytest.mark.parametrize("sort", DEFAULT_SORTS)
async def test_csv_stream_gives_every_report_once(synthetic_db: Path, sort: str) -> None:
    ds = site(synthetic_db)
    query = "" if sort == "default" else "&" + sort
    walk = await stream_csv(
        ds, f"/nianbao/reports.csv?_stream=on&_nocol=json{query}", ids(synthetic_db), sort
    )
    assert (walk.returned, walk.distinct, walk.missing, walk.repeated) == (REPORTS, REPORTS, 0, 0)


async def test_the_bench_check_counts_every_way(synthetic_db: Path) -> None:
    walks = await check(site(synthetic_db), synthetic_db, size=1000)
    assert [w.name for w in walks] == [
        *(f"reports.json next_url {s}" for s in DEFAULT_SORTS),
        *(f"reports.csv _stream=on {s}" for s in DEFAULT_SORTS),
    ]
    assert all(w.ok and w.expected == REPORTS for w in walks), [w.line() for w in walks]


async def test_default_view_is_still_year_descending(synthetic_db: Path) -> None:
    """Page 1 is newest year first, ties in id order (the order later pages continue in)."""
    ds = site(synthetic_db)
    rows = (
        await ds.client.get("/nianbao/reports.json?_shape=array&_col=id&_col=year&_size=200")
    ).json()
    db = sqlite_utils.Database(synthetic_db)
    expected = [
        tuple(r)
        for r in db.execute(
            "select id, year from reports order by year desc, id limit 200"
        ).fetchall()
    ]
    assert [(r["id"], r["year"]) for r in rows] == expected
    html = (await ds.client.get("/nianbao/reports")).text
    assert expected[0][0] in html


def test_without_the_fix_rows_are_lost(synthetic_db: Path, tmp_path: Path) -> None:
    """The same walk against Datasette without plugins/pagination.py misses and repeats
    reports (the patch is process-wide, so this runs in its own process). The serving
    index (year desc, id) happens to give page 1's ties in id order, hiding the bug for
    this one sort; it is dropped in a copy, as any plan without it (another sort, a
    database built before it) gives them in another order."""
    (tmp_path / "plain").mkdir()
    plain = tmp_path / "plain" / "nianbao.db"
    shutil.copy(synthetic_db, plain)
    sqlite_utils.Database(plain).execute("drop index serving_reports_sort_year_desc")
    synthetic_db = plain
    plugins = tmp_path / "plugins"
    shutil.copytree(
        ROOT / "plugins", plugins, ignore=shutil.ignore_patterns("pagination.py", "__pycache__")
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.pagination",
            str(synthetic_db),
            "--sorts",
            "default",
            "--plugins-dir",
            str(plugins),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "WRONG" in result.stdout.splitlines()[0]


def test_the_bench_reads_the_walks_as_json(synthetic_db: Path) -> None:
    """bench/run.py reads `python -m bench.pagination DB --json` for BENCHMARKS.md."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.pagination", str(synthetic_db), "--json", "--sorts",
         "default,_sort=province"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    walks = json.loads(result.stdout)
    assert [w["name"] for w in walks] == [
        "reports.json next_url default",
        "reports.json next_url _sort=province",
        "reports.csv _stream=on default",
        "reports.csv _stream=on _sort=province",
    ]
    for w in walks:
        assert (w["expected"], w["returned"], w["distinct"]) == (REPORTS, REPORTS, REPORTS)
        assert (w["missing"], w["repeated"], w["ok"]) == (0, 0, True)
    assert walks[0]["pages"] > 1


def register_columns() -> list[str]:
    """The columns the reports register shows (and offers to sort by), from metadata.yml."""
    import yaml

    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    table = metadata["databases"]["nianbao"]["tables"]["reports"]
    return list(table["plugins"]["nianbao-register"]["columns"])


def test_every_register_column_is_indexed_for_sorting() -> None:
    assert set(register_columns()) == set(REPORT_SORT_COLUMNS)


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_late_sorted_page_is_read_from_the_sort_index(synthetic_db: Path, direction: str) -> None:
    """Datasette's keyset SQL for page 2 on of a sorted table is answered from the
    (column, id) index, not by reading each earlier row from the table: at 100,000
    reports that read ran past the 1 s SQL limit for `_sort_desc=new_received`."""
    db = sqlite_utils.Database(synthetic_db)
    for column in register_columns():
        op, order, null = (">", "", "") if direction == "asc" else ("<", " desc", " or [c] is null")
        sql = (
            f"select id from reports where ([c] {op} :v{null} or ([c] = :v and id > :pk)) "
            f"order by [c]{order}, id limit 51"
        ).replace("[c]", f"[{column}]")
        plan = " | ".join(
            row[3] for row in db.execute("explain query plan " + sql, {"v": 1, "pk": "x"})
        )
        index = (
            f"idx_reports_{column}_id"
            if direction == "asc"
            else f"serving_reports_sort_{column}_desc"
        )
        assert f"USING INDEX {index}" in plan or f"COVERING INDEX {index}" in plan, (column, plan)
        assert "TEMP B-TREE" not in plan, (column, plan)
