"""Turn one input file (txt, html, docx, pdf) into text for the parser.

Tables from HTML and DOCX come out one line per row in pipe form, ``| a | b |  |``,
merged cells once (spans are not expanded), blank cells empty.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import docx
import lxml.html
from charset_normalizer import from_bytes
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from .errors import ExtractError
from .errors import Problem as _Problem
from .errors import describe as _describe
from .pdf import pdf_text

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from lxml.etree import _Element

__all__ = ["Document", "ExtractError", "decode_bytes", "pdf_text", "read_document", "reread_pdf"]

KINDS_BY_SUFFIX = {
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
OLD_DOC_REASON = "old binary .doc is not supported; convert it to .docx"
RTF_REASON = "RTF is not supported; convert it to .docx"
BINARY_REASON = "binary data, not a text report"
EMPTY_REASON = "empty file"

# Control characters a text report may legitimately hold: tab, newlines, form feed
# (page breaks from pdftotext), vertical tab and DOS end-of-file.
ALLOWED_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a")
# Share of offending characters above which decoded text counts as binary junk.
MAX_BAD_SHARE = 0.01
# Declared HTML charsets that are subsets of GB18030; pages declaring gb2312 often hold GBK.
GB_ALIASES = frozenset({"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "gb18030"})


@dataclass(frozen=True)
class Document:
    """One input file and the text extracted from it."""

    path: str
    kind: str
    text: str
    encoding: str | None
    sha256: str
    raw: bytes = field(repr=False)
    # For PDFs: the text engine that produced `text` (see PDF_ENGINES).
    extractor: str | None = None


def read_document(path: str | Path, *, pdf_engine: str = "pdfium") -> Document:
    """Read ``path`` and extract its text; raise ExtractError for anything unusable.

    PDFs are read with ``pdf_engine``: "pdfium" (fast, content order) or "pdfplumber"
    (slower, lines rebuilt from character positions); see `parse.parse_document`.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ExtractError(name, f"cannot read file: {exc.strerror or exc}") from exc
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        kind = _kind(Path(path).suffix.lower(), raw)
        if kind == "pdf":
            text, encoding = pdf_text(raw, pdf_engine), None
        elif kind == "docx":
            text, encoding = _docx_text(raw), None
        elif kind == "html":
            text, encoding = _html_text(raw)
        else:
            text, encoding = _decode(raw)
    except _Problem as problem:
        raise ExtractError(
            name, problem.reason, place=problem.place, raw=raw, sha256=sha256
        ) from problem
    except Exception as exc:  # a library choking on bad input must still name the file
        reason = f"cannot extract text: {_describe(exc)}"
        raise ExtractError(name, reason, raw=raw, sha256=sha256) from exc
    return Document(
        path=name,
        kind=kind,
        text=text,
        encoding=encoding,
        sha256=sha256,
        raw=raw,
        extractor=pdf_engine if kind == "pdf" else None,
    )


def reread_pdf(doc: Document, engine: str) -> Document:
    """The same PDF document with its text extracted by another engine."""
    try:
        text = pdf_text(doc.raw, engine)
    except _Problem as problem:
        raise ExtractError(
            doc.path, problem.reason, problem.place, doc.raw, doc.sha256
        ) from problem
    return replace(doc, text=text, extractor=engine)


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (BOM aware), then GB18030, then charset-normalizer.

    Returns ``(text, encoding)`` with newlines normalised to ``\\n``. Raises
    ExtractError (path ``<bytes>``) for empty input or binary junk.
    """
    try:
        return _decode(raw)
    except _Problem as problem:
        raise ExtractError("<bytes>", problem.reason, place=problem.place, raw=raw) from problem


# --- kind -----------------------------------------------------------------------------


def _kind(suffix: str, raw: bytes) -> str:
    """The kind from the suffix, unless unambiguous magic bytes say otherwise."""
    head = raw[:1024].lstrip()
    if raw.startswith(OLE_MAGIC):
        raise _Problem(OLD_DOC_REASON)
    if b"%PDF" in raw[:1024]:
        return "pdf"
    if raw.startswith(b"PK") and _is_docx_zip(raw):
        return "docx"
    if suffix in KINDS_BY_SUFFIX:
        return KINDS_BY_SUFFIX[suffix]
    if head.startswith(b"{\\rtf"):
        raise _Problem(RTF_REASON)
    lowered = raw[:4096].lower()
    if any(tag in lowered for tag in (b"<html", b"<!doctype html", b"<table", b"<body")):
        return "html"
    return "txt"


def _is_docx_zip(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


# --- plain text -----------------------------------------------------------------------


def _decode(raw: bytes) -> tuple[str, str]:
    """Decode, reject empty and binary input, normalise newlines."""
    if not raw.strip():
        raise _Problem(EMPTY_REASON)
    text, encoding, offset = _guess(raw)
    _reject_binary(text, encoding, offset)
    # Bytes that were not valid UTF-8 were kept as surrogates to locate them; now mark them.
    text = re.sub("[\udc80-\udcff]", "\ufffd", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _Problem(EMPTY_REASON)
    return text, encoding


def _guess(raw: bytes) -> tuple[str, str, int]:
    """Return text, the codec name, and the length of a stripped byte-order mark."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="surrogateescape"), "utf-8-sig", 3
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            return raw[2:].decode(codec, errors="replace"), codec, 2
    # A few broken bytes (a cut-off download, one bad character) must neither reject the
    # file nor let the other codec turn it into mojibake: accept a codec that decodes nearly
    # all of the non-ASCII text, strictly first.
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec), codec, 0
        except UnicodeDecodeError:
            lenient = raw.decode(codec, errors="surrogateescape")
        broken = sum(1 for ch in lenient if "\udc80" <= ch <= "\udcff")
        wide = sum(1 for ch in lenient if ch > "\x7f") - broken
        if wide >= 20 * broken:
            return lenient, codec, 0
    best = from_bytes(raw).best()
    if best is None:
        raise _Problem(BINARY_REASON, f"byte {_first_offending_byte(raw)}")
    return str(best), best.encoding, 0


def _first_offending_byte(raw: bytes) -> int:
    """The first byte that is neither valid UTF-8 nor an allowed ASCII character."""
    try:
        raw.decode("utf-8")
        first = len(raw)
    except UnicodeDecodeError as exc:
        first = exc.start
    controls = (i for i, byte in enumerate(raw[:first]) if _is_bad(chr(byte)))
    return next(controls, first if first < len(raw) else 0)


# Control characters (Unicode category Cc) other than ALLOWED_CONTROLS, the replacement
# character, and undecodable bytes kept as surrogates: one regex scan, not a per-char loop.
_BAD = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f\ufffd\udc80-\udcff]")


def _is_bad(ch: str) -> bool:
    return _BAD.match(ch) is not None


def _reject_binary(text: str, encoding: str, offset: int) -> None:
    """Raise if the text is mostly not text: any NUL, or too many control/replacement chars."""
    first = _BAD.search(text)
    if first is None:
        return
    if "\x00" not in text and len(_BAD.findall(text)) <= MAX_BAD_SHARE * len(text):
        return
    codec = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM is in `offset`
    try:
        position = offset + len(text[: first.start()].encode(codec, errors="surrogateescape"))
    except (LookupError, UnicodeEncodeError):
        position = offset + first.start()  # the codec cannot say; the character index is close
    raise _Problem(BINARY_REASON, f"byte {position}")


# --- HTML -----------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)|<\?xml[^>]*encoding\s*=\s*["']([a-z0-9_.:\-]+)""",
    re.IGNORECASE,
)
_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "div", "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p",
        "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip


def _html_text(raw: bytes) -> tuple[str, str]:
    """Decode by the declared charset (else by guessing) and flatten to lines."""
    if not raw.strip():
        raise _Problem(EMPTY_REASON)
    text, encoding = _decode_html(raw)
    parser = lxml.html.HTMLParser(encoding="utf-8")
    root = lxml.html.document_fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    lines = _HtmlLines().run(root)
    if not lines:
        raise _Problem("no text found in the HTML")
    return "\n".join(lines), encoding


def _decode_html(raw: bytes) -> tuple[str, str]:
    bom = raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    match = None if bom else _META_CHARSET.search(raw[:65536])
    if match:
        declared = (match.group(1) or match.group(2)).decode("ascii").lower()
        codec = "gb18030" if declared in GB_ALIASES else declared
        try:
            name = codecs.lookup(codec).name
            text = raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass  # unknown or wrong declaration: fall back to guessing
        else:
            _reject_binary(text, name, 0)
            return text.replace("\r\n", "\n").replace("\r", "\n"), name
    return _decode(raw)


def _squash(text: str) -> str:
    """Collapse all whitespace (including &nbsp; and U+3000) to single spaces."""
    return " ".join(text.split())


def _pipe_row(cells: list[str]) -> str:
    """Format one table row: ``| a | b |  |``."""
    return "| " + " | ".join(cells) + " |"


class _HtmlLines:
    """Walk an lxml tree; blocks become lines, data tables become pipe rows."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.buffer: list[str] = []

    def run(self, root: _Element) -> list[str]:
        self.walk(root)
        self.flush()
        return self.lines

    def flush(self) -> None:
        line = _squash("".join(self.buffer))
        if line:
            self.lines.append(line)
        self.buffer.clear()

    def walk(self, element: _Element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if tag is None or tag in _DROP_TAGS:
            return  # comments, processing instructions, scripts; the caller keeps the tail
        if tag == "br":
            self.flush()
            return
        if tag == "pre":
            self.flush()
            for line in element.text_content().replace("\r\n", "\n").split("\n"):
                if line.strip():
                    self.lines.append(line.rstrip())
            return
        # A table holding other tables is page layout, not data: read it as blocks.
        if tag == "table" and not element.xpath(".//table"):
            self.flush()
            self.lines.extend(_html_table_lines(element))
            return
        block = tag in _BLOCK_TAGS
        if block:
            self.flush()
        self.buffer.append(element.text or "")
        for child in element:
            self.walk(child)
            self.buffer.append(child.tail or "")
        if block:
            self.flush()


def _html_table_lines(table: _Element) -> list[str]:
    lines = [_squash(_cell_text(caption)) for caption in table.xpath("./caption")]
    for row in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
        cells = [_squash(_cell_text(cell)) for cell in row.xpath("./td | ./th")]
        if cells:
            lines.append(_pipe_row(cells))
    return [line for line in lines if line]


def _cell_text(element: _Element) -> str:
    """Text of a cell, with <br> and block boundaries as spaces."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else None
        if tag is None or tag in _DROP_TAGS:
            return
        if tag == "br" or tag in _BLOCK_TAGS:
            parts.append(" ")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
        if tag in _BLOCK_TAGS:
            parts.append(" ")

    walk(element)
    return "".join(parts)


# --- DOCX -----------------------------------------------------------------------------


def _docx_text(raw: bytes) -> str:
    """Body paragraphs and tables in document order."""
    try:
        document: DocxDocument = docx.Document(io.BytesIO(raw))
    except Exception as exc:
        raise _Problem(f"corrupt .docx: {_describe(exc)}") from exc
    lines = list(_docx_lines(document.element.body, document))
    if not any(line.strip() for line in lines):
        raise _Problem("no text found in the .docx")
    return "\n".join(lines)


def _docx_lines(container: _Element, parent: DocxDocument) -> Iterator[str]:
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent).text
        elif child.tag == qn("w:tbl"):
            table = Table(child, parent)
            for tr in child.tr_lst:
                # One entry per <w:tc>: the same as de-duplicating row.cells by cell._tc,
                # which repeats a gridSpan cell per column; vMerge continuations are blank.
                cells = [
                    "" if tc.vMerge == "continue" else _squash(_Cell(tc, table).text)
                    for tc in tr.tc_lst
                ]
                yield _pipe_row(cells)
        elif child.tag == qn("w:sdt"):
            for content in child.iterchildren(qn("w:sdtContent")):
                yield from _docx_lines(content, parent)
