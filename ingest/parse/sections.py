"""Where the six sections are: headings found by their words, tables by their own words."""

from __future__ import annotations

import re
from typing import Any

from .. import model
from .cells import nfkc

_HEADING = re.compile(r"^[\s#*>\-|•·]*([一二三四五六])\s*[、.．,，]\s*(.{1,40}?)\s*[|]*\s*$")
# What a heading line can start with before NFKC (一/二 also as Kangxi radicals ⼀ ⼆).
_HEADING_HINT = re.compile(r"^\W{0,12}[一二三四五六\u2f00\u2f06]")


# `_HEADING_HINT` at the start of any line of the joined lines (a line holds no newline,
# so on one line ``[^\w\n]`` is ``\W``): one regex pass over the text finds every line
# that may be a heading, instead of a Python loop over all of them.
_HINTED_LINE = re.compile(r"^[^\w\n]{0,12}[一二三四五六\u2f00\u2f06]", re.MULTILINE)


def _hinted_lines(lines: list[str]) -> list[int]:
    """Indices of the lines `_HEADING_HINT` matches, and maybe a few more, in order."""
    text = "\n".join(lines)
    out: list[int] = []
    i, pos = 0, 0
    for m in _HINTED_LINE.finditer(text):
        i += text.count("\n", pos, m.start())
        pos = m.start()
        out.append(i)
    return out


# Sections whose heading may carry another number than the format's.
_ANY_NUMBER = ("overview", "other_matters")


def find_sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Map section key → (first line index after the heading, end index), in text order."""
    starts: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i in _hinted_lines(lines):
        line = lines[i]
        if len(line) > 120 or not _HEADING_HINT.match(line):
            continue  # cheap pre-filter: NFKC only the lines that may be headings
        m = _HEADING.match(nfkc(line))
        if not m:
            continue
        number, body = m.group(1), m.group(2)
        for sec in model.SECTIONS:
            if sec.key in seen:
                continue
            if (sec.number == number or sec.key in _ANY_NUMBER) and any(
                k in body for k in sec.keywords
            ):
                if starts and i <= starts[-1][0]:
                    continue
                starts.append((i, sec.key))
                seen.add(sec.key)
                break
    out: dict[str, tuple[int, int]] = {}
    for n, (i, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        out[key] = (i + 1, end)
    return out


def _fallback_regions(
    lines: list[str], found: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    """Where a table heading is missing, find its table by its own words."""

    def first(pred: Any, start: int = 0) -> int | None:
        for i in range(start, len(lines)):
            if pred(nfkc(lines[i])):
                return i
        return None

    regions = dict(found)
    if "applications" not in regions:
        i = first(lambda s: "本年新收" in s or "申请人情况" in s)
        if i is not None:
            end = first(lambda s: "行政复议" in s and "结果" not in s, i + 1) or len(lines)
            regions["applications"] = (i, end)
    if "proactive" not in regions:
        i = first(lambda s: "第二十条" in s)
        if i is not None:
            end = regions.get("applications", (len(lines), 0))[0]
            regions["proactive"] = (i, max(end, i + 1))
    if "review_litigation" not in regions and "applications" in regions:
        i = first(lambda s: "行政复议" in s, regions["applications"][1])
        if i is not None:
            end = regions.get("problems", (len(lines), 0))[0]
            regions["review_litigation"] = (i, max(end, i + 1))
    return regions


# Section titles as the format prints them (a few wordings seen in real reports), for
# finding a heading in the middle of a line: a scraper's copy of an HTML page puts the
# whole body on one line.
_TITLES = {
    "overview": r"总体情况",
    "proactive": r"主动公开政府信息(?:的)?情况",
    "applications": r"收到和处理政府信息公开申请(?:的)?情况",
    "review_litigation": r"(?:因)?政府信息公开(?:申请)?(?:行政复议|提起行政诉讼)[^。；\d]{0,24}?情况",
    "problems": r"(?:政府信息公开工作)?存在的主要问题及(?:改进情况|[^。；，\d]{0,12}?(?:计划|措施|情况))",
    "other_matters": r"其他需要报告的事项",
}
_MIDLINE_HEADING = re.compile(
    r"(?<![（(])([一二三四五六])\s*[、.．]\s*(?:"
    + "|".join(f"(?P<{k}>{v})" for k, v in _TITLES.items())
    + ")"
)
# A line this long is a body run together, not a heading line or a table row.
LONG_LINE = 150


def split_headings(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Put each section heading found inside a long line on a line of its own.

    ``lines`` are (line number, text); the pieces keep the number of the line they
    came from, so warnings still name the document's line. A heading counts only with
    its own number (``二、主动公开政府信息情况``), never as a mention in a sentence.
    """
    out: list[tuple[int, str]] = []
    for n, line in lines:
        if len(line) <= LONG_LINE:
            out.append((n, line))
            continue
        pos = 0
        for m in _MIDLINE_HEADING.finditer(line):
            key = m.lastgroup
            if key is None or model.SECTION_BY_KEY[key].number != m.group(1):
                continue
            if line[pos : m.start()].strip():
                out.append((n, line[pos : m.start()]))
            out.append((n, m.group(0)))
            pos = m.end()
        rest = line[pos:]
        if rest.strip() or pos == 0:
            out.append((n, rest))
    return out


# Zero-width characters a CMS or per-page files put inside text (U+200B after numbers,
# U+FEFF before a label or heading): never part of a cell or a label.
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff"


def body_lines(text: str) -> list[tuple[int, str]]:
    """The text as (line number, line), zero-width characters dropped, headings on their own lines."""
    for ch in _ZERO_WIDTH_CHARS:  # str.replace: far cheaper than the regex on a long text
        if ch in text:
            text = text.replace(ch, "")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if max(map(len, lines)) <= LONG_LINE:
        return list(enumerate(lines, 1))  # no line long enough to hold a heading mid-line
    return split_headings(list(enumerate(lines, 1)))
