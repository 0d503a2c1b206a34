"""The benchmark behind `make bench`: synth, ingest, serve, load-test; writes BENCHMARKS.md.

Usage:
  .venv/bin/python bench/run.py              # 10,000 and 100,000 reports
  .venv/bin/python bench/run.py --quick      # 2,000 reports, short load test
  .venv/bin/python bench/run.py --sizes 10000 --workdir /tmp/nianbao-bench

Every stage runs as its own process under /usr/bin/time -v (peak RSS); ingest stage
times come from an instrumented in-process run of the same code the CLI calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PY = str(BIN / "python")
OUT = ROOT / "BENCHMARKS.md"
SEED = 2024
CLIENTS = 8


# ---------------------------------------------------------------------------
# Machine and versions
# ---------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as f:
        mem_kb = int(f.readline().split()[1])
    import datasette

    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "datasette": datasette.__version__,
    }


# ---------------------------------------------------------------------------
# Running a stage
# ---------------------------------------------------------------------------


def timed(cmd: list[str], log: list[str], shown: str | None = None) -> dict[str, Any]:
    """Run ``cmd`` under /usr/bin/time -v; wall seconds and peak RSS (MiB)."""
    log.append(shown or " ".join(cmd))
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", *cmd], cwd=ROOT, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if proc.returncode != 0 and "files failed; see the ingest_errors table" not in proc.stderr:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(cmd)}")
    rss = int(m.group(1)) / 1024 if m else float("nan")
    return {"seconds": wall, "rss_mib": rss, "stdout": proc.stdout}


STAGES_SCRIPT = r"""
import json, sys, time
from concurrent.futures import ProcessPoolExecutor
import sqlite_utils
from ingest import cli
from ingest.load import Loader, cross_year_checks, ensure_db_shape
from ingest.summaries import build_summaries

corpus, db_path, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = cli._files((corpus,))
t = {}
t0 = time.perf_counter()
with ProcessPoolExecutor(max_workers=jobs) as pool:
    results = list(pool.map(cli.parse_one, files, chunksize=16))
t["parse"] = time.perf_counter() - t0
db = sqlite_utils.Database(db_path)
db.conn.execute("PRAGMA journal_mode = WAL")
db.conn.execute("PRAGMA synchronous = NORMAL")
ensure_db_shape(db)
loader = Loader(db, batch_size=500)
t0 = time.perf_counter()
for r in results:
    if r["status"] == "ok":
        loader.add(r["report"], r["path"], r["text"])
loader.flush()
t["load (rows, indexes, FTS)"] = time.perf_counter() - t0
t0 = time.perf_counter()
with db.conn:
    cross_year_checks(db)
t["cross-year checks"] = time.perf_counter() - t0
t0 = time.perf_counter()
build_summaries(db)
t["summaries"] = time.perf_counter() - t0
t0 = time.perf_counter()
db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.conn.execute("PRAGMA journal_mode = DELETE")
t["checkpoint"] = time.perf_counter() - t0
t0 = time.perf_counter()
n_sections = db.execute("select count(*) from sections").fetchone()[0]
db.execute("create virtual table fts_probe using fts5(body, tokenize='unicode61')")
db.execute("insert into fts_probe (rowid, body) select rowid, body from sections_fts")
t["FTS alone (rebuild probe)"] = time.perf_counter() - t0
db.execute("drop table fts_probe")
t0 = time.perf_counter()
db.execute("reindex")
t["indexes alone (REINDEX probe)"] = time.perf_counter() - t0
print(json.dumps({"stages": t, "ok": sum(r["status"] == "ok" for r in results), "files": len(files)}))
"""


def ingest_bench(n: int, work: Path, log: list[str]) -> dict[str, Any]:
    corpus = work / f"corpus-{n}"
    marker = corpus / ".complete"
    res: dict[str, Any] = {"n": n}
    if not (marker.exists() and marker.read_text() == f"{n}:{SEED}"):
        shutil.rmtree(corpus, ignore_errors=True)
        s = timed(
            [
                str(BIN / "nianbao"),
                "synth",
                str(corpus),
                "-n",
                str(n),
                "--seed",
                str(SEED),
                "-j",
                "2",
                "-s",
            ],
            log,
        )
        marker.write_text(f"{n}:{SEED}")
        res["synth_seconds"] = s["seconds"]
    db_dir = work / f"db-{n}"
    shutil.rmtree(db_dir, ignore_errors=True)
    db_dir.mkdir(parents=True)
    db = db_dir / "nianbao.db"
    full = timed(
        [str(BIN / "nianbao"), "ingest", str(db), str(corpus), "--jobs", "2", "--silent"], log
    )
    res["ingest_seconds"] = full["seconds"]
    res["ingest_rss_mib"] = full["rss_mib"]
    res["reports_per_s"] = n / full["seconds"]
    res["db_mib"] = db.stat().st_size / 1024 / 1024
    probe = work / f"stages-{n}.db"
    probe.unlink(missing_ok=True)
    st = timed(
        [PY, "-c", STAGES_SCRIPT, str(corpus), str(probe), "2"],
        log,
        f'{PY} -c "$STAGES_SCRIPT" {corpus} {probe} 2   # bench/run.py STAGES_SCRIPT',
    )
    res["stages"] = json.loads(st["stdout"].strip().splitlines()[-1])["stages"]
    res["stages_rss_mib"] = st["rss_mib"]
    probe.unlink(missing_ok=True)
    inspect = db_dir / "inspect.json"
    t = timed([str(BIN / "datasette"), "inspect", str(db), "--inspect-file", str(inspect)], log)
    res["inspect_seconds"] = t["seconds"]
    res["db"] = str(db)
    res["inspect"] = str(inspect)
    return res


# ---------------------------------------------------------------------------
# The site under load
# ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _metadata() -> dict[str, Any]:
    path = ROOT / "metadata.yml"
    if not path.exists():
        return {}
    import yaml

    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def targets(db_path: str) -> list[tuple[str, str]]:
    """(name, path) of every page and query the issue lists."""
    meta = _metadata()
    con = sqlite3.connect(db_path)
    rid = con.execute("select id from reports order by id limit 1 offset 100").fetchone()
    year = con.execute("select max(year) from reports").fetchone()[0]
    con.close()
    out = [
        ("home page", "/"),
        ("reports table with facets", "/nianbao/reports"),
        ("applications filtered", "/nianbao/applications?row_key=new_received&_sort_desc=total"),
        (
            "reports filtered (year, province)",
            f"/nianbao/reports?year={year}&province=%E6%B9%96%E5%8D%97%E7%9C%81",
        ),
        ("search 复议 (2 characters)", "/nianbao/sections?_search=" + quote("复议")),
        ("report page", f"/report/{rid[0]}" if rid else "/report/none"),
    ]
    db_meta = (meta.get("databases") or {}).get("nianbao") or {}
    for name, q in (db_meta.get("queries") or {}).items():
        params = q.get("params") if isinstance(q, dict) else None
        qs = "&".join(f"{p}=" for p in params or [])
        out.append((f"canned query {name}", f"/nianbao/{name}" + (f"?{qs}" if qs else "")))
    dashboards = ((meta.get("plugins") or {}).get("datasette-dashboards")) or {}
    for dname, d in dashboards.items():
        out.append((f"dashboard {dname}", f"/-/dashboards/{dname}"))
        for cname, chart in (d.get("charts") or {}).items():
            sql = chart.get("query") if isinstance(chart, dict) else None
            db = chart.get("db", "nianbao") if isinstance(chart, dict) else "nianbao"
            if sql:
                sql = re.sub(r"\[\[.*?\]\]", "", sql, flags=re.S)  # optional filter clauses off
                out.append(
                    (
                        f"dashboard query {dname}/{cname}",
                        f"/{db}.json?sql={quote(sql)}&_shape=array",
                    )
                )
    return out


async def _load(base: str, path: str, seconds: float, max_requests: int) -> dict[str, Any]:
    import httpx

    lat: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    count = 0

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def worker() -> None:
            nonlocal count
            while time.perf_counter() < deadline and count < max_requests:
                count += 1
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    code = r.status_code
                except httpx.HTTPError:
                    code = 0
                lat.append(time.perf_counter() - t0)
                statuses[code] = statuses.get(code, 0) + 1

        await client.get(path)  # warm-up (caches, first-query plans)
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        wall = time.perf_counter() - t0
    lat.sort()
    return {
        "n": len(lat),
        "median_ms": 1000 * statistics.median(lat),
        "p95_ms": 1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))],
        "rps": len(lat) / wall,
        "statuses": statuses,
    }


def serve_and_load(
    db: str, extra: list[str], seconds: float, max_requests: int, log: list[str]
) -> dict[str, Any]:
    port = _free_port()
    cmd = [str(BIN / "datasette"), "serve", *extra, "--port", str(port), "--host", "127.0.0.1"]
    if (ROOT / "metadata.yml").exists():
        cmd += ["--metadata", "metadata.yml"]
    for flag, d in (("--plugins-dir", "plugins"), ("--template-dir", "templates")):
        if (ROOT / d).is_dir() and any((ROOT / d).iterdir()):
            cmd += [flag, d]
    log.append(" ".join(cmd))
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(base + "/-/versions.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        results = {}
        for name, path in targets(db):
            results[name] = asyncio.run(_load(base, path, seconds, max_requests))
            results[name]["path"] = path
        return results
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def site_bench(
    res: dict[str, Any], work: Path, seconds: float, max_requests: int, log: list[str]
) -> dict[str, Any]:
    db = res["db"]
    tuned = serve_and_load(
        db,
        ["-i", db, "--inspect-file", res["inspect"], "--setting", "suggest_facets", "off",
         "--setting", "sql_time_limit_ms", "3000", "--setting", "facet_time_limit_ms", "1000"],
        seconds, max_requests, log,
    )  # fmt: skip
    base_dir = work / "baseline"
    shutil.rmtree(base_dir, ignore_errors=True)
    base_dir.mkdir()
    base_db = base_dir / "nianbao.db"
    shutil.copy(db, base_db)
    con = sqlite3.connect(base_db)
    for (name,) in con.execute(
        "select name from sqlite_master where type='table' and name like 'summary_%'"
    ).fetchall():
        con.execute(f"drop table [{name}]")
    con.commit()
    con.close()
    baseline = serve_and_load(str(base_db), [str(base_db)], seconds, max_requests, log)
    return {"tuned": tuned, "baseline": baseline}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def write_report(mach: dict[str, str], ingests: list[dict[str, Any]], site: dict[str, Any] | None,
                 site_n: int | None, log: list[str], notes: list[str]) -> None:  # fmt: skip
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python bench/run.py`); rerun to refresh.",
        "",
    ]
    lines += ["## Machine", ""] + [f"- {k}: {v}" for k, v in mach.items()] + [""]
    lines += [
        "## Ingest",
        "",
        "Synthetic corpus: `nianbao synth DIR -n N --seed 2024 -j 2` (all layouts, ~1% PDF/DOCX).",
        "",
    ]
    lines += ["| reports | end to end (s) | reports/s | target ≥ 1,000/s | peak RSS (MiB) | DB (MiB) | datasette inspect (s) |",
              "|---:|---:|---:|---|---:|---:|---:|"]  # fmt: skip
    for r in ingests:
        rps = r["reports_per_s"]
        verdict = "met" if rps >= 1000 else f"missed by {100 * (1 - rps / 1000):.0f}%"
        lines.append(
            f"| {r['n']:,} | {r['ingest_seconds']:.1f} | {rps:,.0f} | {verdict} | {r['ingest_rss_mib']:.0f} "
            f"| {r['db_mib']:.0f} | {r['inspect_seconds']:.1f} |"
        )
    lines += [
        "",
        "Stage times (s), from an instrumented run of the same functions (bench/run.py STAGES_SCRIPT):",
        "",
    ]
    names = list(ingests[0]["stages"]) if ingests else []
    lines += [
        "| stage | " + " | ".join(f"{r['n']:,}" for r in ingests) + " |",
        "|---|" + "---:|" * len(ingests),
    ]
    for s in names:
        lines.append(f"| {s} | " + " | ".join(f"{r['stages'][s]:.1f}" for r in ingests) + " |")
    lines.append("")
    if site:
        lines += [f"## Site ({site_n:,} reports, {CLIENTS} concurrent clients on loopback)", ""]
        lines += ["Tuned: `datasette serve -i DB --inspect-file inspect.json --setting suggest_facets off …`; "
                  "baseline: `datasette serve COPY.db` (defaults, summary_* tables dropped).", ""]  # fmt: skip
        lines += ["| page / query | median ms | p95 ms | req/s | p95 < 100 ms | baseline median | baseline p95 | baseline req/s | p95 gain | statuses |",
                  "|---|---:|---:|---:|---|---:|---:|---:|---:|---|"]  # fmt: skip
        for name, t in site["tuned"].items():
            b = site["baseline"].get(name, {})
            ok = "yes" if t["p95_ms"] < 100 else f"no (+{t['p95_ms'] - 100:.0f} ms)"
            gain = f"{b['p95_ms'] / t['p95_ms']:.1f}×" if b else ""
            st = " ".join(f"{k}:{v}" for k, v in t["statuses"].items())
            bst = " ".join(f"{k}:{v}" for k, v in b.get("statuses", {}).items())
            lines.append(
                f"| {name} | {t['median_ms']:.1f} | {t['p95_ms']:.1f} | {t['rps']:.0f} | {ok} "
                f"| {b.get('median_ms', float('nan')):.1f} | {b.get('p95_ms', float('nan')):.1f} "
                f"| {b.get('rps', float('nan')):.0f} | {gain} | {st} / base {bst} |"
            )
        lines.append("")
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    lines += ["## Commands", "", "```", *log, "```", ""]
    OUT.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark ingest and site; write BENCHMARKS.md")
    ap.add_argument("--quick", action="store_true", help="2,000 reports, 3 s per page")
    ap.add_argument(
        "--sizes", default="", help="comma-separated corpus sizes (default 10000,100000)"
    )
    ap.add_argument("--workdir", default="/tmp/nianbao-bench")
    ap.add_argument("--seconds", type=float, default=0, help="load-test seconds per page")
    ap.add_argument("--no-site", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s] or (
        [2000] if args.quick else [10_000, 100_000]
    )
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    log: list[str] = []
    notes: list[str] = []
    mach = machine()
    ingests = []
    for n in sizes:
        print(f"ingest {n:,} …", file=sys.stderr)
        ingests.append(ingest_bench(n, work, log))
        print(json.dumps({k: v for k, v in ingests[-1].items() if k != "stages"}), file=sys.stderr)
        write_report(mach, ingests, None, None, log, notes)
    site = None
    if not args.no_site and ingests:
        print("site …", file=sys.stderr)
        site = site_bench(ingests[-1], work, seconds, 2000, log)
    if not (ROOT / "metadata.yml").exists():
        notes.append(
            "metadata.yml was missing at run time: no canned queries or dashboards were measured."
        )
    write_report(mach, ingests, site, ingests[-1]["n"] if ingests else None, log, notes)
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
