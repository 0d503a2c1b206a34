"""HTML → text: blocks become lines, data tables become pipe rows, the page's own
metadata (meta tags, <title>) is kept apart from the text."""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from lxml import etree

from .errors import Problem as _Problem
from .text import EMPTY_REASON
from .text import decode as _decode
from .text import reject_binary as _reject_binary

if TYPE_CHECKING:
    from lxml.etree import _Element

__all__ = ["html_text", "page_tags", "pipe_row", "squash"]

# Declared HTML charsets that are subsets of GB18030; pages declaring gb2312 often hold GBK.
GB_ALIASES = frozenset({"gb2312", "gbk", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "gb18030"})

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


def html_text(raw: bytes) -> tuple[str, str, dict[str, str]]:
    """Decode by the declared charset (else by guessing) and flatten to lines.

    Returns the text, the encoding and the page's own metadata (`page_tags`).
    """
    if not raw.strip():
        raise _Problem(EMPTY_REASON)
    text, encoding = _decode_html(raw)
    # lxml.etree's elements, not lxml.html's: the same tree from the same libxml2 parser,
    # without a Python class lookup for every element the walk touches.
    parser = etree.HTMLParser(encoding="utf-8")
    root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    if root is None:
        raise etree.ParserError("Document is empty")  # as lxml.html.document_fromstring
    lines = _HtmlLines().run(root)
    if not lines:
        raise _Problem("no text found in the HTML")
    return "\n".join(lines), encoding, page_tags(root)


# The meta tags Chinese government sites carry by rule (GB/T and the State Council's
# site guidelines: ArticleTitle, PubDate, ContentSource, Url …) and the common
# Open Graph / Dublin Core ones, by what they give, best first.
_TAG_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("articletitle", "og:title", "dc.title"),
    "published": (
        "pubdate",
        "publishdate",
        "firstpublishedtime",
        "dc.date",
        "article:published_time",
    ),
    "url": ("url", "og:url"),
    "agency": ("contentsource", "dc.publisher"),
}


def page_tags(root: _Element) -> dict[str, str]:
    """The page's metadata: keys ``title``, ``published``, ``url``, ``agency`` (from
    the meta tags, see _TAG_KEYS), ``page_title`` (``<title>``), each only when present
    and non-empty; values as the page writes them, whitespace squashed."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = squash(meta.get("content") or "")
        if name and content:
            found.setdefault(name, content)
    out = {
        key: value
        for key, names in _TAG_KEYS.items()
        if (value := next((found[n] for n in names if n in found), None))
    }
    if "url" not in out:
        canonical = next(iter(root.xpath("//link[@rel='canonical']/@href")), None)
        if canonical:
            out["url"] = squash(str(canonical))
    title = next(iter(root.iter("title")), None)
    if title is not None and squash(_text_content(title)):
        out["page_title"] = squash(_text_content(title))
    return out


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


def squash(text: str) -> str:
    """Collapse all whitespace (including &nbsp; and U+3000) to single spaces."""
    return " ".join(text.split())


def pipe_row(cells: list[str]) -> str:
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
        line = squash("".join(self.buffer))
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
            for line in _text_content(element).replace("\r\n", "\n").split("\n"):
                if line.strip():
                    self.lines.append(line.rstrip())
            return
        # A table holding other tables is page layout, not data: read it as blocks.
        if tag == "table" and not _INNER_TABLE(element):
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


# Compiled once (``element.xpath`` compiles its expression on every call).
_INNER_TABLE = etree.XPath(".//table")
_CAPTIONS = etree.XPath("./caption")
_TABLE_ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
_ROW_CELLS = etree.XPath("./td | ./th")
# lxml.html's ``text_content()``: the string value of the element.
_text_content = etree.XPath("string()", smart_strings=False)


def _html_table_lines(table: _Element) -> list[str]:
    lines = [_cell_text(caption) for caption in _CAPTIONS(table)]
    for row in _TABLE_ROWS(table):
        cells = [_cell_text(cell) for cell in _ROW_CELLS(row)]
        if cells:
            lines.append(pipe_row(cells))
    return [line for line in lines if line]


def _cell_text(element: _Element) -> str:
    """Text of a cell, with <br> and block boundaries as spaces, whitespace squashed."""
    if not len(element):  # no child elements: the text alone (most cells)
        return squash(element.text or "")
    parts: list[str] = []
    _cell_parts(element, parts)
    return squash("".join(parts))


def _cell_parts(node: _Element, parts: list[str]) -> None:
    tag = node.tag.lower() if isinstance(node.tag, str) else None
    if tag is None or tag in _DROP_TAGS:
        return
    if tag == "br" or tag in _BLOCK_TAGS:
        parts.append(" ")
    parts.append(node.text or "")
    for child in node:
        _cell_parts(child, parts)
        parts.append(child.tail or "")
    if tag in _BLOCK_TAGS:
        parts.append(" ")
