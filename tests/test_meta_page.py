"""Metadata from what pages carry, names that are names, agency types, fee wording,
the narrative count with carried-over applications, blank templates.

Each test varies the field case it answers (other agencies, dates, keys and wording),
on synthetic reports rendered by `ingest.corpus.render`.
"""

from __future__ import annotations

import copy
import random
import re
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner

from ingest import model
from ingest.cli import cli
from ingest.corpus.render import render_html, render_text
from ingest.corpus.synth import truths
from ingest.db.schema import ensure_db_shape
from ingest.extract import read_document
from ingest.parse import ParseError, meta, parse_document, parse_text
from ingest.parse.page import iso_date, page_meta
from ingest.parse.report import BLANK_TEMPLATE_REASON


def _truth(seed: int, **want: Any) -> dict[str, Any]:
    for report in truths(60, seed):
        apps = report["applications"]
        if not apps.get("new_received", {}).get("total"):
            continue
        if want.get("carried") and not (apps.get("carried_over") or {}).get("total"):
            continue
        return report
    raise AssertionError("no suitable synthetic report")


def _text(report: dict[str, Any], seed: int = 1) -> str:
    return render_text(report, "tab-cells", random.Random(seed))


def _drop_title(text: str, report: dict[str, Any]) -> str:
    """The text without its title lines (a copy that starts at the body)."""
    lines = text.split("\n")
    first = next(i for i, s in enumerate(lines) if "依据" in s or "统计期限" in s or "一、" in s)
    return "\n".join(lines[first:])


# --- page metadata --------------------------------------------------------------------


def test_scraper_header_lines_give_date_and_url_and_are_never_the_title() -> None:
    report = _truth(41)
    url = "https://zwgk.example.net/art/2023/3/5/art_1229_8812.html?from=list&id=77"
    header = (
        f"文章标题：{report['title']}\n"
        "发布日期：2023年3月5日 来源：本站\n"
        f"信息来源：{report['agency']}\n"
        "栏目：法定主动公开内容 > 政府信息公开年报\n"
        f"原文链接：{url}\n"
    )
    got = parse_text(header + _text(report))
    assert got["published"] == "2023-03-05"
    assert got["source"]["url"] == url
    assert got["title"] == report["title"]
    assert got["agency"] == report["agency"]
    # Without the report's own title line, the page's 标题 is the title; its other
    # header lines never are.
    got = parse_text(header + _drop_title(_text(report), report))
    assert got["title"] == report["title"]
    assert got["agency"] == report["agency"]


def test_publishing_agency_header_names_the_agency_when_no_title_does() -> None:
    report = _truth(42)
    header = f"发布机构：{report['agency']}\n发布时间：2024/02/29 08:15\n"
    got = parse_text(header + _drop_title(_text(report), report))
    assert got["agency"] == report["agency"]
    assert got["published"] == "2024-02-29"
    assert got["title"] is None


def test_cms_metadata_box_in_pipe_rows_is_not_the_title() -> None:
    report = _truth(43)
    box = (
        f"| 信息名称 | {report['title']} |\n"
        "| 索引号 | 11350100MB0001234X/2024-00321 | 主题分类 | 综合政务 |\n"
        f"| 发文机关 | {report['agency']} | 发布日期 | 2024.01.08 |\n"
    )
    got = parse_text(box + _text(report))
    assert got["title"] == report["title"]
    assert got["agency"] == report["agency"]
    assert got["published"] == "2024-01-08"
    assert got["source"]["url"] is None


def test_page_meta_tags_give_title_date_and_url_and_the_breadcrumb_is_not_the_title(
    tmp_path: Path,
) -> None:
    report = _truth(44)
    page = render_html(report, random.Random(2))
    page = re.sub(r"<h1[^>]*>.*?</h1>|<title>.*?</title>", "", page, flags=re.S)
    for line in report["title"], f"{report['year']}{report['agency']}":
        page = page.replace(f"<p><strong>{line}</strong></p>", "").replace(f"<p>{line}</p>", "")
    head = (
        f'<meta name="ArticleTitle" content="{report["title"]}">'
        '<meta name="PubDate" content="2022-11-30 17:05:00">'
        f'<meta name="ContentSource" content="{report["agency"]}">'
        '<meta name="Url" content="http://www.example.cn/xxgk/ndbg/202211/t20221130_55.html">'
        f"<title>{report['title']}_年度报告_示例门户</title>"
    )
    crumb = '<div class="position">当前位置：首页 &gt; 信息公开 &gt; 年报 &gt; 正文</div>'
    footer = "<div>网站标识码：1100000088 京ICP备12345678号 电话：010-66668888</div>"
    page = page.replace("<head>", "<head>" + head, 1).replace("<body>", "<body>" + crumb, 1)
    page = page.replace("</body>", footer + "</body>", 1)
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    got = parse_document(read_document(path))[0]
    assert "首页" not in (got["title"] or "")
    assert got["title"] == report["title"]
    assert got["agency"] == report["agency"]
    assert got["published"] == "2022-11-30"
    assert got["source"]["url"] == "http://www.example.cn/xxgk/ndbg/202211/t20221130_55.html"
    assert got["applications"]["new_received"] == report["applications"]["new_received"]


def test_page_title_tag_alone_gives_the_title() -> None:
    tags = {"page_title": "样本县统计局2021年政府信息公开工作年度报告 - 样本县人民政府网"}
    assert page_meta("", tags)["title"] == "样本县统计局2021年政府信息公开工作年度报告"
    tags = {"page_title": "示例区审计局2022年度政府信息公开年报_年报_示例区"}
    assert page_meta("", tags)["title"] == "示例区审计局2022年度政府信息公开年报"


def test_published_and_url_are_null_when_the_page_does_not_say() -> None:
    got = parse_text(_text(_truth(45)))
    assert got["published"] is None
    assert got["source"]["url"] is None


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-07-09 10:00", "2023-07-09"),
        ("２０２１年１２月３日", "2021-12-03"),
        ("2020/2/1", "2020-02-01"),
        ("2019.10.31", "2019-10-31"),
        ("2023-02-30", None),
        ("大 中 小", None),
    ],
)
def test_publication_dates_as_pages_write_them(value: str, iso: str | None) -> None:
    assert iso_date(value) == iso


# --- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opening",
    [
        "2021年，通过我县政务服务中心办理依申请公开事项。",
        "2020年，通过区政府门户网站发布信息112条。",
        "2023年度我区卫生健康局共收到申请7件。",
        "2022年，根据县政府办公室的部署推进公开工作。",
    ],
)
def test_a_narrative_phrase_that_is_not_a_name_gives_no_agency(opening: str) -> None:
    report = _truth(46)
    text = _drop_title(_text(report), report)
    text = text.replace("一、总体情况\n", "一、总体情况\n" + opening + "\n", 1)
    assert meta.find_agency(text, None) is None or "我" not in meta.find_agency(text, None)
    assert meta.find_agency(opening, None) is None


@pytest.mark.parametrize(
    ("lines", "agency"),
    [
        ("2023年度政府信息公开工作年度报告\n样本县农业农村局\n", "样本县农业农村局"),
        ("2021年政府信息公开年度报告示例市统计局\n", "示例市统计局"),
        ("政府信息公开工作年度报告（2020年）\n\n示范区城关街道办事处\n", "示范区城关街道办事处"),
    ],
)
def test_agency_set_after_the_report_name_is_found(lines: str, agency: str) -> None:
    report = _truth(47)
    text = lines + _drop_title(_text(report), report)
    got = parse_text(text)
    assert got["agency"] == agency
    assert "年度报告" not in got["agency"]


@pytest.mark.parametrize(
    ("preamble", "agency"),
    [
        (
            "按照上级政务公开办公室的要求，示范县城关镇人民政府编制了本年度报告。",
            "示范县城关镇人民政府",
        ),
        ("本报告由样本市司法局办公室编制，内容包括总体情况等六部分。", "样本市司法局"),
        ("依据《条例》规定，示例区东岭街道办事处编制本报告。", "示例区东岭街道办事处"),
    ],
)
def test_agency_named_only_in_the_preamble(preamble: str, agency: str) -> None:
    report = _truth(48)
    body = _drop_title(_text(report), report)
    assert meta.find_agency(preamble + "\n" + body, None) == agency


def test_a_form_placeholder_is_not_an_agency() -> None:
    for title in (
        "（填报单位名称）××××年政府信息公开工作年度报告",
        "＿＿＿＿局＿＿年度政府信息公开工作年度报告",
    ):
        assert meta.find_agency("", title) is None


# --- agency types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agency", "kind"),
    [
        ("样本市发展和改革局", "发展和改革局"),
        ("示例县发展改革局", "发展和改革局"),
        ("示例市发改委", "发展和改革委员会"),
        ("样本区卫健委", "卫生健康委员会"),
        ("示范县住建局", "住房和城乡建设局"),
        ("样本县人社局", "人力资源和社会保障局"),
        ("示例市科技局", "科学技术局"),
        ("示例市科委", "委员会"),
        ("样本市市场监管局", "市场监督管理局"),
        ("示例县文旅局", "文化和旅游局"),
        ("样本高新区管委会", "管理委员会"),
        ("示例经济技术开发区管理委员会", "管理委员会"),
        ("样本新区西湖片区管理局", "片区管理局"),
        ("示例县政府办", "人民政府办公室"),
        ("样本镇政府", "乡镇人民政府"),
        ("示例县水务局", "其他局"),
    ],
)
def test_agency_types_cover_renamed_bodies_and_abbreviations(agency: str, kind: str) -> None:
    assert meta.agency_type(agency) == kind


def test_agency_type_vocabulary_is_one_list_in_the_model() -> None:
    values = {kind for _, kind in model.AGENCY_TYPES}
    assert {kind for _, kind in model.AGENCY_TYPE_ABBREVIATIONS} <= values
    assert {"发展和改革局", "片区管理局", "管理委员会"} <= values


# --- fee wording ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "charged"),
    [
        ("本年度未发生信息处理费收费情况。", False),
        ("本机关全年没有发生收取信息处理费的事项。", False),
        ("2022年未发生政府信息公开收费事项。", False),
        ("本年度共收取信息处理费300元。", True),
    ],
)
def test_fee_wording_not_charged(statement: str, charged: bool) -> None:
    assert meta.find_fee(statement)["charged"] is charged


# --- narrative count, blank template --------------------------------------------------


def test_narrative_received_may_count_carried_over_applications() -> None:
    report = _truth(49, carried=True)
    new = report["applications"]["new_received"]["total"]
    carried = report["applications"]["carried_over"]["total"]
    text = _text(report)

    def check(count: int) -> Any:
        said = f"全年共受理政府信息公开申请{count}件（含上年结转{carried}件），均按期答复。"
        got = parse_text(text.replace("一、总体情况\n", f"一、总体情况\n{said}\n", 1))
        return next(c for c in got["checks"] if c["check"] == "narrative_received")

    both = check(new + carried)
    assert both["ok"] is True and both["computed"] == new + carried
    assert "applications.carried_over.total" in both["cells"]
    assert check(new + carried + 3)["ok"] is False
    assert check(new)["ok"] is True


def _blank(report: dict[str, Any]) -> dict[str, Any]:
    blank = copy.deepcopy(report)
    for table in ("proactive", "applications", "review_litigation"):
        for row in blank[table].values():
            for col in row:
                if col != "amount_unit":
                    row[col] = None
    return blank


def test_blank_template_is_refused(tmp_path: Path) -> None:
    report = _truth(50)
    year = str(report["year"])
    form = _blank(report)
    form["agency"] = "（填报单位全称）"
    text = render_text(form, "pipe-rows", random.Random(3)).replace(year, "××××")
    with pytest.raises(ParseError) as info:
        parse_text(text, "form.txt")
    assert info.value.reason == BLANK_TEMPLATE_REASON
    path = tmp_path / "form.txt"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["parse", "--json", str(path)])
    assert result.exit_code != 0
    assert f"{path}: whole file: {BLANK_TEMPLATE_REASON}" in result.output

    # The same empty tables under a real agency and year are a report published blank.
    published_blank = parse_text(render_text(_blank(report), "pipe-rows", random.Random(3)))
    assert published_blank["agency"] == report["agency"]
    assert published_blank["applications"]["new_received"]["total"] is None


def test_database_lists_the_whole_agency_type_vocabulary(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "types.db")
    ensure_db_shape(db)
    names = {row["name"] for row in db["agency_types"].rows}
    assert names == {kind for _, kind in model.AGENCY_TYPES}
