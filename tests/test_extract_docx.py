"""DOCX text as Word shows it: tracked insertions (not deletions), smart tags, content
controls (also around a whole cell), tables nested in a layout table.

Each test renders a synthetic report to .docx (our own agencies and numbers), rewrites
one part of its XML the way Word writes it, and parses the file end to end.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from ingest.corpus.render import render_docx
from ingest.corpus.synth import truths
from ingest.extract import read_document
from ingest.parse import parse_document

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _truth(seed: int) -> dict[str, Any]:
    """A synthetic report whose 本年新收 row has a nonzero natural-person count."""
    for report in truths(40, seed):
        row = report["applications"]["new_received"]
        if (row.get("natural_person") or 0) >= 2 and report["format"] == "2021":
            return report
    raise AssertionError("no suitable synthetic report")


def _row_with(body: Any, label: str) -> Any:
    """The first <w:tr> whose first cells hold ``label``."""
    for tr in body.iter(qn("w:tr")):
        if any(label in "".join(tc.itertext()) for tc in tr.findall(qn("w:tc"))[:3]):
            return tr
    raise AssertionError(f"no row {label}")


def _value_cells(tr: Any) -> list[Any]:
    """The seven number cells of a table-三 row (the last seven <w:tc>)."""
    return tr.findall(qn("w:tc"))[-7:]


def _docx(tmp_path: Path, report: dict[str, Any], change: Callable[[Any], None]) -> Path:
    path = tmp_path / "report.docx"
    render_docx(report, path, random.Random(1))
    document = docx.Document(str(path))
    change(document.element.body)
    document.save(str(path))
    return path


def _parse(path: Path) -> dict[str, Any]:
    return parse_document(read_document(path))[0]


def _run(text: str, tag: str = "w:t") -> Any:
    r = OxmlElement("w:r")
    t = OxmlElement(tag)
    t.text = text
    r.append(t)
    return r


def _set_runs(tc: Any, *children: Any) -> None:
    """Replace the runs of a cell's paragraph with ``children``."""
    p = tc.find(qn("w:p"))
    for r in p.findall(qn("w:r")):
        p.remove(r)
    for child in children:
        p.append(child)


def test_tracked_insertion_is_read_and_tracked_deletion_is_not(tmp_path: Path) -> None:
    report = _truth(seed=11)
    want = report["applications"]["new_received"]["natural_person"]
    old = want + 7  # the number before the change, still in the file as w:delText

    def change(body: Any) -> None:
        tc = _value_cells(_row_with(body, "本年新收"))[0]
        deleted, inserted = OxmlElement("w:del"), OxmlElement("w:ins")
        for mark in (deleted, inserted):
            mark.set(qn("w:id"), "71")
            mark.set(qn("w:author"), "审核")
            mark.set(qn("w:date"), "2024-02-03T10:00:00Z")
        deleted.append(_run(str(old), "w:delText"))
        inserted.append(_run(str(want)))
        _set_runs(tc, deleted, inserted)

    path = _docx(tmp_path, report, change)
    assert docx.Document(str(path)).tables  # python-docx alone reads the cell as blank:
    got = _parse(path)
    assert got["applications"]["new_received"] == report["applications"]["new_received"]
    assert str(old) not in read_document(path).text.split("本年新收")[1].split("\n")[0]


def test_a_deleted_table_row_is_gone(tmp_path: Path) -> None:
    report = _truth(seed=12)

    def change(body: Any) -> None:
        tr = _row_with(body, "本年新收")
        ghost = copy.deepcopy(tr)  # the row as first typed, deleted with changes on
        for tc in _value_cells(ghost):
            _set_runs(tc, _run("99"))
        trpr = ghost.find(qn("w:trPr"))
        if trpr is None:
            trpr = OxmlElement("w:trPr")
            ghost.insert(0, trpr)
        deleted = OxmlElement("w:del")
        deleted.set(qn("w:id"), "5")
        deleted.set(qn("w:author"), "审核")
        trpr.append(deleted)
        tr.addprevious(ghost)

    got = _parse(_docx(tmp_path, report, change))
    assert got["applications"]["new_received"] == report["applications"]["new_received"]
    assert got["applications"]["carried_over"] == report["applications"]["carried_over"]


def test_number_inside_a_smart_tag_is_read(tmp_path: Path) -> None:
    report = _truth(seed=13)
    row = report["applications"]["new_received"]

    def change(body: Any) -> None:
        tc = _value_cells(_row_with(body, "本年新收"))[-1]  # the row's 总计
        tag = OxmlElement("w:smartTag")
        tag.set(qn("w:uri"), "urn:schemas-microsoft-com:office:smarttags")
        tag.set(qn("w:element"), "chmetcnv")
        props = OxmlElement("w:smartTagPr")
        attr = OxmlElement("w:attr")
        attr.set(qn("w:name"), "SourceValue")
        attr.set(qn("w:val"), str(row["total"]))
        props.append(attr)
        tag.append(props)
        tag.append(_run(str(row["total"])))
        _set_runs(tc, tag)

    got = _parse(_docx(tmp_path, report, change))
    assert got["applications"]["new_received"]["total"] == row["total"]
    assert got["applications"]["new_received"] == row


def _content_control(*children: Any, placeholder: bool = False) -> Any:
    sdt = OxmlElement("w:sdt")
    pr = OxmlElement("w:sdtPr")
    alias = OxmlElement("w:alias")
    alias.set(qn("w:val"), "人数")
    pr.append(alias)
    if placeholder:
        pr.append(OxmlElement("w:showingPlcHdr"))
    content = OxmlElement("w:sdtContent")
    for child in children:
        content.append(child)
    sdt.append(pr)
    sdt.append(content)
    return sdt


def test_cell_wrapped_in_a_content_control_stays_in_its_place(tmp_path: Path) -> None:
    report = _truth(seed=14)

    def change(body: Any) -> None:
        tc = _value_cells(_row_with(body, "本年新收"))[0]  # 自然人, the first number
        tc.addprevious(_content_control())
        tc.getprevious().find(qn("w:sdtContent")).append(tc)

    path = _docx(tmp_path, report, change)
    line = next(s for s in read_document(path).text.split("\n") if "本年新收" in s)
    assert line.count("|") == 1 + 7 + 1  # the merged label cell and seven numbers
    got = _parse(path)
    assert got["applications"]["new_received"] == report["applications"]["new_received"]


def test_inline_content_control_is_read_and_its_placeholder_prompt_is_blank(
    tmp_path: Path,
) -> None:
    report = _truth(seed=15)
    want = report["applications"]["new_received"]["commercial"]

    def change(body: Any) -> None:
        cells = _value_cells(_row_with(body, "本年新收"))
        _set_runs(cells[1], _content_control(_run(str(want))))
        _set_runs(cells[0], _content_control(_run("单击此处输入文字。"), placeholder=True))

    path = _docx(tmp_path, report, change)
    line = next(s for s in read_document(path).text.split("\n") if "本年新收" in s)
    assert f"|  | {want} |" in line
    assert "单击此处" not in read_document(path).text


def test_table_nested_in_a_layout_table_is_read_as_a_table(tmp_path: Path) -> None:
    report = _truth(seed=16)

    def change(body: Any) -> None:
        inner = _row_with(body, "本年新收").getparent()  # table 三
        frame = etree.SubElement(body, qn("w:tbl"))
        inner.addprevious(frame)
        tr = etree.SubElement(frame, qn("w:tr"))
        tc = etree.SubElement(tr, qn("w:tc"))
        p = etree.SubElement(tc, qn("w:p"))
        p.append(_run("（单位：件）"))
        tc.append(inner)
        etree.SubElement(tc, qn("w:p"))  # Word ends a cell with a paragraph

    path = _docx(tmp_path, report, change)
    lines = read_document(path).text.split("\n")
    assert "（单位：件）" in lines
    assert any(s.startswith("| 一、本年新收") or "| 本年新收" in s for s in lines)
    got = _parse(path)
    assert got["applications"] == report["applications"]
