"""One page per agency: /agency/{id} (HTML) and /agency/{id}.json.

Every year's key numbers in one table and a small bar chart (inline SVG, no chart
library: a blank year is a gap, never a 0 bar), a link to each report, the failed hard
checks, the unreadable cells (the canonical JSON's ``unreadable`` list, schema
nianbao.report/2) and the sources each report was read from. All lookups go through the
agency's id (index ``idx_reports_agency_id_year``), so a name that contains another
(洪泽区审计局 / 洪泽区人民政府) never mixes two agencies.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database
from datasette.utils.asgi import NotFound, Request, Response
from markupsafe import Markup, escape

from ingest.db.schema import site_database

AGENCY_SQL = "select * from agencies where id = :id"
REPORTS_SQL = """
select id, year, title, agency, scope, new_received, carried_over, total_handled, granted,
       partially_granted, denied, unavailable, unprocessed, disclosure_rate, review_total,
       review_corrected, litigation_total, litigation_corrected, fee_charged, fee_amount_yuan,
       check_status, checks_failed, warnings_count, tables_missing, source_id,
       json_extract(json, '$.unreadable') as unreadable
from reports where agency_id = :id order by year, id
"""
FAILED_SQL = """
select c.report_id, r.year, c.check_name, c.identity, i.description, c.reported, c.computed,
       c.difference, c.detail
from reports r join checks c on c.report_id = r.id
left join identities i on i.name = c.identity
where r.agency_id = :id and c.ok = 0 and c.severity = 'hard'
order by r.year, c.report_id, c.check_name
"""
SOURCES_SQL = """
select s.* from reports r join sources s on s.id = r.source_id
where r.agency_id = :id order by r.year, r.id
"""
# Columns of sources not shown (megabytes of text; the report page links to it).
HIDDEN_SOURCE_COLUMNS = {"raw_text"}

# The chart: one bar per year of 本年新收申请.
CHART_FIELD = "new_received"
CHART_W, CHART_H, CHART_PAD = 560, 180, 28


def bar_chart(rows: list[dict[str, Any]], field: str = CHART_FIELD) -> Markup:
    """An inline SVG bar chart of ``field`` by year. A NULL value draws no bar and is
    labelled 未填报; the axis starts at 0; labels are horizontal."""
    years = [r for r in rows if r.get("year") is not None]
    if not years:
        return Markup("")
    top = max((r[field] or 0 for r in years), default=0) or 1
    step = (CHART_W - 2 * CHART_PAD) / len(years)
    bar_w = min(step * 0.7, 60)
    plot_h = CHART_H - 2 * CHART_PAD
    parts = [
        f'<svg class="agency-chart" viewBox="0 0 {CHART_W} {CHART_H}" role="img" '
        f'aria-label="历年本年新收申请（件）" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{CHART_PAD}" y1="{CHART_H - CHART_PAD}" x2="{CHART_W - CHART_PAD}" '
        f'y2="{CHART_H - CHART_PAD}" stroke="#888"/>',
    ]
    for i, r in enumerate(years):
        x = CHART_PAD + i * step + (step - bar_w) / 2
        cx = x + bar_w / 2
        value = r[field]
        parts.append(
            f'<text x="{cx:.1f}" y="{CHART_H - CHART_PAD + 16}" text-anchor="middle" '
            f'font-size="12">{escape(str(r["year"]))}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{cx:.1f}" y="{CHART_H - CHART_PAD - 6}" text-anchor="middle" '
                'font-size="11" fill="#555">未填报</text>'
            )
            continue
        h = plot_h * value / top
        y = CHART_H - CHART_PAD - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#4c78a8">'
            f"<title>{escape(str(r['year']))} 年：{value} 件</title></rect>"
        )
        parts.append(
            f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _database(datasette: Datasette) -> tuple[str, Database]:
    name = site_database(datasette.databases)
    return name, datasette.get_database(name)


async def agency_data(db: Database, agency_id: int) -> dict[str, Any]:
    """The agency row, its reports by year, failed hard checks and sources.

    Raises NotFound for an unknown id."""
    params = {"id": agency_id}
    agency = (await db.execute(AGENCY_SQL, params)).first()
    if agency is None:
        raise NotFound(f"没有编号为 {agency_id} 的机关")
    reports = [dict(r) for r in (await db.execute(REPORTS_SQL, params)).rows]
    for r in reports:
        r["unreadable"] = json.loads(r["unreadable"]) if r["unreadable"] else []
    failed = [dict(r) for r in (await db.execute(FAILED_SQL, params)).rows]
    sources = [
        {k: v for k, v in dict(r).items() if k not in HIDDEN_SOURCE_COLUMNS}
        for r in (await db.execute(SOURCES_SQL, params)).rows
    ]
    return {"agency": dict(agency), "reports": reports, "failed_checks": failed, "sources": sources}


async def agency_page(datasette: Datasette, request: Request) -> Response:
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    raw = request.url_vars["agency_id"]
    name, db = _database(datasette)
    data = await agency_data(db, int(raw))
    if request.url_vars.get("format") == "json":
        return Response.json(data, headers={"Access-Control-Allow-Origin": "*"})
    context = {
        **data,
        "database": name,
        "chart": bar_chart(data["reports"]),
        "years": sorted({r["year"] for r in data["reports"] if r["year"] is not None}),
    }
    html = await datasette.render_template("agency.html", context, request=request)
    return Response.html(html)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/agency/(?P<agency_id>\d+)(\.(?P<format>json))?$", agency_page)]
