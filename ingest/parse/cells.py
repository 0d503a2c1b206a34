"""From the text of a table region to rows of cells, whatever the layout.

Each layout reader only cuts text into cells; what a cell means (label, number,
blank) and which row of the format it is, is decided in one place (`parse`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from .folding import nfkc

CellKind = Literal["label", "number", "blank", "noise", "digits"]

# A value cell: a number, possibly signed (2019 本年增/减), possibly decimal (fees).
_NUMBER = re.compile(r"[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# Blank-like cells: nothing, a dash, a slash, or 无 — "not reported", stored as NULL.
_BLANK = re.compile(r"[\s\u00a0\u3000]*(?:[—–\-－/／\\]{1,3}|无|空|/)?[\s\u00a0\u3000]*")
# OCR noise with no letters or digits in it: [·], \Box, ■ ##, …
_NOISE = re.compile(r"(?:[\s·•■□▪◆●○\[\]#*_~`^]|\\Box|\\square)+")
# Digits glued to the end of a label: a run-together row (``行政许可12+35``,
# ``政府集中采购2389000.5元``): signs and a decimal point may sit inside, a unit at the end.
_GLUED_TAIL = re.compile(r"\d[\d.+\-]*(?:万元|元|个|件|项|笔|条)?$")
# A unit typed into a cell after its number: ``3个``, ``125000元``, ``186万元``.
_UNIT = re.compile(r"^([+\-]?[\d,]+(?:\.\d+)?)\s*(万元|元|个|件|项|笔|条)$")
_GLUED_UNIT = re.compile(r"([\d.+\-]+)(万元|元|个|件|项|笔|条)?")
_PAGE_MARK = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)\s*$"
)
_PAGE_MARK_START = "第-—–－"
# OCR reads footnote marks and specks as superscript digits (⁶); they are never cell values.
_SUPERSCRIPTS = re.compile(r"[\u00b2\u00b3\u00b9\u2070-\u209f]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NBSP = "\u00a0"
_SPACE = re.compile(r"[ \t\u3000]")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
# What a label ends with before digits glued to it.
_LABEL_END = re.compile(r"[\u4e00-\u9fff)）\"”’」』]")
# A label with its row's digits run together at the end of the line (run-together layout).
_GLUED_ROW_END = re.compile(r"[\u4e00-\u9fff)）]\d{5,}\s*$")


@dataclass(slots=True)
class Cell:
    kind: CellKind
    text: str
    line: int
    value: int | float | None = None
    unit: str | None = None  # a unit typed into the cell (元, 万元, 个 …)


@dataclass
class RawRow:
    """A row as read: its label text and the value cells after it."""

    label: str
    cells: list[Cell] = field(default_factory=list)
    line: int = 0

    @property
    def numbers(self) -> int:
        return sum(1 for c in self.cells if c.kind in ("number", "digits"))


def is_page_mark(line: str) -> bool:
    # Cheap first: a page mark's first visible character is 第 or a dash (``\s`` and
    # str.lstrip agree on what is space), so most lines need no regex.
    head = line.lstrip()[:1]
    return bool(head) and head in _PAGE_MARK_START and bool(_PAGE_MARK.match(line))


def to_number(text: str) -> int | float | None:
    """'1,234' → 1234, '7730.28' → 7730.28, '+3' → 3; None when not a number."""
    t = nfkc(text).strip()
    if len(t) > 24 or not _NUMBER.fullmatch(t):
        return None  # no real cell holds a longer number; hostile input may
    t = t.replace(",", "")
    if "." in t:
        try:
            d = Decimal(t)
        except InvalidOperation:
            return None
        return int(d) if d == d.to_integral_value() else float(d)
    return int(t)


def classify(text: str, line: int) -> list[Cell]:
    """One cell of text → one or more typed cells.

    A label with numbers after it in the same cell ("行政许可 92") gives the label
    and the numbers; a label glued to a run of digits ("…申请数量0000000") gives the
    label and one `digits` cell that the parser splits with the identities.
    """
    typed = _classify(text) if len(text) > 200 else _classify_cached(text)
    if len(typed) == 1:  # most cells
        kind, t, v, u = typed[0]
        return [Cell(kind, t, line, v, u)]
    return [Cell(kind, t, line, v, u) for kind, t, v, u in typed]


_One = tuple[CellKind, str, int | float | None, str | None]


def _glued_or_number(t: str) -> _One | None:
    """A number cell, or a run of glued cells (leading zeros, signs inside) to split later.

    A unit at the end (``125000元``, ``2389000.5元``) is cut off into the fourth item.
    """
    if t.isascii() and t.isdigit() and len(t) <= 24:
        return (
            ("digits", t, None, None) if len(t) > 1 and t[0] == "0" else ("number", t, int(t), None)
        )
    u = _UNIT.match(t)
    core, unit = (u.group(1), u.group(2)) if u else (t, None)
    if core.isascii() and core.isdigit() and len(core) > 1 and core[0] == "0":
        return ("digits", core, None, unit)  # '0012': cells run together, never the number 12
    num = to_number(core)
    if num is not None:
        return ("number", core, num, unit)
    m = _GLUED_UNIT.fullmatch(t)
    if m and any(ch.isdigit() for ch in m.group(1)) and len(t) <= 60:
        return ("digits", m.group(1), None, m.group(2))  # '12+35', '2389000.5元'
    return None


_Typed = tuple[_One, ...]


def _classify(text: str) -> _Typed:
    """The line-independent part of `classify`: (kind, text, value) per cell."""
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return (("number", text, int(text), None),)  # most cells: a plain count
    raw = _SUPERSCRIPTS.sub("", text).strip()
    t = nfkc(raw).strip()
    if _BLANK.fullmatch(t):
        return (("blank", raw, None, None),)
    single = _glued_or_number(t)
    if single is not None:
        return (single,)
    if t.isascii() and t.isdigit():
        # A long run of digits: cells glued together (split later), or junk if huge.
        return (("digits" if len(t) <= 60 else "noise", t, None, None),)
    if _NOISE.fullmatch(t):
        return (("noise", raw, None, None),)
    tokens = t.split()
    tail: list[_One] = []
    while len(tokens) > 1 or (tokens and tokens[0] != t):  # one token: t, no cell (above)
        last = tokens[-1]
        n = _glued_or_number(last)
        if n is not None:
            tail.append(n)
        elif _BLANK.fullmatch(last) and last:
            tail.append(("blank", last, None, None))
        elif _NOISE.fullmatch(last):
            pass
        else:
            break
        tokens.pop()
    tail.reverse()  # collected right to left; appending keeps long lines linear
    label = " ".join(tokens)
    if not label:
        return tuple(tail)
    # Only the last 60 characters are searched: bounded work on hostile lines.
    offset = max(len(label) - 60, 0)
    m = _GLUED_TAIL.search(label, offset)
    head = label[: m.start()] if m else ""
    if m and head and _LABEL_END.match(head[-1]):
        glued = _glued_or_number(m.group())
        if glued is not None:
            # Alone, the run is a whole row run together; before spaced numbers, one cell.
            first = glued if tail else ("digits", glued[1], None, glued[3])
            return (("label", head, None, None), first, *tail)
    return (("label", label, None, None), *tail)


# Table cells repeat across reports (labels, small counts): classify each text once.
_classify_cached = lru_cache(maxsize=32768)(_classify)


def _rows_from_cells(cells: list[Cell]) -> list[RawRow]:
    """Group a stream of typed cells into rows: label cells, then the values after them.

    Blank cells before a label are merged-cell placeholders and dropped; blank cells
    after a label are values (NULL). A label after values starts the next row.
    """
    rows: list[RawRow] = []
    label_parts: list[str] = []
    values: list[Cell] = []
    pending_blanks: list[Cell] = []
    first_line = 0
    for cell in cells:
        if not first_line:
            first_line = cell.line
        kind = cell.kind
        if kind == "noise":
            continue
        if kind == "label":
            if values:  # the row so far is complete
                rows.append(RawRow(" ".join(label_parts), values, first_line))
                label_parts, values = [], []
                first_line = cell.line
            pending_blanks = []
            label_parts.append(cell.text)
        elif kind == "blank":
            if label_parts or values:
                values.append(cell)
            else:
                pending_blanks.append(cell)
        else:
            if not label_parts and pending_blanks:
                values.extend(pending_blanks)
                pending_blanks = []
            values.append(cell)
    if label_parts or values:
        rows.append(RawRow(" ".join(label_parts), values, first_line))
    elif pending_blanks:  # blanks alone: a row of blank cells
        rows.append(RawRow("", pending_blanks, first_line))
    return rows


def _split_pipe(line: str) -> list[str]:
    return line.split("|")


def _pipe_cells(line: str, continued: bool = False) -> list[str]:
    """A pipe row's cells: a closing border pipe is no cell, nor a run of span marks.

    ``| 0 | ||`` ends in span marks (adjacent pipes) after its last value: padding. Empty
    cells with a space between their pipes (``|  |``) are blank cells and keep their place.
    """
    parts = line.split("|")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # the border after the last cell
    end = len(parts)
    while end > 0 and not parts[end - 1].strip():
        end -= 1
    # A continued line's values follow the row's label on an earlier line.
    if "" in parts[end:] and sum(1 for p in parts[:end] if p.strip()) >= (1 if continued else 2):
        del parts[end:]  # after a value; a row of only a label keeps its blank cells
    return parts


def _pipe_groups(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Pipe rows: the lines of each table row.

    A row starts at a line that begins with text; lines that begin with a pipe (often
    only "|", one empty cell each) continue it, unless they hold a label (then they are
    the next row, led by merged cells) or follow an empty line: a row whose first cell
    is an empty paragraph (table 四's unlabelled value row) starts with a line break of
    its own, so its pipes do not belong to the row above.
    """
    groups: list[list[tuple[int, str]]] = []
    after_empty = False
    for n, s in lines:
        if not s.strip():
            after_empty = True
            continue
        if s.lstrip().startswith("|") and groups and not after_empty and not _CJK.search(s):
            groups[-1].append((n, s.strip()))
        else:
            groups.append([(n, s.rstrip("\r"))])
        after_empty = False
    return groups


def _pipe_group_cells(group: list[tuple[int, str]]) -> list[Cell]:
    """The cells of one pipe row, its lines read in order.

    A line that begins with a pipe (and holds no label) continues the row after an empty
    cell that held a paragraph break: its leading pipe closes that blank cell, which
    keeps its place (``|`` alone is one blank cell). Adjacent pipes after the line's last
    value are span marks, not cells (`_pipe_cells`).
    """
    cells: list[Cell] = []
    for n, s in group:
        if s.lstrip().startswith("|") and not _CJK.search(s):
            cells.append(Cell("blank", "", n))
            rest = s.lstrip()[1:]
            parts = _pipe_cells(rest, continued=True) if rest.strip("| ") else []
        else:
            parts = _pipe_cells(s)
        cells.extend(c for part in parts for c in classify(part, n))
    return cells


def _nbsp_cells(line: str) -> str:
    """A row whose cells run together (an HTML page's text with the cell borders
    dropped) keeps an ``&nbsp;`` cell as a no-break space: each is one blank cell in its
    place (``…申请数量\xa0\xa0\xa0\xa0\xa0\xa00``: six blanks, then 总计 0). Only where no
    ordinary space follows the first one: a line spaced with both is spacing."""
    at = line.find(_NBSP)
    if at < 0 or _SPACE.search(line, at):
        return line
    return line[:at] + line[at:].replace(_NBSP, " — ")


def segment(lines: list[tuple[int, str]], layout: str) -> list[RawRow]:
    """Cut the numbered lines of one table region into rows, by layout."""
    lines = [(n, s) for n, s in lines if not is_page_mark(s)]
    return _SEGMENTERS.get(layout, _line_rows)(lines)


def _tab_cell_blocks(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """One cell per line, tab-indented; a blank line ends a row; an untabbed line right
    after a cell continues that cell (wrapped header text)."""
    block: list[tuple[int, str]] = []
    blocks: list[list[tuple[int, str]]] = []
    for n, s in lines:
        if s.strip() == "" and "\t" not in s:
            if block:
                blocks.append(block)
            block = []
        elif s.startswith("\t") or not block:
            block.append((n, s.strip()))
        else:
            pn, ps = block[-1]
            block[-1] = (pn, ps + s.strip())
    if block:
        blocks.append(block)
    return blocks


def _tab_cell_rows(lines: list[tuple[int, str]]) -> list[RawRow]:
    rows: list[RawRow] = []
    for b in _tab_cell_blocks(lines):
        rows.extend(_rows_from_cells([c for n, s in b for c in classify(s, n)]))
    return rows


def _markdown_rows(lines: list[tuple[int, str]]) -> list[RawRow]:
    """Each line a row between border pipes; ``|---|`` rules dropped."""
    rows: list[RawRow] = []
    for n, s in lines:
        if not s.strip() or _MD_RULE.match(s):
            continue
        body = s.strip()
        if body.startswith("|"):
            body = body[1:]
        if body.endswith("|"):
            body = body[:-1]
        rows.extend(_rows_from_cells([c for part in _split_pipe(body) for c in classify(part, n)]))
    return rows


def _pipe_rows(lines: list[tuple[int, str]]) -> list[RawRow]:
    rows: list[RawRow] = []
    for group in _pipe_groups(lines):
        rows.extend(_rows_from_cells(_pipe_group_cells(group)))
    return rows


def _line_rows(lines: list[tuple[int, str]]) -> list[RawRow]:
    """pdf-text and run-together: a line is a row; a label's numbers follow it on the
    line, separated by spaces or glued on."""
    rows: list[RawRow] = []
    for n, s in lines:
        if s.strip():
            rows.extend(_rows_from_cells(classify(_nbsp_cells(s), n)))
    return rows


# The readers by segmenter name (`segmenter_for`); any other layout reads a line as a row.
_SEGMENTERS: dict[str, Callable[[list[tuple[int, str]]], list[RawRow]]] = {
    "tab-cells": _tab_cell_rows,
    "markdown": _markdown_rows,
    "pipe-rows": _pipe_rows,
}


def detect_layout(lines: list[str]) -> str:
    """Name the text layout of the table lines (see model.LAYOUTS)."""
    body = [s for s in lines if s.strip()]
    if not body:
        return "pdf-text"
    tabbed = sum(1 for s in body if s.startswith("\t"))
    piped = [s for s in body if "|" in s]
    if tabbed >= 0.3 * len(body):
        return "tab-cells"
    if len(piped) >= 0.3 * len(body):
        if any(_MD_RULE.match(s) for s in body) or sum(
            1
            for s in piped
            if s.lstrip().startswith("|") and s.rstrip().endswith("|") and s.count("|") > 2
        ) >= 0.6 * len(piped):
            return "markdown-ocr"
        return "pipe-rows"
    glued = 0
    for s in body:
        if _GLUED_ROW_END.search(nfkc(s)):
            glued += 1
            if glued >= 3:  # enough: no need to look at the other lines
                return "run-together"
    return "pdf-text"


def segmenter_for(layout: str) -> str:
    return {"markdown-ocr": "markdown", "html": "markdown", "docx": "markdown"}.get(layout, layout)
