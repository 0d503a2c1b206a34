"""What a Chinese visitor sees, measured in Debian's Chromium (CJK font) at desktop (1366 px)
and phone (390 px) widths against a real `datasette serve`: the report page's tables fit
and show every value (blank "—", unreadable "无法识别", numbers) where the eye can reach
it; table 四's header spans as printed; the failed checks' numbers are on screen on a
phone; money reads "0 元"; canned-query charts use the columns' Chinese labels at a
readable size; the download size reads like "1.0 MB" (never "1016.0 KB").
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from ingest import validate
from ingest.cli import cli
from ingest.db.loader import load_reports
from ingest.parse import parse_file

from .conftest import sample_paths
from .helpers import SAMPLES
from .test_browser import serve_site

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

BLANK_MERGED = "proactive.licensing.decisions"  # table 二: one value over three columns
UNREADABLE_MERGED = "proactive.punishment.decisions"
UNREADABLE_ROW = "other_no_correction"  # a whole table 三 row of 无法识别 (its widest row)
YEAR = 1998  # the edited copy's year: a report of its own beside the sample's


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples, plus sample 001 as the parser could have read another copy: a blank and
    an unreadable value in table 二's merged cells, a whole unreadable table 三 row, a
    table 四 group whose parts do not add up to its printed total, no fee (0 元)."""
    path = tmp_path_factory.mktemp("looks") / "nianbao.db"
    result = CliRunner().invoke(cli, ["ingest", str(path), "--silent", *sample_paths()])
    assert result.exit_code == 0, result.output
    report = copy.deepcopy(parse_file(SAMPLES / "001_8baf80acad458d1f.txt"))
    report["proactive"]["licensing"]["decisions"] = None
    report["proactive"]["punishment"]["decisions"] = None
    row = report["applications"][UNREADABLE_ROW]
    unreadable = [UNREADABLE_MERGED] + [f"applications.{UNREADABLE_ROW}.{c}" for c in row]
    report["applications"][UNREADABLE_ROW] = dict.fromkeys(row)
    report["unreadable"] = unreadable
    report["warnings"] = [
        *report.get("warnings", []),
        "line 40: table 二 punishment: 两种读法都成立",
    ]
    report["review_litigation"]["review"].update(
        {"upheld": 6, "corrected": 3, "other": 2, "pending": 0, "total": 0}
    )
    report["fee"] = {**report["fee"], "charged": False, "amount_yuan": 0.0}
    report["checks"] = validate.hard_checks(report) + validate.soft_checks(report)
    report["source"] = {**report["source"], "sha256": "e" * 64}
    report["year"] = YEAR
    load_reports(sqlite_utils.Database(path), [(report, "edited-copy.txt", None)])
    return path


@pytest.fixture(scope="module")
def site(db_path: Path) -> Iterator[str]:
    with serve_site(db_path) as url:
        yield url


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=VIEWPORTS[request.param], locale="zh-CN")
    page = context.new_page()
    page.width_name = request.param
    yield page
    context.close()


def edited_report(db_path: Path) -> str:
    rows = (
        sqlite_utils.Database(db_path)
        .execute("select id from reports where year = ?", [YEAR])
        .fetchall()
    )
    assert len(rows) == 1
    return str(rows[0][0])


# Where each table 二 value cell's text is drawn (a Range around its contents: the
# cell may be wider than the screen and its text off to the right).
T2_CELLS_JS = """() => Array.from(document.querySelectorAll('table.t2 td')).map(td => {
  const range = document.createRange(); range.selectNodeContents(td);
  const text = range.getBoundingClientRect();
  const box = td.closest('table').getBoundingClientRect();
  const mark = td.querySelector('.blank, .unreadable');
  return {text: td.innerText.trim(), colspan: td.colSpan, left: text.left, right: text.right,
          visible_right: Math.min(box.right, window.innerWidth),
          mark: mark ? mark.className : null, title: mark ? mark.title : null};
})"""


def test_table_two_values_show_on_screen_blank_and_unreadable_marked(
    page: Any, site: str, db_path: Path
) -> None:
    """Table 二's merged value cells (one value over three columns) show their value, "—"
    for a blank (空白（未填报） on hover) and 无法识别 for an unreadable value, inside the
    screen: on a phone the values used to sit past the right edge of the scroll box."""
    page.goto(f"{site}/report/{edited_report(db_path)}", wait_until="networkidle")
    cells = page.evaluate(T2_CELLS_JS)
    merged = [c for c in cells if c["colspan"] > 1]
    assert len(merged) == 4, merged  # the 2021 form: 许可, 处罚, 强制, 事业性收费
    off = [c for c in cells if c["right"] > c["visible_right"] + 0.5 or c["left"] < 0]
    assert off == [], off
    blank = [c for c in merged if c["mark"] == "blank"]
    unreadable = [c for c in merged if c["mark"] == "unreadable"]
    assert [(c["text"], c["title"]) for c in blank] == [("—", "空白（未填报）")]
    assert [c["text"] for c in unreadable] == ["无法识别"]
    assert "两种读法都成立" in unreadable[0]["title"]
    numbers = [c["text"] for c in merged if c["mark"] is None]
    assert numbers and all(re.fullmatch(r"[0-9.,]+", n) for n in numbers), numbers


def test_report_tables_fit_a_desktop_screen(
    chromium: Any, site: str, db_path: Path, sample_db: Path
) -> None:
    """At 1366 px no table of the report page is wider than the page (table 三 with a row
    of 无法识别 was 1,365 px in a 1,334 px column: app.css keeps every th on one line)."""
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{site}/report/{edited_report(db_path)}", wait_until="networkidle")
    assert page.locator("table.t3 .unreadable").count() == 7
    got = page.evaluate(
        """() => ({page: document.documentElement.scrollWidth,
                   content: document.querySelector('.content').clientWidth,
                   tables: Array.from(document.querySelectorAll('table.original')).map(
                     t => Math.round(t.getBoundingClientRect().width))})"""
    )
    context.close()
    assert got["page"] <= DESKTOP["width"], got
    assert max(got["tables"]) <= got["content"], got


TABLE_FOUR_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const rows = Array.from(document.querySelectorAll('table.t4 thead tr'));
  return {
    head: rows.map(tr => Array.from(tr.children).map(th => ({text: th.innerText.trim(), rowspan: th.rowSpan, colspan: th.colSpan, ...box(th)}))),
    values: Array.from(document.querySelectorAll('table.t4 tbody tr:first-child td')).map(td => ({text: td.innerText.trim(), ...box(td)})),
  };
}"""


def test_table_four_header_spans_as_printed(page: Any, site: str, db_path: Path) -> None:
    """Table 四's header: 行政复议 over five labels that each span the two lower header
    rows, 行政诉讼 over its two groups of five; every label stands over its own value."""
    page.goto(f"{site}/report/{edited_report(db_path)}", wait_until="networkidle")
    got = page.evaluate(TABLE_FOUR_JS)
    head, values = got["head"], got["values"]
    assert [(h["text"], h["colspan"]) for h in head[0]] == [("行政复议", 5), ("行政诉讼", 10)]
    review = head[1][:5]
    assert [h["rowspan"] for h in review] == [2] * 5
    assert [h["text"] for h in review] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [(h["text"], h["colspan"]) for h in head[1][5:]] == [
        ("未经复议直接起诉", 5),
        ("复议后起诉", 5),
    ]
    labels = review + head[2]
    assert len(labels) == len(values) == 15
    # each review label runs from the second header row to the bottom of the third
    assert all(abs(h["top"] - head[1][5]["top"]) < 1 for h in review)
    assert all(abs(h["bottom"] - head[2][0]["bottom"]) < 1 for h in review)
    # labels in the order of their values, each over its own value cell
    ordered = sorted(labels, key=lambda h: h["left"])
    assert all(
        abs(h["left"] - v["left"]) < 1 and abs(h["right"] - v["right"]) < 1
        for h, v in zip(ordered, values, strict=True)
    ), (ordered, values)
    assert [v["text"] for v in values[:5]] == ["6", "3", "2", "0", "0"]


def test_failed_check_numbers_on_screen_and_money_in_yuan(
    page: Any, site: str, db_path: Path
) -> None:
    """The failed check's 报告所填 and 各项之和 are on screen without scrolling the table
    (on a phone too): they stand next to the part of the form they are about. A fee of
    0.0 元 reads "0 元"."""
    page.goto(f"{site}/report/{edited_report(db_path)}", wait_until="networkidle")
    got = page.evaluate(
        """() => {
          const heads = Array.from(document.querySelectorAll('section.failed-checks thead th')).map(th => th.innerText.trim());
          const rows = Array.from(document.querySelectorAll('section.failed-checks tbody tr')).map(tr =>
            Array.from(tr.children).map(td => ({text: td.innerText.trim(), right: td.getBoundingClientRect().right})));
          const fee = Array.from(document.querySelectorAll('dl.report-meta dt')).find(dt => dt.innerText.trim() === '实际收取金额');
          return {heads, rows, fee: fee ? fee.nextElementSibling.innerText.trim() : null, width: window.innerWidth};
        }"""
    )
    printed, parts = got["heads"].index("报告所填"), got["heads"].index("各项之和")
    review = [r for r in got["rows"] if r[0]["text"] == "行政复议"]
    assert len(review) == 1, got["rows"]
    assert (review[0][printed]["text"], review[0][parts]["text"]) == ("0", "11")
    assert review[0][parts]["right"] <= got["width"], review
    assert got["fee"] == "0 元"


CHART = (
    "/nianbao/outcome_composition#g.mark=bar&g.x_column=year&g.x_type=ordinal"
    "&g.y_column=total&g.y_type=quantitative&g.color_column=outcome"
)
CHART_JS = """() => {
  const svg = document.querySelector("svg.marks");
  const r = svg.getBoundingClientRect();
  return {
    headers: Object.fromEntries(Array.from(document.querySelectorAll('table.rows-and-columns thead th'))
      .map(th => [th.title, th.innerText.trim()])),
    titles: Array.from(svg.querySelectorAll('.role-axis-title text, .role-legend-title text')).map(t => t.textContent),
    pickers: Array.from(document.querySelectorAll('form.datasette-vega select')).map(s => s.options[s.selectedIndex].text),
    width: r.width, height: r.height, right: r.right, viewport: window.innerWidth,
  };
}"""


def test_query_chart_speaks_the_columns_chinese_labels(page: Any, site: str) -> None:
    """A canned query's chart titles its axes and legend, and its column pickers, with the
    labels of the table's headers (was: year, total, outcome), and draws at a readable
    size inside the screen (was about 150x200 px)."""
    page.goto(site + CHART, wait_until="networkidle")
    page.wait_for_selector("svg.marks", timeout=15000)
    got = page.evaluate(CHART_JS)
    headers = got["headers"]
    assert all(re.search(r"[\u4e00-\u9fff]", headers[c]) for c in ("year", "total", "outcome"))
    assert sorted(got["titles"]) == sorted([headers["year"], headers["total"], headers["outcome"]])
    # the pickers: x column, its type, y column, its type, colour, size
    x, y, colour = got["pickers"][0], got["pickers"][2], got["pickers"][4]
    assert (x, y, colour) == (headers["year"], headers["total"], headers["outcome"])
    assert got["height"] >= 300, got
    assert got["right"] <= got["viewport"], got
    assert got["width"] >= (300 if page.width_name == "desktop" else 200), got


def test_download_size_reads_like_people_write_it(chromium: Any, site: str, db_path: Path) -> None:
    """The home page's download link gives the database's size as "312 KB" or "1.0 MB":
    thousands, whole KB, MB with one decimal (was "1016.0 KB")."""
    size = db_path.stat().st_size
    expected = f"{round(size / 1000)} KB" if size < 999_500 else f"{size / 1e6:.1f} MB"
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(site + "/", wait_until="networkidle")
    text = page.inner_text("body")
    context.close()
    assert f"下载整个数据库（SQLite，{expected}）" in text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (999, "999 字节"),
        (312_400, "312 KB"),
        (1_040_384, "1.0 MB"),  # 1016 KiB: was "1016.0 KB"
        (30_300_000, "30.3 MB"),
        (4_900_000_000, "4.9 GB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    from plugins.chrome import format_size

    assert format_size(size) == text


RAW_PATH = re.compile(r"\b(applications|review_litigation|proactive)\.[a-z_]+\.[a-z_0-9]+\b")


def test_cells_and_codes_read_as_the_form_prints_them(page: Any, site: str, db_path: Path) -> None:
    """Unreadable cells on the agency page and in the unreadable_reports query read as the
    form prints them (表二 行政处罚 · …), never ``proactive.punishment.decisions`` (the path
    stays on hover); a report's layout in its data row is its Chinese name (not pdf-text)."""
    from ingest import model

    db = sqlite_utils.Database(db_path)
    rid = edited_report(db_path)
    agency_id, layout = db.execute(
        "select agency_id, layout from reports where id = ?", [rid]
    ).fetchone()
    page.goto(f"{site}/agency/{agency_id}", wait_until="networkidle")
    items = page.evaluate(
        """() => Array.from(document.querySelectorAll('ul.unreadable-list span[title]'))
                 .map(s => [s.title, s.innerText.trim()])"""
    )
    assert sorted(t for t, _ in items) == sorted(json_list(db, rid))
    shown = dict(items)
    assert shown[UNREADABLE_MERGED].startswith("表二 行政处罚 · ")
    assert not RAW_PATH.search(page.inner_text("body"))
    page.goto(f"{site}/nianbao/unreadable_reports", wait_until="networkidle")
    cells = page.inner_text("table.rows-and-columns")
    assert "表二 行政处罚" in cells and not RAW_PATH.search(cells)
    page.goto(f"{site}/nianbao/reports/{rid}", wait_until="networkidle")
    assert page.inner_text("td.col-layout").strip() == dict(model.LAYOUTS)[layout]


def json_list(db: sqlite_utils.Database, report_id: str) -> list[str]:
    return [
        r[0]
        for r in db.execute("select cell from unreadable_cells where report_id = ?", [report_id])
    ]


def test_register_places_and_status_on_one_line(chromium: Any, site: str) -> None:
    """The register's province, city and status cells are one line each on a desktop
    (新疆维吾尔自治区 wrapped to three lines and made the row 70 px tall)."""
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(site + "/nianbao/reports", wait_until="networkidle")
    lines = page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'table.register td:is(.col-province, .col-city, .col-check_status)'))
              .filter(td => td.innerText.trim())
              .map(td => { const r = document.createRange(); r.selectNodeContents(td);
                           const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
                           return [td.innerText.trim(), tops.size]; })"""
    )
    context.close()
    assert lines and all(n == 1 for _, n in lines), lines
