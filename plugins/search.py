"""Chinese full-text search on the sections_fts unigram index.

Datasette's own ?_search= does not see sections_fts (it has no content= link to a
table), so this plugin supplies the filter for ``?_search=`` on the sections and
reports tables (a bare ``?q=`` there would be read as a filter on a column "q"), using
ingest.search.fts_query for 1- and 2-character words. ``/-/search?q=`` lists sections.
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.filters import FilterArguments
from datasette.utils.asgi import Request, Response
from markupsafe import Markup, escape

from ingest.load import FTS_TABLE
from ingest.search import fts_query

SEARCHABLE: dict[str, str] = {
    "sections": f"id in (select rowid from {FTS_TABLE} where {FTS_TABLE} match :nianbao_q)",
    "reports": (
        "id in (select s.report_id from sections s where s.id in"
        f" (select rowid from {FTS_TABLE} where {FTS_TABLE} match :nianbao_q))"
    ),
}


_INDEX_SPACES = re.compile(r"\s*([^\x00-\x7f])\s*")


def snippet_html(snippet: str) -> Markup:
    """FTS snippet (characters spaced apart by the index) → escaped HTML with <mark>."""
    text = str(escape(_INDEX_SPACES.sub(r"\1", snippet)))
    return Markup(text.replace("[", "<mark>").replace("]", "</mark>"))


def visitor_query(request: Request, name: str = "_search") -> str:
    return (request.args.get(name) or "").strip()


@hookimpl
def filters_from_request(request: Request, table: str) -> FilterArguments | None:
    if table not in SEARCHABLE:
        return None
    q = visitor_query(request)
    match = fts_query(q) if q else None
    context = {"nianbao_search": True, "nianbao_q": q}
    if not match:
        return FilterArguments([], extra_context=context)
    return FilterArguments(
        [SEARCHABLE[table]],
        params={"nianbao_q": match},
        human_descriptions=[f"全文包含“{q}”"],
        extra_context=context,
    )


SEARCH_SQL = f"""
select s.report_id, r.agency, r.year, r.province, k.title as section,
       snippet({FTS_TABLE}, 0, '[', ']', '…', 24) as snippet
from {FTS_TABLE} f
join sections s on s.id = f.rowid
join reports r on r.id = s.report_id
join section_keys k on k.key = s.section
where {FTS_TABLE} match :q
order by r.year desc, r.agency
limit 200
"""


async def search_page(datasette: Datasette, request: Request) -> Any:
    """/-/search?q=: every section whose text holds all the words, with a snippet."""
    q = visitor_query(request, "q")
    match = fts_query(q) if q else None
    rows: list[dict[str, Any]] = []
    if match:
        db = datasette.get_database(_database_name(datasette))
        rows = [dict(r) for r in (await db.execute(SEARCH_SQL, {"q": match})).rows]
        for row in rows:
            row["snippet_html"] = snippet_html(row["snippet"])
    html = await datasette.render_template(
        "search.html",
        {"q": q, "rows": rows, "database": _database_name(datasette)},
        request=request,
    )
    return Response.html(html)


def _database_name(datasette: Datasette) -> str:
    names = [name for name in datasette.databases if not name.startswith("_")]
    return "nianbao" if "nianbao" in names else names[0]


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search$", search_page)]
