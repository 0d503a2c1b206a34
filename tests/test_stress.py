"""Load test on loopback against scripts/serve-prod.sh (make stress).

VISITORS browse like people do (a page or an API call, then a pause to read) while
ABUSERS send expensive SQL back to back for DURATION seconds. Every cheap request must
answer 200 within CHEAP_TIMEOUT and none may fail; every expensive one is refused
(429 with Retry-After), stopped at the time or memory limit (400 with a message) or
answers 200; the server's memory stays flat. Prints one LOAD RESULTS line for the
README. The normal run has a short version (`test_hostile.py::test_load_mix_quick`).

The load is sized for the machine the numbers in the README come from (2 shared
cores): one Datasette process renders about 20-25 cheap pages a second on one core
(the GIL), so the visitors' pace (about 15 requests/s in all) keeps it below
saturation. A closed loop of clients with no pause measures only saturation: by
Little's law its latency is clients / throughput whatever the limits do.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil
import pytest

from tests.helpers import write_copy
from tests.test_hostile import ENDLESS, SAMPLES, ingest, serve_prod

DURATION = float(os.environ.get("NIANBAO_STRESS_SECONDS", "60"))
VISITORS = int(os.environ.get("NIANBAO_STRESS_VISITORS", "40"))
ABUSERS = int(os.environ.get("NIANBAO_STRESS_ABUSERS", "10"))
THINK = (1.0, 4.0)  # seconds a visitor pauses between requests (uniform)
ABUSER_PAUSE = 0.25  # seconds after a 429: abusers ignore Retry-After, but do not spin
CHEAP_TIMEOUT = 5.0  # seconds: a cheap request slower than this is a failure
COPIES = 20  # copies of the five samples: a database of 100 reports
CHEAP = [
    "/",
    "/nianbao",
    "/nianbao/reports",
    "/nianbao/reports?_sort_desc=new_received",
    "/nianbao/reports.json?_shape=array",
    "/nianbao/reports.json?_facet=province&_facet=year",
    "/nianbao/applications.json?_size=200",
    "/nianbao/sections?_search=公开",
    "/nianbao/province_overview",
    "/-/search?q=申请",
    "/robots.txt",
    "/sitemap.xml",
    "/-/static/app.css",
    "/report/{id}",
    "/report/{id}",
    "/report/{id}.json",
]
CROSS_JOIN = "select count(*) from sections a, sections b, sections c, sections d, sections e"
EXPENSIVE = [
    "/nianbao.json?" + urlencode({"sql": ENDLESS}),
    "/nianbao.json?" + urlencode({"sql": CROSS_JOIN}),
    "/nianbao.json?"
    + urlencode({"sql": "select length(group_concat(a.text)) from sections a, sections b"}),
    "/nianbao.json?" + urlencode({"sql": "select length(randomblob(900000000))"}),
    "/nianbao/sections.json?" + urlencode({"_where": f"({CROSS_JOIN}) > 0"}),
    "/nianbao?" + urlencode({"sql": ENDLESS}),
]
# How the server may answer an expensive request, by words in its error message.
STOPPED = {"too long": "timed_out", "memory": "out_of_memory"}


def rss_mb(pid: int) -> float:
    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def error_message(r: httpx.Response) -> str:
    try:
        return str(r.json().get("error") or "")
    except ValueError:
        return r.text


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    expensive: dict[str, int] = field(
        default_factory=lambda: {"refused": 0, "timed_out": 0, "out_of_memory": 0, "ok": 0}
    )
    rss: list[float] = field(default_factory=list)
    requests: int = 0

    def cheap(self, path: str, r: httpx.Response | None, elapsed: float, error: str) -> None:
        self.requests += 1
        if r is None:
            self.failures.append(f"{path}: {error}")
            return
        self.latencies.append(elapsed)
        if r.status_code not in (200, 304) or elapsed > CHEAP_TIMEOUT:
            self.failures.append(f"{path}: {r.status_code} in {elapsed:.2f}s")

    def costly(self, path: str, r: httpx.Response | None, error: str) -> None:
        self.requests += 1
        if r is None:
            self.failures.append(f"{path}: {error}")
            return
        message = error_message(r)
        if r.status_code == 200:
            self.expensive["ok"] += 1
        elif r.status_code == 429 and r.headers.get("retry-after") and message:
            self.expensive["refused"] += 1
        elif r.status_code == 400 and any(word in message for word in STOPPED):
            self.expensive[next(v for k, v in STOPPED.items() if k in message)] += 1
        else:
            self.failures.append(f"{path[:60]}: {r.status_code} {message[:100]}")


async def get(http: httpx.AsyncClient, path: str) -> tuple[httpx.Response | None, float, str]:
    start = time.perf_counter()
    try:
        r = await http.get(path)
    except httpx.HTTPError as e:
        return None, time.perf_counter() - start, type(e).__name__
    return r, time.perf_counter() - start, ""


def build_db(folder: Path, copies: int) -> tuple[Path, list[str]]:
    reports = folder / "reports"
    reports.mkdir()
    for n in range(copies):
        for sample in sorted(SAMPLES.glob("*.txt")):
            write_copy(sample, reports / f"{n:02d}_{sample.name}", n)
    db = folder / "nianbao.db"
    ingest(db, reports)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        ids = [row[0] for row in conn.execute("select id from reports")]
    return db, ids


def run_load(
    base: str, pid: int | None, ids: list[str], duration: float, visitors: int, abusers: int
) -> str:
    """Run the mix against a server; assert the outcome; return the summary line.

    With ``pid`` (the server's process) the server's CPU and memory are measured too.
    """
    tally = Tally()

    async def visitor(n: int, http: httpx.AsyncClient, end: float) -> None:
        rnd = random.Random(n)
        await asyncio.sleep(rnd.uniform(0, THINK[1]))  # arrive spread out
        while time.monotonic() < end:
            path = rnd.choice(CHEAP).replace("{id}", rnd.choice(ids))
            r, elapsed, error = await get(http, path)
            tally.cheap(path, r, elapsed, error)
            await asyncio.sleep(rnd.uniform(*THINK))

    async def abuser(n: int, http: httpx.AsyncClient, end: float) -> None:
        rnd = random.Random(-n)
        while time.monotonic() < end:
            path = rnd.choice(EXPENSIVE)
            r, _, error = await get(http, path)
            tally.costly(path, r, error)
            if r is not None and r.status_code == 429:
                await asyncio.sleep(ABUSER_PAUSE)

    async def sample_rss(end: float) -> None:
        while pid is not None and time.monotonic() < end:
            tally.rss.append(rss_mb(pid))
            await asyncio.sleep(1)

    async def main() -> None:
        limits = httpx.Limits(max_connections=visitors + abusers)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
            end = time.monotonic() + duration
            await asyncio.gather(
                sample_rss(end),
                *(visitor(n, http, end) for n in range(visitors)),
                *(abuser(n, http, end) for n in range(abusers)),
            )

    # Warm up: every page once (and the fast expensive query), so lazily built caches
    # count as the baseline.
    for path in [*CHEAP, EXPENSIVE[3]]:
        httpx.get(base + path.replace("{id}", ids[0]), timeout=30)
    rss_start = rss_mb(pid) if pid else 0.0
    cpu_start = sum(psutil.Process(pid).cpu_times()[:2]) if pid else 0.0
    started = time.perf_counter()
    asyncio.run(main())
    wall = time.perf_counter() - started
    cpu = sum(psutil.Process(pid).cpu_times()[:2]) - cpu_start if pid else 0.0
    if pid:
        time.sleep(2)
    rss_end = rss_mb(pid) if pid else 0.0
    assert httpx.get(f"{base}/nianbao/reports.json").status_code == 200

    lat = sorted(tally.latencies)
    exp = tally.expensive
    summary = (
        f"LOAD RESULTS: {visitors} visitors + {abusers} abusers x {wall:.0f}s: "
        f"{tally.requests} requests, {len(tally.failures)} errors; "
        f"cheap {len(lat)} ({len(lat) / wall:.1f}/s) p50 {statistics.median(lat) * 1000:.0f} ms "
        f"p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms max {lat[-1] * 1000:.0f} ms; "
        f"expensive {sum(exp.values())}: {exp['refused']} refused (429), "
        f"{exp['timed_out']} timed out, {exp['out_of_memory']} out of memory (400), "
        f"{exp['ok']} answered"
    )
    if pid:
        third = len(tally.rss) // 3
        middle = statistics.median(tally.rss[third : 2 * third])
        late = statistics.median(tally.rss[2 * third :])
        summary += (
            f"; server CPU {cpu / wall:.0%} of a core; RSS idle {rss_start:.0f} MB, "
            f"under load {middle:.0f} MB (middle third) -> {late:.0f} MB (last third), "
            f"peak {max(tally.rss):.0f} MB, after {rss_end:.0f} MB"
        )
    assert tally.failures == [], (summary, tally.failures[:20])
    assert exp["refused"] > 0 and exp["timed_out"] > 0 and exp["out_of_memory"] > 0, summary
    if pid:
        # Flat: after the first third (the working set of 50 clients builds up) memory
        # does not grow, nor after the load; a memory-hungry query can lift it for a
        # moment, never past SQLite's heap cap (256 MB) above the idle server.
        assert late < middle * 1.05 + 5, summary
        assert rss_end < late * 1.05 + 5, summary
        assert max(tally.rss) < rss_start + 300, summary
    return summary


@pytest.mark.stress
@pytest.mark.parametrize("cache_mb", ["0", "64"], ids=["response-cache-off", "response-cache-on"])
def test_load_mix_on_loopback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cache_mb: str
) -> None:
    """With the response cache off every cheap request is rendered (the worst case);
    with it on (production), repeated URLs are served from memory."""
    db, ids = build_db(tmp_path, copies=COPIES)
    with serve_prod(db, {"NIANBAO_RESPONSE_CACHE_MB": cache_mb}) as (base, pid):
        summary = run_load(base, pid, ids, DURATION, VISITORS, ABUSERS)
    with capsys.disabled():
        print(f"\n[response cache {cache_mb} MB] {summary}")
