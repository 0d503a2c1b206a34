"""Every page type a visitor can reach, in Debian's Chromium with the CJK font, at desktop
(1366 px) and phone (390 px) widths: Chinese shows as glyphs (not empty boxes), every
page declares lang="zh-CN", no English UI string from Datasette's chrome is left, and
nothing is wider than the phone's screen. Screenshots of each page at both widths are
written under the test's temporary directory (``NIANBAO_SHOTS=DIR`` keeps them in DIR).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_browser import ARGS, CHROMIUM, serve_site

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


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def page_types(site: str) -> dict[str, str]:
    """One URL per page type, from the sample database."""
    reports = get_json(site + "/nianbao/reports.json?_shape=array&_size=1&_sort=id")
    report_id = reports[0]["id"]
    agencies = get_json(site + "/nianbao/agencies.json?_shape=array&_size=1&_sort=id")
    pages = {
        "home": "/",
        "table": "/nianbao/reports",
        "table_filtered": "/nianbao/reports?province=%E6%B1%9F%E8%8B%8F%E7%9C%81&_sort=year",
        "row": f"/nianbao/agencies/{agencies[0]['id']}",
        "query": "/nianbao?sql=select+id%2C+agency%2C+year+from+reports+limit+3",
        "query_empty": "/nianbao?sql=select+*+from+reports+where+0",
        "canned_query": "/nianbao/failed_identities",
        "canned_query_empty": "/nianbao/disclosure_rate?year=1999",
        "database": "/nianbao",
        "search": "/-/search?q=%E5%A4%8D%E8%AE%AE",
        "report": f"/report/{report_id}",
        "checks": "/nianbao/checks?ok=0",
        "dashboard": "/-/dashboards/trends",
        "not_found": "/nianbao/no_such_table",
        "bad_sql": "/nianbao?sql=select+no_such_column+from+reports",
        "api": "/-/api",
    }
    agency_page = f"/agency/{agencies[0]['id']}"
    try:
        with urllib.request.urlopen(site + agency_page, timeout=10):
            pages["agency"] = agency_page
    except OSError:
        pass  # the agency page is not there yet
    return pages


EXPECTED_STATUS = {"not_found": 404, "bad_sql": 400}


@pytest.fixture(scope="module")
def site(sample_db: Path) -> Iterator[str]:
    """``datasette serve`` of the sample database with the site's settings.json."""
    with serve_site(sample_db) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install chromium, or make browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


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
            if name == "dashboard":
                page.wait_for_selector("#chart-reports :is(svg.marks, canvas.marks)", timeout=15000)
            page.screenshot(path=str(shots / f"{name}-{width_name}.png"), full_page=True)
            found[f"{name}@{width_name}"] = {
                "url": path,
                "status": response.status if response else None,
                "lang": page.evaluate("document.documentElement.lang"),
                "title": page.title(),
                "text": page.evaluate(VISIBLE_TEXT_JS),
                "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                "low_contrast": page.evaluate(CONTRAST_JS),
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
