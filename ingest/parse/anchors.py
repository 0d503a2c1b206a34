"""Row labels of the model found anywhere in a line: the anchors of run-together text.

A scraper's copy of an HTML page may put a whole table (or the whole report) on one
line: ``规章000行政规范性文件0012…一、本年新收政府信息公开申请数量273001031二、上年结转…``.
Cutting such a line before each label the format prints (with its own numbering, so
``无正当理由`` inside ``1.申请人无正当理由…`` is no anchor) turns it back into one row
per line; the digits between two anchors belong to the first one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import model

_OPEN, _CLOSE = "(（", ")）"
_QUOTES = '"“”'
_CN_NUMBERS = "一二三四五六七八九十"


def _loose(text: str) -> str:
    """A regex for ``text`` that allows spaces between characters and either bracket width."""
    parts = []
    for ch in text:
        if ch in _OPEN:
            parts.append(f"[{_OPEN}]")
        elif ch in _CLOSE:
            parts.append(f"[{_CLOSE}]")
        elif ch in _QUOTES:
            parts.append(f"[{_QUOTES}]")
        elif ch.isspace():
            continue
        else:
            parts.append(re.escape(ch))
    return r"\s*".join(parts)


_LEADING_NUMBER = re.compile(
    r"^\s*(?:([一二三四五六七八九十]{1,2})\s*[、.．]|[(（]\s*([一二三四五六七八九十]{1,2})\s*[)）]|(\d{1,2})\s*[.、．])"
)


def _anchor(label: str, core_len: int = 4) -> str | None:
    """Numbering (required) + the first characters of a table 三 label, as a loose regex."""
    m = _LEADING_NUMBER.match(label)
    if m is None:
        return None
    rest = label[m.end() :]
    core = _loose(rest.lstrip()[:core_len])
    if m.group(1):
        num = f"{m.group(1)}\\s*[、.．]"
    elif m.group(2):
        num = f"[{_OPEN}]\\s*{m.group(2)}\\s*[{_CLOSE}]"
    else:
        num = f"{m.group(3)}\\s*[.、．]"
    return f"{num}\\s*{core}"


def _application_anchor_pattern() -> re.Pattern[str]:
    labels = [r.label for r in model.APPLICATION_ROWS_ALL]
    labels += sorted({r.group for r in model.APPLICATION_ROWS_ALL if r.group})
    anchors = {a for a in (_anchor(lab) for lab in labels) if a}
    # Longest first, so that a longer label wins where two start at one place.
    return re.compile("|".join(sorted(anchors, key=len, reverse=True)))


def _proactive_anchor_pattern() -> re.Pattern[str]:
    names = {name for items in model.PROACTIVE_ITEMS.values() for i in items for name in i.labels}
    alts = [_loose(n) for n in sorted(names, key=len, reverse=True)]
    alts.append(rf"第二十条\s*第\s*[{_OPEN}]\s*[{_CN_NUMBERS}]{{1,2}}\s*[{_CLOSE}]\s*项")
    return re.compile("|".join(alts))


ANCHORS: dict[str, re.Pattern[str]] = {
    "proactive": _proactive_anchor_pattern(),
    "applications": _application_anchor_pattern(),
}


def _first_chars(text: str) -> str:
    """The characters `_loose(text)` can start with."""
    ch = text.lstrip()[0]
    for group in (_OPEN, _CLOSE, _QUOTES):
        if ch in group:
            return group
    return ch


# Characters every anchor holds at least one of (a different one for each anchor of a
# line): a line with fewer than two of them cannot hold two anchors, and is not searched.
# Table 三's numbering ends in 、 . ． or a closing bracket; table 二's anchors start with
# the first character of an item's name, or 第 (第二十条第（一）项).
_MARKS: dict[str, str] = {
    "proactive": "".join(
        sorted(
            {
                c
                for items in model.PROACTIVE_ITEMS.values()
                for i in items
                for name in i.labels
                for c in _first_chars(name)
            }
            | {"第"}
        )
    ),
    "applications": "、.．" + _CLOSE,
}
_DIGIT = re.compile(r"\d")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def split_rows(lines: list[tuple[int, str]], table: str) -> list[tuple[int, str]]:
    """Cut lines that run several rows of a table together before each row label.

    Only lines without cell separators (``|``, tab) that hold two or more labels with
    digits between them are cut; the pieces keep their line number.
    """
    if table not in ANCHORS:
        return lines
    out: list[tuple[int, str]] = []
    for n, line in lines:
        if len(line) < 8 or "|" in line or "\t" in line:
            pieces = None
        else:  # a long line (a whole body) is not kept in the cache
            pieces = _cut(line, table) if len(line) <= 400 else _cut.__wrapped__(line, table)
        if pieces is None:
            out.append((n, line))
        else:
            out.extend((n, piece) for piece in pieces)
    return out


@lru_cache(maxsize=8192)  # table lines repeat across reports (rows of zeros)
def _cut(line: str, table: str) -> tuple[str, ...] | None:
    """The pieces of one line cut before each label, or None when it is not cut."""
    if sum(map(line.count, _MARKS[table])) < 2 or not _CJK.search(line):
        return None
    found = [(m.start(), m.end()) for m in ANCHORS[table].finditer(line)]
    if len(found) < 2 or not _DIGIT.search(line, found[0][0], found[-1][0]):
        return None
    out: list[str] = []
    if line[: found[0][0]].strip():
        out.append(line[: found[0][0]])
    ends = [s for s, _ in found[1:]] + [len(line)]
    for (a, label_end), b in zip(found, ends, strict=True):
        for piece in _row_and_rest(line[a:b], label_end - a):
            if piece.strip():
                out.append(piece)
    return tuple(out)


# A row's numbers after its label: digits, spaces, signs, decimal points, a unit.
_NUMBER_RUN = re.compile(
    r"(?:[\d\s.,+\-－]|万元|元|个|件|项|笔|条)*\d(?:\s*(?:万元|元|个|件|项|笔|条))?"
)


def _row_and_rest(piece: str, label_end: int) -> list[str]:
    """A cut piece is its label, its numbers, then whatever follows them (a paragraph of
    narrative after the table, a stray heading character) on a line of its own."""
    m = _DIGIT.search(piece, label_end)
    if m is None:
        return [piece]
    run = _NUMBER_RUN.match(piece, m.start())
    if run is None or not piece[run.end() :].strip():
        return [piece]
    return [piece[: run.end()], piece[run.end() :]]
