"""Tests for ingest.parse.meta: a report's title, year, agency, region, scope, fee and numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ingest.parse import meta

from . import helpers

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = REPO / "data" / "samples"
REPORTS = SHARED / "reports"
GOLD = SHARED / "spec" / "gold"

NO_PLACE: dict[str, Any] = {
    "province": None,
    "city": None,
    "county": None,
    "township": None,
    "code": None,
}


def region(province: str, city: str | None, county: str | None, code: str) -> dict[str, Any]:
    return {"province": province, "city": city, "county": county, "township": None, "code": code}


def fee(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "charged": None,
        "amount_yuan": None,
        "notices": None,
        "notice_amount_yuan": None,
        "text": None,
    }
    return base | values


XIANGTAN_COUNTY = region("湖南省", "湘潭市", "湘潭县", "430321")
HONGZE = region("江苏省", "淮安市", "洪泽区", "320813")

# Expected metadata of every sample text, by file name.
EXPECTED: dict[str, dict[str, Any]] = {
    "000_872c2db3c34386f9.txt": {
        "title": "湘潭县商务局2024年政府信息公开工作年度报告",
        "agency": "湘潭县商务局",
        "year": (2024, "period"),
        "agency_type": "商务局",
        "region": XIANGTAN_COUNTY,
        "scope": "organ",
        "fee": fee(charged=False, text="本年度未收取信息处理费。"),
        "numbers": {"received": 13, "review": None, "litigation": None},
    },
    "001_8baf80acad458d1f.txt": {
        "title": None,
        "agency": "衡阳市商务局",
        "year": (2025, "period"),
        "agency_type": "商务局",
        "region": region("湖南省", "衡阳市", None, "430400"),
        "scope": "organ",
        "fee": fee(),  # section 六 says 无
        "numbers": {"received": None, "review": None, "litigation": None},
    },
    "002_46ba6e2557a9db6f.txt": {
        "title": "新乡市商务局2024年政府信息公开工作年度报告",
        "agency": "新乡市商务局",
        "year": (2024, "title"),
        "agency_type": "商务局",
        "region": region("河南省", "新乡市", None, "410700"),
        "scope": "organ",
        "fee": fee(charged=False, text="2024年未收取政府信息公开处理费。"),
        "numbers": {"received": 0, "review": None, "litigation": None},
    },
    "003_ce0f4ed176ab6a33.txt": {
        "title": "湘潭县统计局2024年政府信息公开工作年度报告",
        "agency": "湘潭县统计局",
        "year": (2024, "period"),
        "agency_type": "统计局",
        "region": XIANGTAN_COUNTY,
        "scope": "organ",
        "fee": fee(charged=False, text="本年度本单位没有收取信息处理费。"),
        # The narrative says 情况为零 while table 三 has 1: the soft check's business.
        "numbers": {"received": 0, "review": None, "litigation": None},
    },
    "004_a6ef57ba315dc141.txt": {
        "title": "上犹县商务局2024年政府信息公开工作年度报告",
        "agency": "上犹县商务局",
        "year": (2024, "title"),
        "agency_type": "商务局",
        "region": region("江西省", "赣州市", "上犹县", "360724"),
        "scope": "organ",
        "fee": fee(
            charged=False,
            amount_yuan=0.0,
            notices=0,
            notice_amount_yuan=0.0,
            text="2024年度本机关未收取信息处理费。"
            "发出收费通知的件数和总金额，以及实际收取的总金额均为0。",
        ),
        "numbers": {"received": 0, "review": None, "litigation": None},
    },
    "huaian_hongzequ_2023.pdf.txt": {
        "title": "洪泽区人民政府2023年政府信息公开工作年度报告",
        "agency": "洪泽区人民政府",
        "year": (2023, "period"),
        "agency_type": "人民政府",
        "region": HONGZE,
        "scope": "region",  # 2023 年全区受理政府信息公开申请 21 件
        "fee": fee(
            charged=False,
            amount_yuan=0.0,
            text="2023年，区政府严格落实《政府信息公开信息处理费管理办法》，"
            "全年收取政府信息公开信息处理费0元。",
        ),
        "numbers": {"received": 21, "review": None, "litigation": None},
    },
    "huaian_hongzequ_2024.pdf.txt": {
        "title": "淮安市洪泽区人民政府2024年政府信息公开工作年度报告",
        "agency": "淮安市洪泽区人民政府",
        "year": (2024, "period"),
        "agency_type": "人民政府",
        "region": HONGZE,
        # "区政府办代表区政府受理…17 件" beside a table of 95: no whole-area statement.
        "scope": None,
        "fee": fee(
            charged=False,
            amount_yuan=0.0,
            text="2024年，区政府严格落实《政府信息公开信息处理费管理办法》，"
            "全年收取政府信息公开信息处理费0元。",
        ),
        "numbers": {"received": 17, "review": None, "litigation": None},
    },
    "huaian_shi_2024.pdf.txt": {
        "title": "淮安市人民政府2024年政府信息公开工作年度报告",
        "agency": "淮安市人民政府",
        "year": (2024, "period"),
        "agency_type": "人民政府",
        "region": region("江苏省", "淮安市", None, "320800"),
        "scope": "region",  # 全市共受理
        "fee": fee(
            charged=True,
            amount_yuan=3940.0,
            text="2024年，市政府严格落实《政府信息公开信息处理费管理办法》，"
            "全年收取政府信息公开信息处理费3940元。",
        ),
        "numbers": {"received": 3119, "review": 351, "litigation": 46},
    },
}


def sample_path(name: str) -> Path:
    """The sample's text, or skip when it lives in an absent ../shared checkout."""
    if name.startswith("huaian_"):
        path = REPORTS / name
        if not path.is_file():
            pytest.skip(
                f"{path} not found: shared report texts absent (checkout without ../shared)"
            )
        return path
    return SAMPLES / name


def section(text: str, heading: str, next_heading: str | None = None) -> str:
    """The text between a section heading line and the next one (or the end)."""
    start = text.find(heading)
    assert start >= 0, f"no {heading} in the sample"
    body = text[start + len(heading) :]
    if next_heading and next_heading in body:
        body = body[: body.index(next_heading)]
    return body


def test_every_sample_has_expectations() -> None:
    names = {p.name for p in SAMPLES.glob("*.txt")}
    if REPORTS.is_dir():
        names |= {p.name for p in REPORTS.glob("huaian_*.pdf.txt")}
    assert names - EXPECTED.keys() == set()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_agency_and_year_match_gold(name: str) -> None:
    text = sample_path(name).read_text(encoding="utf-8")
    gold_path = helpers.gold_path(name.removesuffix(".txt"))
    if not gold_path.is_file():
        pytest.skip(f"{gold_path} not found: gold files absent (checkout without ../shared)")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    title = meta.find_title(text)
    agencies = gold["agency"] if isinstance(gold["agency"], list) else [gold["agency"]]
    years = gold["year"] if isinstance(gold["year"], list) else [gold["year"]]
    assert meta.find_agency(text, title) in agencies
    assert meta.find_year(text, title)[0] in years


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_metadata(name: str) -> None:
    text = sample_path(name).read_text(encoding="utf-8")
    want = EXPECTED[name]
    overview = section(text, "一、总体情况", "二、主动公开政府信息情况")
    title = meta.find_title(text)
    agency = meta.find_agency(text, title)
    kind = meta.agency_type(agency)
    assert title == want["title"]
    assert agency == want["agency"]
    assert meta.find_year(text, title) == want["year"]
    assert kind == want["agency_type"]
    assert meta.find_region(agency) == want["region"]
    assert meta.find_scope(agency, kind, overview) == want["scope"]
    assert meta.find_fee(section(text, "六、其他需要报告的事项")) == want["fee"]
    assert meta.narrative_numbers(overview) == want["numbers"]


# --- title and year ---------------------------------------------------------------------


def test_title_split_over_lines_with_blank_line_between() -> None:
    text = (
        "\n湘潭县商务局2024年政府信息公开工作\n\n年度报告\n根据《条例》编制本报告。\n一、总体情况\n"
    )
    assert meta.find_title(text) == "湘潭县商务局2024年政府信息公开工作年度报告"


def test_title_with_agency_on_the_line_above_the_year() -> None:
    text = "洪泽区人民政府\n2023 年政府信息公开工作年度报告\n本报告由…编制。\n一、总体情况\n"
    assert meta.find_title(text) == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert meta.find_agency(text, meta.find_title(text)) == "洪泽区人民政府"


def test_title_ending_in_a_bare_gongzuo_line_is_joined() -> None:
    text = "# 新乡市商务局 2024 年政府信息公开\n\n工作年度报告\n一、总体情况\n"
    assert meta.find_title(text) == "新乡市商务局2024年政府信息公开工作年度报告"


def test_web_page_header_lines_are_not_part_of_the_title() -> None:
    text = "首页 > 政务公开\n发布时间：2025-01-10\n上犹县商务局\n2024年政府信息公开工作年度报告\n"
    assert meta.find_title(text) == "上犹县商务局2024年政府信息公开工作年度报告"


def test_title_missing_gives_none_and_agency_from_narrative() -> None:
    text = (
        "编制说明:本年度报告根据国家、省、市政府信息公开相关法律、法规的规定编制,内容包括总体情况等"
        "六项内容。本年度报告中所列数据的统计期限自2025年1月1日起至2025年12月31日止。\n"
        "一、总体情况\n2025年,衡阳市商务局认真贯彻实施《条例》。\n"
    )
    assert meta.find_title(text) is None
    assert meta.find_agency(text, None) == "衡阳市商务局"
    assert meta.find_year(text, None) == (2025, "period")


def test_narrative_phrase_wo_ju_is_not_an_agency() -> None:
    text = "一、总体情况\n2024年度，我局认真落实。2024年，湘潭县统计局加强公开。\n"
    assert meta.find_agency(text, None) == "湘潭县统计局"


def test_report_compiled_by_the_office_names_the_government() -> None:
    text = "本报告由淮安市洪泽区人民政府办公室根据《条例》要求编制此报告。\n"
    assert meta.find_agency(text, None) == "淮安市洪泽区人民政府"


def test_year_first_title() -> None:
    title = "2024年湘潭县商务局政府信息公开工作年度报告"
    text = f"{title}\n一、总体情况\n"
    assert meta.find_title(text) == title
    assert meta.find_agency(text, title) == "湘潭县商务局"
    assert meta.find_year(text, title) == (2024, "title")


def test_year_after_the_disclosure_words_in_title() -> None:
    title = "湘潭县商务局政府信息公开工作2024年度报告"
    assert meta.find_agency("", title) == "湘潭县商务局"
    assert meta.find_year("", title) == (2024, "title")


def test_doubled_zhengfu_dropped_in_government_title() -> None:
    assert meta.find_agency("", "湘潭县人民政府信息公开工作2024年度报告") == "湘潭县人民政府"
    assert meta.find_agency("", "湘潭县人民政府2024年政府信息公开工作年度报告") == "湘潭县人民政府"


def test_period_with_spaces_and_line_breaks_inside() -> None:
    text = "报告中所列数据统计期限自 2023 年 1 月 1 日\n起至 2023 年 12 月 31 日止。"
    assert meta.find_year(text, "洪泽区人民政府2024年政府信息公开工作年度报告") == (2023, "period")


def test_chinese_numeral_and_fullwidth_years_in_title() -> None:
    assert meta.find_year("", "二〇二四年度湘潭县财政局政府信息公开工作年度报告") == (2024, "title")
    assert meta.find_year("", "湘潭县财政局２０２３年政府信息公开工作年度报告") == (2023, "title")


def test_year_from_narrative_when_no_period_and_no_title() -> None:
    assert meta.find_year("一、总体情况\n2022年，本局……", None) == (2022, "narrative")
    assert meta.find_year("没有年份", None) == (None, "none")


def test_names_keep_their_original_characters() -> None:
    title = "湘潭县商务局（粮食局）２０２４年政府信息公开工作年度报告"
    assert meta.find_agency("", title) == "湘潭县商务局（粮食局）"


# --- agency type and region -------------------------------------------------------------


def test_agency_type_by_longest_suffix() -> None:
    assert meta.agency_type("湘潭县人民政府办公室") == "人民政府办公室"
    assert meta.agency_type("湘潭县人民政府") == "人民政府"
    assert meta.agency_type("某某县某某镇人民政府") == "乡镇人民政府"
    assert meta.agency_type("湘潭县发展和改革委员会") == "发展和改革委员会"
    assert meta.agency_type("湘潭县某某") is None
    assert meta.agency_type(None) is None


def test_township_after_a_known_county() -> None:
    assert meta.find_region("湘潭县易俗河镇人民政府") == XIANGTAN_COUNTY | {"township": "易俗河镇"}
    # A township name holding 市 ("新市镇") right after the county's name.
    assert meta.find_region("湘潭县新市镇人民政府")["township"] == "新市镇"
    assert meta.find_region("东莞市南城街道办事处")["township"] == "南城街道"


def test_township_with_an_unknown_county() -> None:
    agency = "某某县某某镇人民政府"
    assert meta.agency_type(agency) == "乡镇人民政府"
    assert meta.find_region(agency) == NO_PLACE | {"township": "某某镇"}


def test_chengxiang_in_a_bureau_name_is_not_a_township() -> None:
    assert meta.find_region("湘潭县住房和城乡建设局")["township"] is None
    assert meta.find_region("湘潭县城乡办")["township"] is None


def test_cpca_placeholder_county_is_not_a_place() -> None:
    # cpca reads any unknown "…县" as Chongqing's placeholder "县" (500200).
    assert meta.find_region("县商务局") == NO_PLACE
    assert meta.find_region("某某县人民政府") == NO_PLACE


def test_district_without_its_city_is_resolved() -> None:
    assert meta.find_region("洪泽区人民政府") == HONGZE
    assert meta.find_region("淮安市洪泽区人民政府") == HONGZE


def test_municipality_district_has_no_city_placeholder() -> None:
    assert meta.find_region("北京市朝阳区人民政府") == region("北京市", None, "朝阳区", "110105")


def test_county_level_city_goes_to_county() -> None:
    assert meta.find_region("湘乡市人民政府") == region("湖南省", "湘潭市", "湘乡市", "430381")


def test_outdated_division_gives_no_invented_code() -> None:
    # cpca's table predates 宁乡县 → 宁乡市 (2017): it finds nothing, and we add nothing.
    assert meta.find_region("宁乡市人民政府")["code"] in (None, "430182")


def test_no_place_named() -> None:
    assert meta.find_region("国家统计局") == NO_PLACE
    assert meta.find_region(None) == NO_PLACE
    assert meta.find_region("") == NO_PLACE


def test_region_result_is_a_fresh_dict() -> None:
    first = meta.find_region("湘潭县商务局")
    first["county"] = "changed"
    assert meta.find_region("湘潭县商务局")["county"] == "湘潭县"


# --- scope ------------------------------------------------------------------------------


def test_scope_region_for_whole_area_figures() -> None:
    text = "2024 年，全市共受理政府信息公开申请 3119 件"
    assert meta.find_scope("淮安市人民政府", "人民政府", text) == "region"


def test_scope_organ_for_a_department() -> None:
    assert meta.find_scope("湘潭县商务局", "商务局", "全县共受理申请5件") == "organ"


def test_scope_office_of_a_government_is_not_region() -> None:
    text = "全市共受理政府信息公开申请 3 件"
    assert meta.find_scope("某市人民政府办公室", "人民政府办公室", text) == "organ"


def test_table_label_benjiguan_is_not_self_reference() -> None:
    text = "（四）无法提供 1.本机关不掌握相关政府信息 0 0"
    assert meta.find_scope("某县人民政府", "人民政府", text) is None
    assert meta.find_scope("某县人民政府", "人民政府", text + "本机关共收到申请2件") == "organ"


# --- fee --------------------------------------------------------------------------------


def test_fee_not_charged_without_a_number_has_no_amount() -> None:
    assert meta.find_fee("本年度未收取信息处理费。") == fee(
        charged=False, text="本年度未收取信息处理费。"
    )


def test_fee_zero_yuan_is_not_charged() -> None:
    got = meta.find_fee("全年收取政府信息公开信息处理费 0 元。")
    assert (got["charged"], got["amount_yuan"]) == (False, 0.0)


def test_fee_in_wan_yuan_is_converted_to_yuan() -> None:
    got = meta.find_fee("本年度发出收费通知2件，总金额0.5万元，实际收取0.3万元。")
    assert got == fee(
        charged=True,
        amount_yuan=3000.0,
        notices=2,
        notice_amount_yuan=5000.0,
        text="本年度发出收费通知2件，总金额0.5万元，实际收取0.3万元。",
    )


def test_fee_notices_sent_but_nothing_collected() -> None:
    got = meta.find_fee("发出收费通知3件，总金额300元，实际收取总金额0元。")
    assert (got["charged"], got["notices"], got["notice_amount_yuan"], got["amount_yuan"]) == (
        False,
        3,
        300.0,
        0.0,
    )


def test_fee_amount_with_thousands_separator_and_line_break() -> None:
    got = meta.find_fee("全年收取信息处理\n费 3,940.50 元。")
    assert (got["charged"], got["amount_yuan"]) == (True, 3940.5)


def test_fee_section_wu_is_all_none() -> None:
    assert meta.find_fee("无") == fee()
    assert meta.find_fee("") == fee()


def test_fee_list_heading_is_not_part_of_the_sentence() -> None:
    got = meta.find_fee("（一）政府信息公开信息处理费收取情况\n2024年度本机关未收取信息处理费。")
    assert got["text"] == "2024年度本机关未收取信息处理费。"


# --- narrative numbers ------------------------------------------------------------------


def test_received_with_line_break_inside_the_sentence() -> None:
    text = "2024 年，全市共受理政府信息公开申请 3119 件，答\n复 3050 件"
    assert meta.narrative_numbers(text)["received"] == 3119


def test_year_is_not_read_as_a_count() -> None:
    got = meta.narrative_numbers("2023 年全区受理政府信息公开申请 21 件，均在法定期限答复。")
    assert got == {"received": 21, "review": None, "litigation": None}


def test_received_zero_when_none_received() -> None:
    assert meta.narrative_numbers("2024年度未收到依申请公开事项。")["received"] == 0
    assert meta.narrative_numbers("政府信息依申请公开的情况为零。")["received"] == 0


def test_review_outcome_count_is_not_taken_as_the_total() -> None:
    got = meta.narrative_numbers("行政复议案件中结果维持 72 件；行政诉讼 4 件。")
    assert (got["review"], got["litigation"]) == (None, 4)


def test_table_label_wu_zhengdang_liyou_is_not_zero_received() -> None:
    assert meta.narrative_numbers("4.无正当理由大量反复申请 0 0 0")["received"] is None


# --- hostile input ----------------------------------------------------------------------

HOSTILE = [
    "本报告由" + "人" * 100_000,
    "2024年" + "人民" * 50_000,
    "统计期限" + "1" * 100_000,
    "收取" + "处" * 100_000 + "元",
    "全市" * 50_000,
    "行政复议" * 25_000,
    "受理" + "申请" * 50_000,
    "县" + "镇" * 100_000,
    "年度报告\n" * 20_000,
    "\ufdfa" * 20_000,  # one character that NFKC expands to eighteen
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:6]))
def test_hostile_input_is_fast(text: str) -> None:
    start = time.perf_counter()
    title = meta.find_title(text)
    meta.find_year(text, title)
    meta.find_agency(text, title or text[:200])
    meta.find_scope("某县人民政府", "人民政府", text)
    meta.find_fee(text)
    meta.narrative_numbers(text)
    meta.find_region(text[:2000])
    assert time.perf_counter() - start < 5
