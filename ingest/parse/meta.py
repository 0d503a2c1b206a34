"""A report's metadata read from its text: title, year, agency, region, scope, fee.

Pure functions, no SQL, no I/O beyond the bundled division data of `cpca`. Matching is
done on an NFKC-folded copy without whitespace (PDF text breaks lines and puts spaces
anywhere); names are returned in the document's own characters, whitespace removed.
Every pattern uses bounded quantifiers only, so hostile input cannot make it backtrack
without end.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from functools import lru_cache
from typing import Literal, TypedDict

from ..model import AGENCY_TYPE_ABBREVIATIONS, AGENCY_TYPES
from .folding import CJK as _CJK
from .folding import WS as _WS
from .folding import fold as _fold
from .folding import orig as _orig
from .folding import squash as _squash
from .narrative import Fee, NarrativeNumbers, find_fee, narrative_numbers
from .page import header_lines, is_breadcrumb, page_meta

YearSource = Literal["period", "title", "narrative", "none"]
Scope = Literal["region", "organ"]


class Region(TypedDict):
    province: str | None
    city: str | None
    county: str | None
    township: str | None
    code: str | None


__all__ = [
    "Fee",
    "Identity",
    "NarrativeNumbers",
    "agency_type",
    "find_agency",
    "find_fee",
    "find_region",
    "find_scope",
    "find_title",
    "find_year",
    "identify",
    "narrative_numbers",
]

# ---------------------------------------------------------------------------
# Title
# ---------------------------------------------------------------------------

_SECTION_ONE = re.compile(r"^(?:一|1)[、.,:]?总体情况")
_MARKUP = "#*>|-_=•·"
_SENTENCE_PUNCT = re.compile(r"[。,;:!?]")
_HAS_CJK = re.compile(f"[{_CJK}]")
_TITLE_KEYS = ("年度报告", "年报")
_TITLE_TAIL_MAX = 8  # chars allowed after 年度报告 on a title line, e.g. "(全文)"
_TITLE_LINE_MAX = 40  # a title line is short
_TITLE_SCAN_LINES = 80
_TITLE_JOIN_MAX = 3  # lines joined before the 年度报告 line


def _title_line_end(folded: str) -> bool:
    """Whether a folded line ends a title: 年度报告/年报 near its end, or followed only
    by the agency's name ("…年度报告样本乡人民政府")."""
    pos = max(folded.rfind(k) + len(k) if k in folded else -1 for k in _TITLE_KEYS)
    if pos < 0:
        return False
    tail = folded[pos:]
    return len(tail) <= _TITLE_TAIL_MAX or (_is_name(tail) and agency_type(tail) is not None)


def _name_line(line: str) -> str | None:
    """A line that is nothing but an agency's name ("示范镇人民政府"), else None."""
    orig = _WS.sub("", line).strip(_MARKUP)
    folded = _squash(orig)
    if len(folded) > _TITLE_LINE_MAX or _SENTENCE_PUNCT.search(folded):
        return None
    return orig if _is_name(folded) and agency_type(folded) is not None else None


def _complete(title: str, run: list[str], below: list[str]) -> str:
    """A title line without the agency ("2023年政府信息公开工作年度报告") takes the lines
    above it ("洪泽区人民政府"), else a name-only line right below it."""
    for prev in reversed(run[-_TITLE_JOIN_MAX:]):
        if _agency_from_title(title):
            return title
        title = prev + title
    if not _agency_from_title(title):
        nxt = next((line for line in below[:3] if line.strip()), None)
        name = _name_line(nxt) if nxt is not None else None
        if name:
            return name + title
    return title


def find_title(text: str, skip: Container[int] = ()) -> str | None:
    """The title: consecutive short lines above 一、总体情况 up to one with 年度报告/年报.

    Lines in ``skip`` (the page's header lines, `page.header_lines`), breadcrumbs and
    long lines (paragraphs, URLs) are passed by: the title may come after them.
    """
    lines = text.splitlines()[:_TITLE_SCAN_LINES]
    run: list[str] = []  # title-like lines since the last non-title line, original chars
    for i, line in enumerate(lines):
        orig = _WS.sub("", line).strip(_MARKUP)
        if not orig:
            continue  # blank lines may sit inside a split title
        folded = _squash(orig)
        if _SECTION_ONE.match(folded):
            break
        if (
            i in skip
            or len(folded) > _TITLE_LINE_MAX
            or _SENTENCE_PUNCT.search(folded)
            or not _HAS_CJK.search(folded)
            or is_breadcrumb(line)
        ):
            run = []
            continue
        if not _title_line_end(folded):
            run.append(orig)
            continue
        return _complete(orig, run, lines[i + 1 :])
    return None


# ---------------------------------------------------------------------------
# Year
# ---------------------------------------------------------------------------

_DATE_SEP = r"(?:年|\.|-|/)"
_PERIOD = re.compile(
    r"统计(?:期限|时限|时间|期间|区间|周期|范围)[^\d]{0,12}?"
    rf"(?P<y1>\d{{4}}){_DATE_SEP}\d{{1,2}}(?:月|\.|-|/)\d{{1,2}}日?"
    r"[^\d]{0,6}?"
    rf"(?:(?P<y2>\d{{4}}){_DATE_SEP})?\d{{1,2}}(?:月|\.|-|/)\d{{1,2}}日?"
)
_ZH_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4}
_ZH_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_TITLE_YEAR = re.compile(r"(?:(?<!\d)(?P<d>\d{4})|(?P<z>[〇零○O一二三四五六七八九]{4}))年度?")
_NARRATIVE_YEAR = re.compile(r"(?<!\d)(\d{4})年度?[,、]")
_YEAR_MIN, _YEAR_MAX = 1990, 2100


def _valid_year(y: int) -> int | None:
    return y if _YEAR_MIN <= y <= _YEAR_MAX else None


def _year_value(m: re.Match[str]) -> int | None:
    if m["d"]:
        return _valid_year(int(m["d"]))
    return _valid_year(int("".join(str(_ZH_DIGITS[c]) for c in m["z"])))


def find_year(text: str, title: str | None) -> tuple[int | None, YearSource]:
    """The reporting year, from the 统计期限 sentence, else the title, else the narrative."""
    folded = _squash(text)
    m = _PERIOD.search(folded)
    if m:
        y = _valid_year(int(m["y2"] or m["y1"]))
        if y:
            return y, "period"
    if title:
        for m in _TITLE_YEAR.finditer(_squash(title)):
            y = _year_value(m)
            if y:
                return y, "title"
    for m in _NARRATIVE_YEAR.finditer(folded):
        y = _valid_year(int(m[1]))
        if y:
            return y, "narrative"
    return None, "none"


# ---------------------------------------------------------------------------
# Agency and its type
# ---------------------------------------------------------------------------

_SUFFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {(_squash(s), t) for s, t in (*AGENCY_TYPES, *AGENCY_TYPE_ABBREVIATIONS)},
        key=lambda st: (-len(st[0]), st[0]),
    )
)
_SUFFIX_ALT = "|".join(re.escape(s) for s, _ in _SUFFIXES)
_TITLE_CUT = re.compile(r"政府信息公开|政务信息公开|信息公开|政务公开|年度报告|年报|工作报告|报告")
_EDGE_HEAD = re.compile(r"^(?:关于|[《“\"'【\[:\-—·,、])+")
_EDGE_TAIL = re.compile(r"(?:关于|的|工作|[》”\"'】\]:\-—·,、])+$")
_NAME_CHARS = f"[{_CJK}()]"
# The narrative names the agency right after the year: "2025年,衡阳市商务局认真贯彻…".
_NARRATIVE_AGENCY = re.compile(
    rf"(?<!\d)\d{{4}}年度?,?(?P<a>{_NAME_CHARS}{{2,30}}?(?:{_SUFFIX_ALT}))"
)
# "本报告由淮安市洪泽区人民政府办公室根据…编制": the office compiles for the government;
# "根据…的要求,样本县石桥乡人民政府编制本报告": the body compiles its own.
_COMPILED_BY = re.compile(
    rf"本报告由(?P<a>{_NAME_CHARS}{{2,40}}?(?:{_SUFFIX_ALT}))(?:办公室)?(?=[^。]{{0,80}}?编制)"
    rf"|(?:^|[,;。:])(?P<b>{_NAME_CHARS}{{2,40}}?(?:{_SUFFIX_ALT}))(?:[^,;。]{{0,8}}?办公室)?"
    r"(?:特)?(?:编制|编写|制作|形成)了?(?:本|此|该)(?:年度)?报告"
)
_OFFICE_AFTER_GOV = ("办公室", "办公厅")
# Words that start a phrase, not a name: "2024年,我局…", "2024年,全市…".
_NOT_NAME_START = frozenset("我本全各该其此市县区省州镇乡旗在由对从经按与和及并为共度")
# What a name never holds: a pronoun or verb phrase ("通过我局", "度我局"), the report's
# own words, a form's placeholder ("（机关名称）", "＿＿＿＿年", "××局").
_NOT_A_NAME = re.compile(
    r"我|通过|根据|按照|依据|依照|围绕|结合|坚持|认真|深入|积极|持续|不断|进一步|切实|扎实"
    r"|信息公开|政务公开|年度报告|年报|名称|某某|[_*×…○□]|XX|xx"
)
_NARRATIVE_SCAN = 20000  # the agency is named near the top
_TITLE_KEY = re.compile(r"年度报告|年报")


def _is_name(name: str) -> bool:
    """Whether a folded span can be an agency's name."""
    return (
        2 <= len(name) <= 40
        and _HAS_CJK.search(name) is not None
        and re.search(r"\d", name) is None
        and _NOT_A_NAME.search(name) is None
    )


def _span_before_cut(folded: str) -> tuple[int, int]:
    """Where a title names its agency: before its year, or between year and 信息公开."""
    cut0 = _TITLE_CUT.search(folded)
    end0 = cut0.start() if cut0 else len(folded)
    year = _TITLE_YEAR.search(folded)
    if year is None or (cut0 is not None and cut0.start() < year.start()):
        a, b = 0, end0  # no year, or the year comes after the 信息公开 words
    elif year.start() > 0 and _EDGE_HEAD.sub("", folded[: year.start()]):
        a, b = 0, year.start()  # "湘潭县商务局2024年…"
    else:  # year first: "2024年湘潭县商务局政府信息公开…"
        cut = _TITLE_CUT.search(folded, year.end())
        a, b = year.end(), cut.start() if cut else len(folded)
    # "湘潭县人民政府信息公开…" (the doubled 政府 dropped): the cut took 政府 from the name.
    if folded[a:b].endswith("人民") and folded.startswith("政府", b):
        b += 2
    return a, b


def _trim(folded: str, a: int, b: int) -> tuple[int, int]:
    head = _EDGE_HEAD.match(folded, a, b)
    if head:
        a = head.end()
    tail = _EDGE_TAIL.search(folded[a:b])
    if tail:
        b = a + tail.start()
    return a, b


def _agency_span(folded: str) -> tuple[int, int] | None:
    """The agency's span in a folded title: the title minus year and 政府信息公开…年度报告,
    or the name set after 年度报告 ("2022年政府信息公开工作年度报告样本乡人民政府")."""
    a, b = _trim(folded, *_span_before_cut(folded))
    if _is_name(folded[a:b]):
        return a, b
    keys = list(_TITLE_KEY.finditer(folded))
    if keys:
        a, b = _trim(folded, keys[-1].end(), len(folded))
        if _is_name(folded[a:b]) and agency_type(folded[a:b]) is not None:
            return a, b
    return None


@lru_cache(maxsize=1024)  # find_title and find_agency ask about the same title
def _agency_from_title(title: str) -> str | None:
    folded, idx = _fold(title)
    span = _agency_span(folded)
    return _orig(title, idx, *span) if span else None


def _compiled_by(head: str, folded: str, idx: list[int]) -> str | None:
    for m in _COMPILED_BY.finditer(folded):
        group = "a" if m["a"] else "b"
        name = m[group]
        if name[0] in _NOT_NAME_START or not _is_name(name):
            continue
        end = m.end(group)
        # Compiled by the body's office: the report is the body's ("…人民政府办公室" → "…人民政府").
        if name.endswith("办公室") and agency_type(name[:-3]) is not None:
            end -= 3
        return _orig(head, idx, m.start(group), end)
    return None


def _narrative_agency(text: str) -> str | None:
    head = text[:_NARRATIVE_SCAN]
    folded, idx = _fold(head)
    compiled = _compiled_by(head, folded, idx)
    if compiled:
        return compiled
    for m in _NARRATIVE_AGENCY.finditer(folded):
        if m["a"][0] in _NOT_NAME_START or not _is_name(m["a"]):
            continue
        end = m.end("a")
        if m["a"].endswith("人民政府"):
            for office in _OFFICE_AFTER_GOV:
                if folded.startswith(office, end):
                    end += len(office)
                    break
        return _orig(head, idx, m.start("a"), end)
    return None


def find_agency(text: str, title: str | None, stated: str | None = None) -> str | None:
    """The agency as the title names it; else as the page states it (``stated``:
    发布机构, ContentSource), when that is a name; else as the narrative names it
    (the preamble's 本报告由…编制, the sentence after the year). None when nothing is a
    name: "度我局", "通过我局" and a form's "（机关名称）" are not."""
    if title:
        name = _agency_from_title(title)
        if name:
            return name
    if stated:
        folded = _squash(stated)
        kind = agency_type(folded)
        if _is_name(folded) and kind is not None and len(folded) > len(kind):
            return _WS.sub("", stated)
    return _narrative_agency(text)


def agency_type(agency: str | None) -> str | None:
    """The agency's type, by the longest suffix of its name in `model.AGENCY_TYPES` or
    `model.AGENCY_TYPE_ABBREVIATIONS` ("样本县发改委" → 发展和改革委员会); None if none fits."""
    if not agency:
        return None
    folded = _squash(agency)
    for suffix, kind in _SUFFIXES:
        if folded.endswith(suffix):
            return kind
    return None


# ---------------------------------------------------------------------------
# Region
# ---------------------------------------------------------------------------

# cpca's placeholder rows: "市辖区" under a municipality, "县" (500200, Chongqing's old
# county group, which cpca matches on any unknown "某某县"), the province-administered
# county-level groups. They name no place.
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_TOWN_END = r"(?:镇|乡|街道)(?=人民政府|政府|办事处|办公室|党委|党工委|$)"
# Right after the county's full name any name may follow ("新市镇"); without one, the
# name starts after the last 县/区/市/旗 and cannot contain those characters.
_TOWN_AT_START = re.compile(rf"^(?P<t>[^\W\d]{{1,10}}?{_TOWN_END})")
_TOWN_AFTER_COUNTY = re.compile(rf"[县区市旗](?P<t>[^县区市旗\W\d]{{1,10}}?{_TOWN_END})")


def _township(agency: str, places: tuple[str | None, ...]) -> str | None:
    """The 镇/乡/街道 after the county (or city) in the agency's name."""
    folded, idx = _fold(agency)
    for place in places:  # county, city, province: the most specific named in full
        if place and place in folded:
            start = folded.index(place) + len(place)
            m = _TOWN_AT_START.match(folded[start:])
            if m:
                return _orig(agency, idx, start, start + m.end("t"))
            break
    m = _TOWN_AFTER_COUNTY.search(folded)
    return _orig(agency, idx, m.start("t"), m.end("t")) if m else None


def _cell(value: object) -> str | None:
    """A cpca cell as a name: NaN/None/placeholders become None."""
    if not isinstance(value, str) or not value or value in _PLACEHOLDERS:
        return None
    return value


@lru_cache(maxsize=4096)
def _region(agency: str) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    import cpca  # pandas-based and slow to import: only when a region is asked for

    folded = _squash(agency)
    # cpca.transform builds a pandas DataFrame per call (~3 ms); its per-address function
    # gives the same record as a dict in microseconds. Fall back if cpca renames it.
    one = getattr(cpca, "_get_one_addr", None)
    row = one(folded, False, {}) if one is not None else cpca.transform([folded]).iloc[0]
    deepest = next((row[k] for k in ("区", "市", "省") if isinstance(row[k], str) and row[k]), None)
    if deepest is None or deepest in _PLACEHOLDERS:
        # Nothing found, or only a placeholder: cpca reads "某某县" as Chongqing's "县".
        province = city = county = code = None
    else:
        province, city, county = _cell(row["省"]), _cell(row["市"]), _cell(row["区"])
        adcode = row["adcode"]
        code = adcode[:6] if isinstance(adcode, str) and re.fullmatch(r"\d{6,12}", adcode) else None
    township = _township(agency, (county, city, province))
    return province, city, county, township, code


def find_region(agency: str | None) -> Region:
    """Province, city, county (incl. county-level cities), township and 6-digit code."""
    if not agency:
        return Region(province=None, city=None, county=None, township=None, code=None)
    province, city, county, township, code = _region(agency)
    return Region(province=province, city=city, county=county, township=township, code=code)


# ---------------------------------------------------------------------------
# Scope: the body itself, or the whole region's aggregate
# ---------------------------------------------------------------------------

_GOVERNMENT_TYPES = frozenset({"人民政府", "乡镇人民政府"})
_WHOLE_AREA = re.compile(r"全[市区县省州旗镇乡][^。,;]{0,4}?(?:共|受理|收到|主动公开)")
_SELF = re.compile(r"我局|本局|本机关(?!不掌握)|本单位|我委|本委|我办|本办(?!法)|我厅|本厅")


def find_scope(agency: str | None, agency_type: str | None, text: str) -> Scope | None:
    """ "region" for a government's whole-area aggregate, "organ" for the body itself."""
    folded = _squash(text)
    if agency_type in _GOVERNMENT_TYPES and agency and _WHOLE_AREA.search(folded):
        return "region"
    if agency_type is not None and agency_type not in _GOVERNMENT_TYPES:
        return "organ"
    if _SELF.search(folded):
        return "organ"
    return None


# ---------------------------------------------------------------------------
# Identity: what the report is and where it was published
# ---------------------------------------------------------------------------


class Identity(TypedDict):
    title: str | None
    agency: str | None
    year: int | None
    year_source: YearSource
    published: str | None  # YYYY-MM-DD as the page states it
    url: str | None


def identify(text: str, tags: Mapping[str, str] | None = None) -> Identity:
    """Title, agency, year, publication date and source URL of one report.

    ``tags`` is the page metadata the extractor found apart from the text (HTML meta
    tags, `extract.Document.page`). The report's own title line comes first; the page's
    title (``标题:``, ``名称``, ``ArticleTitle``, ``<title>``) only when the text has none
    and it names a report. Header lines are never the title.
    """
    headers = header_lines(text)
    page = page_meta(text, tags, headers)
    title = find_title(text, skip=headers)
    if title is None and page["title"] and _title_line_end(_squash(page["title"])):
        title = _WS.sub("", page["title"])
    year, year_source = find_year(text, title)
    return Identity(
        title=title,
        agency=find_agency(text, title, page["agency"]),
        year=year,
        year_source=year_source,
        published=page["published"],
        url=page["url"],
    )
