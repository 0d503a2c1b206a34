"""Render a canonical report back into the documents the parser reads.

One report (the canonical JSON of CANONICAL_JSON.md) becomes a full annual report
in one of the layouts of FORMAT.md: text copied out of a web page or a PDF, an HTML
page, a Word document, a PDF. Round-trip tests use the clean rendering
(``rng=None``); the synthetic corpus passes a ``random.Random`` and gets the kinds
of damage real copies show (label typos, stray spaces, half-width brackets, OCR
debris, page numbers inside tables) but never a changed number.

Every label comes from :mod:`ingest.model`. The tables are first built as grids of
cells with row and column spans (:func:`build_tables`); each layout writes a grid
its own way.
"""

from __future__ import annotations

import functools
import html
import random
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ingest import model

Report = Mapping[str, Any]
CellKind = Literal["head", "group", "label", "value"]

LAYOUTS: tuple[str, ...] = (
    "tab-cells",
    "pipe-rows",
    "run-together",
    "pdf-text",
    "markdown-ocr",
    "html",
    "docx",
)
TEXT_LAYOUTS: tuple[str, ...] = LAYOUTS[:5]

# What a blank cell becomes when a web page is flattened with no separator: the
# page's ``&nbsp;``. It keeps a blank cell apart from the digits around it.
RUN_TOGETHER_BLANK = "\xa0"

# Header texts of the printed tables that are not row or column labels of the model.
_INFO_CONTENT = "信息内容"
_APPLICANT_HEAD = "申请人情况"
_ORG_HEAD = "法人或其他组织"
_BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_BASIS = (
    "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与"
    "政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
    "（国办公开办函〔{marker}）要求，编制本报告。"
)
_PERIOD = "本报告所列数据的统计期限为{year}年1月1日至{year}年12月31日。"
_TITLE = "{agency}{year}年政府信息公开工作年度报告"
_TITLE_TAIL = "年政府信息公开工作年度报告"

# OCR debris seen in markdown copies of scanned reports.
_OCR_TOKENS = ("[·]", "\\Box", "■ ##", "·", "□")
_HALF_WIDTH = str.maketrans(
    {"（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "“": '"', "”": '"'}
)
# Characters a line may not start with (they stay at the end of the line before).
_NO_LINE_START = set("，。、；：）》」』”’！？,.;:)")


# ---------------------------------------------------------------------------
# Style: how one document is dressed
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How a document is dressed. ``Style()`` is clean; :meth:`sample` draws a noisy one.

    Shares (floats) are per label or per cell probabilities; noise never touches a
    number's digits.
    """

    title: Literal["one-line", "split", "year-first"] = "one-line"
    halfwidth: Literal["none", "labels", "all"] = "none"  # （）：，“” as ASCII
    numbering_comma: float = 0.0  # "1、" for "1." in item labels
    label_spaces: float = 0.0  # a stray space inside a label
    label_typos: float = 0.0  # one character missing from a long label
    blank_mark: str = ""  # what a blank cell prints: "", "—" or "/" (all mean null)
    wrap_headers: bool = True  # 商业 / 企业 on two lines where the original wraps
    pipe_lose_wrapped: bool = True  # pipe-rows: second line of table 四 headers lost
    ocr_tokens: float = 0.0  # markdown-ocr: debris in header and padding cells
    ocr_label_value: float = 0.0  # markdown-ocr: "行政许可 92" in one cell (one-value rows)
    ocr_split_labels: float = 0.0  # markdown-ocr: a spanned label split across its cells
    ocr_table_break: bool = False  # markdown-ocr: table 二 broken in two at a page end
    pad_columns: int = 2  # markdown-ocr: empty columns after the last real one
    page_lines: int = 40  # pdf-text: lines per page
    narrative_width: int = 30  # pdf-text: characters per line of running text
    word_markup: bool = False  # html: Word-pasted markup (MsoNormal, spans)
    period_own_line: bool = True  # pdf-text: the 统计期限 sentence never wrapped

    @classmethod
    def sample(cls, rng: random.Random, layout: str = "") -> Style:
        """Draw a noisy style for ``layout`` from ``rng``."""
        return cls(
            title=rng.choice(("one-line", "one-line", "split", "year-first")),
            halfwidth=rng.choice(("none", "none", "labels", "all")),
            numbering_comma=rng.choice((0.0, 0.0, 0.3, 1.0)),
            label_spaces=rng.choice((0.0, 0.1, 0.25)),
            label_typos=rng.choice((0.0, 0.0, 0.05)),
            blank_mark="" if layout == "run-together" else rng.choice(("", "", "—", "/")),
            wrap_headers=rng.random() < 0.6,
            pipe_lose_wrapped=rng.random() < 0.5,
            ocr_tokens=rng.choice((0.1, 0.3)),
            ocr_label_value=rng.choice((0.0, 0.3)),
            ocr_split_labels=rng.choice((0.0, 0.3)),
            ocr_table_break=rng.random() < 0.5,
            pad_columns=rng.randint(0, 7),
            page_lines=rng.randint(30, 46),
            narrative_width=rng.randint(26, 34),
            word_markup=rng.random() < 0.7,
            period_own_line=rng.random() < 0.5,
        )


@dataclass
class _Ctx:
    style: Style
    rng: random.Random | None

    def chance(self, p: float) -> bool:
        return self.rng is not None and p > 0 and self.rng.random() < p


def _context(rng: random.Random | None, layout: str, style: Style | None) -> _Ctx:
    if style is None:
        style = Style() if rng is None else Style.sample(rng, layout)
    return _Ctx(style, rng)


# ---------------------------------------------------------------------------
# Values and labels
# ---------------------------------------------------------------------------


def format_value(value: object) -> str:
    """A cell as printed: "" for None, ints as is, decimals without a trailing ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError(f"not a cell value: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        if "e" in text.lower():
            text = f"{value:.10f}".rstrip("0").rstrip(".")
        return text
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text.split(".")[0] if "." in text and text.rstrip("0").endswith(".") else text
    if isinstance(value, str):
        return value
    raise TypeError(f"not a cell value: {value!r}")


def _noisy_label(text: str, ctx: _Ctx, *, item: bool = False) -> str:
    """A row or header label as a careless copy prints it (the shares need an rng)."""
    st, rng = ctx.style, ctx.rng
    if rng is not None:
        if item and ctx.chance(st.numbering_comma):
            text = re.sub(r"^(\d)\.", r"\1、", text)
        prefix = re.match(r"^(\d[.、]|（[一二三四五六七八九]）|[一二三四]、)?", text)
        start = prefix.end() if prefix else 0
        head, body = text[:start], text[start:]
        if len(body) >= 8 and ctx.chance(st.label_typos):
            i = rng.randrange(2, len(body) - 2)
            # A typo never eats brackets or the unit ("万元" → "元" would change the truth).
            if body[i] not in '“”"（）()' and "单位" not in body[max(i - 4, 0) : i + 1]:
                body = body[:i] + body[i + 1 :]
        if len(body) >= 3 and ctx.chance(st.label_spaces):
            i = rng.randrange(1, len(body))
            body = body[:i] + " " + body[i:]
        text = head + body
    if st.halfwidth == "labels":
        text = text.translate(_HALF_WIDTH)
    return text


# ---------------------------------------------------------------------------
# Grids: the three tables as cells with spans
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One printed cell: its text, where it starts and how far it spans."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    kind: CellKind = "label"
    parts: tuple[str, ...] = ()  # the lines of a header the original wraps
    value: object = None  # the number behind a value cell


@dataclass(frozen=True)
class Grid:
    """A table as the originals print it: cells on a grid of rows and columns."""

    name: str  # "proactive", "applications" or "review_litigation"
    ncols: int
    nrows: int
    cells: tuple[Cell, ...]
    widths: tuple[float, ...]  # column widths in CJK characters (pdf-text, pdf)
    label_cols: int = 1  # columns of row labels before the values

    def starting(self, row: int) -> list[Cell]:
        """Cells that start in ``row``, left to right."""
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)

    def slots(self, row: int) -> list[tuple[int, Cell | None]]:
        """Per grid column of ``row``: the cell starting there, or None where a cell
        from a row above reaches down (only its first column); colspan coverage is
        left out."""
        out: list[tuple[int, Cell | None]] = []
        for c in self.cells:
            if c.row == row:
                out.append((c.col, c))
            elif c.row < row < c.row + c.rowspan:
                out.append((c.col, None))
        return sorted(out, key=lambda t: t[0])

    def owner(self, row: int, col: int) -> Cell | None:
        """The cell covering grid position (row, col)."""
        for c in self.cells:
            if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan:
                return c
        return None


class _GridBuilder:
    def __init__(self, name: str, ncols: int, widths: Sequence[float], label_cols: int) -> None:
        self.name, self.ncols, self.widths, self.label_cols = name, ncols, tuple(widths), label_cols
        self.cells: list[Cell] = []

    def add(self, row: int, col: int, text: str, kind: CellKind = "label", **kw: Any) -> None:
        self.cells.append(Cell(text, row, col, kind=kind, **kw))

    def values(
        self, row: int, col: int, values: Sequence[object], ctx: _Ctx, last_span: int = 1
    ) -> None:
        for j, v in enumerate(values):
            span = last_span if j == len(values) - 1 else 1
            text = format_value(v) if v is not None else ctx.style.blank_mark
            self.add(row, col + j, text, "value", colspan=span, value=v)

    def build(self) -> Grid:
        nrows = max((c.row + c.rowspan for c in self.cells), default=0)
        return Grid(self.name, self.ncols, nrows, tuple(self.cells), self.widths, self.label_cols)


def _wrap2(text: str) -> tuple[str, ...]:
    """A four-character header the originals print on two lines (商业 / 企业)."""
    return (text[:2], text[2:]) if len(text) == 4 else ()


def _proactive_grid(report: Report, ctx: _Ctx) -> Grid | None:
    fmt = report.get("format", "2021")
    proactive: Mapping[str, Any] = report.get("proactive") or {}
    items = [it for it in model.PROACTIVE_ITEMS[fmt] if it.key in proactive]
    if not items:
        return None
    g = _GridBuilder("proactive", 4, (8, 7, 7, 7), 1)
    r = 0
    blocks: list[tuple[str, list[model.ProactiveItem]]] = []
    for it in items:
        if blocks and blocks[-1][0] == it.block:
            blocks[-1][1].append(it)
        else:
            blocks.append((it.block, [it]))
    for block, block_items in blocks:
        g.add(r, 0, _noisy_label(block, ctx), "head", colspan=4)
        r += 1
        cols = block_items[0].columns
        last_span = 4 - len(cols)
        g.add(r, 0, _INFO_CONTENT, "head")
        for j, key in enumerate(cols):
            label = model.PROACTIVE_COLUMN_BY_KEY[key].label
            if key == "amount":
                unit = next((proactive[i.key].get("amount_unit") for i in block_items), None)
                if unit:
                    label = f"{label}（单位：{unit}）"
            span = last_span if j == len(cols) - 1 else 1
            g.add(r, 1 + j, _noisy_label(label, ctx), "head", colspan=span)
        r += 1
        for it in block_items:
            row = proactive[it.key]
            g.add(r, 0, _noisy_label(it.labels[0], ctx))
            g.values(r, 1, [row.get(k) for k in it.columns], ctx, last_span)
            r += 1
    return g.build()


def application_rows(applications: Mapping[str, Any]) -> tuple[model.Row, ...]:
    """The rows of table 三 in the report, in printed order (25- or 23-row variant)."""
    split = any(r.key in applications for r in model.APPLICATION_ROWS_OTHER_SPLIT)
    rows = model.APPLICATION_ROWS_SPLIT if split else model.APPLICATION_ROWS_SINGLE
    return tuple(r for r in rows if r.key in applications)


def _applications_grid(report: Report, ctx: _Ctx) -> Grid | None:
    applications: Mapping[str, Any] = report.get("applications") or {}
    rows = application_rows(applications)
    if not rows:
        return None
    g = _GridBuilder("applications", 10, (1, 4, 15, 3, 3, 3, 4, 4, 2, 3), 3)
    wrap = ctx.style.wrap_headers
    labels = dict(model.APPLICANT_COLUMNS)
    # Header: three rows, as in the format's template.
    g.add(0, 0, _BALANCE_NOTE, "head", rowspan=3, colspan=3)
    g.add(0, 3, _APPLICANT_HEAD, "head", colspan=7)
    g.add(1, 3, labels["natural_person"], "head", rowspan=2)
    g.add(1, 4, _ORG_HEAD, "head", colspan=5)
    g.add(1, 9, labels["total"], "head", rowspan=2)
    for j, key in enumerate(model.APPLICANT_PARTS[1:]):
        text = labels[key]
        parts = _wrap2(text) if wrap and key in ("commercial", "research") else ()
        g.add(2, 4 + j, _noisy_label(text, ctx), "head", parts=parts)
    result_group = model.APPLICATION_ROW_BY_KEY["granted"].group
    result_keys = set(model.OUTCOME_KEYS) | {"total_handled"}
    first = 3
    result_rows = [i for i, row in enumerate(rows) if row.key in result_keys]
    if result_rows:
        g.add(first + result_rows[0], 0, result_group, "group", rowspan=len(result_rows))
    i = 0
    while i < len(rows):
        row = rows[i]
        r = first + i
        if row.key not in result_keys:
            g.add(r, 0, _noisy_label(row.label, ctx), colspan=3)
        elif row.group == result_group:
            g.add(r, 1, _noisy_label(row.label, ctx), colspan=2)
        else:
            span = 1
            while i + span < len(rows) and rows[i + span].group == row.group:
                span += 1
            g.add(r, 1, _noisy_label(row.group, ctx), "group", rowspan=span)
            for k in range(span):
                sub = rows[i + k]
                g.add(r + k, 2, _noisy_label(sub.label, ctx, item=True))
                g.values(
                    r + k, 3, [applications[sub.key].get(c) for c in model.APPLICANT_KEYS], ctx
                )
            i += span
            continue
        g.values(r, 3, [applications[row.key].get(c) for c in model.APPLICANT_KEYS], ctx)
        i += 1
    return g.build()


def _review_grid(report: Report, ctx: _Ctx) -> Grid | None:
    review: Mapping[str, Any] = report.get("review_litigation") or {}
    if not review:
        return None
    g = _GridBuilder("review_litigation", 15, (2,) * 15, 0)
    wrap = ctx.style.wrap_headers
    (rk, rlabel), (dk, dlabel), (ak, alabel) = model.REVIEW_GROUPS
    litigation, direct = dlabel.split("·")
    after = alabel.split("·")[1]
    g.add(0, 0, rlabel, "head", colspan=5)
    g.add(0, 5, litigation, "head", colspan=10)
    g.add(1, 5, direct, "head", colspan=5)
    g.add(1, 10, after, "head", colspan=5)
    for j, (_, label) in enumerate(model.REVIEW_COLUMNS):
        parts = _wrap2(label) if wrap and j > 0 else ()
        g.add(1, j, label, "head", rowspan=2, parts=parts)
        g.add(2, 5 + j, label, "head", parts=_wrap2(label) if wrap else ())
        g.add(2, 10 + j, label, "head", parts=_wrap2(label) if wrap else ())
    values = [(review.get(k) or {}).get(c) for k in (rk, dk, ak) for c in model.REVIEW_KEYS]
    g.values(3, 0, values, ctx)
    return g.build()


def build_tables(
    report: Report, style: Style | None = None, rng: random.Random | None = None
) -> dict[str, Grid]:
    """The report's tables 二, 三, 四 as grids, keyed by section key."""
    ctx = _Ctx(style or Style(), rng)
    grids = {
        "proactive": _proactive_grid(report, ctx),
        "applications": _applications_grid(report, ctx),
        "review_litigation": _review_grid(report, ctx),
    }
    return {k: v for k, v in grids.items() if v is not None}


# ---------------------------------------------------------------------------
# The document: title, period, six sections with narrative or a table
# ---------------------------------------------------------------------------


def _total(report: Report, row: str, group: str = "applications") -> Any:
    return ((report.get(group) or {}).get(row) or {}).get("total")


def _narrative(report: Report, key: str, ctx: _Ctx) -> list[str]:
    """The paragraphs of a narrative section: the report's own, or a generic one."""
    given = (report.get("sections") or {}).get(key)
    if given:
        return [p.strip() for p in str(given).splitlines() if p.strip()]
    agency, year = report.get("agency", ""), report.get("year", "")
    if key == "overview":
        received = _total(report, "new_received")
        if received is None:
            apply_text = "依法依规办理政府信息公开申请，均在法定期限内答复。"
        elif received == 0:
            apply_text = "本年度未收到政府信息公开申请。"
        else:
            apply_text = (
                f"全年共收到政府信息公开申请{format_value(received)}件，均在法定期限内答复。"
            )
        return [
            f"{year}年，{agency}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实"
            "《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，扎实推进政务公开工作。",
            "（一）主动公开。通过门户网站及时公开机构职能、政策文件、工作动态、财政预决算等信息，"
            "做好政策解读和回应关切。",
            f"（二）依申请公开。畅通申请渠道，规范受理、登记、办理、答复等环节。{apply_text}",
            "（三）政府信息管理。严格落实信息发布审核制度，坚持先审后发，确保发布内容准确规范。",
            "（四）平台建设。加强门户网站和政务新媒体管理，及时更新栏目内容。",
            "（五）监督保障。将政务公开工作纳入年度考核，主动接受社会监督。",
        ]
    if key == "problems":
        return [
            "一是公开内容的深度和广度有待拓展；二是政策解读的形式还不够丰富；三是工作人员业务能力有待提高。",
            "下一步，将进一步完善公开目录，丰富解读形式，加强业务培训，不断提升政务公开工作水平。",
        ]
    if key == "other_matters":
        no_fee = _total(report, "other_no_fee")
        if no_fee:
            return [
                f"本年度发出收费通知{format_value(no_fee)}件，申请人逾期未缴纳，未实际收取信息处理费。"
            ]
        return ["本年度未收取信息处理费。"]
    return []


def _title_lines(report: Report, ctx: _Ctx) -> list[str]:
    agency, year = report.get("agency", ""), report.get("year", "")
    if ctx.style.title == "split":
        return [agency, f"{year}{_TITLE_TAIL}"]
    if ctx.style.title == "year-first":
        return [f"{year}年{agency}政府信息公开工作年度报告"]
    return [_TITLE.format(agency=agency, year=year)]


def _basis(report: Report) -> str:
    fmt = report.get("format", "2021")
    return _BASIS.format(marker=model.FORMAT_MARKERS[fmt][-1])


def _period(report: Report) -> str:
    return _PERIOD.format(year=report.get("year", ""))


def section_heading(section: model.Section) -> str:
    """A section heading as printed: "一、总体情况"."""
    return f"{section.number}、{section.title}"


@dataclass
class _Doc:
    """A document as a sequence of blocks, for every layout to write its own way."""

    title: list[str]
    basis: str
    period: str
    sections: list[tuple[str, list[str], Grid | None]] = field(default_factory=list)


def _document(report: Report, ctx: _Ctx) -> _Doc:
    grids = build_tables(report, ctx.style, ctx.rng)
    doc = _Doc(_title_lines(report, ctx), _basis(report), _period(report))
    for s in model.SECTIONS:
        doc.sections.append((section_heading(s), _narrative(report, s.key, ctx), grids.get(s.key)))
    return doc


# ---------------------------------------------------------------------------
# Text layouts
# ---------------------------------------------------------------------------


def _tab_cells_table(grid: Grid, ctx: _Ctx) -> str:
    rows = []
    for r in range(grid.nrows):
        lines = []
        for _, cell in grid.slots(r):
            if cell is None:
                lines.append("\t")
            elif cell.parts and ctx.style.wrap_headers:
                lines.append("\t" + cell.parts[0])
                lines.extend(cell.parts[1:])  # the wrapped line is not indented
            else:
                lines.append("\t" + cell.text)
        rows.append("\n".join(lines))
    return "\n\n".join(rows)


def _pipe_rows_table(grid: Grid, ctx: _Ctx) -> str:
    out = []
    for r in range(grid.nrows):
        text = ""
        last = "start"
        cells = grid.starting(r)
        for cell in cells:
            label = cell.text
            if cell.parts:
                lose = grid.name == "review_litigation" and ctx.style.pipe_lose_wrapped
                label = cell.parts[0] if lose else " ".join(cell.parts)
            if cell.kind == "value" and cell.value is None and not label:
                text += "\n|"  # a blank cell that held a paragraph break
                last = "blank"
            elif label:
                text += ("" if last == "start" else " ") + label + " |"
                last = "text"
            else:
                text += (" " if last == "text" else "") + "|"
                last = "pad"
        for _ in range(grid.ncols - len(cells)):
            text += (" " if last == "text" else "") + "|"
            last = "pad"
        out.append(text)
    return "\n".join(out)


def _run_together_table(grid: Grid, ctx: _Ctx) -> str:
    out = []
    for r in range(grid.nrows):
        parts = []
        for cell in grid.starting(r):
            if cell.kind == "value" and cell.value is None:
                parts.append(RUN_TOGETHER_BLANK)
            else:
                parts.append("".join(cell.parts) if cell.parts else cell.text)
        out.append("".join(parts))
    return "\n".join(out)


def _ocr_spacing(text: str) -> str:
    """Spaces between CJK and ASCII runs, as OCR and PDF extraction print them."""
    text = re.sub(r"(?<=[\u3400-\u9fff])(?=[0-9A-Za-z])", " ", text)
    return re.sub(r"(?<=[0-9A-Za-z%])(?=[\u3400-\u9fff])", " ", text)


def _split_text(text: str, n: int, rng: random.Random) -> list[str]:
    if n <= 1 or len(text) < n:
        return [text] + [""] * (n - 1)
    cuts = sorted(rng.sample(range(1, len(text)), n - 1))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _markdown_table(grid: Grid, ctx: _Ctx, rows: range | None = None) -> str:
    st, rng = ctx.style, ctx.rng
    matrix = [[""] * grid.ncols for _ in range(grid.nrows)]
    for cell in grid.cells:
        text = " ".join(cell.parts) if cell.parts else cell.text
        # OCR puts a merged cell's text at the middle of its rows.
        r = cell.row + (cell.rowspan - 1) // 2
        if (
            cell.colspan > 1
            and cell.kind != "value"
            and rng is not None
            and ctx.chance(st.ocr_split_labels)
        ):
            for j, piece in enumerate(_split_text(text, cell.colspan, rng)):
                matrix[r][cell.col + j] = piece
        else:
            matrix[r][cell.col] = text
    if rng is not None and grid.label_cols:
        # "行政许可 92": a one-value row read as one cell, the rest of the row empty.
        for r, line in enumerate(matrix):
            values = [c for c in grid.starting(r) if c.kind == "value"]
            if len(values) == 1 and values[0].text and ctx.chance(st.ocr_label_value):
                line[0] = f"{line[0]} {values[0].text}"
                line[values[0].col] = ""
    width = grid.ncols + st.pad_columns
    header_rows = {c.row for c in grid.cells if c.kind == "head"}
    for r, line in enumerate(matrix):
        line.extend([""] * st.pad_columns)
        if rng is not None and r in header_rows:
            # OCR debris lands in the empty cells of header rows.
            for j in range(width):
                if not line[j] and ctx.chance(st.ocr_tokens):
                    line[j] = rng.choice(_OCR_TOKENS)
    selected = range(grid.nrows) if rows is None else rows
    out = []
    for n, r in enumerate(selected):
        out.append("|" + "|".join(f" {c} " if c else " " for c in matrix[r]) + "|")
        if n == 0:
            out.append("|" + "|".join("---" for _ in range(width)) + "|")
    return "\n".join(out)


def _markdown_ocr_table(grid: Grid, ctx: _Ctx) -> str:
    if (
        grid.name == "proactive"
        and ctx.style.ocr_table_break
        and ctx.rng is not None
        and grid.nrows > 4
    ):
        cut = ctx.rng.randrange(2, grid.nrows - 1)
        return (
            _markdown_table(grid, ctx, range(cut))
            + "\n\n"
            + _markdown_table(grid, ctx, range(cut, grid.nrows))
        )
    return _markdown_table(grid, ctx)


# --- pdf-text: a table laid out on a page, then read back line by line -------


def _char_width(ch: str) -> float:
    return 0.5 if ord(ch) < 0x2E80 and ch not in "“”‘’" else 1.0


def _wrap(text: str, width: float) -> list[str]:
    """Lines of ``text`` in a column ``width`` CJK characters wide; ASCII runs stay whole."""
    if not text:
        return []
    tokens = re.findall(r"[0-9A-Za-z.\-%]+ ?|.", text)
    lines: list[str] = []
    line, used = "", 0.0
    for tok in tokens:
        w = sum(_char_width(c) for c in tok)
        if line and used + w > width + 1e-9 and tok[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0.0
        line += tok
        used += w
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _cell_lines(cell: Cell, grid: Grid) -> list[str]:
    if cell.kind == "value":
        return [cell.text] if cell.text else []
    width = sum(grid.widths[cell.col : cell.col + cell.colspan])
    return _wrap(cell.text, width)


def _pdf_table_lines(grid: Grid, ctx: _Ctx) -> list[str]:
    lines = {cell: _cell_lines(cell, grid) for cell in grid.cells}
    heights = [1] * grid.nrows
    for cell in grid.cells:
        if cell.rowspan == 1:
            heights[cell.row] = max(heights[cell.row], len(lines[cell]))
    for cell in grid.cells:
        if cell.rowspan > 1:
            have = sum(heights[cell.row : cell.row + cell.rowspan])
            if len(lines[cell]) > have:
                heights[cell.row + cell.rowspan - 1] += len(lines[cell]) - have
    tops = [sum(heights[:r]) for r in range(grid.nrows)]
    placed: dict[int, list[tuple[int, str]]] = {}
    for cell in grid.cells:
        block = sum(heights[cell.row : cell.row + cell.rowspan])
        n = len(lines[cell])
        for i, text in enumerate(lines[cell]):
            y2 = 2 * tops[cell.row] + (block - n) + 2 * i  # twice the line's y: centred
            placed.setdefault(y2, []).append((cell.col, text))
    return [" ".join(t for _, t in sorted(placed[y])) for y in sorted(placed)]


def _paginate(lines: list[str], per_page: int) -> list[str]:
    out: list[str] = []
    page = 1
    for n, line in enumerate(lines, 1):
        out.append(line)
        if n % per_page == 0:
            out.append(f"- {page} -")
            page += 1
    out.append(f"- {page} -")
    return out


def _render_pdf_text(doc: _Doc, ctx: _Ctx) -> str:
    st = ctx.style
    lines: list[str] = []
    title = doc.title
    m = re.match(rf"^(.+?)(\d{{4}}{_TITLE_TAIL})$", title[0]) if len(title) == 1 else None
    if m:  # PDFs print the agency on its own line above the year line
        title = [m.group(1), m.group(2)]
    lines += [_ocr_spacing(t) for t in title if t]
    if st.period_own_line:
        lines += _wrap(_ocr_spacing(doc.basis), st.narrative_width)
        lines.append(_ocr_spacing(doc.period))
    else:
        lines += _wrap(_ocr_spacing(doc.basis + doc.period), st.narrative_width)
    for heading, paragraphs, grid in doc.sections:
        lines.append(heading)
        for p in paragraphs:
            lines += _wrap(_ocr_spacing(p), st.narrative_width)
        if grid is not None:
            lines += _pdf_table_lines(grid, ctx)
    return "\n".join(_paginate(lines, st.page_lines)) + "\n"


def _render_plain(doc: _Doc, ctx: _Ctx, layout: str) -> str:
    writer: Callable[[Grid, _Ctx], str] = {
        "tab-cells": _tab_cells_table,
        "pipe-rows": _pipe_rows_table,
        "run-together": _run_together_table,
        "markdown-ocr": _markdown_ocr_table,
    }[layout]
    ocr = layout == "markdown-ocr"
    spaced: Callable[[str], str] = _ocr_spacing if ocr else str
    blocks = ["\n".join(spaced(t) for t in doc.title), doc.basis + doc.period]
    for heading, paragraphs, grid in doc.sections:
        blocks.append(heading)
        blocks += [spaced(p) for p in paragraphs]
        if grid is not None:
            blocks.append(writer(grid, ctx) + ("\n" if layout == "tab-cells" else ""))
    sep = "\n\n" if layout in ("tab-cells", "markdown-ocr") else "\n"
    return sep.join(blocks).rstrip("\n") + "\n"


def render_text(
    report: Report, layout: str, rng: random.Random | None = None, *, style: Style | None = None
) -> str:
    """The report as text copied out in ``layout`` (one of TEXT_LAYOUTS)."""
    if layout not in TEXT_LAYOUTS:
        raise ValueError(f"not a text layout: {layout!r} (one of {', '.join(TEXT_LAYOUTS)})")
    ctx = _context(rng, layout, style)
    doc = _document(report, ctx)
    text = _render_pdf_text(doc, ctx) if layout == "pdf-text" else _render_plain(doc, ctx, layout)
    if ctx.style.halfwidth == "all":
        text = text.translate(_HALF_WIDTH)
    return text


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def _html_cell(cell: Cell, ctx: _Ctx) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.parts and ctx.style.wrap_headers:
        body = "<br>".join(html.escape(p) for p in cell.parts)
    else:
        body = html.escape(cell.text) if cell.text else "&nbsp;"
    if ctx.style.word_markup:
        align = "center" if cell.kind != "label" else "left"
        body = (
            f'<p class="MsoNormal" align="{align}" style="text-align:{align}">'
            f'<span style="font-size:10.5pt;font-family:宋体">{body}</span></p>'
        )
    return f'<td{attrs} valign="middle">{body}</td>'


def _html_table(grid: Grid, ctx: _Ctx) -> str:
    out = [
        '<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">',
        "<tbody>",
    ]
    for r in range(grid.nrows):
        out.append("<tr>" + "".join(_html_cell(c, ctx) for c in grid.starting(r)) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _html_p(text: str, ctx: _Ctx, strong: bool = False) -> str:
    body = html.escape(text)
    if strong:
        body = f"<strong>{body}</strong>"
    if ctx.style.word_markup:
        return f'<p class="MsoNormal" style="text-indent:2em"><span style="font-family:仿宋">{body}</span></p>'
    return f"<p>{body}</p>"


def render_html(
    report: Report, rng: random.Random | None = None, *, style: Style | None = None
) -> str:
    """The report as a web page with real ``<table>``s (spans, ``&nbsp;`` for blank)."""
    ctx = _context(rng, "html", style)
    doc = _document(report, ctx)
    title = "".join(doc.title)
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        '<head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "</head>",
        "<body>",
        '<div class="article">',
        '<h1 class="title">' + "<br>".join(html.escape(t) for t in doc.title) + "</h1>",
        '<div class="content">',
        _html_p(doc.basis + doc.period, ctx),
    ]
    for heading, paragraphs, grid in doc.sections:
        out.append(_html_p(heading, ctx, strong=True))
        out += [_html_p(p, ctx) for p in paragraphs]
        if grid is not None:
            out.append(_html_table(grid, ctx))
    out += ["</div>", "</div>", "</body>", "</html>"]
    text = "\n".join(out) + "\n"
    if ctx.style.halfwidth == "all":
        text = text.translate(_HALF_WIDTH)
    return text


# ---------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------


def render_docx(
    report: Report,
    path: str | Path,
    rng: random.Random | None = None,
    *,
    style: Style | None = None,
) -> None:
    """The report as a Word document with real tables and merged cells."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    ctx = _context(rng, "docx", style)
    rep = _document(report, ctx)
    document = docx.Document()
    for t in rep.title:
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(t).bold = True
    document.add_paragraph(rep.basis + rep.period)
    for heading, paragraphs, grid in rep.sections:
        document.add_paragraph().add_run(heading).bold = True
        for text in paragraphs:
            document.add_paragraph(text)
        if grid is None:
            continue
        table = document.add_table(rows=grid.nrows, cols=grid.ncols)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell in grid.cells:
            target = table.cell(cell.row, cell.col)
            if cell.rowspan > 1 or cell.colspan > 1:
                corner = table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1)
                target = target.merge(corner)
            text = "\n".join(cell.parts) if cell.parts and ctx.style.wrap_headers else cell.text
            target.text = text
        document.add_paragraph()
    document.save(str(path))


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def _system_cjk_fonts() -> Iterator[str]:
    yield from (p for p in _FONT_CANDIDATES if Path(p).exists())
    if shutil.which("fc-list"):
        try:
            listing = subprocess.run(
                ["fc-list", ":lang=zh", "file"],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return
        for line in sorted(listing.splitlines()):
            path = line.split(":")[0].strip()
            if path.lower().endswith((".ttf", ".ttc")):
                yield path


@functools.cache
def pdf_font() -> str:
    """The name of a registered CJK font for reportlab: an embedded system TrueType font
    when one loads, else reportlab's built-in CID font STSong-Light (not embedded; its
    text still extracts with pdfplumber)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    for path in _system_cjk_fonts():
        try:
            kw = {"subfontIndex": 0} if path.lower().endswith(".ttc") else {}
            pdfmetrics.registerFont(TTFont("NianbaoCJK", path, **kw))
        except Exception:  # CFF-flavoured or unreadable fonts: try the next one
            continue
        return "NianbaoCJK"
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def render_pdf(
    report: Report,
    path: str | Path,
    rng: random.Random | None = None,
    *,
    style: Style | None = None,
) -> None:
    """The report as a text PDF (A4, ruled tables with spans, "- N -" page numbers)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    ctx = _context(rng, "pdf", style)
    rep = _document(report, ctx)
    font = pdf_font()
    size = 9.0
    body = ParagraphStyle(
        "body", fontName=font, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22
    )
    head = ParagraphStyle("head", parent=body, firstLineIndent=0, spaceBefore=6)
    title = ParagraphStyle(
        "title", parent=body, fontSize=16, leading=24, alignment=TA_CENTER, firstLineIndent=0
    )
    cell_style = ParagraphStyle(
        "cell", fontName=font, fontSize=size, leading=size + 2, wordWrap="CJK", alignment=TA_CENTER
    )

    def esc(text: str) -> str:
        return html.escape(text, quote=False)

    story: list[Any] = [Paragraph("<br/>".join(esc(t) for t in rep.title), title), Spacer(1, 8)]
    story.append(Paragraph(esc(rep.basis + rep.period), body))
    for heading, paragraphs, grid in rep.sections:
        story.append(Paragraph(esc(heading), head))
        story += [Paragraph(esc(p), body) for p in paragraphs]
        if grid is None:
            continue
        data: list[list[Any]] = [[""] * grid.ncols for _ in range(grid.nrows)]
        commands: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), size),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]
        for cell in grid.cells:
            if cell.kind == "value":
                data[cell.row][cell.col] = cell.text
            else:
                text = "<br/>".join(esc(p) for p in cell.parts) if cell.parts else esc(cell.text)
                data[cell.row][cell.col] = Paragraph(text, cell_style)
            if cell.rowspan > 1 or cell.colspan > 1:
                end = (cell.col + cell.colspan - 1, cell.row + cell.rowspan - 1)
                commands.append(("SPAN", (cell.col, cell.row), end))
        widths = [w * size + 6 for w in grid.widths]
        story.append(Table(data, colWidths=widths, style=TableStyle(commands), repeatRows=0))
        story.append(Spacer(1, 6))

    def page_number(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.drawCentredString(A4[0] / 2, 28, f"- {document.page} -")
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=50, rightMargin=50, topMargin=56, bottomMargin=56
    )
    pdf.build(story, onFirstPage=page_number, onLaterPages=page_number)


def render_file(
    report: Report, layout: str, path: str | Path, rng: random.Random | None = None
) -> Path:
    """Write the report in ``layout`` (a LAYOUTS entry or "pdf") to ``path``."""
    path = Path(path)
    if layout == "html":
        path.write_text(render_html(report, rng), encoding="utf-8")
    elif layout == "docx":
        render_docx(report, path, rng)
    elif layout == "pdf":
        render_pdf(report, path, rng)
    else:
        path.write_text(render_text(report, layout, rng), encoding="utf-8")
    return path


__all__ = [
    "LAYOUTS",
    "RUN_TOGETHER_BLANK",
    "TEXT_LAYOUTS",
    "Cell",
    "Grid",
    "Style",
    "application_rows",
    "build_tables",
    "format_value",
    "pdf_font",
    "render_docx",
    "render_file",
    "render_html",
    "render_pdf",
    "render_text",
    "section_heading",
]
