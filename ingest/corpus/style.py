"""The synthetic corpus's printing style: layout names, the words printed around the
tables, and the noise a copied report shows (label typos, stray spaces, half-width
brackets, OCR debris) — never a changed number (`Style`, `format_value`)."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ingest import model

Report = Mapping[str, Any]
CellKind = Literal["head", "group", "label", "value"]


# What the renderer writes (the model's layouts the corpus writes; "pdf" is written by
# render_file only, "doc" by the corpus writer, which converts an HTML rendering with
# LibreOffice).
FILE_ONLY_LAYOUTS: tuple[str, ...] = ("pdf", "doc")
LAYOUTS: tuple[str, ...] = tuple(k for k in model.RENDERED_LAYOUTS if k not in FILE_ONLY_LAYOUTS)
TEXT_LAYOUTS: tuple[str, ...] = model.TEXT_LAYOUTS

# What a blank cell becomes when a web page is flattened with no separator: the
# page's ``&nbsp;``. It keeps a blank cell apart from the digits around it.
RUN_TOGETHER_BLANK = "\xa0"

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
