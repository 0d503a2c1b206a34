"""Every page type a visitor can reach, in Debian's Chromium with the CJK font, at desktop
(1366 px) and phone (390 px) widths: Chinese shows as glyphs (not empty boxes), every
page declares lang="zh-CN", no English UI string from Datasette's chrome is left, and
nothing is wider than the phone's screen. Screenshots of each page at both widths are
written under the test's temporary directory (``NIANBAO_SHOTS=DIR`` keeps them in DIR).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.chromium import ARGS, CHROMIUM

from .conftest import needs_shared
from .test_browser import serve_site

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Datasette's English chrome, as the issue found it (and its neighbours). Matched as
# whole words in the visible text, titles, button labels and placeholders.
ENGLISH_UI = (
    "Powered by",
    "Custom SQL query",
    "returning",
    "Run SQL",
    "0 results",
    "0 records",
    "Show charting options",
    "Links from other tables",
    "Error 404",
    "Error 500",
    "Error 400",
    "Database not found",
    "Table not found",
    "Row not found",
    "This data as",
    "Next page",
    "Advanced export",
    "Query parameters",
    "Data license",
    "Data source",
    "Suggested facets",
    "Apply",
    "Fullscreen",
    "Dashboards",
    "View and edit SQL",
    "Format SQL",
    "Edit SQL",
    "home",
    "sorted by",
    "Search:",
    "Sort ascending",
    "Facet by this",
    "Queries took",
    "Download SQLite DB",
)
ENGLISH_PATTERN = re.compile(
    "|".join(rf"(?<![A-Za-z_]){re.escape(s)}(?![A-Za-z_])" for s in ENGLISH_UI)
    + r"|\b[0-9,]+ rows?\b"  # "8 rows", "1 row"
)

# What a visitor reads: the visible text plus labels that are not text nodes.
# Parts marked lang="en" (the API page's English half) are left out.
VISIBLE_TEXT_JS = """() => {
  const english = Array.from(document.querySelectorAll('body [lang|=en]'));
  english.forEach((el) => { el.dataset.display = el.style.display; el.style.display = 'none'; });
  const parts = [document.title, document.body.innerText];
  english.forEach((el) => { el.style.display = el.dataset.display; });
  for (const el of document.querySelectorAll('input[type=submit], input[type=button], button')) {
    parts.push(el.value || el.innerText || '');
  }
  for (const el of document.querySelectorAll('[placeholder]')) parts.push(el.placeholder);
  return parts.join('\\n');
}"""

# Draw single characters in the page's own font and compare their pixels: with no CJK
# font, every Han character is the same empty box (.notdef), identical to a code point
# no font has (U+E000, private use). Returns the characters that drew as that box or
# as nothing.
TOFU_JS = """(chars) => {
  const font = getComputedStyle(document.querySelector('h1') || document.body).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = '40px ' + font;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'top';
    ctx.fillText(ch, 8, 8);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(',');
  };
  const missing = draw('\\uE000');
  const seen = {};
  const bad = [];
  for (const ch of chars) {
    const img = draw(ch);
    const ink = img.split(',').some((v) => v !== '0');
    if (!ink || img === missing || seen[img]) bad.push(ch);
    seen[img] = ch;
  }
  return {font, bad};
}"""
CJK_SAMPLE = "政府信息公开年度报告表三复议诉讼"

# WCAG 2 contrast of every visible text (and button label) against the first opaque
# background behind it: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold). Charts'
# SVG text is left out. Returns the failures, one per element class and colour pair.
CONTRAST_JS = r"""() => {
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return {r:p[0], g:p[1], b:p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126*f(c.r) + 0.7152*f(c.g) + 0.0722*f(c.b); };
  const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return {r:255,g:255,b:255,a:1}; };
  const bad = [];
  const seen = new Set();
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, script, style')) continue;
    const own = Array.from(el.childNodes).filter(n => n.nodeType === 3 && n.nodeValue.trim()).map(n => n.nodeValue.trim()).join(' ') || (el.tagName === 'INPUT' && /submit|button/.test(el.type) ? el.value : '');
    if (!own) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none' || el.getClientRects().length === 0) continue;
    let fg = parse(st.color); const bg = bgOf(el);
    if (!fg) continue;
    if (fg.a < 1) fg = {r: fg.r*fg.a + bg.r*(1-fg.a), g: fg.g*fg.a + bg.g*(1-fg.a), b: fg.b*fg.a + bg.b*(1-fg.a)};
    const L1 = lum(fg), L2 = lum(bg); const ratio = (Math.max(L1,L2)+0.05)/(Math.min(L1,L2)+0.05);
    const size = parseFloat(st.fontSize); const bold = parseInt(st.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) { const key = el.tagName + '.' + el.className + ' ' + st.color + '/' + JSON.stringify(bg); if (!seen.has(key)) { seen.add(key); bad.push({tag: el.tagName, cls: String(el.className), text: own.slice(0, 30), color: st.color, bg: `rgb(${bg.r},${bg.g},${bg.b})`, ratio: Math.round(ratio*100)/100}); } }
  }
  return bad;
}
"""


# What each page type shows, for the value tests below (one pass, both widths).
PROBE_JS = r"""() => {
  const all = (sel) => Array.from(document.querySelectorAll(sel));
  const text = (sel) => { const el = document.querySelector(sel); return el ? el.innerText.trim() : null; };
  const px = (v) => parseFloat(v) || 0;
  return {
    h1: text('h1'),
    showing: text('.nianbao-showing'),
    next: !!document.querySelector('.nianbao-showing a[rel=next], nav.pages a[rel=next]'),
    param_problems: all('.nianbao-param-problem, .message-error').map(e => e.innerText.trim()),
    zero_results: text('.zero-results'),
    selects: Object.fromEntries(all('form select[name]').map(e => [e.name, {value: e.value, options: e.options.length}])),
    ranks: all('table.rows-and-columns tbody td.col-rank').map(td => td.innerText.trim()),
    rank_values: all('table.rows-and-columns tbody tr').map(tr => Object.fromEntries(
      Array.from(tr.querySelectorAll('td')).map(td => [(td.className.match(/col-(\w+)/) || [])[1], td.innerText.trim()]))),
    search_count: text('.search-count'),
    results: all('.search-results > li').map(li => ({
      report: li.querySelector('a.result-report') ? li.querySelector('a.result-report').getAttribute('href') : null,
      meta: (li.querySelector('.result-meta') || {}).innerText || '',
      marks: Array.from(li.querySelectorAll('.snippet mark')).map(m => m.innerText),
      snippet: (li.querySelector('.snippet') || {}).innerText || ''})),
    search_pages: text('nav.pages'),
    charts: all('.dashboard-card-chart').map(c => ({id: c.id, drawn: !!c.querySelector('svg.marks, canvas.marks'),
      width: c.getBoundingClientRect().width})),
    agency_years: all('table.agency-years tbody tr').map(tr => tr.querySelector('td').innerText.trim()),
    agency_report_links: all('table.agency-years a[href*="/report/"]').length,
    agency_bars: all('.agency-figure svg rect').length,
    api_curls: all('pre.api-curl').map(e => e.innerText.trim()),
    api_english: !!document.querySelector('section[lang=en] h2'),
    error_links: all('ul.error-ways a, .error-ways a').map(a => a.getAttribute('href')),
    register_cells: all('table.register tbody tr:first-child td[data-label]').map(td => {
      const b = getComputedStyle(td, '::before'); const r = td.getBoundingClientRect(); const row = td.parentElement.getBoundingClientRect();
      return {label: td.dataset.label, before_margin: px(b.marginLeft), left: r.left - row.left,
              client: td.clientWidth, scroll: td.scrollWidth};
    }),
    failed_columns: all('section.failed-checks thead th').map(th => ({text: th.innerText.trim(),
      width: th.getBoundingClientRect().width, font: px(getComputedStyle(th).fontSize)})),
  };
}"""


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


SEARCH_WORD = "信息"  # in nearly every section of every report: more than one page
RANKING_SIZE = 2  # small pages, so the sample database's rankings have a last page


def q(value: str) -> str:
    return urllib.parse.quote(value)


def page_types(site: str) -> dict[str, str]:
    """One URL per page type (and the variants a visitor meets), from the sample database."""
    reports = get_json(site + "/nianbao/reports.json?_shape=array&_size=1&_sort=id")
    report_id, province, year = reports[0]["id"], reports[0]["province"], reports[0]["year"]
    agencies = get_json(site + "/nianbao/agencies.json?_shape=array&_size=1&_sort=id")
    failed = get_json(site + "/nianbao/checks.json?_shape=array&_size=1&_sort=id&ok=0")
    ranking = get_json(site + f"/nianbao/refusals.json?_shape=array&size={RANKING_SIZE}")
    last_page = -(-ranking[0]["total_rows"] // RANKING_SIZE)
    pages = {
        "home": "/",
        "table": "/nianbao/reports",
        "table_filtered": "/nianbao/reports?province=%E6%B1%9F%E8%8B%8F%E7%9C%81&_sort=year",
        "row": f"/nianbao/agencies/{agencies[0]['id']}",
        "query": "/nianbao?sql=select+id%2C+agency%2C+year+from+reports+limit+3",
        "query_empty": "/nianbao?sql=select+*+from+reports+where+0",
        "canned_query": "/nianbao/failed_identities",
        "canned_query_empty": "/nianbao/disclosure_rate?year=1999",
        "ranking": f"/nianbao/refusals?size={RANKING_SIZE}",
        "ranking_last": f"/nianbao/refusals?size={RANKING_SIZE}&page={last_page}",
        "ranking_rate": f"/nianbao/disclosure_rate?size={RANKING_SIZE}",
        "ranking_review": "/nianbao/review_by_agency",
        "ranking_no_match": f"/nianbao/refusals?province={q(province[:2])}",
        "database": "/nianbao",
        "search": f"/-/search?q={q(SEARCH_WORD)}",
        "search_page_2": f"/-/search?q={q(SEARCH_WORD)}&page=2",
        "search_filtered": f"/-/search?q={q(SEARCH_WORD)}&province={q(province)}&year={year}",
        "search_nothing": f"/-/search?q={q('没有这个词语')}",
        "report": f"/report/{report_id}",
        "report_failed": f"/report/{failed[0]['report_id']}",
        "agency": f"/agency/{agencies[0]['id']}",
        "checks": "/nianbao/checks?ok=0",
        "dashboard": "/-/dashboards/trends",
        "dashboard_filtered": f"/-/dashboards/trends?year={year}&province={q(province)}",
        "dashboard_chart": f"/-/dashboards/trends/rates?province={q(province)}",
        "not_found": "/nianbao/no_such_table",
        "report_not_found": "/report/0000000000000000",
        "agency_not_found": "/agency/999999",
        "bad_sql": "/nianbao?sql=select+no_such_column+from+reports",
        "api": "/-/api",
    }
    return pages


EXPECTED_STATUS = {
    "not_found": 404,
    "report_not_found": 404,
    "agency_not_found": 404,
    "bad_sql": 400,
}


@pytest.fixture(scope="module")
def site(sample_db: Path) -> Iterator[str]:
    """``datasette serve`` of the sample database with the site's settings.json."""
    with serve_site(sample_db) as url:
        yield url


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keep = os.environ.get("NIANBAO_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def walked(chromium: Any, site: str, shots: Path) -> dict[str, dict[str, Any]]:
    """Visit every page type at both widths once; record what the tests check."""
    found: dict[str, dict[str, Any]] = {}
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = chromium.new_context(viewport=viewport, locale="zh-CN")
        for name, path in page_types(site).items():
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.on(
                "console",
                lambda m, errors=errors: (
                    m.type in ("error", "warning") and errors.append(f"{m.type}: {m.text}")
                ),
            )
            response = page.goto(site + path, wait_until="networkidle")
            if name.startswith("dashboard"):
                for chart in page.locator(".dashboard-card-chart, .chart-container").all():
                    chart.locator(":is(svg.marks, canvas.marks)").wait_for(timeout=15000)
            page.screenshot(path=str(shots / f"{name}-{width_name}.png"), full_page=True)
            found[f"{name}@{width_name}"] = {
                "url": path,
                "status": response.status if response else None,
                "lang": page.evaluate("document.documentElement.lang"),
                "title": page.title(),
                "text": page.evaluate(VISIBLE_TEXT_JS),
                "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                "low_contrast": page.evaluate(CONTRAST_JS),
                "probe": page.evaluate(PROBE_JS),
                "errors": errors,
            }
            page.close()
        context.close()
    return found


def test_every_page_type_answers_in_chinese(walked: dict[str, dict[str, Any]]) -> None:
    problems = []
    for key, seen in walked.items():
        name = key.split("@")[0]
        if seen["status"] != EXPECTED_STATUS.get(name, 200):
            problems.append(f"{key} {seen['url']}: HTTP {seen['status']}")
        if seen["lang"] != "zh-CN":
            problems.append(f"{key} {seen['url']}: lang={seen['lang']!r}")
        english = sorted(set(ENGLISH_PATTERN.findall(seen["text"])))
        if english:
            problems.append(f"{key} {seen['url']}: English UI {english}")
        if not re.search(r"[\u4e00-\u9fff]", seen["title"]):
            problems.append(f"{key} {seen['url']}: title without Chinese {seen['title']!r}")
        if "select " in seen["title"].lower():
            problems.append(f"{key} {seen['url']}: SQL in the title {seen['title']!r}")
    assert problems == []


def test_no_console_errors_or_warnings(walked: dict[str, dict[str, Any]]) -> None:
    """No page error, console error or warning (Vega-Lite version warnings included);
    the 404 and 400 pages' own failed-resource messages are expected."""
    problems = [
        f"{key}: {e}"
        for key, seen in walked.items()
        for e in seen["errors"]
        if not e.startswith("error: Failed to load resource")
    ]
    assert problems == []


def test_text_meets_aa_contrast(walked: dict[str, dict[str, Any]]) -> None:
    """Including the blank marker "—" (was #999 on #f1f1f1, 2.52:1)."""
    low = {key: seen["low_contrast"] for key, seen in walked.items() if seen["low_contrast"]}
    assert low == {}


def test_nothing_wider_than_a_phone(walked: dict[str, dict[str, Any]]) -> None:
    wide = {
        key: seen["scroll_width"]
        for key, seen in walked.items()
        if key.endswith("@phone") and seen["scroll_width"] > PHONE["width"]
    }
    assert wide == {}


def test_screenshots_of_every_page_type(walked: dict[str, dict[str, Any]], shots: Path) -> None:
    names = {key.split("@")[0] for key in walked}
    for name in names:
        for width in ("desktop", "phone"):
            shot = shots / f"{name}-{width}.png"
            assert shot.stat().st_size > 5_000, shot
    assert {"home", "table", "row", "query", "canned_query", "database", "search", "report",
            "dashboard", "not_found", "api"} <= names  # fmt: skip


def test_error_pages_in_chinese_lead_home_and_to_search(walked: dict[str, dict[str, Any]]) -> None:
    for key in ("not_found@desktop", "not_found@phone"):
        text = walked[key]["text"]
        assert "返回首页" in text and "全文检索" in text, key
    assert "没有这张表" in walked["not_found@desktop"]["text"]
    assert "查询出错" in walked["bad_sql@desktop"]["text"]


def tofu_in(chromium: Any, site: str) -> dict[str, Any]:
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(site + "/", wait_until="load")
    found = page.evaluate(TOFU_JS, CJK_SAMPLE)
    context.close()
    return found


def test_chinese_renders_as_glyphs(chromium: Any, site: str) -> None:
    found = tofu_in(chromium, site)
    assert found["bad"] == [], f"drawn as empty boxes in {found['font']}: {found['bad']}"


def test_the_glyph_check_fails_without_a_cjk_font(chromium: Any, site: str, tmp_path: Path) -> None:
    """The same check in a Chromium that sees only Latin fonts reports every character:
    the check above can fail."""
    latin = [d for d in ("/usr/share/fonts/truetype/dejavu",) if Path(d).is_dir()]
    if not latin:
        pytest.skip("no DejaVu fonts to build a Latin-only font set from")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        + "".join(f"<dir>{d}</dir>" for d in latin)
        + f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    subprocess.run(["fc-cache", "-f"], env=env, capture_output=True, check=False)
    b = chromium.browser_type.launch(executable_path=CHROMIUM, args=ARGS, env=env)
    try:
        found = tofu_in(b, site)
    finally:
        b.close()
    assert len(found["bad"]) >= len(CJK_SAMPLE) - 1, found


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    yield context.new_page()
    context.close()


def test_wide_tables_scroll_in_their_own_box_on_a_phone(phone_page: Any, site: str) -> None:
    report = page_types(site)["report"]
    phone_page.goto(site + report, wait_until="networkidle")
    boxes = phone_page.evaluate(
        """() => Array.from(document.querySelectorAll('table.original')).map(t => ({
             client: t.clientWidth, scroll: t.scrollWidth,
             overflow: getComputedStyle(t).overflowX}))"""
    )
    assert boxes, "the report page has its printed tables"
    assert all(b["client"] <= PHONE["width"] for b in boxes), boxes
    assert any(b["scroll"] > b["client"] and b["overflow"] == "auto" for b in boxes), boxes


def test_charts_load_only_where_they_are_drawn(chromium: Any, site: str) -> None:
    """No page loads datasette-vega's bundle up front; a table page loads it when asked
    (「显示图表」) and shows its controls in Chinese; a canned query with a chart in its
    URL fragment draws it."""
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    scripts: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: r.resource_type == "script" and scripts.append(r.url))
    page.on("console", lambda m: m.type in ("warning", "error") and console.append(m.text))
    for path in ("/", page_types(site)["report"], "/-/search?q=x", "/nianbao/reports"):
        page.goto(site + path, wait_until="networkidle")
    assert not [s for s in scripts if "datasette_vega" in s or "leaflet" in s], scripts
    page.get_by_role("button", name="显示图表").click()
    page.wait_for_selector("form.datasette-vega", timeout=15000)
    form_text = page.inner_text("form.datasette-vega")
    assert "图表选项" in form_text and "横轴列" in form_text, form_text
    assert not ENGLISH_PATTERN.search(form_text)
    page.goto(
        site + "/nianbao/outcome_composition#g.mark=bar&g.x_column=year&g.x_type=ordinal"
        "&g.y_column=total&g.y_type=quantitative",
        wait_until="networkidle",
    )
    page.wait_for_selector("svg.marks, canvas.marks", timeout=15000)
    page.wait_for_timeout(300)
    assert console == []  # no version warnings from the chart libraries
    context.close()


# --------------------------------------------------------------------------- page values
# Each page type shows the right values, at both widths; the expected numbers come from the
# database file (sqlite3) or the site's JSON, never from the page under test.

WIDTHS = ("desktop", "phone")


def probe(walked: dict[str, dict[str, Any]], name: str, width: str) -> dict[str, Any]:
    return walked[f"{name}@{width}"]["probe"]


def sql(db: Path, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as con:
        return con.execute(query, params).fetchall()


@pytest.mark.parametrize("width", WIDTHS)
def test_agency_page_shows_every_year_of_its_reports(
    walked: dict[str, dict[str, Any]], sample_db: Path, width: str
) -> None:
    seen = walked[f"agency@{width}"]
    agency_id = int(seen["url"].rsplit("/", 1)[1])
    (name,) = sql(sample_db, "select name from agencies where id = ?", agency_id)[0]
    years = [
        str(y)
        for (y,) in sql(
            sample_db, "select year from reports where agency_id = ? order by year", agency_id
        )
    ]
    got = seen["probe"]
    assert got["h1"] == name
    assert got["agency_years"] == years
    assert got["agency_report_links"] == len(years)
    assert got["agency_bars"] == len(years)  # the small chart: one bar a year
    assert f"{len(years)} 份" in seen["text"]


def _search_total(db: Path, word: str, province: str | None = None, year: int | None = None) -> int:
    """Sections whose narrative (what search indexes: ingest.db.search.narrative_text, the
    tables left out) holds the word, counted by a plain scan of the database file. FTS
    reads across spaces and punctuation, so they are dropped before looking."""
    from ingest.db.search import narrative_text

    rows = sql(
        db, "select s.text, r.province, r.year from sections s join reports r on r.id = s.report_id"
    )
    return sum(
        1
        for text, p, y in rows
        if word in re.sub(r"\W", "", narrative_text(text or ""))
        and province in (None, p)
        and year in (None, y)
    )


@needs_shared  # paging needs more reports than the five bundled samples give
@pytest.mark.parametrize("width", WIDTHS)
def test_search_page_counts_pages_filters_and_highlights(
    walked: dict[str, dict[str, Any]], sample_db: Path, width: str
) -> None:
    total = _search_total(sample_db, SEARCH_WORD)
    assert total > 20, "the sample database gives the search word more than one page"
    first = probe(walked, "search", width)
    assert (
        first["search_count"]
        == f"共 {total:,} 个段落包含“{SEARCH_WORD}”，显示第 1–20 个，按相关度排序。"
    )
    assert len(first["results"]) == 20 and first["next"]
    assert first["search_pages"].startswith(f"第 1 / {-(-total // 20)} 页")
    for result in first["results"]:  # every snippet shows the word, highlighted
        assert result["marks"] and set(result["marks"]) == {SEARCH_WORD}, result
        assert "|" not in result["snippet"] and "---" not in result["snippet"]  # no table markup
    second = probe(walked, "search_page_2", width)
    assert second["search_count"].endswith(f"显示第 21–{min(total, 40)} 个，按相关度排序。")
    shown = {(r["report"], r["snippet"]) for r in first["results"]}
    assert not shown & {(r["report"], r["snippet"]) for r in second["results"]}
    filtered = walked[f"search_filtered@{width}"]
    province, year = (
        urllib.parse.parse_qs(filtered["url"].split("?")[1])[k][0] for k in ("province", "year")
    )
    n = _search_total(sample_db, SEARCH_WORD, province, int(year))
    got = filtered["probe"]
    assert (
        got["selects"]["province"]["value"] == province and got["selects"]["year"]["value"] == year
    )
    assert (
        got["selects"]["province"]["options"] > 1 and got["selects"]["agency_type"]["options"] > 1
    )
    assert len(got["results"]) == min(n, 20) and got["search_count"].startswith(f"共 {n:,} 个段落")
    assert all(province in r["meta"] for r in got["results"])
    nothing = probe(walked, "search_nothing", width)
    assert (
        nothing["search_count"] == "没有找到包含“没有这个词语”的正文。" and nothing["results"] == []
    )


def _refusal_ranking(db: Path) -> list[tuple[str, int]]:
    """Agencies of the year with most reports, by 不予公开 (denied) count, most first."""
    (year,) = sql(
        db, "select year from reports group by year order by count(*) desc, year desc limit 1"
    )[0]
    return [
        (agency, denied)
        for agency, denied in sql(
            db,
            "select agency, denied from reports where year = ? and denied is not null"
            " and total_handled >= 1 order by denied desc, id",
            year,
        )
    ]


@needs_shared  # paging needs more reports than the five bundled samples give
@pytest.mark.parametrize("width", WIDTHS)
def test_rankings_worst_first_with_every_page_reachable(
    walked: dict[str, dict[str, Any]], sample_db: Path, width: str
) -> None:
    expected = _refusal_ranking(sample_db)
    m = len(expected)
    assert m > RANKING_SIZE, "the sample database has more than one page of this ranking"
    first = probe(walked, "ranking", width)
    assert first["showing"].startswith(f"显示第 1–{RANKING_SIZE} 个，共 {m} 个。")
    assert first["next"]
    assert first["ranks"] == [str(i) for i in range(1, RANKING_SIZE + 1)]
    denied = [int(r["denied"].replace(",", "")) for r in first["rank_values"]]
    assert denied == [d for _, d in expected[:RANKING_SIZE]]  # worst (most refusals) first
    last = probe(walked, "ranking_last", width)
    start = (-(-m // RANKING_SIZE) - 1) * RANKING_SIZE + 1
    assert last["showing"].startswith(f"显示第 {start}–{m} 个，共 {m} 个。")
    assert not last["next"] and last["ranks"][-1] == str(m)
    assert int(last["rank_values"][-1]["denied"].replace(",", "")) == expected[-1][1]
    for name in ("ranking", "ranking_rate", "ranking_review"):  # pick-lists, not free text
        selects = probe(walked, name, width)["selects"]
        assert {"year", "province", "agency_type", "order"} <= selects.keys(), (name, selects)
        assert selects["province"]["options"] > 2 and selects["year"]["options"] > 1
    rate = probe(walked, "ranking_rate", width)["rank_values"]
    rates = [float(r["disclosure_rate"].rstrip(" %")) for r in rate]
    assert rates == sorted(rates)  # the lowest disclosure rate first


@pytest.mark.parametrize("width", WIDTHS)
def test_a_parameter_that_matches_nothing_says_so_in_chinese(
    walked: dict[str, dict[str, Any]], width: str
) -> None:
    seen = walked[f"ranking_no_match@{width}"]
    typed = urllib.parse.parse_qs(seen["url"].split("?")[1])["province"][0]
    problems = seen["probe"]["param_problems"]
    assert any(f"没有“{typed}”这个省份" in p and "省份要写全称" in p for p in problems), problems
    assert seen["probe"]["ranks"] == []
    assert "0 results" not in seen["text"]


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_filters_and_every_chart_drawn(
    walked: dict[str, dict[str, Any]], width: str
) -> None:
    for name in ("dashboard", "dashboard_filtered"):
        got = probe(walked, name, width)
        assert len(got["charts"]) == 7 and all(c["drawn"] for c in got["charts"]), got["charts"]
        # charts fill their card: on a phone one a row, on a desktop two
        limit = PHONE["width"] if width == "phone" else DESKTOP["width"] / 2
        assert all(limit * 0.6 < c["width"] <= limit for c in got["charts"]), got["charts"]
    seen = walked[f"dashboard_filtered@{width}"]
    query = urllib.parse.parse_qs(seen["url"].split("?")[1])
    selects = seen["probe"]["selects"]
    assert selects["province"]["value"] == query["province"][0]
    assert selects["year"]["value"] == query["year"][0]
    assert selects["province"]["options"] > 2  # 全国 and the provinces
    assert probe(walked, "dashboard", width)["selects"]["province"]["value"] == ""


@pytest.mark.parametrize("width", WIDTHS)
def test_api_page_lists_curl_lines_in_chinese_and_english(
    walked: dict[str, dict[str, Any]], site: str, width: str
) -> None:
    got = probe(walked, "api", width)
    curls = got["api_curls"]
    assert len(curls) >= 4 and all(c.startswith("curl ") for c in curls)
    assert any("/report/" in c and ".json" in c for c in curls)
    assert any("reports.json" in c for c in curls) and any(".db" in c for c in curls)
    assert all(site in c for c in curls)  # absolute URLs of this site
    assert got["api_english"]


@pytest.mark.parametrize("width", WIDTHS)
def test_error_pages_of_each_kind_lead_home(walked: dict[str, dict[str, Any]], width: str) -> None:
    for name in ("not_found", "report_not_found", "agency_not_found"):
        seen = walked[f"{name}@{width}"]
        assert seen["status"] == EXPECTED_STATUS[name]
        assert "返回首页" in seen["text"], name
        assert "/" in seen["probe"]["error_links"], (name, seen["probe"]["error_links"])


def test_register_labels_are_not_clipped_on_a_phone(walked: dict[str, dict[str, Any]]) -> None:
    """Each register card shows its column labels whole (was: 年度 → 度, 省份 → 份, pulled
    left out of the cell by Datasette's -10% margin)."""
    cells = probe(walked, "table", "phone")["register_cells"]
    assert [c["label"] for c in cells][:3] == ["年度", "机关", "省份"]
    bad = [c for c in cells if c["before_margin"] < 0 or c["left"] < 0 or c["scroll"] > c["client"]]
    assert bad == []


def test_failed_checks_identity_column_is_readable_on_a_phone(
    walked: dict[str, dict[str, Any]],
) -> None:
    """The 关系 column of the failed checks keeps at least 12 characters a line on a phone
    (was: one or two characters a line); the table scrolls in its own box instead."""
    columns = {c["text"]: c for c in probe(walked, "report_failed", "phone")["failed_columns"]}
    assert columns["关系"]["width"] >= 12 * columns["关系"]["font"], columns
    assert columns["核对项"]["width"] >= 7 * columns["核对项"]["font"], columns
