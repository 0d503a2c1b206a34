"""Page weight and first paint on a slow phone, per page type, in headless Chromium.

For each page type (home, table, search, report, agency, query, dashboard) this serves
the database as production does (scripts/serve-prod.sh: immutable, gzip, response
cache), warms the server with one visit, then loads the page in a fresh browser context
(empty cache) on a throttled phone profile and records:

- **bytes**: everything the page transferred over the network until it went quiet
  (CDP ``Network.loadingFinished`` ``encodedDataLength``: compressed bytes with headers),
  including scripts, styles and the data requests of charts;
- **FCP**: the page's own ``first-contentful-paint`` entry (ms from navigation start),
  the median of ``runs`` loads.

The profile: 390×844 viewport, ``Network.emulateNetworkConditions`` 1.6 Mbps down,
750 kbps up, 150 ms RTT ("slow 4G"), ``Emulation.setCPUThrottlingRate`` 4.

Targets (issue 13): ≤ 60 KB and ≤ 1.0 s for home, report, agency and search; the
dashboard ≤ 400 KB. Run: ``.venv/bin/python bench/pages.py [DB] [--runs 3] [--json]``
(without DB, the bundled samples are ingested into a temporary database). bench/run.py
calls ``measure_pages`` and ``page_lines`` for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: scripts.chromium from the repository
    sys.path.insert(0, str(ROOT))

from scripts.chromium import ARGS as BROWSER_ARGS  # noqa: E402
from scripts.chromium import CHROMIUM  # noqa: E402

ARGS = ["--headless", *BROWSER_ARGS]  # the tests' browser, headless as the bench has run it
PHONE = {"width": 390, "height": 844}
NETWORK = {  # Chrome DevTools' "slow 4G"-like profile of the issue
    "offline": False,
    "latency": 150,  # ms RTT
    "downloadThroughput": 1.6e6 / 8,  # bytes/s
    "uploadThroughput": 750e3 / 8,
}
CPU_SLOWDOWN = 4
TARGETS = {  # page type: (max bytes, max FCP ms)
    "home": (60 * 1024, 1000),
    "report": (60 * 1024, 1000),
    "agency": (60 * 1024, 1000),
    "search": (60 * 1024, 1000),
    "dashboard": (400 * 1024, None),
}
QUIET_MS = 800  # the page is done when no request is in flight for this long
MAX_WAIT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_urls(db: str) -> dict[str, str]:
    """One path per page type, from the database's own rows."""
    con = sqlite3.connect(db)
    report_id, agency_id = con.execute(
        "select id, agency_id from reports order by year desc, id limit 1"
    ).fetchone()
    word = _search_word(con)
    con.close()
    search = urllib.parse.quote(word)
    return {
        "home": "/",
        "table": "/nianbao/reports",
        "search": f"/-/search?q={search}",
        "report": f"/report/{report_id}",
        "agency": f"/agency/{agency_id}",
        "query": "/nianbao/failed_identities",
        "dashboard": "/-/dashboards/trends",
    }


SEARCH_WORDS = ("复议", "公开")  # the first the narrative holds: a page of results, not none


def _search_word(con: sqlite3.Connection) -> str:
    """The search page is measured with results: 复议 in real reports; the synthetic
    corpus's narrative never says it, but every report says 公开."""
    from ingest.db.search import fts_query

    for word in SEARCH_WORDS:
        try:
            hit = con.execute(
                "select 1 from sections_fts where sections_fts match ? limit 1", [fts_query(word)]
            ).fetchone()
        except sqlite3.Error:
            hit = None
        if hit:
            return word
    return SEARCH_WORDS[0]


class Server:
    """scripts/serve-prod.sh on a free port (the production configuration)."""

    def __init__(self, db: str, inspect: str | None = None) -> None:
        self.port = free_port()
        env = {**os.environ, "HOST": "127.0.0.1"}
        if inspect:
            env["INSPECT_FILE"] = inspect
        datasette = ROOT / ".venv" / "bin" / "datasette"
        if datasette.exists():
            env.setdefault("DATASETTE", str(datasette))
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve-prod.sh"), db, str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"serve-prod.sh exited: {self.log.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/-/versions.json", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.close()
        raise TimeoutError("serve-prod.sh did not answer in 120 s")

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        self.log.close()


def load_once(browser: Any, url: str, throttled: bool) -> dict[str, Any]:
    """Load ``url`` in a fresh context; bytes over the network and FCP (ms)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if throttled:
        cdp.send("Network.emulateNetworkConditions", NETWORK)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    state: dict[str, Any] = {"bytes": 0, "requests": 0, "inflight": set(), "last": time.monotonic()}

    def started(event: dict[str, Any]) -> None:
        state["inflight"].add(event["requestId"])
        state["requests"] += 1
        state["last"] = time.monotonic()

    def finished(event: dict[str, Any]) -> None:
        state["bytes"] += int(event.get("encodedDataLength") or 0)
        state["inflight"].discard(event["requestId"])
        state["last"] = time.monotonic()

    def failed(event: dict[str, Any]) -> None:
        state["inflight"].discard(event["requestId"])
        state["last"] = time.monotonic()

    cdp.on("Network.requestWillBeSent", started)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.loadingFailed", failed)
    page.goto(url, wait_until="load", timeout=MAX_WAIT_S * 1000)
    deadline = time.monotonic() + MAX_WAIT_S
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if not state["inflight"] and time.monotonic() - state["last"] > QUIET_MS / 1000:
            break
    fcp = page.evaluate(
        "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
    )
    context.close()
    return {"bytes": state["bytes"], "requests": state["requests"], "fcp_ms": fcp}


def measure_pages(db: str, inspect: str | None = None, runs: int = 3) -> dict[str, Any]:
    """Bytes and throttled-phone FCP of every page type of ``db`` (see the module doc)."""
    from playwright.sync_api import sync_playwright

    urls = page_urls(db)
    server = Server(db, inspect)
    results: dict[str, Any] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for name, path in urls.items():
                    url = server.base + path
                    try:
                        with urllib.request.urlopen(url, timeout=60) as r:  # warm the server
                            status = r.status
                    except urllib.error.HTTPError as e:
                        results[name] = {"path": path, "status": e.code}
                        continue  # a page type this version of the site does not have
                    load_once(browser, url, throttled=False)  # and its chart data
                    loads = [load_once(browser, url, throttled=True) for _ in range(runs)]
                    fcps = [x["fcp_ms"] for x in loads if x["fcp_ms"] is not None]
                    results[name] = {
                        "path": path,
                        "status": status,
                        "bytes": loads[0]["bytes"],
                        "requests": loads[0]["requests"],
                        "fcp_ms": statistics.median(fcps) if fcps else None,
                        "fcp_runs_ms": fcps,
                    }
            finally:
                browser.close()
    finally:
        server.close()
    return {"runs": runs, "network": NETWORK, "cpu_slowdown": CPU_SLOWDOWN, "pages": results}


def _verdict(name: str, page: dict[str, Any]) -> str:
    limit = TARGETS.get(name)
    if not limit:
        return "—"
    max_bytes, max_fcp = limit
    ok = page["bytes"] <= max_bytes and (
        max_fcp is None or (page["fcp_ms"] is not None and page["fcp_ms"] <= max_fcp)
    )
    return "met" if ok else "missed"


def page_lines(result: dict[str, Any]) -> list[str]:
    """BENCHMARKS.md lines: one row per page type."""
    net = result["network"]
    lines = [
        "## Page weight and first paint on a slow phone",
        "",
        f"`bench/pages.py`: headless Chromium, 390×844, empty cache, "
        f"{net['downloadThroughput'] * 8 / 1e6:g} Mbps down / {net['latency']} ms RTT, "
        f"CPU ×{result['cpu_slowdown']} slower; bytes are everything transferred (compressed, "
        f"with headers) until the network is quiet; FCP is the median of {result['runs']} loads. "
        "Targets: ≤ 60 KB and ≤ 1.0 s for home, report, agency and search; dashboard ≤ 400 KB.",
        "",
        "| page | path | requests | bytes (KB) | FCP (ms) | target |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, page in result["pages"].items():
        if page["status"] != 200:
            lines.append(f"| {name} | `{page['path']}` | — | — | — | HTTP {page['status']} |")
            continue
        fcp = f"{page['fcp_ms']:.0f}" if page["fcp_ms"] is not None else "—"
        lines.append(
            f"| {name} | `{page['path']}` | {page['requests']} | {page['bytes'] / 1024:.1f} "
            f"| {fcp} | {_verdict(name, page)} |"
        )
    lines.append("")
    return lines


def _sample_db(work: Path) -> str:
    db = work / "nianbao.db"
    nianbao = ROOT / ".venv" / "bin" / "nianbao"
    cmd = [str(nianbao) if nianbao.exists() else "nianbao", "ingest", str(db)]
    subprocess.run([*cmd, str(ROOT / "data" / "samples"), "--silent"], check=True)
    return str(db)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", nargs="?", help="database (default: the samples, ingested)")
    ap.add_argument("--inspect", help="the database's inspect file (default: beside it)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nianbao-pages-") as work:
        db = args.db or _sample_db(Path(work))
        inspect = args.inspect or (str(Path(work) / "inspect-data.json") if not args.db else None)
        result = measure_pages(db, inspect, args.runs)
    if args.json:  # with the BENCHMARKS.md lines, for bench/run.py
        print(json.dumps({**result, "markdown": page_lines(result)}, ensure_ascii=False))
    else:
        print("\n".join(page_lines(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
