"""The site's chrome without a browser: Chinese templates, labels, error pages, the API
page, Excel CSV, _size=0, robots.txt and sitemap.xml under base_url, Vary on 304, facets
with a 未知 bucket. In-process Datasette over the sample database (all plugins, all
ASGI wrappers)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from datasette.app import Datasette

from .conftest import HAS_SHARED, ROOT, load_metadata, needs_shared


def site(db: Path, **settings: Any) -> Datasette:
    return Datasette(
        immutables=[str(db)],
        metadata=load_metadata(),
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
        static_mounts=[("static", str(ROOT / "static"))],
        settings=settings or None,
    )


@pytest.fixture(scope="module")
def ds(sample_db: Path) -> Datasette:
    return site(sample_db)


PAGES = (
    "/",
    "/nianbao",
    "/nianbao/reports",
    "/nianbao/checks?ok=0",
    "/nianbao/agencies/1",
    "/nianbao/failed_identities",
    "/nianbao?sql=select+1",
    "/-/api",
    "/-/dashboards/trends",
)


@pytest.mark.parametrize("path", PAGES)
async def test_pages_declare_chinese_and_load_no_chart_bundle_up_front(
    ds: Datasette, path: str
) -> None:
    r = await ds.client.get(path)
    assert r.status_code == 200, path
    assert '<html lang="zh-CN">' in r.text
    # datasette-vega's bundle is loaded on demand (its URL is in a script's settings),
    # never by a <script> or <link> of the page.
    assert not re.search(r"<(script|link)[^>]+datasette_vega", r.text)
    assert "leaflet" not in r.text.lower()
    for english in ("Powered by", "Custom SQL query", "Run SQL", "This data as", "Data license"):
        assert english not in r.text, (path, english)


async def test_titles_say_what_the_page_is(ds: Datasette) -> None:
    title = re.compile(r"<title>([^<]*)</title>")
    query = await ds.client.get("/nianbao?sql=select+id+from+reports+limit+2")
    assert title.search(query.text)[1].startswith("自定义 SQL 查询：2 行")
    canned = await ds.client.get("/nianbao/failed_identities")
    assert title.search(canned.text)[1].startswith("自身算术不成立的报告")
    table = await ds.client.get("/nianbao/reports?province=江苏省")
    assert title.search(table.text)[1].startswith("年度报告：")
    assert "省级行政区 等于 江苏省" in title.search(table.text)[1]


async def test_facets_have_chinese_titles_values_and_a_blank_bucket(ds: Datasette) -> None:
    for path in ("/nianbao/reports", "/nianbao/reports?year=2024"):  # stored and live counts
        r = await ds.client.get(path)
        scope = r.text[r.text.index('id="facet-scope"') :]
        scope = scope[: scope.index("</ul>")]
        assert ">范围<" in scope
        assert ">机关</a>" in scope
        # the whole-region aggregates are the Huai'an government reports in ../shared
        assert (">全区域汇总</a>" in scope) == HAS_SHARED
        blanks = await ds.client.get("/nianbao/reports.json?scope__isnull=1&_size=0")
        count = blanks.json()["filtered_table_rows_count"]
        assert (count > 0) == HAS_SHARED  # reports of unknown scope: the Huai'an PDFs' texts
        if count:
            assert re.search(r"scope__isnull=1[^>]*>未知</a> " + str(count), scope), (path, scope)


async def test_check_names_are_human_names(ds: Datasette) -> None:
    r = await ds.client.get("/nianbao/checks?check_name=row_sum.denied_state_secret&_size=1")
    assert "（三）不予公开 1.属于国家秘密：各类申请人之和 = 总计（每行）" in r.text


async def test_coded_cells_show_their_labels(ds: Datasette) -> None:
    """Cells of the columns metadata labels (scope, severity, ok, fee_charged) show the
    label with the code on hover, as their facets do; the JSON keeps the codes."""
    page = (await ds.client.get("/nianbao/checks", params={"ok": "0"})).text
    assert '<span title="0">不成立</span>' in page
    assert '<span title="soft">提示</span>' in page
    register = (await ds.client.get("/nianbao/reports", params={"_col": "scope"})).text
    assert '<span title="organ">机关</span>' in register
    rows = (
        await ds.client.get("/nianbao/checks.json", params={"ok": "0", "_shape": "array"})
    ).json()
    assert {r["ok"] for r in rows} == {0} and "soft" in {r["severity"] for r in rows}


async def test_error_pages_are_chinese_with_a_way_home_and_to_search(ds: Datasette) -> None:
    for path, message in (
        ("/no_such_db", "没有这个数据库"),
        ("/nianbao/no_such_table", "没有这张表"),
        ("/nianbao/reports/no-such-id", "没有这一行"),
    ):
        r = await ds.client.get(path)
        assert r.status_code == 404
        assert "<title>找不到这个页面（404）</title>" in r.text
        assert message in r.text and "返回首页" in r.text and 'action="/-/search"' in r.text
        assert "not found" not in r.text.lower()


async def test_size_zero_gives_counts_and_facets(ds: Datasette) -> None:
    r = await ds.client.get("/nianbao/reports.json?_size=0&_facet=province")
    assert r.status_code == 200
    data = r.json()
    assert data["rows"] == []
    counts = {v["value"]: v["count"] for v in data["facet_results"]["province"]["results"]}
    assert sum(counts.values()) == data["filtered_table_rows_count"] - counts.get(None, 0)


async def test_excel_csv_has_a_bom_and_chinese_headings(ds: Datasette) -> None:
    plain = await ds.client.get("/nianbao/reports.csv?_size=5")
    excel = await ds.client.get("/nianbao/reports.csv?_size=5&_bom=1&_dl=1")
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert excel.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in excel.headers["content-disposition"]
    plain_rows = list(csv.reader(io.StringIO(plain.content.decode("utf-8"))))
    excel_rows = list(csv.reader(io.StringIO(excel.content.decode("utf-8-sig"))))
    assert plain_rows[0][:3] == ["id", "agency_id", "agency"]
    assert excel_rows[0][:3] == ["报告编号", "机关编号", "发布机关名称"]
    assert len(set(excel_rows[0])) == len(excel_rows[0])
    assert excel_rows[1:] == plain_rows[1:]  # the data itself is unchanged
    streamed = await ds.client.get("/nianbao/failed_identities.csv?_bom=1&_stream=on")
    assert streamed.content.startswith(b"\xef\xbb\xbf\xe6\x8a\xa5\xe5\x91\x8a,")  # "报告,"


async def test_api_page_lists_curl_lines(ds: Datasette) -> None:
    r = await ds.client.get("/-/api")
    assert r.status_code == 200
    text = r.text
    assert "curl 'http://localhost/nianbao/reports.json?_shape=array" in text
    assert (
        "curl 'http://localhost/nianbao/failed_identities.json?_shape=array&amp;year=&amp;province='"
        in text
    )
    assert re.search(
        r"curl &#39;http://localhost/report/[0-9a-f]+\.json&#39;|curl 'http://localhost/report/[0-9a-f]+\.json'",
        text,
    )
    assert "curl -O 'http://localhost/nianbao.db'" in text
    assert re.search(r"SQLite 数据库文件，[0-9.]+ (KB|MB)", text)
    assert '<section lang="en">' in text and "API (English)" in text


async def test_download_link_shows_the_size(ds: Datasette) -> None:
    home = await ds.client.get("/")
    assert re.search(r"下载整个数据库（SQLite，[0-9.]+ (KB|MB)）", home.text)
    database = await ds.client.get("/nianbao")
    assert re.search(r"nianbao\.db</a>（[0-9.]+ (KB|MB)）", database.text)


async def test_robots_and_sitemap_follow_base_url(sample_db: Path) -> None:
    prefixed = site(sample_db, base_url="/nb/")
    robots = (await prefixed.client.get("/robots.txt")).text
    assert robots.startswith("# nianbao")
    assert "User-agent: *" in robots and "Allow: /nb/report/" in robots
    assert "Disallow: /nb/*?sql=" in robots and "Disallow: /\n" not in robots
    assert "Sitemap: http://localhost/nb/sitemap.xml" in robots
    sitemap = (await prefixed.client.get("/sitemap.xml")).text
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locs and all(loc.startswith("http://localhost/nb/report/") for loc in locs)
    api = (await prefixed.client.get("/-/api")).text
    assert "curl -O 'http://localhost/nb/nianbao.db'" in api


async def test_304_carries_vary(ds: Datasette) -> None:
    first = await ds.client.get("/nianbao/reports", headers={"accept-encoding": "gzip"})
    etag = first.headers["etag"]
    assert "accept-encoding" in first.headers.get("vary", "").lower()
    again = await ds.client.get(
        "/nianbao/reports", headers={"if-none-match": etag, "accept-encoding": "gzip"}
    )
    assert again.status_code == 304
    assert again.headers["vary"] == "Accept-Encoding"


@needs_shared
async def test_report_page_names_failed_checks_for_people(ds: Datasette) -> None:
    """洪泽区 2023's two failed table-四 checks: the group's printed name, the key on hover."""
    ids = await ds.client.get(
        "/nianbao/reports.json?_shape=array&agency=洪泽区人民政府&year=2023&_col=id"
    )
    page = (await ds.client.get(f"/report/{ids.json()[0]['id']}")).text
    assert '<td title="review_total.review">行政复议</td>' in page
    assert '<td title="review_total.litigation_after_review">行政诉讼·复议后起诉</td>' in page
    assert "<code>review_total" not in page
    assert 'title="不成立：行政复议：维持 + 纠正 + 其他 + 尚未审结 = 总计（表四每组）"' in page
