"""The site, in process: canned queries, facets, Chinese search, the report page and its JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from ingest import model
from ingest.cli import cli

from .conftest import HAS_SHARED, HUAIAN, SAMPLES, SHARED, load_metadata, needs_shared

QUERIES = load_metadata()["databases"]["nianbao"]["queries"]
ALL_SAMPLE_AGENCIES = {
    "湘潭县商务局",
    "衡阳市商务局",
    "新乡市商务局",
    "湘潭县统计局",
    "上犹县商务局",
}
HUAIAN_AGENCIES = {"洪泽区人民政府", "淮安市洪泽区人民政府", "淮安市人民政府"}
EVERY_AGENCY = ALL_SAMPLE_AGENCIES | (HUAIAN_AGENCIES if HAS_SHARED else set())


async def rows(ds: Datasette, path: str, **params: str) -> list[dict[str, Any]]:
    response = await ds.client.get(path, params={"_shape": "array", "_size": "max", **params})
    assert response.status_code == 200, response.text[:500]
    return response.json()


async def query(ds: Datasette, name: str, **params: str) -> list[dict[str, Any]]:
    return await rows(ds, f"/nianbao/{name}.json", **params)


async def report_id(ds: Datasette, agency: str, year: int) -> str:
    found = await rows(ds, "/nianbao/reports.json", agency=agency, year=str(year), _col="id")
    assert len(found) == 1, found
    return found[0]["id"]


# --------------------------------------------------------------------------- canned queries


def test_at_least_twelve_canned_queries_with_chinese_titles() -> None:
    assert len(QUERIES) >= 12
    for name, spec in QUERIES.items():
        assert re.search(r"[\u4e00-\u9fff]", spec["title"]), name
        assert re.search(r"[\u4e00-\u9fff]", spec["description"]), name


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_every_canned_query_runs(datasette_app: Datasette, name: str) -> None:
    response = await datasette_app.client.get(f"/nianbao/{name}.json")
    assert response.status_code == 200, response.text[:500]
    assert response.json()["ok"] is True
    page = await datasette_app.client.get(f"/nianbao/{name}")
    assert page.status_code == 200


@needs_shared
async def test_failed_identities_are_hongze_2023_table_four(datasette_app: Datasette) -> None:
    got = await query(datasette_app, "failed_identities")
    assert [
        (r["agency"], r["year"], r["check_name"], r["reported"], r["computed"], r["difference"])
        for r in got
    ] == [
        ("洪泽区人民政府", 2023, "review_total.review", "0", "11", 11.0),
        ("洪泽区人民政府", 2023, "review_total.litigation_after_review", "0", "5", 5.0),
    ]
    assert await query(datasette_app, "failed_identities", year="2024") == []


async def test_failed_identities_none_in_the_bundled_samples(datasette_app: Datasette) -> None:
    got = await query(datasette_app, "failed_identities", province="湖南省")
    assert got == []


async def test_narrative_mismatch(datasette_app: Datasette) -> None:
    got = {
        (r["agency"], r["reported"], r["computed"])
        for r in await query(datasette_app, "narrative_mismatch")
    }
    expected = {("湘潭县统计局", "0", "1")}
    if HAS_SHARED:
        expected.add(("淮安市洪泽区人民政府", "17", "95"))
    assert got == expected


async def test_zero_applications(datasette_app: Datasette) -> None:
    assert await query(datasette_app, "zero_applications") == []  # default: two years or more
    got = await query(datasette_app, "zero_applications", min_years="1")
    assert {(r["agency"], r["from_year"], r["years"]) for r in got} == {
        ("衡阳市商务局", 2025, 1),
        ("新乡市商务局", 2024, 1),
        ("上犹县商务局", 2024, 1),
    }


async def test_disclosure_rate_defaults_to_the_year_with_most_reports(
    datasette_app: Datasette,
) -> None:
    got = await query(datasette_app, "disclosure_rate", order="最高")
    assert {r["year"] for r in got} == {2024}
    assert (got[0]["agency"], got[0]["disclosure_rate"], got[0]["total_handled"]) == (
        "湘潭县商务局",
        1.0,
        13,
    )
    rates = [r["disclosure_rate"] for r in got]
    assert rates == sorted(rates, reverse=True)
    worst_first = await query(datasette_app, "disclosure_rate")
    assert [r["disclosure_rate"] for r in worst_first] == sorted(rates)
    if HAS_SHARED:
        city = next(r for r in got if r["agency"] == "淮安市人民政府")
        assert (city["granted"], city["total_handled"], city["disclosure_rate"]) == (
            1362,
            3050,
            0.4466,
        )


async def test_refusal_grounds_sum_to_the_denied_total(datasette_app: Datasette) -> None:
    got = await query(datasette_app, "refusal_grounds", year="2024")
    assert len(got) == 8
    assert got[0]["label"] == "1.属于国家秘密"
    denied = await rows(datasette_app, "/nianbao/summary_year.json", year="2024", _col="denied")
    assert sum(r["total"] for r in got) == denied[0]["denied"] == (181 if HAS_SHARED else 0)


@needs_shared
async def test_unavailable_and_unprocessed_shares(datasette_app: Datasette) -> None:
    got = {r["year"]: r for r in await query(datasette_app, "unavailable_unprocessed")}
    assert (got[2023]["total_handled"], got[2023]["unavailable"], got[2023]["unavailable_pct"]) == (
        21,
        13,
        61.9,
    )
    jiangsu = await query(datasette_app, "unavailable_unprocessed", province="江苏省")
    assert {r["province"] for r in jiangsu} == {"江苏省"}


@needs_shared
async def test_review_litigation_corrected_rate_excludes_pending(datasette_app: Datasette) -> None:
    got = {
        r["grp"]: r for r in await query(datasette_app, "review_litigation_outcomes", year="2024")
    }
    review = got["review"]
    assert (review["total"], review["corrected"], review["pending"]) == (353, 65, 37)
    assert review["corrected_pct_of_decided"] == 20.6  # 65 / (353 - 37)
    assert review["corrected_pct_of_total"] == 18.4
    top = (await query(datasette_app, "review_by_agency"))[0]
    assert (top["agency"], top["review_corrected"], top["review_total"]) == (
        "淮安市人民政府",
        64,
        351,
    )


async def test_fees(datasette_app: Datasette) -> None:
    got = await query(datasette_app, "fees")
    if not HAS_SHARED:
        assert got == []
        return
    assert [
        (r["agency"], r["fee_charged"], r["fee_amount_yuan"], r["other_no_fee"]) for r in got
    ] == [("淮安市人民政府", 1, 3940.0, 6)]


@needs_shared
async def test_carry_mismatch_is_empty_when_hongze_carries_over(datasette_app: Datasette) -> None:
    assert await query(datasette_app, "carry_mismatch") == []
    checks = await rows(datasette_app, "/nianbao/checks.json", identity="carry_continuity")
    assert [(c["ok"], c["reported"], c["computed"]) for c in checks] == [(1, "0", "0")]


@needs_shared
async def test_year_over_year_and_agency_history(datasette_app: Datasette) -> None:
    got = await query(datasette_app, "year_over_year")
    assert [(r["agency"], r["prev_new_received"], r["new_received"], r["change"]) for r in got] == [
        ("淮安市洪泽区人民政府", 21, 95, 74)
    ]
    history = await query(datasette_app, "agency_history", agency="淮安市洪泽区人民政府")
    assert [(r["year"], r["new_received"], r["check_status"]) for r in history] == [
        (2023, 21, "有错误"),
        (2024, 95, "全部通过"),
    ]


async def test_problems_lists_every_warning(datasette_app: Datasette) -> None:
    got = await query(datasette_app, "problems")
    warnings = await rows(datasette_app, "/nianbao/warnings.json", _col="id")
    assert (
        len([r for r in got if r["kind"] == "解析警告"])
        == len(warnings)
        == (19 if HAS_SHARED else 18)
    )
    assert {r["kind"] for r in got} == {"解析警告"}


async def test_province_overview_and_outcome_composition(datasette_app: Datasette) -> None:
    got = {r["province"]: r for r in await query(datasette_app, "province_overview")}
    assert got["湖南省"]["reports"] == 2 and got["湖南省"]["new_received"] == 14
    if HAS_SHARED:
        assert got["江苏省"]["new_received"] == 3119 + 95
    composition = await query(datasette_app, "outcome_composition")
    for year in {r["year"] for r in composition if r["pct"] is not None}:
        assert abs(sum(r["pct"] or 0 for r in composition if r["year"] == year) - 100) < 0.6


async def test_province_filter_counts_that_province_only(datasette_app: Datasette) -> None:
    """The dashboard's province filter is the canned queries' province parameter: 湖南省
    2024 (湘潭县商务局 and 湘潭县统计局) has its own 14 applications handled, 13 granted, and
    no refusals, whatever the other provinces hold."""
    summary = await rows(datasette_app, "/nianbao/summary_year_province.json", province="湖南省")
    assert {r["year"]: r["total_handled"] for r in summary} == {2024: 14, 2025: 0}
    got = await query(datasette_app, "outcome_composition", province="湖南省", year="2024")
    assert [r["outcome"] for r in got] == [
        "（一）予以公开", "（二）部分公开", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理",
    ]  # fmt: skip
    assert sum(r["total"] for r in got) == 14 and got[0]["total"] == 13 and got[0]["pct"] == 92.9
    refusals = await query(datasette_app, "refusal_grounds", province="湖南省", year="2024")
    assert len(refusals) == 8 and {r["total"] for r in refusals} == {0}
    country = await query(datasette_app, "outcome_composition", year="2024")
    assert sum(r["total"] for r in country) == (14 + 3145 if HAS_SHARED else 14)


async def test_dashboard_offers_year_and_province_filters(datasette_app: Datasette) -> None:
    page = await datasette_app.client.get("/-/dashboards/trends", params={"province": "湖南省"})
    assert page.status_code == 200
    html = page.text
    assert '<select id="year" name="year">' in html and "全部年度" in html
    assert '<option value="湖南省" selected>湖南省</option>' in html
    assert '<option value="2024" >2024</option>' in html
    assert "（未识别）" not in html


# --------------------------------------------------------------------------- tables and facets


async def test_reports_facets_present(datasette_app: Datasette) -> None:
    response = await datasette_app.client.get("/nianbao/reports.json")
    facets = response.json()["facet_results"]
    assert {"year", "province", "city", "agency_type", "format", "check_status", "scope"} <= set(
        facets
    )
    years = {f["value"]: f["count"] for f in facets["year"]["results"]}
    assert years[2024] == (6 if HAS_SHARED else 4)


async def test_column_descriptions_come_from_the_model(datasette_app: Datasette) -> None:
    page = await datasette_app.client.get("/nianbao/applications")
    assert "自然人（件）" in page.text
    meta = datasette_app.table_metadata("nianbao", "proactive")
    assert meta["columns"]["amount_10k_yuan"] == "本年收费金额（单位：万元）（万元）"


# --------------------------------------------------------------------------- Chinese search

HUAIAN_NARRATIVE = {"淮安市人民政府", "淮安市洪泽区人民政府"} if HAS_SHARED else set()
HUAIAN_FEES: set[str] = set()  # their narrative says 收取信息处理费, not 收费
SEARCHES = [
    ("湘", {"湘潭县商务局", "湘潭县统计局"}),
    ("统计", {"湘潭县统计局", "上犹县商务局"}),
    ("衡阳", {"衡阳市商务局"}),
    # Narrative only: table 四's header (行政复议, 行政诉讼) is in every report and is not
    # searched; these words stand in the narrative of these reports.
    ("复议", {"湘潭县商务局"} | HUAIAN_NARRATIVE),
    ("收费", {"上犹县商务局", "湘潭县商务局"} | HUAIAN_FEES),
    ("诉讼", {"湘潭县商务局"} | HUAIAN_NARRATIVE),
    ("行政复议", {"湘潭县商务局"} | HUAIAN_NARRATIVE),
]


@pytest.mark.parametrize(("q", "agencies"), SEARCHES)
async def test_chinese_search_finds_short_words(
    datasette_app: Datasette, q: str, agencies: set[str]
) -> None:
    reports = await rows(datasette_app, "/nianbao/reports.json", _search=q, _col="agency")
    assert {r["agency"] for r in reports} == agencies
    sections = await rows(datasette_app, "/nianbao/sections.json", _search=q)
    assert sections and all(q in re.sub(r"\s", "", s["text"]) for s in sections)
    page = await datasette_app.client.get("/-/search", params={"q": q})
    assert page.status_code == 200 and "<mark>" in page.text


@needs_shared
async def test_one_character_search_huai(datasette_app: Datasette) -> None:
    reports = await rows(datasette_app, "/nianbao/reports.json", _search="淮", _col="agency")
    assert {r["agency"] for r in reports} == {"淮安市人民政府", "淮安市洪泽区人民政府"}


async def test_search_input_is_never_fts_syntax(datasette_app: Datasette) -> None:
    for q in ['"', "NEAR(复 议)", "text:复议", "*", "复议 OR 收费"]:
        response = await datasette_app.client.get("/nianbao/sections.json", params={"_search": q})
        assert response.status_code == 200, q


# --------------------------------------------------------------------------- report page


@needs_shared
async def test_report_page_shows_huaian_2024_cells(datasette_app: Datasette) -> None:
    rid = await report_id(datasette_app, "淮安市人民政府", 2024)
    page = await datasette_app.client.get(f"/report/{rid}")
    assert page.status_code == 200
    rows_html = re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
    received = next(r for r in rows_html if "一、本年新收政府信息公开申请数量" in r)
    cells = re.findall(r'<td class="num">(\d+)</td>', received)
    assert cells == ["3001", "53", "0", "0", "61", "4", "3119"]
    assert 'rowspan="8">（三）不予公开' in page.text
    assert "3,940 元" in page.text  # money formatted for people (was "3940.0 元")
    assert 'class="num failed"' not in page.text


@needs_shared
async def test_report_page_highlights_failed_hongze_2023_checks(datasette_app: Datasette) -> None:
    rid = await report_id(datasette_app, "洪泽区人民政府", 2023)
    page = await datasette_app.client.get(f"/report/{rid}")
    failed = re.search(r'<section class="failed-checks">(.*?)</section>', page.text, re.S)
    assert failed, "no failed-checks section"
    # the printed total first, then what its parts add up to (printed 0, parts 11)
    assert failed.group(1).index("报告所填") < failed.group(1).index("各项之和")
    table = re.findall(
        r"<td title=\"([^\"]*)\">.*?<td class=\"num\">(.*?)</td><td class=\"num\">(.*?)</td>",
        failed.group(1),
        re.S,
    )
    assert table == [
        ("review_total.review", "0", "11"),
        ("review_total.litigation_after_review", "0", "5"),
    ]
    assert page.text.count('class="num failed"') == 10  # both groups of table 四, five cells each
    other = await report_id(datasette_app, "淮安市洪泽区人民政府", 2024)
    assert f'href="/report/{other}">2024</a>' in page.text


async def test_report_page_marks_blank_cells(datasette_app: Datasette) -> None:
    rid = await report_id(datasette_app, "衡阳市商务局", 2025)
    page = await datasette_app.client.get(f"/report/{rid}")
    assert page.status_code == 200
    assert 'title="空白（未填报）">—</span>' in page.text


async def test_report_page_prints_table_four_header_as_the_originals(
    datasette_app: Datasette,
) -> None:
    # The model's grid (ingest.model_grids): 行政复议's five column labels span two rows.
    rid = await report_id(datasette_app, "衡阳市商务局", 2025)
    page = await datasette_app.client.get(f"/report/{rid}")
    table = re.search(r'<table class="original t4">(.*?)</thead>', page.text, re.S)
    assert table, "no table 四"
    heads = re.findall(r"<tr>(.*?)</tr>", table.group(1))
    assert heads[0] == '<th colspan="5">行政复议</th><th colspan="10">行政诉讼</th>'
    assert heads[1] == (
        '<th rowspan="2">结果维持</th><th rowspan="2">结果纠正</th><th rowspan="2">其他结果</th>'
        '<th rowspan="2">尚未审结</th><th rowspan="2">总计</th>'
        '<th colspan="5">未经复议直接起诉</th><th colspan="5">复议后起诉</th>'
    )
    assert heads[2] == "".join(f"<th>{label}</th>" for _, label in model.REVIEW_COLUMNS) * 2


async def test_unknown_report_is_404(datasette_app: Datasette) -> None:
    for path in ("/report/nope", "/report/nope.json", "/report/nope/source"):
        assert (await datasette_app.client.get(path)).status_code == 404


def _parse_json(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["parse", "--json", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.txt")))
async def test_report_json_equals_nianbao_parse(datasette_app: Datasette, name: str) -> None:
    parsed = _parse_json(SAMPLES / name)
    rid = await report_id(datasette_app, parsed["agency"], parsed["year"])
    response = await datasette_app.client.get(f"/report/{rid}.json")
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json() == parsed


@needs_shared
@pytest.mark.parametrize("name", HUAIAN)
async def test_shared_report_json_equals_nianbao_parse(datasette_app: Datasette, name: str) -> None:
    parsed = _parse_json(SHARED / "reports" / name)
    rid = await report_id(datasette_app, parsed["agency"], parsed["year"])
    assert (await datasette_app.client.get(f"/report/{rid}.json")).json() == parsed


async def test_reports_table_links_to_report_pages(datasette_app: Datasette) -> None:
    page = await datasette_app.client.get("/nianbao/reports")
    assert re.search(r'<a href="/report/[0-9a-f]{16}" title="([^"]+)">\1</a>', page.text)
    assert "nianbao-search" in page.text  # the search box on reports


async def test_home_page_counts(datasette_app: Datasette) -> None:
    page = await datasette_app.client.get("/")
    text = re.sub(r"\s+", "", page.text)
    assert f"<strong>{8 if HAS_SHARED else 5}</strong>份报告" in text
    assert f">{1 if HAS_SHARED else 0}</a></strong>份报告自身算术不成立" in text
    # every canned query of metadata.yml is linked from the home page, with its title and
    # its chart settings (the query's fragment)
    queries = load_metadata()["databases"]["nianbao"]["queries"]
    for key, query in queries.items():
        fragment = "#" + query["fragment"].replace("&", "&amp;") if query.get("fragment") else ""
        assert f'<a href="/nianbao/{key}{fragment}">{query["title"]}</a>' in page.text, key


async def test_no_markdown_rendering_per_cell(datasette_app: Datasette) -> None:
    """datasette-render-markdown (a dependency of datasette-dashboards) is not loaded: its
    per-cell hook cost a third of a 1,000-row page; cells stay plain, the dashboard draws."""
    from datasette.plugins import pm

    await datasette_app.invoke_startup()
    plugins = [impl.plugin_name for impl in pm.hook.render_cell.get_hookimpls()]
    assert "render_markdown" not in plugins
    assert any("links" in name for name in plugins), plugins
    page = await datasette_app.client.get(
        "/nianbao.json", params={"sql": "select '**不加粗**' as text_markdown", "_shape": "array"}
    )
    assert page.json() == [{"text_markdown": "**不加粗**"}]
    html = await datasette_app.client.get(
        "/nianbao", params={"sql": "select '**不加粗**' as text_markdown"}
    )
    assert "**不加粗**" in html.text and "<strong>" not in html.text
    dashboard = await datasette_app.client.get("/-/dashboards/trends")
    assert dashboard.status_code == 200 and "年度趋势" in dashboard.text
