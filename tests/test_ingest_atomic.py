"""An ingest killed with SIGKILL mid-way leaves a valid database, and re-running finishes it.

Into an existing database the loader commits one transaction per batch (WAL journal), so
at any instant the file holds the previous contents plus whole batches: never half a
report. A new database is built beside (DB.building) and renamed into place at the end.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from tests.helpers import write_copy

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.txt"))
NIANBAO = str(Path(sys.executable).parent / "nianbao")
COPIES = 60  # x 5 samples = 300 files


def make_reports(folder: Path) -> int:
    folder.mkdir()
    for n in range(COPIES):
        for sample in SAMPLES:
            write_copy(sample, folder / f"{n:03d}_{sample.name}", n)
    return COPIES * len(SAMPLES)


def count(db: Path) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        return conn.execute("select count(*) from reports").fetchone()[0]


def snapshot(db: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("select id, json from reports order by id").fetchall()


def kill_ingest_when(db: Path, cwd: Path, ready: Callable[[], bool], poll: float) -> None:
    """Start `nianbao ingest DB batch` in small batches, SIGKILL it once ready() is true."""
    proc = subprocess.Popen(
        [NIANBAO, "ingest", str(db), "batch", "-s", "--batch-size", "10"],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    try:
        while not ready():
            assert proc.poll() is None, "ingest finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(poll)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_mid_ingest_leaves_previous_contents_and_rerun_finishes(tmp_path: Path) -> None:
    db = tmp_path / "nianbao.db"
    subprocess.run([NIANBAO, "ingest", str(db), *map(str, SAMPLES), "-s"], check=True, cwd=tmp_path)
    before = snapshot(db)
    assert len(before) == len(SAMPLES)

    total = make_reports(tmp_path / "batch")
    # two batches committed: kill inside the run
    kill_ingest_when(db, tmp_path, lambda: count(db) >= len(before) + 20, 0.05)

    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        partial = conn.execute("select count(*) from reports").fetchone()[0]
        orphans = conn.execute(
            "select count(*) from sources where id not in (select source_id from reports)"
        ).fetchone()[0]
    assert len(before) + 20 <= partial < len(before) + total
    assert orphans == 0
    assert set(before) <= set(snapshot(db))  # the previous reports, byte for byte

    subprocess.run([NIANBAO, "ingest", str(db), "batch", "-s"], check=True, cwd=tmp_path)
    assert count(db) == len(before) + total
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert (
            conn.execute("select count(*) from sections_fts").fetchone()[0]
            == conn.execute("select count(*) from sections").fetchone()[0]
        )
    assert set(before) <= set(snapshot(db))


def test_sigkill_mid_new_database_leaves_nothing_half_built_and_rerun_builds_it(
    tmp_path: Path,
) -> None:
    """A new database is built as DB.building and renamed into place when complete:
    killed mid-way, there is still no DB (nothing half-built to serve), and the next
    run starts the build again from scratch."""
    db = tmp_path / "nianbao.db"
    building = tmp_path / "nianbao.db.building"
    total = make_reports(tmp_path / "batch")
    # the schema alone is under 0.5 MB; 2 MB means batches of reports are written
    kill_ingest_when(
        db, tmp_path, lambda: building.exists() and building.stat().st_size > 2_000_000, 0.02
    )
    assert not db.exists()
    assert building.exists()

    subprocess.run([NIANBAO, "ingest", str(db), "batch", "-s"], check=True, cwd=tmp_path)
    assert not building.exists()
    assert count(db) == total
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        assert (
            conn.execute("select count(*) from sections_fts").fetchone()[0]
            == conn.execute("select count(*) from sections").fetchone()[0]
        )
