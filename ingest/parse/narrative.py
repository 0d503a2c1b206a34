"""What the narrative states: the 信息处理费 statement of section 六 and the counts the
overview gives (applications received, reviews, lawsuits), for the soft checks.

Pure functions; matching on the folded text (`folding`), bounded quantifiers only.
"""

from __future__ import annotations

import re
from typing import TypedDict

from .folding import fold as _fold
from .folding import orig as _orig
from .folding import squash as _squash

__all__ = ["Fee", "NarrativeNumbers", "find_fee", "narrative_numbers"]


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
    # "未发生收费情况", "未发生收取信息处理费事项", "没有发生…收费的情况"
    r"|(?:未|没有|不存在)发生[^。;,]{0,16}?(?:收费|收取|处理费|缴费)"
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
