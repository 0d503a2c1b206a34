"""Parse one report's text into the canonical report (shared/spec/CANONICAL_JSON.md).

Pure functions, no SQL. The layout readers in `cells` cut table text into rows of
cells; here those rows are aligned to the one model of the format (`model`): row
labels matched on normalized fuzzy keys in the order the format fixes, numbers
placed by that order, run-together digits split with the identities.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import model
from .. import validate as validator
from . import meta
from .anchors import split_rows
from .applications import parse_applications
from .cell_lines import cell_line_rows, is_cell_lines
from .cells import detect_layout, is_page_mark, segment, segmenter_for
from .context import Context as _Ctx
from .proactive import detect_format, parse_proactive
from .review import parse_review
from .sections import _fallback_regions, body_lines, find_sections

Report = dict[str, Any]

if TYPE_CHECKING:
    from ..extract import Document


class ParseError(Exception):
    """The text is not a report we can read at all (names the file and place)."""

    def __init__(self, path: str, reason: str, place: str | None = None) -> None:
        self.path, self.reason, self.place = path, reason, place
        super().__init__(f"{path}: {place}: {reason}" if place else f"{path}: {reason}")


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

NOT_A_REPORT_REASON = "not an annual report: none of tables 二, 三, 四 was found"
BLANK_TEMPLATE_REASON = (
    "a blank template, not a report: no agency, no year, and every table cell is empty"
)


def _has_number(value: Any) -> bool:
    """Whether a table (nested dicts of cells) holds any number the document prints."""
    if isinstance(value, dict):
        return any(map(_has_number, value.values()))
    return isinstance(value, int | float) and not isinstance(value, bool)


def _segmenter(layout: str, kind: str) -> str:
    """How a table region is cut into rows: by the text's layout for text files; pages
    and files give their tables as pipe rows, except a text copy kept as it was typed
    (a <pre> block of tab-indented cells), read by its text layout."""
    seg = segmenter_for(layout if kind == "txt" or layout == "tab-cells" else kind)
    return "markdown" if kind != "txt" and seg == kind else seg


def parse_text(
    text: str,
    path: str = "<text>",
    *,
    sha256: str | None = None,
    kind: str = "txt",
    encoding: str | None = None,
    page: Mapping[str, str] | None = None,
) -> Report:
    """Parse a report's text into the canonical report dict.

    ``page`` is what the file said about itself apart from the text (HTML meta tags:
    `extract.Document.page`); it gives ``published`` and ``source.url`` with the
    text's own header lines.
    """
    ctx = _Ctx(path)
    numbered = body_lines(text)
    lines = [s for _, s in numbered]
    regions = find_sections(lines)
    regions = _fallback_regions(lines, regions)
    if not any(k in regions for k in ("proactive", "applications", "review_litigation")):
        raise ParseError(path, NOT_A_REPORT_REASON, "whole file")

    cut: dict[str, list[tuple[int, str]]] = {}

    def region_lines(key: str) -> list[tuple[int, str]]:
        if key not in regions:
            return []
        if key not in cut:  # cut once: tables are read from their lines more than once
            a, b = regions[key]
            cut[key] = split_rows(numbered[a:b], key)
        return cut[key]

    table_lines = [
        s for k in ("proactive", "applications", "review_litigation") for _, s in region_lines(k)
    ]
    layout = "cell-lines" if is_cell_lines(table_lines) else detect_layout(table_lines)
    seg = _segmenter(layout, kind)

    identity = meta.identify(text, page)
    title, agency, year = identity["title"], identity["agency"], identity["year"]
    if agency is None:
        ctx.warn(None, "agency not found in the title or the narrative")
    if year is None:
        ctx.warn(None, "reporting year not found (no 统计期限 sentence, no year in the title)")

    ctx.blanks_visible = seg not in ("pdf-text", "run-together")
    proactive_text = "\n".join(s for _, s in region_lines("proactive"))
    fmt = detect_format(proactive_text, text, year, ctx)

    tables: dict[str, Any] = {}
    for key in ("proactive", "applications", "review_litigation"):
        rl = region_lines(key)
        if not rl:
            ctx.warn(
                None,
                f"table {model.SECTION_BY_KEY[key].number} ({model.SECTION_BY_KEY[key].title}) not found",
            )
            tables[key] = {}
            continue
        if seg == "cell-lines":
            rows = cell_line_rows(rl, unlabelled_values=key == "review_litigation")
        else:
            rows = segment(rl, seg)
        if key == "proactive":
            tables[key] = parse_proactive(rows, fmt, proactive_text, ctx)
        elif key == "applications":
            tables[key] = parse_applications(rows, ctx)
        else:
            tables[key] = parse_review(rows, ctx)
        if not tables[key]:
            ctx.warn(rl[0][0], f"table {model.SECTION_BY_KEY[key].number}: no numbers found")

    if agency is None and year is None and not any(map(_has_number, tables.values())):
        raise ParseError(path, BLANK_TEMPLATE_REASON, "whole file")

    sections = {
        sec.key: "\n".join(
            [t for _, s in region_lines(sec.key) if (t := s.strip()) and not is_page_mark(s)]
        ).strip()
        for sec in model.SECTIONS
        if sec.key in regions
    }
    overview = sections.get("overview", "")
    atype = meta.agency_type(agency)
    report: Report = {
        "schema": model.SCHEMA,
        "source": {
            "path": path,
            "sha256": sha256,
            "layout": layout if kind == "txt" else kind,
            "encoding": encoding,
            "url": identity["url"],
        },
        "published": identity["published"],
        "title": title,
        "agency": agency,
        "year": year,
        "year_source": identity["year_source"],
        "format": fmt,
        "region": meta.find_region(agency),
        "agency_type": atype,
        "scope": meta.find_scope(agency, atype, overview or text[:3000]),
        "proactive": tables["proactive"],
        "applications": tables["applications"],
        "review_litigation": tables["review_litigation"],
        "sections": sections,
        "fee": meta.find_fee(sections.get("other_matters", "")),
        "narrative_numbers": meta.narrative_numbers(overview),
    }
    report["checks"] = validator.hard_checks(report) + validator.soft_checks(report)
    for c in validator.failed(report["checks"], "soft"):
        ctx.warn(
            None,
            f"soft check {c['check']} failed: reported {c['reported']}, computed {c['computed']} ({c['detail']})",
        )
    report["unreadable"] = ctx.unreadable
    report["warnings"] = ctx.warnings
    return report


def parse_document(doc: Document, path: str | None = None) -> tuple[Report, str]:
    """Parse an extracted document; returns the report and the text it was read from.

    Every format is read once: a PDF's text comes from one pdfium pass with its ruled
    tables as pipe rows (`extract.pdf`), so there is no second reading to try.
    """
    from ..extract import disguise

    where = path or doc.path
    if not doc.text.strip():
        raise ParseError(where, "no text in the document", "whole file")
    disguised = disguise(doc)
    try:
        report = parse_text(
            doc.text, where, sha256=doc.sha256, kind=doc.kind, encoding=doc.encoding, page=doc.page
        )
    except ParseError as exc:
        if disguised is None:
            raise
        raise ParseError(exc.path, f"{exc.reason} ({disguised})", exc.place) from exc
    if disguised:
        report["warnings"].append(f"{disguised}; read as HTML")
    if doc.extractor:
        report["source"]["extractor"] = doc.extractor
    return report, doc.text


def parse_file(path: str | Path) -> Report:
    """Read a file (.txt/.html/.docx/.pdf) and parse it."""
    from ..extract import read_document

    return parse_document(read_document(path), str(path))[0]
