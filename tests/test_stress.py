"""Load test on loopback against scripts/serve-prod.sh (make stress).

Many concurrent clients for DURATION seconds mix page views, JSON API calls and
expensive SQL. Every cheap request must answer in time and none may fail (5xx or
connection error); the expensive ones are refused (429) or time out (400); the
server's memory stays flat. Prints one RESULTS line for the README.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.test_hostile import ENDLESS, SAMPLES, ingest, serve_prod

DURATION = 60.0
CLIENTS = 50
CHEAP_TIMEOUT = 5.0  # seconds: a cheap request slower than this is a failure
CHEAP = [
    "/",
    "/nianbao",
    "/nianbao/reports",
    "/nianbao/reports?_sort_desc=new_received",
    "/nianbao/reports.json?_shape=array",
    "/nianbao/reports.json?_facet=province&_facet=year",
    "/nianbao/applications.json?_size=200",
    "/nianbao/sections?_search=公开",
    "/robots.txt",
    "/sitemap.xml",
    "/-/static/app.css",
]
EXPENSIVE = [
    "/nianbao.json?sql=" + ENDLESS,
    "/nianbao.json?sql=select count(*) from sections a, sections b, sections c, sections d, sections e",
    "/nianbao.json?sql=select group_concat(text) from sections a, sections b",
]


def rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


@pytest.mark.stress
def test_load_mix_on_loopback(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for n in range(20):
        for sample in sorted(SAMPLES.glob("*.txt")):
            shutil.copy(sample, reports / f"{n:02d}_{sample.name}")
    db = tmp_path / "nianbao.db"
    ingest(db, reports)
    latencies: list[float] = []
    failures: list[str] = []
    counts = {"cheap": 0, "expensive": 0, "refused": 0, "timed_out": 0, "not_modified": 0}

    async def client(n: int, base: str) -> None:
        rnd = random.Random(n)
        async with httpx.AsyncClient(base_url=base, timeout=CHEAP_TIMEOUT * 2) as http:
            end = time.monotonic() + DURATION
            while time.monotonic() < end:
                expensive = rnd.random() < 0.2
                path = rnd.choice(EXPENSIVE if expensive else CHEAP)
                start = time.perf_counter()
                try:
                    r = await http.get(path)
                except httpx.HTTPError as e:
                    failures.append(f"{path}: {type(e).__name__}")
                    continue
                elapsed = time.perf_counter() - start
                if r.status_code >= 500:
                    failures.append(f"{path}: {r.status_code}")
                elif expensive:
                    counts["expensive"] += 1
                    if r.status_code == 429:
                        counts["refused"] += 1
                    elif r.status_code == 400 and "too long" in r.text:
                        counts["timed_out"] += 1
                    elif r.status_code != 200:
                        failures.append(f"{path}: {r.status_code}")
                else:
                    counts["cheap"] += 1
                    latencies.append(elapsed)
                    if r.status_code != 200 or elapsed > CHEAP_TIMEOUT:
                        failures.append(f"{path}: {r.status_code} in {elapsed:.2f}s")

    with serve_prod(db) as (base, pid):
        httpx.get(f"{base}/nianbao/reports").raise_for_status()
        rss_start = rss_mb(pid)

        async def main() -> None:
            await asyncio.gather(*(client(n, base) for n in range(CLIENTS)))

        asyncio.run(main())
        rss_end = rss_mb(pid)
        assert httpx.get(f"{base}/nianbao/reports.json").status_code == 200

    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95)]
    total = counts["cheap"] + counts["expensive"]
    print(
        f"\nRESULTS: {CLIENTS} clients x {DURATION:.0f}s: {total} requests "
        f"({total / DURATION:.0f}/s), {len(failures)} errors; cheap {counts['cheap']} "
        f"p50 {p50 * 1000:.0f} ms p95 {p95 * 1000:.0f} ms max {latencies[-1] * 1000:.0f} ms; "
        f"expensive {counts['expensive']}: {counts['refused']} refused (429), "
        f"{counts['timed_out']} timed out; RSS {rss_start:.0f} -> {rss_end:.0f} MB"
    )
    assert failures == [], failures[:20]
    assert counts["refused"] + counts["timed_out"] == counts["expensive"] > 0
    assert rss_end < rss_start * 1.5 + 50, (rss_start, rss_end)
