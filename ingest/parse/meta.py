"""A report's metadata read from its text: title, year, agency, region, scope, fee.

Pure functions, no SQL, no I/O beyond the bundled division data of `cpca`. Matching is
done on an NFKC-folded copy without whitespace (PDF text breaks lines and puts spaces
anywhere); names are returned in the document's own characters, whitespace removed.
Every pattern uses bounded quantifiers only, so hostile input cannot make it backtrack
without end.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal, TypedDict

from ..model import AGENCY_TYPES

YearSource = Literal["period", "title", "narrative", "none"]
Scope = Literal["region", "organ"]


class Region(TypedDict):
    province: str | None
    city: str | None
    county: str | None
    township: str | None
    code: str | None


class Fee(TypedDict):
    charged: bool | None
    amount_yuan: float | None
    notices: int | None
    notice_amount_yuan: float | None
    text: str | None


class NarrativeNumbers(TypedDict):
    received: int | None
    review: int | None
    litigation: int | None


# ---------------------------------------------------------------------------
# Folding: NFKC, no whitespace, with a map back to the original characters
# ---------------------------------------------------------------------------

_WS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_CJK = "\u4e00-\u9fff\u3400-\u4dbf"


def _squash(s: str) -> str:
    """NFKC-fold and drop all whitespace (for matching only)."""
    return _WS.sub("", unicodedata.normalize("NFKC", s))


def _fold(s: str) -> tuple[str, list[int]]:
    """`_squash(s)` plus, for each folded character, its index in `s` (and len(s) last)."""
    out: list[str] = []
    idx: list[int] = []
    cache: dict[str, str] = {}
    for i, ch in enumerate(s):
        f = cache.get(ch)
        if f is None:
            f = cache[ch] = _WS.sub("", unicodedata.normalize("NFKC", ch))
        for c in f:
            out.append(c)
            idx.append(i)
    idx.append(len(s))
    return "".join(out), idx


def _orig(s: str, idx: list[int], a: int, b: int) -> str:
    """The original characters behind folded span [a, b), whitespace removed."""
    if b <= a:
        return ""
    return _WS.sub("", s[idx[a] : idx[b - 1] + 1])


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
_LONG_LINE = 60  # a line this long is a paragraph: the title is above it
_TITLE_SCAN_LINES = 80
_TITLE_JOIN_MAX = 3  # lines joined before the 年度报告 line


def _title_line_end(folded: str) -> bool:
    """Whether a folded line ends a title: 年度报告/年报 near its end."""
    pos = max(folded.rfind(k) + len(k) if k in folded else -1 for k in _TITLE_KEYS)
    return pos >= 0 and len(folded) - pos <= _TITLE_TAIL_MAX


def find_title(text: str) -> str | None:
    """The title: consecutive short lines above 一、总体情况 up to one with 年度报告/年报."""
    run: list[str] = []  # title-like lines since the last non-title line, original chars
    for line in text.splitlines()[:_TITLE_SCAN_LINES]:
        orig = _WS.sub("", line).strip(_MARKUP)
        if not orig:
            continue  # blank lines may sit inside a split title
        folded = _squash(orig)
        if _SECTION_ONE.match(folded) or len(folded) > _LONG_LINE:
            break
        if (
            len(folded) > _TITLE_LINE_MAX
            or _SENTENCE_PUNCT.search(folded)
            or not _HAS_CJK.search(folded)
        ):
            run = []
            continue
        if not _title_line_end(folded):
            run.append(orig)
            continue
        title = orig
        # A title line without the agency ("2023年政府信息公开工作年度报告") takes the
        # lines above it ("洪泽区人民政府").
        for prev in reversed(run[-_TITLE_JOIN_MAX:]):
            if _agency_from_title(title):
                break
            title = prev + title
        return title
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
    sorted(((_squash(s), t) for s, t in AGENCY_TYPES), key=lambda st: -len(st[0]))
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
# "本报告由淮安市洪泽区人民政府办公室根据…编制": the office compiles for the government.
_COMPILED_BY = re.compile(
    rf"本报告由(?P<a>{_NAME_CHARS}{{2,40}}?(?:{_SUFFIX_ALT}))(?:办公室)?(?=[^。]{{0,80}}?编制)"
)
_OFFICE_AFTER_GOV = ("办公室", "办公厅")
# Words that start a phrase, not a name: "2024年,我局…", "2024年,全市…".
_NOT_NAME_START = frozenset("我本全各该其此市县区省州镇乡旗在由对从经按与和及并为共")
_NARRATIVE_SCAN = 20000  # the agency is named near the top


def _agency_span(folded: str) -> tuple[int, int] | None:
    """The agency's span in a folded title: the title minus year and 政府信息公开…年度报告."""
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
    head = _EDGE_HEAD.match(folded, a, b)
    if head:
        a = head.end()
    tail = _EDGE_TAIL.search(folded[a:b])
    if tail:
        b = a + tail.start()
    name = folded[a:b]
    if len(name) < 2 or not _HAS_CJK.search(name) or re.search(r"\d", name):
        return None
    return a, b


def _agency_from_title(title: str) -> str | None:
    folded, idx = _fold(title)
    span = _agency_span(folded)
    return _orig(title, idx, *span) if span else None


def _narrative_agency(text: str) -> str | None:
    head = text[:_NARRATIVE_SCAN]
    folded, idx = _fold(head)
    for m in _COMPILED_BY.finditer(folded):
        if m["a"][0] in _NOT_NAME_START:
            continue
        end = m.end("a")
        # Compiled by the body's office: the report is the body's ("…人民政府办公室" → "…人民政府").
        if m["a"].endswith("办公室") and agency_type(m["a"][:-3]) is not None:
            end -= 3
        return _orig(head, idx, m.start("a"), end)
    for m in _NARRATIVE_AGENCY.finditer(folded):
        if m["a"][0] in _NOT_NAME_START:
            continue
        end = m.end("a")
        if m["a"].endswith("人民政府"):
            for office in _OFFICE_AFTER_GOV:
                if folded.startswith(office, end):
                    end += len(office)
                    break
        return _orig(head, idx, m.start("a"), end)
    return None


def find_agency(text: str, title: str | None) -> str | None:
    """The agency as the title names it; without a title, as the narrative names it."""
    if title:
        name = _agency_from_title(title)
        if name:
            return name
    return _narrative_agency(text)


def agency_type(agency: str | None) -> str | None:
    """The agency's type, by the longest suffix of its name in `model.AGENCY_TYPES`."""
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
# Fee (section 六)
# ---------------------------------------------------------------------------

_NUM = r"(\d[\d,]{0,15}(?:\.\d{1,4})?|零)"
_AMOUNT_WORDS = r"(?:共计|合计|总计|总金额|金额|总额|共|为|是){0,3}"
_NOTICES = re.compile(
    r"(?:发出|出具|发送|送达)了?(?:收费|缴费)通知书?(?:共计|合计|共|为)?(\d{1,7})(?:件|份|次|个)"
)
_NOTICE_AMOUNT = re.compile(
    rf"(?:收费|缴费)通知[^。;]{{0,16}}?(?:总金额|金额|总额){_AMOUNT_WORDS}{_NUM}(万)?元"
)
_ACTUAL = re.compile(rf"实际收取的?(?:信息处理费|处理费|费用)?{_AMOUNT_WORDS}{_NUM}(万)?元")
_COLLECTED = re.compile(rf"收取了?[^。;\d]{{0,24}}?(?:处理费|费用){_AMOUNT_WORDS}{_NUM}(万)?元")
_ALL_ZERO = re.compile(r"(?:均|都|皆)(?:为|是)(?:0|零)(?![\d.])")
_NOT_CHARGED = re.compile(
    r"未收取|不收取|没有收取|无收费|未收费|未产生|没有产生|免收|零收费|无信息处理费|未发出(?:收费|缴费)通知"
)
_FEE_WORD = re.compile(r"处理费|收费|收取|缴费")
_NOTHING = re.compile(r"(?:无|没有|暂无|无其他需要报告的事项|无其他事项)[。.]?")
_LIST_HEADING = re.compile(
    r"^(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}、|\d{1,2}[.、])"
)
_SENTENCE = re.compile(r"[^。;!?]+[。;!?]?")
_LABEL = re.compile(r"[^。,;:]{1,16}:")  # "信息处理费收费情况：" before the statement


def _money(num: str, wan: str | None) -> float:
    value = 0.0 if num == "零" else float(num.replace(",", ""))
    return round(value * 10000, 2) if wan else value


def _segments(text: str) -> list[str]:
    """Section text cut at its list headings ("（一）…收取情况") and joined across line breaks."""
    segments: list[str] = []
    buf: list[str] = []
    for line in text.splitlines():
        folded = _squash(line)
        if _LIST_HEADING.match(folded) and len(folded) <= 30 and "。" not in folded:
            segments.append("".join(buf))
            segments.append(line)
            buf = []
        else:
            buf.append(line)
    segments.append("".join(buf))
    return [s for s in segments if _squash(s)]


def find_fee(other_matters: str) -> Fee:
    """The 信息处理费 statement of section 六: charged?, amounts in yuan, notices."""
    fee = Fee(charged=None, amount_yuan=None, notices=None, notice_amount_yuan=None, text=None)
    if not _squash(other_matters) or _NOTHING.fullmatch(_squash(other_matters)):
        return fee
    negative = False
    used: list[str] = []
    for segment in _segments(other_matters):
        folded, idx = _fold(segment)
        for s in _SENTENCE.finditer(folded):
            sent = s.group()
            if not _FEE_WORD.search(sent):
                continue
            found = False
            if m := _NOTICES.search(sent):
                fee["notices"], found = int(m[1]), True
            if m := _NOTICE_AMOUNT.search(sent):
                fee["notice_amount_yuan"], found = _money(m[1], m[2]), True
            if m := _ACTUAL.search(sent) or _COLLECTED.search(sent):
                if fee["amount_yuan"] is None:
                    fee["amount_yuan"], found = _money(m[1], m[2]), True
            if "通知" in sent and _ALL_ZERO.search(sent):  # "件数和总金额…均为0"
                if "件数" in sent and fee["notices"] is None:
                    fee["notices"] = 0
                if "金额" in sent and fee["notice_amount_yuan"] is None:
                    fee["notice_amount_yuan"] = 0.0
                if "实际收取" in sent and fee["amount_yuan"] is None:
                    fee["amount_yuan"] = 0.0
                found = True
            if _NOT_CHARGED.search(sent):
                negative = found = True
                if "通知" in sent and fee["notices"] is None and "未发出" in sent:
                    fee["notices"] = 0
            if found:
                label = _LABEL.match(sent)
                start = s.start() + (label.end() if label else 0)
                used.append(_orig(segment, idx, start, s.end()))
    if fee["amount_yuan"] is not None:
        fee["charged"] = fee["amount_yuan"] > 0
    elif negative:
        fee["charged"] = False
    fee["text"] = "".join(used) or None
    return fee


# ---------------------------------------------------------------------------
# Numbers the narrative states
# ---------------------------------------------------------------------------

_COUNT = r"(\d{1,7})(?!\d)(?:件|份|条|个|起|宗|次)"
_RECEIVED = re.compile(
    rf"(?:收到|受理|新收|接收|接到)[^。;]{{0,20}}?(?:依申请公开|申请)[^。;\d]{{0,8}}?{_COUNT}"
)
_RECEIVED_NONE = re.compile(
    r"(?:未收到|没有收到|未接到|没有接到|未受理)[^。;,]{0,10}?申请"
    r"|无(?:依申请公开|政府信息公开申请)"
    r"|(?:依申请公开|申请)[^。;]{0,8}?情况为(?:零|0)(?![\d.])"
)
# The outcome words keep "行政复议结果维持72件" from reading as the total.
_REVIEW = re.compile(rf"行政复议[^。;\d维纠审其]{{0,8}}?{_COUNT}")
_LITIGATION = re.compile(rf"行政诉讼[^。;\d维纠审其]{{0,8}}?{_COUNT}")


def narrative_numbers(text: str) -> NarrativeNumbers:
    """Applications received, reviews and lawsuits as the narrative states them."""
    folded = _squash(text)
    received: int | None = None
    pos = _RECEIVED.search(folded)
    none = _RECEIVED_NONE.search(folded)
    if pos and (none is None or pos.start() <= none.start()):
        received = int(pos[1])
    elif none:
        received = 0
    review = _REVIEW.search(folded)
    litigation = _LITIGATION.search(folded)
    return NarrativeNumbers(
        received=received,
        review=int(review[1]) if review else None,
        litigation=int(litigation[1]) if litigation else None,
    )
