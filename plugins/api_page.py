"""``/-/api``: how to get the data without the web pages, in Chinese and in English.

Every table, every canned query with its parameters, a report's canonical JSON and the
database download, each with a ``curl`` line built from this site's own address (the
``base_url`` setting and the request's host), so the lines work when copied. Names
and sizes come from the label functions plugins/chrome.py puts in the Jinja globals
(plugins in the plugins directory cannot import each other).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import Request, Response

# The tables people ask for first; the rest follow in name order.
FIRST_TABLES = ("reports", "agencies", "applications", "review_litigation", "proactive",
                "sections", "checks", "sources", "warnings")  # fmt: skip


def _table_order(table: str) -> tuple[int, str]:
    return (FIRST_TABLES.index(table) if table in FIRST_TABLES else len(FIRST_TABLES), table)


async def api_context(datasette: Datasette, request: Request) -> dict[str, Any]:
    """Tables, canned queries, an example report id and the download, with full URLs."""
    zh = datasette.jinja_env.globals
    name = zh["zh_db"]()
    db = datasette.get_database(name)

    def url(path: str, **params: str) -> str:
        full = datasette.absolute_url(request, datasette.urls.path(path))
        return f"{full}?{urlencode(params)}" if params else full

    hidden = set(await db.hidden_table_names())
    tables = [
        {
            "name": table,
            "title": zh["zh_table"](name, table),
            "json": url(f"/{name}/{table}.json", _shape="array", _size="100"),
            "csv": url(f"/{name}/{table}.csv", _stream="on", _bom="1"),
        }
        for table in sorted(await db.table_names(), key=_table_order)
        if table not in hidden and not table.startswith(("sqlite_", "summary_facets"))
    ]
    queries = [
        {
            "name": key,
            "title": query.get("title", key),
            "params": query.get("params") or [],
            "json": url(
                f"/{name}/{key}.json",
                _shape="array",
                **{p: "" for p in (query.get("params") or [])},
            ),
        }
        for key, query in (await datasette.get_canned_queries(name, None)).items()
    ]
    example = None
    if await db.table_exists("reports"):
        row = (await db.execute("select id from reports order by id limit 1")).first()
        example = row[0] if row else None
    size = zh["zh_bytes"](name)
    return {
        "db": name,
        "tables": tables,
        "queries": queries,
        "report_json": url(f"/report/{example or '编号'}.json"),
        "report_page": url(f"/report/{example or '编号'}"),
        "facets": url(f"/{name}/reports.json", _size="0", _facet="province"),
        "next_example": url(f"/{name}/reports.json", _sort="id", _size="1000"),
        "sql": url(
            f"/{name}.json",
            sql="select year, count(*) as reports from reports group by year",
            _shape="array",
        ),
        "download": url(f"/{name}.db"),
        "download_size": zh["zh_size"](name),
        "download_bytes": size,
    }


async def api_page(datasette: Datasette, request: Request) -> Response:
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    context = await api_context(datasette, request)
    html = await datasette.render_template("api.html", context, request=request)
    return Response.html(html)


@hookimpl
def register_routes() -> list[tuple[str, Callable[..., Awaitable[Response]]]]:
    return [(r"^/-/api$", api_page)]
