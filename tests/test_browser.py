"""The pages a person looks at, in Debian's Chromium driven by Playwright, against a real
`datasette serve`. Any console error, page error or failed request fails the test."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import HAS_SHARED, ROOT

pytestmark = pytest.mark.browser

# Screenshots go to a temporary directory, never the source tree (NIANBAO_SHOTS=DIR keeps them).
SHOTS = Path(os.environ.get("NIANBAO_SHOTS") or tempfile.mkdtemp(prefix="nianbao-shots-"))
CHART = "svg.marks, canvas.marks"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"datasette exited: {proc.stdout.read().decode() if proc.stdout else ''}"
            )
        try:
            with urllib.request.urlopen(url + "/-/versions.json", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"datasette did not answer at {url}")


@contextlib.contextmanager
def serve_site(db: Path) -> Iterator[str]:
    """Serve `db` the one way the site is served (scripts/serve-prod.sh --mutable: a
    configuration directory beside the database) on a free loopback port; yield its URL."""
    port = free_port()
    datasette = Path(sys.executable).with_name("datasette")
    cmd = ["bash", str(ROOT / "scripts" / "serve-prod.sh"), "--mutable", str(db), str(port)]
    env = {**os.environ, "HOST": "127.0.0.1", "DATASETTE": str(datasette)}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(sample_db: Path) -> Iterator[str]:
    with serve_site(sample_db) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    return chromium


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page that records every console error, page error and failed request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    pg.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    pg.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url} {r.failure}"))
    pg.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    pg.problems = problems
    yield pg
    context.close()
    assert problems == []


def visit(page: Any, url: str, shot: str, wait_for: str | None = None) -> None:
    page.goto(url, wait_until="networkidle")
    if wait_for:
        page.wait_for_selector(wait_for, timeout=15000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)


def test_home_page(page: Any, server: str) -> None:
    visit(page, server + "/", "home")
    assert "政府信息公开工作年度报告开放数据" in page.title()
    assert page.locator(".stats li").count() >= 5


def test_faceted_reports_table(page: Any, server: str) -> None:
    visit(page, server + "/nianbao/reports?_nocol=json&_search=%E5%A4%8D%E8%AE%AE", "reports")
    assert page.locator(".facet-info").count() >= 5
    assert page.locator("form.nianbao-search").count() == 1


def test_dashboard_draws_its_charts(page: Any, server: str) -> None:
    visit(page, server + "/-/dashboards/trends", "dashboard", wait_for=f"#chart-received {CHART}")
    for chart in ("reports", "outcomes", "refusals", "review", "fees"):
        page.wait_for_selector(f"#chart-{chart} :is({CHART})", timeout=15000)


def test_canned_query_with_chart(page: Any, server: str) -> None:
    url = (
        server
        + "/nianbao/outcome_composition#"
        + (
            "g.mark=bar&g.x_column=year&g.x_type=ordinal&g.y_column=total&g.y_type=quantitative"
            "&g.color_column=outcome"
        )
    )
    visit(page, url, "query_chart", wait_for=CHART)


def test_report_page(page: Any, server: str) -> None:
    agency = "洪泽区人民政府" if HAS_SHARED else "湘潭县商务局"  # a report with a title
    page.goto(server + "/nianbao/reports?agency=" + agency, wait_until="networkidle")
    page.locator("td.col-title a").first.click()
    page.wait_for_load_state("networkidle")
    visit(page, page.url, "report")
    assert page.locator("table.t3 tbody tr").count() in (23, 25)
    if HAS_SHARED:
        assert page.locator("td.failed").count() == 10
