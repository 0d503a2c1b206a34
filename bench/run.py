"""The benchmark behind `make bench`: synth, ingest, serve, load-test; writes BENCHMARKS.md.

Usage:
  .venv/bin/python bench/run.py              # 10,000 and 100,000 reports
  .venv/bin/python bench/run.py --quick      # 2,000 reports, short load test
  .venv/bin/python bench/run.py --sizes 10000 --workdir /tmp/nianbao-bench

  .venv/bin/python bench/run.py --site-db DB --inspect FILE [--only pagination]

The site part ends with the API walk (every row once through next_url and the CSV
stream: bench/pagination.py). Every stage runs as its own process under /usr/bin/time -v (peak RSS); ingest stage
times come from an instrumented in-process run of the same code the CLI calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shlex
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

from ingest.db.derived import derived_objects, inline_derived

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
    res["mix"] = corpus_mix(corpus)
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
    st = timed([PY, "-m", "bench.stages", str(corpus), str(probe), "2"], log)
    res["stages"] = json.loads(st["stdout"].strip().splitlines()[-1])["stages"]
    res["stages_rss_mib"] = st["rss_mib"]
    probe.unlink(missing_ok=True)
    inspect = db_dir / "inspect.json"
    # inspected by its bare name, as scripts/serve-prod.sh's configuration directory needs
    inspect_cmd = shlex.join(
        [str(BIN / "datasette"), "inspect", db.name, "--inspect-file", str(inspect)]
    )
    t = timed(
        ["sh", "-c", f"cd {shlex.quote(str(db.parent))} && exec {inspect_cmd}"],
        log,
        shown=inspect_cmd,
    )
    res["inspect_seconds"] = t["seconds"]
    res["db"] = str(db)
    res["inspect"] = str(inspect)
    return res


# File suffix → the format named in the ingest table.
FORMAT_OF_SUFFIX = {".pdf": "PDF", ".html": "HTML", ".docx": "DOCX", ".doc": "DOC",
                    ".txt": "text", ".md": "text"}  # fmt: skip


def corpus_mix(corpus: Path) -> dict[str, int]:
    """Documents of a synthetic corpus by format (those with a truth beside them)."""
    counts: dict[str, int] = {}
    for p in corpus.rglob("*"):
        fmt = FORMAT_OF_SUFFIX.get(p.suffix)
        if fmt and p.with_suffix(".truth.json").exists():
            counts[fmt] = counts.get(fmt, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _mix_text(mix: dict[str, int]) -> str:
    total = sum(mix.values()) or 1
    return ", ".join(f"{fmt} {100 * k / total:.1f}%" for fmt, k in mix.items())


def _script_json(script: str, args: list[str], out: Path, log: list[str]) -> dict[str, Any]:
    """Run bench/<script> with `args` and ``--json out`` (timed, logged); what it wrote."""
    timed([PY, str(ROOT / "bench" / script), *args, "--json", str(out)], log)
    res: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return res


def accuracy_bench(n: int, work: Path, log: list[str]) -> dict[str, Any]:
    """bench/accuracy.py on a corpus: every parsed report against its truth."""
    args = [str(work / f"corpus-{n}"), "--jobs", "2", "--show", "0"]
    res = _script_json("accuracy.py", args, work / f"accuracy-{n}.json", log)
    res["n"] = n
    return res


def formats_bench(work: Path, log: list[str]) -> dict[str, Any]:
    """bench/formats.py: parse time per format against the library's own extraction."""
    return _script_json(
        "formats.py", ["--workdir", str(work / "formats")], work / "formats.json", log
    )


def parse_speed_bench(work: Path, log: list[str]) -> dict[str, Any]:
    """bench/parse_speed.py: parse time per report now against the issue-11 baseline."""
    args = ["--workdir", str(work / "parse-speed")]
    return _script_json("parse_speed.py", args, work / "parse-speed.json", log)


# ---------------------------------------------------------------------------
# The site under load
# ---------------------------------------------------------------------------

# A page that did not finish its SQL: the whole query (Datasette's 400 page) or a facet.
TIMEOUT_MARKERS = (b"SQL query took too long", b"facets-timed-out", b"interrupted")
TARGET_MS = 100.0


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


def targets(db_path: str, baseline: bool = False) -> list[tuple[str, str]]:
    """(name, path) of every page and query the issue lists; for the baseline, the
    dashboard's chart SQL as its rewritten metadata has it (see baseline_metadata)."""
    meta = _metadata()
    con = sqlite3.connect(db_path)
    rid = con.execute("select id from reports order by id limit 1 offset 100").fetchone()
    year = con.execute("select max(year) from reports").fetchone()[0]
    con.close()
    fuyi = quote("复议")
    out = [
        ("home page", "/"),
        ("reports table with facets", "/nianbao/reports"),
        ("applications filtered", "/nianbao/applications?row_key=new_received&_sort_desc=total"),
        (
            "reports filtered (year, province)",
            f"/nianbao/reports?year={year}&province=%E6%B9%96%E5%8D%97%E7%9C%81",
        ),
        ("search 复议 (2 characters)", f"/nianbao/sections?_search={fuyi}"),
        ("search 复议 on reports", f"/nianbao/reports?_search={fuyi}"),
        ("search page /-/search?q=复议", f"/-/search?q={fuyi}"),
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
                if baseline:
                    sql = inline_derived(sql)
                out.append(
                    (
                        f"dashboard query {dname}/{cname}",
                        f"/{db}.json?sql={quote(sql)}&_shape=array",
                    )
                )
    return out


def _json_path(path: str) -> str | None:
    """The JSON twin of a table or canned-query page (to compare answers), else None."""
    head, _, query = path.partition("?")
    parts = head.strip("/").split("/")
    if len(parts) != 2 or parts[0] != "nianbao" or "." in parts[1]:
        return None
    return f"{head}.json?{query + '&' if query else ''}_shape=objects&_size=max"


async def _load(
    base: str, path: str, seconds: float, max_requests: int, clients: int = CLIENTS
) -> dict[str, Any]:
    """``clients`` closed-loop clients GET ``path`` for ``seconds``; latency per request."""
    import httpx

    lat: list[float] = []
    statuses: dict[int, int] = {}
    timeouts = 0
    count = 0

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def worker() -> None:
            nonlocal count, timeouts
            first = True  # every client makes at least one request, however slow the page
            while first or (time.perf_counter() < deadline and count < max_requests):
                first = False
                count += 1
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    code = r.status_code
                    timeouts += any(m in r.content for m in TIMEOUT_MARKERS)
                except httpx.HTTPError:
                    code = 0
                lat.append(time.perf_counter() - t0)
                statuses[code] = statuses.get(code, 0) + 1

        await client.get(path)  # warm-up (caches, first-query plans)
        t0 = time.perf_counter()
        deadline = t0 + seconds
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
    lat.sort()
    return {
        "n": len(lat),
        "median_ms": 1000 * statistics.median(lat),
        "p95_ms": 1000 * lat[min(len(lat) - 1, int(0.95 * len(lat)))],
        "rps": len(lat) / wall,
        "statuses": statuses,
        "timeouts": timeouts,
    }


def _answer(base: str, path: str) -> Any:
    """The rows (or error) a page's JSON twin returns, for comparing tuned and baseline."""
    import httpx

    json_path = _json_path(path)
    if json_path is None:
        return None
    try:
        r = httpx.get(base + json_path, timeout=120)
        body = r.json()
    except (httpx.HTTPError, ValueError) as e:
        return {"error": str(e)}
    if r.status_code != 200 or not isinstance(body, dict):
        return {"error": r.status_code}
    sql = str((body.get("query") or {}).get("sql") or "")
    order = re.search(r"\border by (.*?)(?:\blimit\b|$)", sql, re.I | re.S)
    keys = (
        [re.sub(r"\s+(asc|desc)$", "", k.strip(), flags=re.I) for k in order.group(1).split(",")]
        if order
        else []
    )
    out: dict[str, Any] = {"rows": body.get("rows"), "order_by": keys}
    if body.get("filtered_table_rows_count") is not None or "facet_results" in body:
        out["facets"] = {
            k: [(v["value"], v["count"]) for v in f["results"]]
            for k, f in (body.get("facet_results") or {}).items()
        }
    return out


def _sort_keys(answer: dict[str, Any]) -> list[Any] | None:
    """Each row's ORDER BY values, when the order is by plain columns of the rows."""
    rows, keys = answer.get("rows") or [], answer.get("order_by") or []
    if not keys or not all(isinstance(r, dict) and all(k in r for k in keys) for r in rows):
        return None
    return [tuple(r[k] for k in keys) for r in rows]


def serve_and_load(
    db: str,
    serve_args: list[str],
    loads: tuple[tuple[int, float], ...],
    max_requests: int,
    log: list[str],
    only: str = "",
    env: dict[str, str] | None = None,
    baseline: bool = False,
) -> list[dict[str, Any]]:
    """Start a server once (``serve_args``: ["production", INSPECT] for scripts/serve-prod.sh,
    the one way the site is served, else ``datasette serve`` arguments), and for each
    (clients, seconds) of ``loads`` load every target in turn; one result dict per load."""
    port = _free_port()
    if serve_args[:1] == ["production"]:
        cmd = ["bash", str(ROOT / "scripts" / "serve-prod.sh"), db, str(port)]
        env = {"HOST": "127.0.0.1", "INSPECT_FILE": serve_args[1], **(env or {})}
    else:
        cmd = [str(BIN / "datasette"), "serve", *serve_args, "--port", str(port)]
        cmd += ["--host", "127.0.0.1"]
    log.append(" ".join([*(f"{k}={v}" for k, v in (env or {}).items()), *cmd]))
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(600):
            try:
                httpx.get(base + "/-/versions.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        chosen = [(name, path) for name, path in targets(db, baseline) if only in name]
        runs: list[dict[str, Any]] = []
        for clients, seconds in loads:
            results: dict[str, Any] = {}
            for name, path in chosen:
                results[name] = asyncio.run(_load(base, path, seconds, max_requests, clients))
                results[name]["path"] = path
                if not runs:  # the answer does not depend on the load
                    results[name]["answer"] = _answer(base, path)
                p95 = results[name]["p95_ms"]
                print(f"  {name} ({clients} clients): p95 {p95:.0f} ms", file=sys.stderr)
            runs.append(results)
        return runs
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _site_dirs(metadata: str = "metadata.yml") -> list[str]:
    args = ["--metadata", metadata] if (ROOT / metadata).exists() else []
    for flag, d in (("--plugins-dir", "plugins"), ("--template-dir", "templates")):
        if (ROOT / d).is_dir() and any((ROOT / d).iterdir()):
            args += [flag, d]
    if (ROOT / "static").is_dir():
        args += ["--static", "static:static"]
    return args


def baseline_metadata(path: Path) -> None:
    """metadata.yml with every canned and dashboard query rewritten by inline_derived."""
    import yaml

    meta = _metadata()
    for q in (((meta.get("databases") or {}).get("nianbao") or {}).get("queries") or {}).values():
        if isinstance(q, dict) and q.get("sql"):
            q["sql"] = inline_derived(q["sql"])
    for d in ((meta.get("plugins") or {}).get("datasette-dashboards") or {}).values():
        for chart in (d.get("charts") or {}).values():
            if isinstance(chart, dict) and chart.get("query"):
                chart["query"] = inline_derived(chart["query"])
    path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")


def baseline_db(db: str, work: Path) -> Path:
    """A copy of ``db`` as the loader alone leaves it: no summary tables, no serving indexes."""
    base_dir = work / "baseline"
    shutil.rmtree(base_dir, ignore_errors=True)
    base_dir.mkdir(parents=True)
    base_db = base_dir / "nianbao.db"
    shutil.copy(db, base_db)
    con = sqlite3.connect(base_db)
    objects = derived_objects()
    for (name,) in con.execute(
        "select name from sqlite_master where type='table' and name like 'summary_%'"
    ).fetchall():
        con.execute(f"drop table [{name}]")
    for name in objects["indexes"]:
        con.execute(f"drop index if exists [{name}]")
    con.execute("drop table if exists sqlite_stat1")
    con.commit()
    con.close()
    baseline_metadata(base_dir / "metadata.yml")
    return base_db


def pages_bench(db: str, inspect: str, log: list[str]) -> dict[str, Any] | None:
    """bench/pages.py: bytes and throttled-phone first paint per page type (needs Chromium)."""
    cmd = [PY, str(ROOT / "bench" / "pages.py"), db, "--inspect", inspect, "--json"]
    log.append(" ".join(cmd))
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log.append(f"bench/pages.py failed: {done.stderr.strip()[-500:]}")
        return None
    return json.loads(done.stdout)


def pagination_bench(db: str, work: Path, log: list[str]) -> dict[str, Any]:
    """Every row once through the API (issue 12): bench/pagination.py (ingest.corpus.api_walk,
    our site in process) follows next_url through reports.json and streams
    reports.csv?_stream=on, in the default sort, _sort=province and _sort_desc=new_received;
    once as served and, in the default sort only (to keep the run short at 100,000 reports),
    without plugins/pagination.py (what Datasette 0.65 does alone).
    Returns {"with": [walk, …], "without": [walk, …]}, each walk a dict of
    bench.pagination's --json (rows, returned, distinct, missing, repeated, pages, seconds)."""
    without = work / "plugins-without-pagination"
    shutil.rmtree(without, ignore_errors=True)
    shutil.copytree(
        ROOT / "plugins", without, ignore=shutil.ignore_patterns("pagination.py", "__pycache__")
    )
    out: dict[str, Any] = {}
    try:
        runs = (("with", []), ("without", ["--plugins-dir", str(without), "--sorts", "default"]))
        for label, extra in runs:
            cmd = [PY, "-m", "bench.pagination", db, "--json", *extra]
            log.append(shlex.join(cmd))
            print(f"pagination ({label} plugins/pagination.py) …", file=sys.stderr)
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
            # exit 1: a walk missed or repeated rows (JSON on stdout), or an exception
            # such as an HTTP error on a page (no JSON): recorded, the report still written
            try:
                out[label] = json.loads(done.stdout)
            except json.JSONDecodeError:
                out[label] = {"error": done.stderr.strip()[-500:]}
    finally:
        shutil.rmtree(without, ignore_errors=True)
    return out


def pagination_lines(pagination: dict[str, Any], site_n: int | None) -> list[str]:
    """The API-walk section of BENCHMARKS.md: per walk, the counts with and without the fix."""
    n = f"{site_n:,}" if site_n else "?"
    lines = [
        f"## Every row once through the API ({n} reports)",
        "",
        "`python -m bench.pagination DB` (ingest.corpus.api_walk): our site (metadata.yml, "
        "settings.json, plugins, templates) in process over the database, through Datasette's "
        "own ASGI client. Each JSON walk follows `next_url` from `reports.json` (default page "
        "size) to the end; each CSV walk streams `reports.csv?_stream=on`. `without` is the "
        "same walk with `plugins/pagination.py` left out (Datasette 0.65's keyset pagination "
        "alone; default sort only). Every row once: returned = rows, 0 missing, 0 repeated.",
        "",
    ]
    with_, without = pagination.get("with"), pagination.get("without")
    for label, walks in (("with", with_), ("without", without)):
        if isinstance(walks, dict):
            lines += [f"**The walk {label} plugins/pagination.py failed:** {walks['error']}", ""]
    if not isinstance(with_, list):
        return lines
    other = {w["name"]: w for w in without} if isinstance(without, list) else {}
    lines += [
        "| walk | rows | returned | distinct | missing | repeated | pages | seconds "
        "| every row once | without the fix: returned | missing | repeated | every row once |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for w in with_:
        b = other.get(w["name"])
        tail = (
            f"{b['returned']:,} | {b['missing']:,} | {b['repeated']:,} | "
            + ("yes" if b["ok"] else "**no**")
            if b
            else "not run | | |"
        )
        lines.append(
            f"| {w['name']} | {w['expected']:,} | {w['returned']:,} | {w['distinct']:,} "
            f"| {w['missing']:,} | {w['repeated']:,} | {w['pages']:,} | {w['seconds']:.1f} "
            f"| {'yes' if w['ok'] else '**no**'} | {tail} |"
        )
    lines.append("")
    return lines


def site_bench(
    res: dict[str, Any],
    work: Path,
    seconds: float,
    max_requests: int,
    log: list[str],
    only: str = "",
) -> dict[str, Any]:
    """Tuned (production configuration) and baseline (Datasette defaults) in one run, then
    the API walks (pagination_bench). ``only="pagination"``: the API walks alone."""
    db = res["db"]
    if only == "pagination":
        return {"pagination": pagination_bench(db, work, log)}
    con = sqlite3.connect(db)
    prepared = con.execute(
        "select count(*) from sqlite_master where name = 'summary_facets'"
    ).fetchone()[0]
    con.close()
    (tuned,) = serve_and_load(
        db, ["production", res["inspect"]], ((CLIENTS, seconds),), max_requests, log, only
    )
    # The same with plugins/cache_headers.py's response cache off, so every request is
    # rendered from SQLite (what a cache miss, or a CDN-less replica, costs): 8 clients,
    # then one client at a time (what one page costs on an idle server).
    uncached, single = serve_and_load(
        db,
        ["production", res["inspect"]],
        ((CLIENTS, seconds), (1, min(seconds, 3.0))),
        max_requests,
        log,
        only,
        env={"NIANBAO_RESPONSE_CACHE_MB": "0"},
    )
    base_db = baseline_db(db, work)
    base_meta = base_db.parent / "metadata.yml"
    (baseline,) = serve_and_load(
        str(base_db),
        [str(base_db), *_site_dirs(str(base_meta))],
        ((CLIENTS, seconds),),
        max_requests,
        log,
        only,
        baseline=True,
    )
    shutil.rmtree(base_db.parent, ignore_errors=True)
    return {
        "tuned": tuned,
        "uncached": uncached,
        "single": single,
        "baseline": baseline,
        "prepared": bool(prepared),
        "pages": pages_bench(db, res["inspect"], log),
        "pagination": pagination_bench(db, work, log) if not only else None,
    }


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _statuses(t: dict[str, Any]) -> str:
    return " ".join(f"{k}:{v}" for k, v in t.get("statuses", {}).items())


def _verdict(t: dict[str, Any]) -> str:
    """Met only when p95 < 100 ms and every response was a 200 without a timeout."""
    p95 = t["p95_ms"]
    n = sum(t.get("statuses", {}).values()) or 1
    bad = sum(v for k, v in t.get("statuses", {}).items() if int(k) != 200)
    notes = []
    if p95 >= TARGET_MS:
        notes.append(f"missed by {p95 - TARGET_MS:.0f} ms ({p95 / TARGET_MS:.1f}× the target)")
    if bad:
        notes.append(f"{100 * bad / n:.0f}% not 200 (refused or failed)")
    if t.get("timeouts"):
        notes.append(f"{t['timeouts']} timed out")
    return "met" if not notes else "**not met: " + "; ".join(notes) + "**"


def _same(t: dict[str, Any], b: dict[str, Any]) -> str:
    ta, ba = t.get("answer"), b.get("answer")
    if ta is None:
        return ""
    if "error" in (ba or {}) or "error" in (ta or {}):
        return f"n/a (tuned {ta.get('error', 'ok')}, baseline {(ba or {}).get('error', 'ok')})"
    if ta.get("rows") != ba.get("rows"):
        same_set = sorted(map(repr, ta.get("rows") or [])) == sorted(
            map(repr, ba.get("rows") or [])
        )
        # Datasette sorts a table by the chosen column only, and several canned queries
        # order by a value with ties: the two plans may list tied rows differently, and
        # a page cut at max_returned_rows may then hold different tied rows.
        if same_set:
            return "same rows, tied rows in another order"
        tk, bk = _sort_keys(ta), _sort_keys(ba)
        if tk is not None and tk == bk:
            return f"same sort keys ({', '.join(ta['order_by'])}), other tied rows at the cut"
        return "**no: rows differ**"
    if "facets" in ta and "facets" in ba and ta["facets"] != ba["facets"]:
        return "rows yes, facets differ"
    return "yes"


def site_lines(site: dict[str, Any], site_n: int | None) -> list[str]:
    """The site section: per target, tuned vs baseline, the 100 ms p95 verdict, the ratio."""
    n = f"{site_n:,}" if site_n else "?"
    lines = [f"## Site ({n} reports, {CLIENTS} concurrent clients on loopback)", ""]
    lines += [
        "Tuned: the production configuration, `scripts/serve-prod.sh` (`datasette serve` on a "
        "configuration directory: the database immutable with an inspect file, `settings.json`, "
        "metadata, plugins, templates) on the database as `nianbao ingest` leaves it (serving indexes, summary and "
        "facet tables of `ingest/db/derived.py`). Baseline, in the same run: Datasette's defaults "
        "(`datasette serve COPY.db`: mutable, no inspect file, facet suggestions on, default time "
        "limits) on a copy without the `summary_*` tables and `serving_*` indexes; its canned and "
        "dashboard queries read the base tables (each summary table becomes a CTE of its defining "
        "SQL), so both answer the same question. `same answer` compares the JSON rows (and facet "
        "counts) of the two servers. `timeouts` counts responses with a query or facet that hit "
        "its time limit. Ratios compare the no-cache server with the baseline, so the response cache does not inflate them: baseline ÷ no cache (p95 latency), no cache ÷ baseline (req/s). "
        "Tuned includes the in-process response cache of `plugins/cache_headers.py` (on in "
        "production): after the warm-up request, repeats of one URL are cache hits. "
        "`no cache` is the tuned server with that cache off (`NIANBAO_RESPONSE_CACHE_MB=0`), "
        "so every request runs its SQL and renders: the cost of a cache miss. `1 client` is "
        "that server with one client at a time (3 s per target): one page's own latency, "
        "without queueing behind the other clients.",
        "",
    ]
    if not site.get("prepared", True):
        lines += ["**The tuned database had no serving tables (build_derived not run).**", ""]
    lines += [
        "| page / query | median ms | p95 ms | req/s | timeouts | p95 < 100 ms "
        "| no cache: median | no cache: p95 | no cache: req/s | no cache: p95 < 100 ms "
        "| no cache, 1 client: median | no cache, 1 client: p95 "
        "| baseline median | baseline p95 | baseline req/s | baseline timeouts "
        "| p95 ratio (baseline ÷ no cache) | req/s ratio (no cache ÷ baseline) | same answer "
        "| statuses (tuned / no cache / baseline) |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    nan = float("nan")
    uncached = site.get("uncached") or {}
    single = site.get("single") or {}
    for name, t in site["tuned"].items():
        b = site["baseline"].get(name, {})
        u = uncached.get(name, {})
        one = single.get(name, {})
        ratio = f"{b['p95_ms'] / u['p95_ms']:.1f}×" if b and u else ""
        rps_ratio = f"{u['rps'] / b['rps']:.1f}×" if b and u and b.get("rps") else ""
        lines.append(
            f"| {name} | {t['median_ms']:.1f} | {t['p95_ms']:.1f} | {t['rps']:.1f} "
            f"| {t.get('timeouts', 0)} | {_verdict(t)} "
            f"| {u.get('median_ms', nan):.1f} | {u.get('p95_ms', nan):.1f} "
            f"| {u.get('rps', nan):.1f} | {_verdict(u) if u else ''} "
            f"| {one.get('median_ms', nan):.1f} | {one.get('p95_ms', nan):.1f} "
            f"| {b.get('median_ms', nan):.1f} | {b.get('p95_ms', nan):.1f} "
            f"| {b.get('rps', nan):.1f} | {b.get('timeouts', '')} | {ratio} | {rps_ratio} "
            f"| {_same(t, b)} | {_statuses(t)} / {_statuses(u)} / {_statuses(b)} |"
        )
    for label, runs in (("tuned", site["tuned"]), ("no cache", uncached)):
        if not runs:
            continue
        missed = [(name, t["p95_ms"]) for name, t in runs.items() if _verdict(t) != "met"]
        timed = [name for name, t in runs.items() if t.get("timeouts")]
        lines += [
            "",
            f"Target p95 < {TARGET_MS:.0f} ms ({label}): met by {len(runs) - len(missed)} of "
            f"{len(runs)}; "
            + (
                "not met by " + ", ".join(f"{name} (p95 {p:.0f} ms)" for name, p in missed)
                if missed
                else "none missed"
            )
            + ". "
            + (f"Timeouts: {', '.join(timed)}." if timed else "No query or facet timed out."),
        ]
    lines.append("")
    return lines


def write_report(mach: dict[str, str], ingests: list[dict[str, Any]], site: dict[str, Any] | None,
                 site_n: int | None, log: list[str], notes: list[str],
                 out: Path = OUT) -> None:  # fmt: skip
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python bench/run.py`); rerun to refresh.",
        "",
    ]
    lines += ["## Machine", ""] + [f"- {k}: {v}" for k, v in mach.items()] + [""]
    if ingests:
        lines += [
            "## Ingest",
            "",
            "Synthetic corpus: `nianbao synth DIR -n N --seed 2024 -j 2`, the default mix of"
            " what portals publish: the plain reports drawn as pdf=0.5, html=0.33, docx=0.07,"
            " doc=0.03, text=0.07 (`--mix`; .doc written by LibreOffice), 10% of all reports"
            " carrying a field-case fault (mostly text copies). The corpus as written, by file:",
            "",
        ]
        lines += [f"- {r['n']:,} reports: {_mix_text(r.get('mix') or {})}" for r in ingests]
        lines += ["", "| reports | synth (s) | end to end ingest (s) | reports/s | target ≥ 1,000/s | peak RSS (MiB) | DB (MiB) | datasette inspect (s) |",
                  "|---:|---:|---:|---:|---|---:|---:|---:|"]  # fmt: skip
        for r in ingests:
            rps = r["reports_per_s"]
            verdict = "met" if rps >= 1000 else f"missed by {100 * (1 - rps / 1000):.0f}%"
            synth = f"{r['synth_seconds']:.0f}" if r.get("synth_seconds") else "(kept)"
            lines.append(
                f"| {r['n']:,} | {synth} | {r['ingest_seconds']:.1f} | {rps:,.0f} | {verdict} "
                f"| {r['ingest_rss_mib']:.0f} | {r['db_mib']:.0f} | {r['inspect_seconds']:.1f} |"
            )
        lines += [
            "",
            "Stage times (s), from an instrumented run of the same functions (bench/stages.py):",
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
    for fm in (r["formats"] for r in ingests if r.get("formats")):
        lines += ["## Parse time by format (bench/formats.py)", "", *fm["table"], ""]
    for ps in (r["parse_speed"] for r in ingests if r.get("parse_speed")):
        lines += ["## Parse time per report against the baseline (bench/parse_speed.py)", ""]
        lines += [*ps["table"], ""]
    for acc in (r["accuracy"] for r in ingests if r.get("accuracy")):
        silent = acc["silent"]
        lines += [
            f"## Parser accuracy on the {acc['n']:,}-report corpus",
            "",
            "`bench/accuracy.py` parses every file and compares it with the truth written"
            " beside it (agency, year, format, published, source.url and every cell of the"
            " three tables: numbers, blanks, unreadable cells), per kind of real-world fault"
            " (`nianbao synth --kinds`, shared/field-cases) and per file format (every"
            " report; text copies by layout). A WRONG NUMBER is a published number the truth"
            " does not have; a silent null is a missing number with no warning.",
            "",
            acc["table"],
            "",
            f"Wrong numbers: {acc.get('wrong_numbers', 0)} in {len(silent)} reports"
            + (" (each one is a parser bug to fix):" if silent else "."),
            "",
        ]
        for m in silent[:20]:
            lines.append(
                f"- `{Path(m['path']).name}` ({m['layout']}): " + "; ".join(m["diffs"][:3])
            )
        if silent:
            lines.append("")
    if site and "tuned" in site:
        lines += site_lines(site, site_n)
        if site.get("pages"):
            lines += site["pages"]["markdown"]
    if site and site.get("pagination"):
        lines += pagination_lines(site["pagination"], site_n)
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    lines += ["## Commands", "", "```", *log, "```", ""]
    out.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark ingest and site; write BENCHMARKS.md")
    ap.add_argument("--quick", action="store_true", help="2,000 reports, 3 s per page")
    ap.add_argument(
        "--sizes", default="", help="comma-separated corpus sizes (default 10000,100000)"
    )
    ap.add_argument("--workdir", default="/tmp/nianbao-bench")
    ap.add_argument("--seconds", type=float, default=0, help="load-test seconds per page")
    ap.add_argument("--no-site", action="store_true")
    ap.add_argument(
        "--site-db",
        default="",
        help="only the site part, on this database (needs --inspect); no ingest",
    )
    ap.add_argument("--inspect", default="", help="the inspect file of --site-db")
    ap.add_argument(
        "--only",
        default="",
        help="only the site targets whose name contains this (no API walk); "
        "'pagination': only the API walk",
    )
    ap.add_argument("--out", default=str(OUT), help="where to write the report")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.site_db:
        return site_only(args, out)
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
        write_report(mach, ingests, None, None, log, notes, out)
    if ingests:
        print(f"accuracy {ingests[0]['n']:,} …", file=sys.stderr)
        ingests[0]["accuracy"] = accuracy_bench(ingests[0]["n"], work, log)
        write_report(mach, ingests, None, None, log, notes, out)
        print("formats …", file=sys.stderr)
        ingests[0]["formats"] = formats_bench(work, log)
        write_report(mach, ingests, None, None, log, notes, out)
        print("parse speed against the baseline …", file=sys.stderr)
        ingests[0]["parse_speed"] = parse_speed_bench(work, log)
        write_report(mach, ingests, None, None, log, notes, out)
    site = None
    if not args.no_site and ingests:
        print("site …", file=sys.stderr)
        site = site_bench(ingests[-1], work, seconds, 2000, log)
    if not (ROOT / "metadata.yml").exists():
        notes.append(
            "metadata.yml was missing at run time: no canned queries or dashboards were measured."
        )
    write_report(mach, ingests, site, ingests[-1]["n"] if ingests else None, log, notes, out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def site_only(args: argparse.Namespace, out: Path) -> int:
    """The site part alone on an existing database (``--site-db DB --inspect FILE``)."""
    if not args.inspect:
        raise SystemExit("--site-db needs --inspect (datasette inspect DB --inspect-file FILE)")
    con = sqlite3.connect(args.site_db)
    n = con.execute("select count(*) from reports").fetchone()[0]
    con.close()
    log: list[str] = []
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    res = {"db": args.site_db, "inspect": args.inspect}
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    site = site_bench(res, work, seconds, 2000, log, args.only)
    notes = [f"Site part only (`--site-db {args.site_db}`), {seconds:g} s per target."]
    if args.only == "pagination":
        notes = [f"API walk only (`--site-db {args.site_db} --only pagination`)."]
    out.with_suffix(".json").write_text(json.dumps(site, ensure_ascii=False, default=str))
    write_report(machine(), [], site, n, log, notes, out)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
