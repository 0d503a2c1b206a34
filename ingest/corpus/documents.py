"""A report written as an HTML page, a Word document or a PDF (the renderer's
document writers; python-docx and reportlab are imported when used)."""

from __future__ import annotations

import functools
import html
import io
import random
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .grids import (
    Cell,
    Grid,
)
from .prose import (
    _document,
)
from .style import (
    _HALF_WIDTH,
    _TITLE_TAIL,
    Report,
    Style,
    _context,
    _Ctx,
)

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


def _span(slots: list[Any], ncols: int, cell: Cell) -> None:
    """Merge ``cell``'s block of a python-docx table as ``_Cell.merge`` does: per row,
    the first ``w:tc`` takes the others' widths and a ``gridSpan``, the others go; rows
    below the first are ``vMerge`` continuations. (The grid's spans never overlap and the
    cells merged away are empty, so no content moves.)"""
    for r in range(cell.row, cell.row + cell.rowspan):
        tc = slots[r * ncols + cell.col]._tc
        for c in range(cell.col + 1, cell.col + cell.colspan):
            other = slots[r * ncols + c]._tc
            tc._add_width_of(other)
            tc.grid_span += other.grid_span
            other.getparent().remove(other)
        if cell.rowspan > 1:
            tc.vMerge = "restart" if r == cell.row else "continue"
        else:
            tc.vMerge = None


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
    grid_style = document.styles["Table Grid"].style_id
    for heading, paragraphs, grid in rep.sections:
        document.add_paragraph().add_run(heading).bold = True
        for text in paragraphs:
            document.add_paragraph(text)
        if grid is None:
            continue
        table = document.add_table(rows=grid.nrows, cols=grid.ncols)
        table._tbl.tblPr.style = grid_style  # "Table Grid" (a lookup by name is slow)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        # The grid's cells once: Table.cell() and _Cell.merge() walk the whole table on
        # every call (a report took ~1 s); the spans are set as merge() sets them.
        slots = table._cells
        for cell in grid.cells:
            text = "\n".join(cell.parts) if cell.parts and ctx.style.wrap_headers else cell.text
            # as _Cell.text sets it, into the new cell's empty paragraph
            slots[cell.row * grid.ncols + cell.col]._tc.p_lst[0].add_r().text = text
        for cell in grid.cells:
            if cell.rowspan > 1 or cell.colspan > 1:
                _span(slots, grid.ncols, cell)
        document.add_paragraph()
    from .fault_docx import rezip

    raw = io.BytesIO()
    document.save(raw)
    Path(path).write_bytes(rezip(raw.getvalue(), {}))  # fixed zip times: same seed, same bytes


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


# What real report PDFs print as page numbers (FORMAT.md: "- 3 -", 第3页).
_PAGE_MARKS = ("- {n} -", "- {n} -", "— {n} —", "－{n}－", "第{n}页", "第 {n} 页")
_MARGINS = (
    (50.0, 50.0, 56.0, 56.0),  # left, right, top, bottom (pt)
    (79.0, 74.0, 105.0, 99.0),  # 公文 (GB/T 9704): 28 mm, 26 mm, 37 mm, 35 mm
    (72.0, 72.0, 72.0, 72.0),  # Word's default
)


@dataclass(frozen=True)
class PdfLook:
    """How a report PDF is set. ``PdfLook()`` is the clean look; :meth:`sample` draws
    what real ones vary: body text up to 16 pt (三号, the 公文 size: ~28 characters a
    line, so tables break across pages), table text size (labels wrap in their
    column), margins, the page-number style and where it stands (the foot, the head,
    or the outer corner: odd pages right, even pages left)."""

    body_size: float = 11.0
    leading: float = 18.0
    table_size: float = 9.0
    margins: tuple[float, float, float, float] = _MARGINS[0]
    page_mark: str = "- {n} -"
    mark_at: Literal["foot", "head", "outer"] = "foot"

    @classmethod
    def sample(cls, rng: random.Random) -> PdfLook:
        body = rng.choice((11.0, 12.0, 14.0, 16.0, 16.0))
        return cls(
            body_size=body,
            leading=round(body * rng.uniform(1.5, 1.8), 1),
            table_size=rng.choice((9.0, 9.0, 10.0, 10.5)),
            margins=rng.choice(_MARGINS),
            page_mark=rng.choice(_PAGE_MARKS),
            mark_at=rng.choice(("foot", "foot", "outer", "head")),
        )


def _pdf_title(title: list[str], report: Report, width: float) -> list[str]:
    """A one-line title too wide for the page (``width`` characters) broken where
    authors break it: after the agency ("2021年…局" / "政府信息公开…" when the year
    comes first), not wherever the line ends."""
    if len(title) != 1 or len(title[0]) <= width:
        return title
    agency, year = report.get("agency") or "", report.get("year") or ""
    tail = _TITLE_TAIL[1:]  # "政府信息公开工作年度报告"
    if title[0] == f"{year}年{agency}{tail}":
        return [f"{year}年{agency}", tail]
    if title[0] == f"{agency}{year}{_TITLE_TAIL}":
        return [agency, f"{year}{_TITLE_TAIL}"]
    return title


def render_pdf(
    report: Report,
    path: str | Path,
    rng: random.Random | None = None,
    *,
    style: Style | None = None,
    look: PdfLook | None = None,
) -> None:
    """The report as a text PDF: A4, ruled tables with spans that break across pages,
    page numbers; CJK text in an embedded system TrueType font or STSong-Light
    (:func:`pdf_font`). With ``rng`` (and no ``look``) the look is drawn too."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from .render import _wrap  # (render imports this module)

    ctx = _context(rng, "pdf", style)
    rep = _document(report, ctx)
    if look is None:
        look = PdfLook() if rng is None else PdfLook.sample(rng)
    font = pdf_font()
    left, right, top, bottom = look.margins
    frame_width = A4[0] - left - right
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=look.body_size,
        leading=look.leading,
        wordWrap="CJK",
        firstLineIndent=2 * look.body_size,
    )
    head = ParagraphStyle("head", parent=body, firstLineIndent=0, spaceBefore=6)
    title = ParagraphStyle(
        "title", parent=body, fontSize=16, leading=24, alignment=TA_CENTER, firstLineIndent=0
    )

    def esc(text: str) -> str:
        return html.escape(text, quote=False)

    lines = _pdf_title(rep.title, report, frame_width / title.fontSize)
    story: list[Any] = [Paragraph("<br/>".join(esc(t) for t in lines), title), Spacer(1, 8)]
    story.append(Paragraph(esc(rep.basis + rep.period), body))
    for heading, paragraphs, grid in rep.sections:
        story.append(Paragraph(esc(heading), head))
        story += [Paragraph(esc(p), body) for p in paragraphs]
        if grid is None:
            continue
        # The table's text size: the look's, or less where the table would not fit.
        size = min(look.table_size, (frame_width - 6 * grid.ncols) / sum(grid.widths))
        widths = [w * size + 6 for w in grid.widths]
        data: list[list[Any]] = [[""] * grid.ncols for _ in range(grid.nrows)]
        commands: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), size),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("LEADING", (0, 0), (-1, -1), size + 2),
        ]
        for cell in grid.cells:
            if cell.kind == "value":
                data[cell.row][cell.col] = cell.text
            else:
                # Labels wrapped to their cell's width as Word wraps them (no line starts
                # with a closing mark), drawn as plain lines: a Paragraph per cell cost
                # half of a PDF's rendering time.
                room = (sum(widths[cell.col : cell.col + cell.colspan]) - 4) / size - 0.5
                lines = [x for part in cell.parts or [cell.text] for x in _wrap(part, room)]
                data[cell.row][cell.col] = "\n".join(lines)
            if cell.rowspan > 1 or cell.colspan > 1:
                end = (cell.col + cell.colspan - 1, cell.row + cell.rowspan - 1)
                commands.append(("SPAN", (cell.col, cell.row), end))
        story.append(Table(data, colWidths=widths, style=TableStyle(commands), repeatRows=0))
        story.append(Spacer(1, 6))

    def page_number(canvas: Any, document: Any) -> None:
        n = document.page
        mark = look.page_mark.format(n=n)
        canvas.saveState()
        canvas.setFont(font, 10.5 if look.mark_at == "outer" else 10)
        if look.mark_at == "outer":
            y = bottom / 2
            if n % 2:
                canvas.drawRightString(A4[0] - right, y, mark)
            else:
                canvas.drawString(left, y, mark)
        else:
            y = A4[1] - top / 2 if look.mark_at == "head" else min(28.0, bottom / 2)
            canvas.drawCentredString(A4[0] / 2, y, mark)
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        str(path), pagesize=A4, leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom,
    )  # fmt: skip
    pdf.build(story, onFirstPage=page_number, onLaterPages=page_number)
