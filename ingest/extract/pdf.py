"""PDF → text (pypdfium2; pdfplumber as the layout engine)."""

from __future__ import annotations

import io

import pdfplumber
import pypdfium2 as pdfium

from .errors import Problem as _Problem
from .errors import describe as _describe

__all__ = ["NO_TEXT_LAYER_REASON", "PDF_ENGINES", "pdf_text"]

NO_TEXT_LAYER_REASON = "no text layer (scanned PDF?); OCR it first"


PDF_ENGINES = ("pdfium", "pdfplumber")


def pdf_text(raw: bytes, engine: str = "pdfium") -> str:
    """The text of every page joined by newlines.

    "pdfium" gives each page's text in content-stream order (pypdfium2, C, ~20× faster);
    "pdfplumber" rebuilds lines from character positions (pdfminer, pure Python), which
    keeps a wrapped table label next to its numbers in more layouts.
    """
    if engine not in PDF_ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}; choose from {PDF_ENGINES}")
    try:
        pages = _pdfium_pages(raw) if engine == "pdfium" else _pdfplumber_pages(raw)
    except Exception as exc:
        if engine == "pdfium":  # pdfminer reads some damaged files that pdfium refuses
            return pdf_text(raw, "pdfplumber")
        raise _Problem(f"cannot read PDF: {_describe(exc)}") from exc
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
            text = textpage.get_text_bounded()
            textpage.close()
            page.close()
            pages.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    finally:
        pdf.close()
    return pages


def _pdfplumber_pages(raw: bytes) -> list[str]:
    pages: list[str] = []
    with pdfplumber.open(io.BytesIO(raw)) as pdf:
        for page in pdf.pages:
            pages.append(page.extract_text() or "")
            page.close()  # frees the page's cached objects; matters for long files
    return pages
