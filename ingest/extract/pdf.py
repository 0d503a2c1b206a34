"""PDF → text in one pdfium pass: running text in pdfium's order, ruled tables as pipe rows.

A page's ruling lines (its path objects) are read from pdfium along with its text. Rules
that cross each other form a table; each band between two horizontal rules is a row and
the vertical rules crossing that band cut it into cells. A cell's text is pdfium's text
inside the cell's rectangle, so a wrapped or stacked label comes out whole, and an empty
cell comes out as an empty cell: ``| 一、本年新收… | 95 |  | 0 |``. A cell merged across
rows (no rule between them) is read once, in its first row, and is empty in the rows it
covers, as the DOCX reader prints a vertically merged cell. Text outside tables keeps
pdfium's own line order.

A page is read as plain pdfium text, as before, when it has no ruled table, is rotated,
holds tables beside each other, or has a cell with numbers on more than one line (rows
not separated by rules: the cell rectangle cannot tell them apart).

pdfplumber (pdfminer) is no longer asked at all in a run: re-reading doubtful parses
with it cost ~1 s a PDF, and as a fallback for files pdfium refuses it read none of 200
damaged copies of five PDFs (truncated, bytes flipped, xref or trailer broken) that
pdfium could not. It stays available by name (``engine="pdfplumber"``) to compare
readings in tests.
"""

from __future__ import annotations

import bisect
import ctypes
import io
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from .errors import Problem as _Problem
from .errors import describe as _describe

__all__ = ["NO_TEXT_LAYER_REASON", "PDF_ENGINES", "pdf_text"]

NO_TEXT_LAYER_REASON = "no text layer (scanned PDF?); OCR it first"

PDF_ENGINES = ("pdfium", "pdfplumber")

# Rules closer than this (PDF points) are one rule; spans closer than this touch.
SNAP = 2.0
# A path thinner than this is a rule (a stroked line, or a filled hairline rectangle).
THIN = 2.5
# Cells are read this far inside their rules, so a glyph touching a rule is not read twice.
INSET = 0.5
# Bands lower than this between two rules are a rule's overshoot, not a row.
MIN_ROW = 3.0
# Reading rectangles larger than any page.
FAR = 1.0e5

# (position, start, end): a horizontal rule at y = position from x = start to end, or a
# vertical rule at x = position from y = start to end (PDF user space, y upwards).
Edge = tuple[float, float, float]
# Text inside (left, bottom, right, top).
Reader = Callable[[float, float, float, float], str]


def pdf_text(raw: bytes, engine: str = "pdfium") -> str:
    """The text of every page joined by newlines; ruled tables as pipe rows.

    ``engine`` "pdfium" (the default, the only one a run uses) reads text and ruling
    lines in one pass (see the module docstring); "pdfplumber" gives pdfminer's layout
    text, for comparisons. Raises the extract stage's Problem for unreadable files,
    files without pages, and files without a text layer.
    """
    if engine not in PDF_ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}; choose from {PDF_ENGINES}")
    try:
        pages = _pdfium_pages(raw) if engine == "pdfium" else _pdfplumber_pages(raw)
    except Exception as exc:
        # A download cut short lacks the end-of-file marker every complete PDF ends with.
        if b"%PDF" not in raw[:1024]:
            raise _Problem("not a PDF: no %PDF header in its first 1,024 bytes") from exc
        cut = "" if b"%%EOF" in raw[-4096:] else " (cut off? no %%EOF at its end)"
        raise _Problem(f"cannot read PDF{cut}: {_describe(exc)}") from exc
    if not pages:
        raise _Problem("PDF has no pages")
    if not any(text.strip() for text in pages):
        raise _Problem(NO_TEXT_LAYER_REASON, f"pages 1-{len(pages)}")
    return "\n".join(pages)


def _pdfium_pages(raw: bytes) -> list[str]:
    pages: list[str] = []
    pdf = pdfium.PdfDocument(raw)
    try:
        for page in pdf:
            textpage = page.get_textpage()
            try:
                text = _page_text(page, textpage)
            finally:
                textpage.close()
                page.close()
            pages.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    finally:
        pdf.close()
    return pages


def _pdfplumber_pages(raw: bytes) -> list[str]:
    import pdfplumber  # only on request: a run never imports pdfminer

    pages: list[str] = []
    with pdfplumber.open(io.BytesIO(raw)) as pdf:
        for page in pdf.pages:
            pages.append(page.extract_text() or "")
            page.close()  # frees the page's cached objects; matters for long files
    return pages


# --- one page ----------------------------------------------------------------------------


class _Bounded:
    """pdfium's text inside a rectangle, into one buffer allocated per page."""

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.raw = textpage.raw
        # Bounded text is the page's characters plus the line breaks pdfium inserts.
        self.size = 3 * max(pdfium_c.FPDFText_CountChars(textpage.raw), 0) + 64
        self.buffer = (ctypes.c_ushort * self.size)()

    def __call__(self, left: float, bottom: float, right: float, top: float) -> str:
        n = pdfium_c.FPDFText_GetBoundedText(
            self.raw, left, top, right, bottom, self.buffer, self.size
        )
        if n <= 0:
            return ""
        text = ctypes.string_at(self.buffer, 2 * n).decode("utf-16-le", errors="replace")
        return text.rstrip("\x00").replace("\r\n", "\n").replace("\r", "\n")


def _page_text(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> str:
    """One page: running text and table rows from top to bottom."""
    if page.get_rotation() % 360:
        return textpage.get_text_bounded()
    horizontal, vertical = _rules(page)
    tables = _tables(horizontal, vertical) if horizontal and vertical else []
    if not tables:
        return textpage.get_text_bounded()
    read = _Bounded(textpage)
    tables.sort(key=lambda t: -t.top)
    if any(a.bottom < b.top - SNAP for a, b in itertools.pairwise(tables)):
        return textpage.get_text_bounded()  # side by side: no single reading order
    parts: list[str] = []
    above = FAR
    for table in tables:
        rows = _table_rows(table, read)
        if rows is None:
            return textpage.get_text_bounded()
        parts.append(read(-FAR, table.top, FAR, above))
        parts.append(read(-FAR, table.bottom, table.left, table.top))
        parts.append(read(table.right, table.bottom, FAR, table.top))
        parts.append("\n".join(rows))
        above = table.bottom
    parts.append(read(-FAR, -FAR, FAR, above))
    return "\n".join(p.strip("\n") for p in parts if p.strip())


# --- ruling lines ------------------------------------------------------------------------


def _rules(page: pdfium.PdfPage) -> tuple[list[Edge], list[Edge]]:
    """The page's horizontal and vertical rules, snapped and joined."""
    horizontal: list[Edge] = []
    vertical: list[Edge] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    get_object, get_type = pdfium_c.FPDFPage_GetObject, pdfium_c.FPDFPageObj_GetType
    path_type = pdfium_c.FPDF_PAGEOBJ_PATH
    handle = page.raw
    for k in range(pdfium_c.FPDFPage_CountObjects(handle)):
        obj = get_object(handle, k)
        if get_type(obj) != path_type:
            continue
        pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        flat, narrow = y1 - y0 < THIN, x1 - x0 < THIN
        if flat and not narrow:
            horizontal.append(((y0 + y1) / 2, x0, x1))
        elif narrow and not flat:
            vertical.append(((x0 + x1) / 2, y0, y1))
        elif not flat and pdfium_c.FPDFPath_CountSegments(obj) <= 5:
            # A stroked rectangle draws four rules; a filled one is shading, not a rule.
            pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
            if stroke.value:
                horizontal += [(y0, x0, x1), (y1, x0, x1)]
                vertical += [(x0, y0, y1), (x1, y0, y1)]
    return _join(horizontal), _join(vertical)


def _join(edges: list[Edge]) -> list[Edge]:
    """Rules at positions within SNAP become one position; touching spans one span."""
    groups: list[list[Edge]] = []
    for edge in sorted(edges):
        if groups and edge[0] - groups[-1][-1][0] <= SNAP:
            groups[-1].append(edge)
        else:
            groups.append([edge])
    out: list[Edge] = []
    for group in groups:
        pos = sum(e[0] for e in group) / len(group)
        spans = sorted((a, b) for _, a, b in group)
        start, end = spans[0]
        for a, b in spans[1:]:
            if a > end + SNAP:
                out.append((pos, start, end))
                start = a
            end = max(end, b)
        out.append((pos, start, end))
    return out


@dataclass
class _Table:
    """Rules that cross one another, and their bounding box."""

    horizontal: list[Edge]
    vertical: list[Edge]
    left: float = field(init=False)
    right: float = field(init=False)
    bottom: float = field(init=False)
    top: float = field(init=False)

    def __post_init__(self) -> None:
        self.left = min(min(x for x, _, _ in self.vertical), min(a for _, a, _ in self.horizontal))
        self.right = max(max(x for x, _, _ in self.vertical), max(b for _, _, b in self.horizontal))
        self.bottom = min(
            min(y for y, _, _ in self.horizontal), min(a for _, a, _ in self.vertical)
        )
        self.top = max(max(y for y, _, _ in self.horizontal), max(b for _, _, b in self.vertical))


def _tables(horizontal: list[Edge], vertical: list[Edge]) -> list[_Table]:
    """Groups of crossing rules with at least two rules each way and two cells."""
    n = len(horizontal)
    parent = list(range(n + len(vertical)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_x = sorted(range(len(vertical)), key=lambda j: vertical[j][0])
    xs = [vertical[j][0] for j in by_x]
    for i, (y, x0, x1) in enumerate(horizontal):
        for k in range(bisect.bisect_left(xs, x0 - SNAP), bisect.bisect_right(xs, x1 + SNAP)):
            j = by_x[k]
            if vertical[j][1] - SNAP <= y <= vertical[j][2] + SNAP:
                parent[root(i)] = root(n + j)
    groups: dict[int, list[int]] = {}
    for i in range(len(parent)):
        groups.setdefault(root(i), []).append(i)
    tables = []
    for members in groups.values():
        hs = [horizontal[i] for i in members if i < n]
        vs = [vertical[i - n] for i in members if i >= n]
        # A frame (one box) is not a table: a page border or a boxed note.
        if len(hs) >= 2 and len(vs) >= 2 and len(hs) + len(vs) > 4:
            tables.append(_Table(hs, vs))
    return tables


# --- a table's rows ----------------------------------------------------------------------


@dataclass
class _Cell:
    left: float
    bottom: float
    right: float
    top: float


def _positions(values: Iterable[float]) -> list[float]:
    out: list[float] = []
    for x in sorted(values):
        if not out or x - out[-1] > SNAP:
            out.append(x)
    return out


def _ruled(spans: Sequence[tuple[float, float]], start: float, end: float) -> bool:
    """Does one of a rule's spans cover start..end?"""
    return any(a - SNAP <= start and end <= b + SNAP for a, b in spans)


def _band_columns(table: _Table, top: float, bottom: float, read: Reader) -> list[float]:
    """Where the vertical rules crossing this band cut it (with the table's edges when
    text sits beyond the outermost rule)."""
    xs = _positions(x for x, y0, y1 in table.vertical if y0 - SNAP <= bottom and y1 + SNAP >= top)
    if not xs or (xs[0] > table.left + SNAP and read(table.left, bottom, xs[0], top).strip()):
        xs.insert(0, table.left)
    if xs[-1] < table.right - SNAP and read(xs[-1], bottom, table.right, top).strip():
        xs.append(table.right)
    if len(xs) < 2:
        xs = [table.left, table.right]
    return xs


def _table_rows(table: _Table, read: Reader) -> list[str] | None:
    """Pipe rows, top to bottom; None when a cell holds numbers on several lines."""
    # The outer vertical rules bound the table where a page break left no horizontal rule.
    ys = _positions([*(y for y, _, _ in table.horizontal), table.top, table.bottom])[::-1]
    spans = {y: [(a, b) for p, a, b in table.horizontal if abs(p - y) <= SNAP] for y in ys}
    rows: list[list[_Cell | None]] = []
    cells: list[_Cell] = []
    above: list[tuple[float, float, _Cell]] = []
    for top, bottom in itertools.pairwise(ys):
        if top - bottom < MIN_ROW:
            continue
        xs = _band_columns(table, top, bottom, read)
        row: list[_Cell | None] = []
        here: list[tuple[float, float, _Cell]] = []
        for left, right in itertools.pairwise(xs):
            mid = (left + right) / 2
            owner = None
            if not _ruled(spans[top], left, right):
                owner = next((c for a, b, c in above if a - SNAP <= mid <= b + SNAP), None)
            if owner is None:
                owner = _Cell(left, bottom, right, top)
                cells.append(owner)
                row.append(owner)
            else:
                owner.bottom = bottom  # merged with the cell above: read once, in its first row
                row.append(None)
            here.append((left, right, owner))
        above = here
        rows.append(row)
    texts: dict[int, str] = {}
    for cell in cells:
        text = _cell_text(
            read(cell.left + INSET, cell.bottom + INSET, cell.right - INSET, cell.top - INSET)
        )
        if text is None:
            return None
        texts[id(cell)] = text
    return [
        "| " + " | ".join("" if c is None else texts[id(c)] for c in row) + " |" for row in rows
    ]


_NUMBER_LINE = re.compile(r"[-+]?\d[\d,.]*\s*[%％]?")
_LATIN_END = re.compile(r"[A-Za-z]$")
_LATIN_START = re.compile(r"^[A-Za-z]")


def _cell_text(text: str) -> str | None:
    """A cell's lines as one line; None when two or more of its lines are numbers."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if sum(1 for line in lines if _NUMBER_LINE.fullmatch(line)) >= 2:
        return None
    out = ""
    for line in lines:
        if out and _LATIN_END.search(out) and _LATIN_START.match(line):
            out += " "
        out += line.replace("|", "｜")
    return out
