"""Render a canonical report back into the documents the parser reads.

One report (the canonical JSON of CANONICAL_JSON.md) becomes a full annual report
in one of the layouts of FORMAT.md: text copied out of a web page or a PDF, an HTML
page, a Word document, a PDF. Round-trip tests use the clean rendering
(``rng=None``); the synthetic corpus passes a ``random.Random`` and gets the kinds
of damage real copies show (label typos, stray spaces, half-width brackets, OCR
debris, page numbers inside tables) but never a changed number.

Every label comes from :mod:`ingest.model`. The tables are first built as grids of
cells with row and column spans (:func:`build_tables`, in `grids`); each layout
writes a grid its own way: the text layouts here, HTML, DOCX and PDF in `documents`.
`render_file` writes any of them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

from .documents import (
    pdf_font,
    render_docx,
    render_html,
    render_pdf,
)
from .grids import (
    Cell,
    Grid,
    application_rows,
    build_tables,
)
from .prose import (
    _Doc,
    _document,
    section_heading,
)
from .style import (
    _HALF_WIDTH,
    _NO_LINE_START,
    _OCR_TOKENS,
    _TITLE_TAIL,
    LAYOUTS,
    RUN_TOGETHER_BLANK,
    TEXT_LAYOUTS,
    Report,
    Style,
    _context,
    _Ctx,
    format_value,
)

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


def _markdown_matrix(grid: Grid, ctx: _Ctx) -> list[list[str]]:
    """The grid as OCR lays it out: one text per cell position."""
    st, rng = ctx.style, ctx.rng
    matrix = [[""] * grid.ncols for _ in range(grid.nrows)]
    for cell in grid.cells:
        text = " ".join(cell.parts) if cell.parts else cell.text
        # OCR puts a merged cell's text at the middle of its rows.
        r = cell.row + (cell.rowspan - 1) // 2
        split = cell.colspan > 1 and cell.kind != "value" and rng is not None
        if split and ctx.chance(st.ocr_split_labels):
            assert rng is not None
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
    return matrix


def _ocr_debris(grid: Grid, ctx: _Ctx, matrix: list[list[str]]) -> None:
    """Pad every row with the style's extra columns; OCR debris in header rows' blanks."""
    st, rng = ctx.style, ctx.rng
    width = grid.ncols + st.pad_columns
    header_rows = {c.row for c in grid.cells if c.kind == "head"}
    for r, line in enumerate(matrix):
        line.extend([""] * st.pad_columns)
        if rng is None or r not in header_rows:
            continue
        for j in range(width):
            if not line[j] and ctx.chance(st.ocr_tokens):
                line[j] = rng.choice(_OCR_TOKENS)


def _markdown_table(grid: Grid, ctx: _Ctx, rows: range | None = None) -> str:
    matrix = _markdown_matrix(grid, ctx)
    _ocr_debris(grid, ctx, matrix)
    width = grid.ncols + ctx.style.pad_columns
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
