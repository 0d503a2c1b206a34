"""What the page around a report says about it: its title, publishing agency,
publication date and address — read from a scraper's header lines (``标题:``,
``发布时间:``, ``发布机构:``, ``栏目:``, ``来源：URL``), a CMS metadata box flattened to
pipe rows (``| 名称 | … |``, ``| 发布机构 | … | 公开日期 | … |``) and, for saved web
pages, the standard meta tags that `extract.html` collects (``ArticleTitle``,
``PubDate``, ``Url``, ``ContentSource``, ``<title>``).

These lines are the page's, not the report's: `header_lines` names them so the title
search passes them by, and breadcrumbs (``首页 > 政务公开 > …``) are never a title.
Pure functions; dates come out as ``YYYY-MM-DD`` exactly as the page states them (never
the date of the run).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from typing import TypedDict

__all__ = ["PageMeta", "header_lines", "is_breadcrumb", "iso_date", "page_meta"]


class PageMeta(TypedDict):
    """Provenance a page states; every value None when the page does not say."""

    title: str | None
    agency: str | None
    published: str | None  # YYYY-MM-DD
    url: str | None


# Field names as Chinese portals and CMS boxes print them, by what they give, best first.
TITLE_KEYS = ("标题", "文章标题", "信息名称", "文件名称", "名称", "题名")
DATE_KEYS = ("发布时间", "发布日期", "公开日期", "公开时间", "发文日期", "生成日期")
AGENCY_KEYS = ("发布机构", "发文机关", "发布单位", "发文单位", "公开主体", "信息来源", "来源")
URL_KEYS = ("原文链接", "原文地址", "原始链接", "文章链接", "页面地址", "网址", "链接", "来源")
# Recognised so that a line of them is a header line, and otherwise ignored.
OTHER_KEYS = (
    "栏目", "索引号", "分类", "主题分类", "体裁分类", "组配分类", "字号", "文号", "发文字号",
    "浏览次数", "访问量", "点击数", "阅读数", "作者", "编辑", "责任编辑", "成文日期", "有效性",
    "关键词", "主题词", "所属机构", "信息类别", "公开方式", "公开范围", "时效",
)  # fmt: skip
_ALL_KEYS = sorted(
    {*TITLE_KEYS, *DATE_KEYS, *AGENCY_KEYS, *URL_KEYS, *OTHER_KEYS}, key=lambda k: -len(k)
)
_KEY_ALT = "|".join(_ALL_KEYS)
# "发布时间：2025-01-17 字号：大 中 小": key, colon, value up to the next key.
_KEY_VALUE = re.compile(rf"(?:^|(?<=\s))({_KEY_ALT})\s{{0,3}}[:：]\s{{0,3}}")
_LINE_START = re.compile(rf"^[\s#*>|\-]{{0,6}}(?:{_KEY_ALT})\s{{0,3}}(?:[:：]|\|)")
_URL = re.compile(r"https?://[^\s<>\"'|，。）)]{3,2000}")
_DATE = re.compile(r"(\d{4})\s{0,2}[-年/.]\s{0,2}(\d{1,2})\s{0,2}[-月/.]\s{0,2}(\d{1,2})")
_BREADCRUMB = re.compile(
    r"(?:首页|主页|当前位置|您的位置|你的位置|网站首页)\s{0,3}[>＞»›:：/]|[>＞»›]\s{0,3}正文\s{0,3}$"
)
_HEAD_SCAN = 40  # header lines sit above the report


def iso_date(value: str) -> str | None:
    """The first calendar date in ``value`` as YYYY-MM-DD ("2024-01-26 09:41",
    "2024年1月26日", "2024/01/26"), or None when there is none or it is impossible."""
    m = _DATE.search(unicodedata.normalize("NFKC", value))
    if not m:
        return None
    try:
        return datetime.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def is_breadcrumb(line: str) -> bool:
    """Whether a line is a site's breadcrumb trail (``首页 > 政务公开 > 正文``)."""
    return _BREADCRUMB.search(unicodedata.normalize("NFKC", line)) is not None


def _pairs(line: str) -> list[tuple[str, str]]:
    """The (key, value) pairs of one header line: pipe cells or ``key：value`` runs."""
    stripped = line.strip()
    if stripped.startswith("|") or stripped.count("|") >= 2:
        cells = [c.strip().rstrip(":：").strip() for c in stripped.strip("|").split("|")]
        return [
            (cells[i], cells[i + 1])
            for i in range(len(cells) - 1)
            if cells[i] in _ALL_KEYS and cells[i + 1] not in _ALL_KEYS
        ]
    marks = list(_KEY_VALUE.finditer(stripped))
    return [
        (m[1], stripped[m.end() : marks[n + 1].start() if n + 1 < len(marks) else None].strip())
        for n, m in enumerate(marks)
    ]


def header_lines(text: str) -> dict[int, list[tuple[str, str]]]:
    """Line index → (key, value) pairs, for the page's header lines near the top."""
    out: dict[int, list[tuple[str, str]]] = {}
    for i, line in enumerate(text.split("\n", _HEAD_SCAN)[:_HEAD_SCAN]):
        # _LINE_START ends in a colon or a pipe: lines without one are passed cheaply.
        if ("：" in line or ":" in line or "|" in line) and _LINE_START.match(line):
            pairs = _pairs(line)
            if pairs:
                out[i] = pairs
    return out


def _first(found: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    return next((found[k] for k in keys if found.get(k)), None)


def page_meta(
    text: str,
    tags: Mapping[str, str] | None = None,
    headers: dict[int, list[tuple[str, str]]] | None = None,
) -> PageMeta:
    """Title, agency, publication date and URL as the page states them.

    ``tags`` are the page's own metadata from `extract` (keys ``title``, ``agency``,
    ``published``, ``url``, ``page_title``); they come first, header lines fill the rest.
    The title and agency are candidates: the caller keeps the report's own title line
    first and checks that an agency is a name. ``headers``: `header_lines(text)`, when
    the caller has it already.
    """
    tags = tags or {}
    found: dict[str, str] = {}
    for pairs in (header_lines(text) if headers is None else headers).values():
        for key, value in pairs:
            found.setdefault(key, value)
    urls = [m.group() for k in URL_KEYS if (m := _URL.search(found.get(k, "")))]
    agency = _first({k: v for k, v in found.items() if not _URL.search(v)}, AGENCY_KEYS)
    published = tags.get("published") or _first(found, DATE_KEYS)
    return PageMeta(
        title=tags.get("title") or _first(found, TITLE_KEYS) or _page_title(tags),
        agency=tags.get("agency") or agency,
        published=iso_date(published) if published else None,
        url=tags.get("url") or (urls[0] if urls else None),
    )


def _page_title(tags: Mapping[str, str]) -> str | None:
    """The article's part of ``<title>`` (``标题_栏目_站点``, ``标题 - 站点``)."""
    page = tags.get("page_title")
    if not page:
        return None
    return re.split(r"\s*(?:_|\||-{1,2}|——)\s*", page.strip(), maxsplit=1)[0] or None
