"""The prose around the tables: title, basis and period lines, the six sections'
headings and narrative (`section_heading`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest import model

from .grids import (
    Grid,
    build_tables,
)
from .style import (
    _BASIS,
    _PERIOD,
    _TITLE,
    _TITLE_TAIL,
    Report,
    _Ctx,
    format_value,
)

# ---------------------------------------------------------------------------
# The document: title, period, six sections with narrative or a table
# ---------------------------------------------------------------------------


def _total(report: Report, row: str, group: str = "applications") -> Any:
    return ((report.get(group) or {}).get(row) or {}).get("total")


def _narrative(report: Report, key: str, ctx: _Ctx) -> list[str]:
    """The paragraphs of a narrative section: the report's own, or a generic one."""
    given = (report.get("sections") or {}).get(key)
    if given:
        return [p.strip() for p in str(given).splitlines() if p.strip()]
    agency, year = report.get("agency", ""), report.get("year", "")
    if key == "overview":
        received = _total(report, "new_received")
        if received is None:
            apply_text = "依法依规办理政府信息公开申请，均在法定期限内答复。"
        elif received == 0:
            apply_text = "本年度未收到政府信息公开申请。"
        else:
            apply_text = (
                f"全年共收到政府信息公开申请{format_value(received)}件，均在法定期限内答复。"
            )
        return [
            f"{year}年，{agency}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实"
            "《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，扎实推进政务公开工作。",
            "（一）主动公开。通过门户网站及时公开机构职能、政策文件、工作动态、财政预决算等信息，"
            "做好政策解读和回应关切。",
            f"（二）依申请公开。畅通申请渠道，规范受理、登记、办理、答复等环节。{apply_text}",
            "（三）政府信息管理。严格落实信息发布审核制度，坚持先审后发，确保发布内容准确规范。",
            "（四）平台建设。加强门户网站和政务新媒体管理，及时更新栏目内容。",
            "（五）监督保障。将政务公开工作纳入年度考核，主动接受社会监督。",
        ]
    if key == "problems":
        return [
            "一是公开内容的深度和广度有待拓展；二是政策解读的形式还不够丰富；三是工作人员业务能力有待提高。",
            "下一步，将进一步完善公开目录，丰富解读形式，加强业务培训，不断提升政务公开工作水平。",
        ]
    if key == "other_matters":
        no_fee = _total(report, "other_no_fee")
        if no_fee:
            return [
                f"本年度发出收费通知{format_value(no_fee)}件，申请人逾期未缴纳，未实际收取信息处理费。"
            ]
        return ["本年度未收取信息处理费。"]
    return []


def _title_lines(report: Report, ctx: _Ctx) -> list[str]:
    agency, year = report.get("agency", ""), report.get("year", "")
    if ctx.style.title == "split":
        return [agency, f"{year}{_TITLE_TAIL}"]
    if ctx.style.title == "year-first":
        return [f"{year}年{agency}政府信息公开工作年度报告"]
    return [_TITLE.format(agency=agency, year=year)]


def _basis(report: Report) -> str:
    fmt = report.get("format", "2021")
    return _BASIS.format(marker=model.FORMAT_MARKERS[fmt][-1])


def _period(report: Report) -> str:
    return _PERIOD.format(year=report.get("year", ""))


def section_heading(section: model.Section) -> str:
    """A section heading as printed: "一、总体情况"."""
    return f"{section.number}、{section.title}"


@dataclass
class _Doc:
    """A document as a sequence of blocks, for every layout to write its own way."""

    title: list[str]
    basis: str
    period: str
    sections: list[tuple[str, list[str], Grid | None]] = field(default_factory=list)


def _document(report: Report, ctx: _Ctx) -> _Doc:
    grids = build_tables(report, ctx.style, ctx.rng)
    doc = _Doc(_title_lines(report, ctx), _basis(report), _period(report))
    for s in model.SECTIONS:
        doc.sections.append((section_heading(s), _narrative(report, s.key, ctx), grids.get(s.key)))
    return doc
