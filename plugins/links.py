"""Table cells: report ids and titles link to their report page (/report/{id}); the big json/raw_text columns
show a short link instead of megabytes of text."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm
from markupsafe import Markup, escape

# datasette-render-markdown comes only as a dependency of datasette-dashboards (for
# charts of library "markdown", which the site has none of). Its render_cell hook reads
# the plugin config for every string cell: a third of the time of a 1,000-row query
# page at 100,000 reports. No column is markdown here, so the plugin is not loaded.
MARKDOWN_PLUGIN = "render_markdown"
pm.set_blocked(MARKDOWN_PLUGIN)

REPORT_ID_COLUMNS = {
    ("reports", "id"),
    ("summary_report_fees", "report_id"),
    ("summary_report_problems", "report_id"),
    ("failed_checks", "report_id"),
}
QUERY_REPORT_COLUMNS = {"report_id", "prev_report_id"}
BIG_COLUMNS = {("reports", "json"), ("sources", "raw_text"), ("ingest_errors", "raw_text")}


def report_link(datasette: Datasette, report_id: str) -> Markup:
    url = datasette.urls.path(f"/report/{report_id}")
    return Markup(f'<a href="{escape(url)}">{escape(report_id)}</a>')


def title_link(datasette: Datasette, row: Any, value: str) -> Markup:
    """The report's title linked to its page; the full title on hover (the register shows
    one line, cut with an ellipsis by CSS)."""
    url = datasette.urls.path(f"/report/{row['id']}")
    return Markup(f'<a href="{escape(url)}" title="{escape(value)}">{escape(value)}</a>')


def agency_link(datasette: Datasette, row: Any, value: str) -> Markup | None:
    """An agency's name linked to its page (/agency/{agency_id}), when the row has the id."""
    try:
        agency_id = row["agency_id"]
    except (IndexError, KeyError):
        return None
    if isinstance(agency_id, dict):  # a foreign key Datasette expanded to {value, label}
        agency_id = agency_id.get("value")
    if agency_id is None:
        return None
    url = datasette.urls.path(f"/agency/{agency_id}")
    return Markup(f'<a href="{escape(url)}">{escape(value)}</a>')


def short_text(datasette: Datasette, table: str, row: Any, value: str) -> Markup:
    preview = escape(value[:40].replace("\n", " "))
    if table == "reports":
        url = datasette.urls.path(f"/report/{row['id']}.json")
        return Markup(f'<a href="{escape(url)}">JSON</a> <span class="blank">{preview}…</span>')
    if table == "sources":
        url = datasette.urls.path(f"/report/{row['id']}/source")
        return Markup(f'<a href="{escape(url)}">原文</a> <span class="blank">{preview}…</span>')
    return Markup(f"{preview}…（共 {len(value)} 字）")


@hookimpl
def render_cell(
    value: Any, column: str, table: str | None, row: Any, datasette: Datasette
) -> Markup | None:
    if not isinstance(value, str) or not value:
        return None
    if (table, column) in BIG_COLUMNS and len(value) > 40:
        return short_text(datasette, table or "", row, value)
    if (table, column) == ("reports", "title"):
        return title_link(datasette, row, value)
    if column == "agency" and table in (None, "reports"):
        return agency_link(datasette, row, value)
    if (table, column) in REPORT_ID_COLUMNS or (table is None and column in QUERY_REPORT_COLUMNS):
        return report_link(datasette, value)
    return None
