"""What a watchdog quoting a number sees, in Debian's Chromium against a real
`datasette serve`: an unreadable cell is "无法识别" (not the blank "—"), its report is
"部分无法识别" (not "全部通过"), and a failed identity shows 报告所填 / 各项之和 with the
numbers the document prints and its parts add up to."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from ingest import model
from ingest.cli import cli
from ingest.db.loader import load_reports
from ingest.parse import parse_file

from .conftest import HAS_SHARED, sample_paths
from .helpers import SAMPLES, needs_shared
from .test_browser import SHOTS, serve_site

pytestmark = pytest.mark.browser

UNREADABLE_CELL = "applications.granted.commercial"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples (and the Huai'an reports when ../shared is there), plus one sample
    read with an unreadable cell (as the parser reports one: null, listed, warned)."""
    path = tmp_path_factory.mktemp("watchdog") / "nianbao.db"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--silent", *sample_paths()])
    assert result.exit_code == 0, result.output
    report = copy.deepcopy(parse_file(SAMPLES / "001_8baf80acad458d1f.txt"))
    report["applications"]["granted"]["commercial"] = None
    report["unreadable"] = [UNREADABLE_CELL]
    report["warnings"] = [*report.get("warnings", []), "line 57: table 三 granted: 两种拆法都成立"]
    report["source"] = {**report["source"], "sha256": "f" * 64}
    report["year"] = 1999  # another year: its own report, not a reading of the sample's
    load_reports(sqlite_utils.Database(path), [(report, "unreadable-copy.txt", None)])
    return path


@pytest.fixture(scope="module")
def server(db_path: Path) -> Iterator[str]:
    with serve_site(db_path) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str, chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


def _report_id(db_path: Path, where: str, params: list[Any]) -> str:
    row = sqlite_utils.Database(db_path).execute(f"select id from reports where {where}", params)
    return row.fetchone()[0]


def test_unreadable_cell_shows_wuhuashibie_and_status(
    page: Any, server: str, db_path: Path
) -> None:
    rid = _report_id(db_path, "year = 1999", [])
    page.goto(f"{server}/report/{rid}", wait_until="networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-unreadable.png"), full_page=True)
    cell = page.locator("table.t3 td.unreadable-cell")
    assert cell.count() == 1
    assert cell.inner_text().strip() == "无法识别"
    title = cell.locator(".unreadable").get_attribute("title")
    assert title.startswith("无法识别：") and "granted" in title  # a warning naming its row
    status = page.locator("dd[class^='status-']").inner_text().strip()
    assert status == model.STATUS_UNREADABLE
    assert "全部通过" not in status
    # the blank marker is something else: "—" cells are not marked unreadable
    assert page.locator("table.t3 td.unreadable-cell .blank").count() == 0
    assert "无法识别的单元格（1 格）" in page.locator("section.unreadable-summary h2").inner_text()


@needs_shared
def test_failed_check_shows_reported_and_sum_of_parts(
    page: Any, server: str, db_path: Path
) -> None:
    """洪泽区 2023 prints 0 where its parts add up to 11 (shared/sources/huaian_hongzequ_2023)."""
    assert HAS_SHARED
    db = sqlite_utils.Database(db_path)
    rid, reported, computed = db.execute(
        "select c.report_id, c.reported, c.computed from checks c join reports r on r.id = c.report_id"
        " where r.agency like '%洪泽区人民政府' and r.year = 2023 and c.ok = 0 and c.severity = 'hard'"
        " and c.computed = '11'"
    ).fetchone()
    assert (reported, computed) == ("0", "11")
    page.goto(f"{server}/report/{rid}", wait_until="networkidle")
    page.screenshot(path=str(SHOTS / "report-failed-check.png"), full_page=True)
    headers = page.locator("section.failed-checks thead th").all_inner_texts()
    printed, parts = headers.index("报告所填"), headers.index("各项之和")
    rows = page.locator("section.failed-checks tbody tr").all()
    pairs = [
        (r.locator("td").nth(printed).inner_text(), r.locator("td").nth(parts).inner_text())
        for r in rows
    ]
    assert ("0", "11") in pairs
