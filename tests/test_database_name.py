"""Small traps of serving (issue 12): a database file not named nianbao.db, `make
serve-prod DB=…` and the samples, an inspect file left from another database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import click
import httpx
import pytest
from datasette.app import Datasette

from tests.conftest import SAMPLES, load_metadata
from tests.test_hostile import BIN, ingest, serve_prod

ROOT = Path(__file__).resolve().parents[1]


def site(*dbs: Path) -> Datasette:
    return Datasette(
        [str(db) for db in dbs],
        metadata=load_metadata(),
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
    )


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("names") / "reports-2024.db"
    ingest(db, SAMPLES)
    return db


async def test_a_database_of_any_name_is_served_with_the_site_metadata(samples_db: Path) -> None:
    ds = site(samples_db)
    databases = (await ds.client.get("/-/databases.json")).json()
    assert [d["name"] for d in databases] == ["nianbao"]
    assert databases[0]["path"] == str(samples_db)
    page = await ds.client.get("/nianbao/reports.json?_shape=array&_col=id")
    assert page.status_code == 200 and len(page.json()) == 5
    # the metadata applies: the table's Chinese title and a canned query
    assert "年度报告" in (await ds.client.get("/nianbao/reports")).text
    meta = (await ds.client.get("/nianbao.json")).json()
    assert meta["database"] == "nianbao"
    assert (await ds.client.get("/nianbao/failed_identities.json")).status_code == 200


async def test_several_databases_without_nianbao_refuse_to_start(
    samples_db: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    shutil.copy(samples_db, other)
    ds = site(samples_db, other)
    with pytest.raises(
        click.ClickException, match=r"describes the database 'nianbao'.*reports-2024, other"
    ):
        await ds.invoke_startup()


def _count(base: str) -> int:
    return httpx.get(f"{base}/nianbao/reports.json?_size=0", timeout=10).json()[
        "filtered_table_rows_count"
    ]


def test_serve_prod_serves_any_name_and_rebuilds_inspect_when_the_content_changes(
    tmp_path: Path,
) -> None:
    """serve-prod.sh: a file not called nianbao.db is served as nianbao (with its inspect
    counts); a different database put in its place with an older date than the inspect
    file gets a new inspect file (the old counts would say 5 reports)."""
    db = tmp_path / "annual.db"
    ingest(db, SAMPLES)
    with serve_prod(db) as (base, _):
        assert _count(base) == 5
    inspect = tmp_path / "inspect-data.json"
    assert json.loads(inspect.read_text())["annual"]["tables"]["reports"]["count"] == 5

    fewer = tmp_path / "fewer"
    fewer.mkdir()
    for name in sorted(p.name for p in SAMPLES.glob("*.txt"))[:2]:
        shutil.copy(SAMPLES / name, fewer / name)
    replacement = tmp_path / "replacement.db"
    ingest(replacement, fewer)
    shutil.copy(replacement, db)
    old = inspect.stat().st_mtime - 3600
    os.utime(db, (old, old))  # copied in with its old date: older than the inspect file
    with serve_prod(db) as (base, _):
        assert _count(base) == 2
    assert json.loads(inspect.read_text())["annual"]["tables"]["reports"]["count"] == 2


def _make_n(*args: str) -> str:
    done = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
    )
    return done.stdout + done.stderr


def test_make_serve_prod_with_a_named_database_does_not_ingest_the_samples(tmp_path: Path) -> None:
    prod = tmp_path / "prod.db"
    prod.write_bytes(b"")
    for target in ("serve-prod", "serve", "publish"):
        named = _make_n(target, f"DB={prod}")
        assert "data/samples" not in named, named  # no `nianbao ingest DB data/samples`
        assert f'test -f "{prod}"' in named
    # the default database is still built from the samples on a fresh machine
    assert f"{BIN.relative_to(ROOT)}/nianbao ingest nianbao.db data/samples" in _make_n(
        "serve-prod"
    )
    missing = subprocess.run(
        ["make", "serve-prod", f"DB={tmp_path / 'missing.db'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode != 0
    assert f"{tmp_path / 'missing.db'}: no such database (build it:" in missing.stderr
