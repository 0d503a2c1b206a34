"""Turn one input file (txt/md, html, docx, pdf, doc) into text for the parser.

One module per format: `text` (encodings), `html`, `docx`, `pdf`, `doc` (Word 97 .doc and
WPS .wps, through wvWare's HTML). Tables from HTML, DOCX, PDF and .doc come out one line per row in pipe form, ``| a | b |  |``, merged cells once (spans
are not expanded), blank cells empty. Every text is folded once here (`fold.fold_text`:
Kangxi radicals, compatibility ideographs, full-width digits, zero-width characters).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from .doc import doc_html
from .docx import docx_text
from .errors import ExtractError, Problem, describe
from .fold import fold_text, glyph_garbage
from .html import html_text
from .pdf import NO_TEXT_LAYER_REASON, PDF_ENGINES, pdf_text
from .text import BINARY_REASON, EMPTY_REASON, decode

__all__ = [
    "BINARY_REASON",
    "EMPTY_REASON",
    "NO_TEXT_LAYER_REASON",
    "PDF_ENGINES",
    "SUFFIXES",
    "Document",
    "ExtractError",
    "decode_bytes",
    "disguise",
    "fold_text",
    "glyph_garbage",
    "pdf_text",
    "read_document",
    "reread_pdf",
]

KINDS_BY_SUFFIX = {
    ".txt": "txt",
    ".md": "txt",  # OCR output as Markdown: text with pipe tables
    ".markdown": "txt",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
# The suffixes `nianbao parse` and `nianbao ingest` of a folder take. A .doc or .wps is
# read by its bytes: Word's binary format (OLE2) through wvWare, a Word web page saved
# as .doc as HTML, RTF refused with a reason.
SUFFIXES = frozenset(KINDS_BY_SUFFIX) | {".doc", ".wps"}

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
RTF_REASON = "RTF is not supported; convert it to .docx"


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
    # What the file says about itself apart from its text (HTML meta tags, <title>):
    # keys title, published, url, agency, page_title (see `html.page_tags`).
    page: dict[str, str] = field(default_factory=dict)


def read_document(path: str | Path, *, pdf_engine: str = "pdfium") -> Document:
    """Read ``path`` and extract its text; raise ExtractError for anything unusable.

    PDFs are read with ``pdf_engine``: "pdfium" (one pass, ruled tables as pipe rows;
    what a run uses) or "pdfplumber" (pdfminer's layout text, for comparisons); see
    `extract.pdf`. A PDF
    whose text layer is glyph garbage (fonts without a Unicode map) is refused with that
    reason.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ExtractError(name, f"cannot read file: {exc.strerror or exc}") from exc
    sha256 = hashlib.sha256(raw).hexdigest()
    suffix = Path(path).suffix.lower()
    try:
        kind = _kind(suffix, raw)
        text, encoding, page = _extract(kind, raw, pdf_engine)
    except Problem as problem:
        reason = problem.reason
        if reason == BINARY_REASON and suffix in (".doc", ".wps"):
            reason = f"not a Word 97 {suffix} file (no OLE2 header) nor text: binary data"
        raise ExtractError(name, reason, place=problem.place, raw=raw, sha256=sha256) from problem
    except Exception as exc:  # a library choking on bad input must still name the file
        reason = f"cannot extract text: {describe(exc)}"
        raise ExtractError(name, reason, raw=raw, sha256=sha256) from exc
    return Document(
        path=name,
        kind=kind,
        text=text,
        encoding=encoding,
        sha256=sha256,
        raw=raw,
        extractor=pdf_engine if kind == "pdf" else None,
        page=page,
    )


def _extract(kind: str, raw: bytes, pdf_engine: str) -> tuple[str, str | None, dict[str, str]]:
    """The folded text, the encoding (text kinds) and the page's own metadata."""
    if kind == "pdf":
        return _pdf(raw, pdf_engine), None, {}
    if kind == "docx":
        return fold_text(docx_text(raw)), None, {}
    if kind == "html":
        text, encoding, page = html_text(raw)
    elif kind == "doc":  # Word 97 .doc / WPS .wps: wvWare's HTML, read as HTML
        text, _, page = html_text(doc_html(raw))
        encoding = None
    else:
        text, encoding = decode(raw)
        return fold_text(text), encoding, {}
    return fold_text(text), encoding, {k: fold_text(v) for k, v in page.items()}


def _pdf(raw: bytes, engine: str) -> str:
    text = pdf_text(raw, engine)
    garbage = glyph_garbage(text)
    if garbage:
        raise Problem(garbage)
    return fold_text(text)


def reread_pdf(doc: Document, engine: str) -> Document:
    """The same PDF document with its text extracted by another engine."""
    try:
        text = _pdf(doc.raw, engine)
    except Problem as problem:
        raise ExtractError(
            doc.path, problem.reason, problem.place, doc.raw, doc.sha256
        ) from problem
    return replace(doc, text=text, extractor=engine)


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (BOM aware), then GB18030, then charset-normalizer.

    Returns ``(text, encoding)`` with newlines normalised to ``\\n`` and the text folded
    (`fold.fold_text`). Raises ExtractError (path ``<bytes>``) for empty input or
    binary junk.
    """
    try:
        text, encoding = decode(raw)
    except Problem as problem:
        raise ExtractError("<bytes>", problem.reason, place=problem.place, raw=raw) from problem
    return fold_text(text), encoding


# --- kind -----------------------------------------------------------------------------


def _kind(suffix: str, raw: bytes) -> str:
    """The kind from the suffix, unless unambiguous magic bytes say otherwise.

    A file of a binary format (.pdf, .docx) that holds an HTML page instead (a server's
    error or login page, or the report's web page, saved under the attachment's name) is
    read as the HTML it is; empty files are refused here, whatever their suffix.
    """
    head = raw[:1024].lstrip()
    if not head and not raw.strip():
        raise Problem(EMPTY_REASON)
    if raw.startswith(OLE_MAGIC):
        return "doc"  # .doc, .wps; extract.doc refuses OLE2 files that are not Word
    if b"%PDF" in raw[:1024]:
        return "pdf"
    if raw.startswith(b"PK") and _is_docx_zip(raw):
        return "docx"
    if suffix in KINDS_BY_SUFFIX and not (suffix in BINARY_SUFFIXES and _is_html(raw)):
        return KINDS_BY_SUFFIX[suffix]
    if head.startswith(b"{\\rtf"):
        raise Problem(RTF_REASON)
    if _is_html(raw):
        return "html"
    return "txt"


BINARY_SUFFIXES = frozenset({".pdf", ".docx"})


def _is_html(raw: bytes) -> bool:
    lowered = raw[:4096].lower()
    return any(tag in lowered for tag in (b"<html", b"<!doctype html", b"<table", b"<body"))


def disguise(doc: Document) -> str | None:
    """What a file is when its suffix says otherwise (an HTML page named .pdf): a phrase
    for warnings and errors, with the page's <title> when it has one; else None."""
    suffix = Path(doc.path).suffix.lower()
    if suffix not in BINARY_SUFFIXES or KINDS_BY_SUFFIX[suffix] == doc.kind:
        return None
    title = doc.page.get("page_title")
    return f"the {suffix} file is an HTML page" + (f" titled '{title}'" if title else "")


def _is_docx_zip(raw: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
