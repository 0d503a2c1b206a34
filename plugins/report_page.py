"""One page per report: /report/{id} (HTML), /report/{id}.json (the canonical JSON,
exactly reports.json) and /report/{id}/source (the text the report was parsed from).

Tables 二, 三 and 四 are laid out as the original prints them, from the model's printed grids
(ingest.model_grids); blank cells stay visibly blank, failed identities are highlighted.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import NotFound, Request, Response
from markupsafe import Markup

from ingest import model, model_grids
from ingest.db.groups import PRIMARY_RULE
from ingest.db.schema import site_database

CORS = {"Access-Control-Allow-Origin": "*"}
TABLE_SECTIONS = ("proactive", "applications", "review_litigation")


@dataclass
class Cell:
    """One printed cell: a label (with its merge) or a value (with its marks)."""

    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    value: Any = None
    is_value: bool = False
    failed: bool = False
    check_names: list[str] = field(default_factory=list)
    unreadable: bool = False  # the document shows something the parser could not settle
    note: str = ""  # for an unreadable cell: the parser's warning about it


# --------------------------------------------------------------------------- cells


def failed_cells(checks: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Map a cell's dotted path (table.row.column) → names of the failed hard checks that
    cover it (each check lists its cells)."""
    marks: dict[str, list[str]] = {}
    for check in checks:
        if check["severity"] != "hard" or check["ok"] is not False:
            continue
        for path in check.get("cells") or ():
            marks.setdefault(path, []).append(check["check"])
    return marks


def unreadable_cells(report: dict[str, Any]) -> dict[str, str]:
    """Map each unreadable cell's dotted path → the parser's warning about it (the first
    warning that names its row, else every warning): the tooltip of "无法识别"."""
    warnings = report.get("warnings") or []
    out: dict[str, str] = {}
    for path in report.get("unreadable") or ():
        row = path.split(".")[1] if path.count(".") >= 1 else path
        named = [w for w in warnings if row in w]
        out[path] = "；".join(named[:2] or warnings[:3])
    return out


def value_cell(
    table: str,
    row: str,
    col: str,
    cells: dict[str, Any],
    marks: dict,
    unread: dict[str, str] | None = None,
) -> Cell:
    path = f"{table}.{row}.{col}"
    names = marks.get(path, [])
    note = (unread or {}).get(path)
    return Cell(
        value=cells.get(col),
        is_value=True,
        failed=bool(names),
        check_names=names,
        unreadable=note is not None,
        note=note or "",
    )


def unchecked_for_unreadable(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The checks that could not be evaluated (ok null) because they cover an unreadable
    cell: shown as "无法核对"."""
    unread = set(report.get("unreadable") or ())
    return [
        c
        for c in report.get("checks") or []
        if c.get("ok") is None and unread.intersection(c.get("cells") or ())
    ]


# --------------------------------------------------------------------------- the grids


@dataclass
class Head:
    """One header cell of a printed table (text and merge), from the model's grid."""

    text: str
    rowspan: int = 1
    colspan: int = 1


def head_rows(grid: model_grids.TableGrid, nrows: int) -> list[list[Head]]:
    """The first ``nrows`` rows of ``grid`` (its header), each as its header cells."""
    return [[Head(c.text, c.rowspan, c.colspan) for c in grid.starting(r)] for r in range(nrows)]


def body_rows(
    grid: model_grids.TableGrid,
    first: int,
    rows: dict[str, Any],
    marks: dict,
    unread: dict[str, str],
) -> list[list[Cell]]:
    """Rows ``first``… of ``grid`` as printed cells: labels with their merges, values from
    ``rows`` (row key → cells; table 四: group key → cells) with their marks."""
    out: list[list[Cell]] = []
    for r in range(first, grid.nrows):
        out.append(
            [
                value_cell(grid.name, c.key, c.column, rows.get(c.key) or {}, marks, unread)
                if c.kind == "value"
                else Cell(c.text, rowspan=c.rowspan, colspan=c.colspan)
                for c in grid.starting(r)
            ]
        )
    return out


def _spanning(cell: Cell, spec: model_grids.GridCell) -> Cell:
    cell.rowspan, cell.colspan = spec.rowspan, spec.colspan
    return cell


# --------------------------------------------------------------------------- table 三


def table_three(report: dict[str, Any], marks: dict) -> dict[str, Any]:
    """Table 三 as the model's grid prints it for the report's row variant (all its rows):
    header rows and body rows of cells."""
    apps = report.get("applications") or {}
    grid = model_grids.applications_grid(model.application_rows(apps))
    head = model_grids.APPLICATION_HEAD_ROWS
    return {
        "head": head_rows(grid, head),
        "rows": body_rows(grid, head, apps, marks, unreadable_cells(report)),
    }


# --------------------------------------------------------------------------- table 四


def table_four(report: dict[str, Any], marks: dict) -> dict[str, Any]:
    """Table 四 as the model's grid prints it: header rows and its one row of 15 values."""
    rl = report.get("review_litigation") or {}
    grid = model_grids.review_grid()
    head = model_grids.REVIEW_HEAD_ROWS
    return {
        "head": head_rows(grid, head),
        "rows": body_rows(grid, head, rl, marks, unreadable_cells(report)),
    }


# --------------------------------------------------------------------------- table 二


def table_two(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Blocks of table 二 in printed order (the model's grid for every item of the
    report's format): block title, column headers with their spans, item rows."""
    items = model.PROACTIVE_ITEMS.get(report.get("format") or "2021", model.PROACTIVE_2021)
    grid = model_grids.proactive_grid(items)
    proactive = report.get("proactive") or {}
    unread = unreadable_cells(report)
    blocks: list[dict[str, Any]] = []
    for r in range(grid.nrows):
        cells = grid.starting(r)
        if cells[0].kind == "head" and cells[0].colspan == grid.ncols:
            blocks.append({"title": cells[0].text, "rows": []})
        elif cells[0].kind == "head":
            blocks[-1]["item_head"] = cells[0].text
            blocks[-1]["columns"] = [Head(c.text, colspan=c.colspan) for c in cells[1:]]
        else:
            key = cells[0].key
            values = proactive.get(key) or {}
            blocks[-1]["rows"].append(
                {
                    "label": cells[0].text,
                    "cells": [
                        _spanning(value_cell("proactive", key, c.column, values, {}, unread), c)
                        for c in cells[1:]
                    ],
                    "unit": values.get("amount_unit"),
                }
            )
    return blocks


# --------------------------------------------------------------------------- page


async def fetch_report(datasette: Datasette, report_id: str) -> dict[str, Any]:
    db = datasette.get_database(site_database(datasette.databases))
    rows = (await db.execute("select * from reports where id = ?", [report_id])).rows
    if not rows:
        raise NotFound(f"没有编号为 {report_id} 的报告")
    return dict(rows[0])


async def other_years(datasette: Datasette, row: dict[str, Any]) -> list[dict[str, Any]]:
    if row["agency_id"] is None:
        return []
    db = datasette.get_database(site_database(datasette.databases))
    sql = "select id, year, agency, check_status from reports where agency_id = ? order by year, id"
    return [dict(r) for r in (await db.execute(sql, [row["agency_id"]])).rows]


def safe_url(url: Any) -> str | None:
    """An http(s) address to link to, else None (never a javascript: or file: link)."""
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


async def sources_of(datasette: Datasette, row: dict[str, Any]) -> dict[str, Any]:
    """Every file this report was read from (one report per agency and year, ingest.db.
    groups) with its provenance, primary first, and the cells where they disagree."""
    db = datasette.get_database(site_database(datasette.databases))
    try:
        rows = (
            await db.execute(
                "select id, kind, url, published, retrieved from sources where report_id = ?"
                " order by id = ? desc, id",
                [row["id"], row["source_id"]],
            )
        ).rows
        differ = (
            await db.execute(
                "select d.cell, d.primary_value, d.other_value, s.kind, d.source_id"
                " from disagreements d join sources s on s.id = d.source_id"
                " where d.report_id = ? order by d.cell, d.source_id",
                [row["id"]],
            )
        ).rows
    except Exception:  # a database from before sources.report_id: no list
        return {"sources": [], "disagreements": []}
    sources = []
    for r in rows:
        url = safe_url(r["url"])
        sources.append({**dict(r), "url": url, "primary": r["id"] == row["source_id"]})
    return {
        "sources": sources,
        "disagreements": [{**dict(d), "label": cell_label(d["cell"])} for d in differ],
        "primary_rule": PRIMARY_RULE,
    }


def cell_label(path: str) -> str:
    """A dotted cell path → its printed labels ("表三 本年新收… · 自然人")."""
    table, _, rest = path.partition(".")
    row, _, col = rest.partition(".")
    if table == "applications":
        label = (
            model.APPLICATION_ROW_BY_KEY[row].label if row in model.APPLICATION_ROW_BY_KEY else row
        )
        return f"表三 {label} · {dict(model.APPLICANT_COLUMNS).get(col, col)}"
    if table == "review_litigation":
        groups = dict(model.REVIEW_GROUPS)
        return f"表四 {groups.get(row, row)} · {dict(model.REVIEW_COLUMNS).get(col, col)}"
    if table == "proactive":
        column = model.PROACTIVE_COLUMN_BY_KEY.get(col)
        label = model.PROACTIVE_LABELS.get(row, row)
        return f"表二 {label} · {column.label if column else col}"
    return path


async def provenance(datasette: Datasette, row: dict[str, Any]) -> dict[str, Any]:
    """The report's original address and dates from its `sources` row: url, published,
    retrieved (None when unknown or when the database predates these columns)."""
    db = datasette.get_database(site_database(datasette.databases))
    rows = (await db.execute("select * from sources where id = ?", [row["source_id"]])).rows
    found = dict(rows[0]) if rows else {}
    return {
        "url": safe_url(found.get("url")),
        "published": found.get("published"),
        "retrieved": found.get("retrieved"),
    }


def narrative_sections(report: dict[str, Any]) -> list[tuple[model.Section, str]]:
    """Sections in printed order; 二–四 only when their table was not parsed (the text
    of a parsed table is shown as the table above)."""
    texts = report.get("sections") or {}
    return [
        (s, texts[s.key])
        for s in model.SECTIONS
        if texts.get(s.key) and not (s.key in TABLE_SECTIONS and report.get(s.key))
    ]


def page_context(row: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    checks = report.get("checks") or []
    marks = failed_cells(checks)
    return {
        "row": row,
        "report": report,
        "table_two": table_two(report) if report.get("proactive") else None,
        "table_three": table_three(report, marks) if report.get("applications") else None,
        "table_four": table_four(report, marks) if report.get("review_litigation") else None,
        "failed": [c for c in checks if c["ok"] is False],
        "unchecked": unchecked_for_unreadable(report),
        "unreadable_count": len(report.get("unreadable") or ()),
        "identities": {i.name: i for i in model.IDENTITIES},
        "sections": narrative_sections(report),
        "layouts": dict(model.LAYOUTS),
        "fee": report.get("fee") or {},
    }


async def report_html(datasette: Datasette, request: Request) -> Response:
    row = await fetch_report(datasette, request.url_vars["id"])
    report = json.loads(row["json"])
    context = page_context(row, report)
    context["other_years"] = await other_years(datasette, row)
    context["provenance"] = await provenance(datasette, row)
    context.update(await sources_of(datasette, row))
    context["database"] = site_database(datasette.databases)
    html = await datasette.render_template("report.html", context, request=request)
    return Response.html(html)


async def report_json(datasette: Datasette, request: Request) -> Response:
    row = await fetch_report(datasette, request.url_vars["id"])
    return Response(row["json"], content_type="application/json; charset=utf-8", headers=dict(CORS))


async def report_source(datasette: Datasette, request: Request) -> Response:
    row = await fetch_report(datasette, request.url_vars["id"])
    db = datasette.get_database(site_database(datasette.databases))
    sql = "select raw_text from sources where id = ?"
    rows = (await db.execute(sql, [row["source_id"]])).rows
    text = rows[0]["raw_text"] if rows and rows[0]["raw_text"] is not None else ""
    return Response.text(text, headers=dict(CORS))


CELL_TABLES = ("applications", "review_litigation", "proactive")


def cells_text(value: str) -> Markup | None:
    """A cell path, or paths joined by 、 (the unreadable_reports query), as their printed
    labels with the path on hover; None when the text is not cell paths."""
    paths = value.split("、")
    if not all(p.count(".") == 2 and p.split(".")[0] in CELL_TABLES for p in paths):
        return None
    return Markup("、").join(
        Markup('<span title="{}">{}</span>').format(p, cell_label(p)) for p in paths
    )


@hookimpl
def render_cell(value: Any, column: str) -> Markup | None:
    """Cell paths (``applications.granted.commercial``) as 表三 予以公开 · 商业企业."""
    if column in ("cell", "cells") and isinstance(value, str) and value:
        return cells_text(value)
    return None


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.globals["zh_cell"] = cell_label


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/report/(?P<id>[^/.]+)\.json$", report_json),
        (r"^/report/(?P<id>[^/.]+)/source$", report_source),
        (r"^/report/(?P<id>[^/.]+)$", report_html),
    ]
