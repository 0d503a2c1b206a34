"""DOCX → text as Word shows it: paragraphs and tables in document order.

python-docx opens the package; the body is then read straight from its XML, because
python-docx's ``paragraph.text`` and ``cell.text`` skip text Word does show: runs inside
tracked insertions (``w:ins``, ``w:moveTo``), smart tags, content controls (``w:sdt``,
also one wrapping a whole cell or row), custom XML and simple fields. What Word does not
show is left out: tracked deletions (``w:del``, ``w:moveFrom``, deleted table rows),
field codes, the fallback copy of alternate content, and a content control's placeholder
prompt. Tables come out one line per row, ``| a | b |  |``: one entry per ``w:tc`` (a
horizontal merge once), a vertical-merge continuation as a blank cell, blank cells empty,
so every cell keeps its position. A table holding other tables is page layout: its cells
are read as blocks, and the tables inside come out as tables.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING

import docx
from docx.oxml.ns import qn

from .errors import Problem as _Problem
from .errors import describe as _describe
from .html import pipe_row, squash

if TYPE_CHECKING:
    from lxml.etree import _Element

__all__ = ["docx_text"]

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

_P, _TBL, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_SDT, _SDT_CONTENT, _SDT_PR = qn("w:sdt"), qn("w:sdtContent"), qn("w:sdtPr")
_CUSTOM_XML = qn("w:customXml")
_T, _TAB, _BR, _CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_NO_BREAK_HYPHEN = qn("w:noBreakHyphen")
_TXBX = qn("w:txbxContent")
# Elements (and their subtrees) whose text Word does not show in the document body.
_HIDDEN = frozenset(
    {
        qn("w:del"),  # tracked deletion (its text is w:delText, but runs may carry w:t)
        qn("w:moveFrom"),  # tracked move: the old place
        qn("w:rPr"),
        qn("w:pPr"),
        qn("w:tcPr"),
        qn("w:trPr"),
        qn("w:tblPr"),
        _SDT_PR,
        qn("w:sdtEndPr"),
        qn("w:instrText"),  # field codes
        f"{{{_MC}}}Fallback",  # alternate content: the Choice is what Word shows
    }
)
_ROW_DELETED = qn("w:del")


# The largest XML part read: a whole annual report's document.xml is a few MB. A part
# that inflates past this is a zip bomb (kilobytes on disk, gigabytes in lxml's tree)
# that would take the run's memory, not a report.
MAX_XML_PART = 100 * 1024 * 1024


def docx_text(raw: bytes) -> str:
    """Body paragraphs and tables in document order, as Word shows them."""
    _refuse_bombs(raw)
    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:
        raise _Problem(f"corrupt .docx: {_describe(exc)}") from exc
    lines = list(_blocks(document.element.body))
    if not any(line.strip() for line in lines):
        raise _Problem("no text found in the .docx")
    return "\n".join(lines)


def _refuse_bombs(raw: bytes) -> None:
    """Raise when an XML part of the package says it inflates past MAX_XML_PART (zipfile
    never returns more than a member's stated size)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # python-docx names what is wrong with it
    for member in members:
        if member.filename.endswith((".xml", ".rels")) and member.file_size > MAX_XML_PART:
            raise _Problem(
                f"{member.filename} inflates to {member.file_size / 2**20:,.0f} MB"
                f" ({member.compress_size / 2**20:,.1f} MB packed): too large for a report"
                " (a zip bomb?)"
            )


def _blocks(container: _Element) -> Iterator[str]:
    """Lines of a block container: body, cell, content control, text box."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == _P:
            text, boxes = _paragraph(child)
            yield text
            for box in boxes:
                yield from _blocks(box)
        elif tag == _TBL:
            yield from _table(child)
        elif tag == _SDT:
            if not _showing_placeholder(child):
                for content in child.iterchildren(_SDT_CONTENT):
                    yield from _blocks(content)
        elif tag == _CUSTOM_XML:
            yield from _blocks(child)


def _showing_placeholder(sdt: _Element) -> bool:
    """A content control still showing its prompt ("单击此处输入文字") holds no text."""
    pr = sdt.find(_SDT_PR)
    return pr is not None and pr.find(qn("w:showingPlcHdr")) is not None


def _paragraph(p: _Element) -> tuple[str, list[_Element]]:
    """The text of a paragraph, and the text boxes anchored in it (read after it)."""
    parts: list[str] = []
    boxes: list[_Element] = []

    def walk(element: _Element) -> None:
        for child in element.iterchildren():
            tag = child.tag
            if tag == _T:
                parts.append(child.text or "")
            elif tag == _TAB:
                parts.append("\t")
            elif tag in (_BR, _CR):
                parts.append("\n")
            elif tag == _NO_BREAK_HYPHEN:
                parts.append("-")
            elif tag == _TXBX:
                boxes.append(child)
            elif tag == _SDT and _showing_placeholder(child):
                continue
            elif tag not in _HIDDEN and isinstance(tag, str):
                walk(child)  # runs, w:ins, w:smartTag, w:sdt, w:hyperlink, w:fldSimple, …

    walk(p)
    return "".join(parts), boxes


def _rows(tbl: _Element) -> Iterator[_Element]:
    """The rows of a table, also those wrapped in content controls or custom XML."""
    for child in tbl.iterchildren():
        if child.tag == _TR:
            trpr = child.find(qn("w:trPr"))
            if trpr is None or trpr.find(_ROW_DELETED) is None:  # a deleted row is gone
                yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            for content in _wrapped(child):
                yield from _rows(content)


def _cells(tr: _Element) -> Iterator[_Element]:
    """The cells of a row in order, also a cell wrapped in a content control."""
    for child in tr.iterchildren():
        if child.tag == _TC:
            yield child
        elif child.tag in (_SDT, _CUSTOM_XML):
            for content in _wrapped(child):
                yield from _cells(content)


def _wrapped(element: _Element) -> list[_Element]:
    """What a content control or custom-XML wrapper holds."""
    if element.tag == _SDT:
        return list(element.iterchildren(_SDT_CONTENT))
    return [element]


def _continues_merge(tc: _Element) -> bool:
    """Whether a cell continues a vertical merge (``<w:vMerge/>`` without "restart")."""
    pr = tc.find(qn("w:tcPr"))
    merge = pr.find(qn("w:vMerge")) if pr is not None else None
    return merge is not None and merge.get(qn("w:val"), "continue") == "continue"


def _table(tbl: _Element) -> Iterator[str]:
    if _holds_table(tbl):  # page layout: read every cell as blocks
        for tr in _rows(tbl):
            for tc in _cells(tr):
                if not _continues_merge(tc):
                    yield from _blocks(tc)
        return
    for tr in _rows(tbl):
        cells = ["" if _continues_merge(tc) else squash(" ".join(_blocks(tc))) for tc in _cells(tr)]
        yield pipe_row(cells)


def _holds_table(tbl: _Element) -> bool:
    return tbl.find(f".//{_TBL}") is not None
