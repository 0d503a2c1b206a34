"""Chinese full-text search on the sections_fts unigram index.

Datasette's own ?_search= does not see sections_fts (it has no content= link to a
table), so this plugin supplies the filter for ``?_search=`` on the sections and
reports tables (a bare ``?q=`` there would be read as a filter on a column "q"), using
ingest.db.search.fts_query for 1- and 2-character words. ``/-/search?q=`` lists sections.

Speed at 100,000 reports. Every filter below selects exactly the rows whose section
text matches the FTS query; only the shape of the SQL changes with how many sections
match (counted first on the FTS index alone, which is cheap):

- few matches: ``id in (matching rowids)`` — SQLite reads just those rows;
- many matches (a common word such as 复议 is in every report): on ``reports`` a
  correlated ``exists`` so a page sorted by year stops after its 50 rows instead of
  mapping every match to its report; and the page skips Datasette's total count and
  facets (``_nocount``, ``_nofacet``, added before Datasette sees the request), which
  would visit every matching row several times. The page shows the number of matching
  sections from the FTS index instead, and says how to narrow the search.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database, QueryInterrupted
from datasette.filters import FilterArguments
from datasette.utils.asgi import Request, Response
from markupsafe import Markup, escape

from ingest.db.schema import FTS_TABLE
from ingest.db.search import fts_query

MATCHING = f"select rowid from {FTS_TABLE} where {FTS_TABLE} match :nianbao_q"
SEARCHABLE: dict[str, str] = {
    "sections": f"id in ({MATCHING})",
    "reports": f"id in (select s.report_id from sections s where s.id in ({MATCHING}))",
}
# The same rows when many sections match. reports: report by report in the page's order,
# each report's few sections looked up in the matches (``+`` keeps SQLite from looping
# over the matches per report instead). sections: when the page is in id order, only the
# matches from the page's start (``_next``) on, streamed from the index in rowid order;
# the page's own limit (≤ max_returned_rows) then takes the same rows.
SEARCHABLE_MANY: dict[str, str] = {
    "sections": f"id in ({MATCHING} and rowid > :nianbao_after order by rowid limit :nianbao_upto)",
    "reports": (
        "exists (select 1 from sections s where s.report_id = reports.id"
        f" and +s.id in ({MATCHING}))"
    ),
}
# Matches are counted up to MANY_MATCHES + 1 (the FTS index stops there): above
# MANY_MATCHES a search page skips Datasette's total count and facets.
MANY_MATCHES = 2000
COUNT_SQL = f"select count(*) from ({MATCHING} limit {MANY_MATCHES + 1})"
SCOPE_KEY = "nianbao_search_matches"
MANY_MATCHES_SHOWN = MANY_MATCHES  # what the page says ("more than 2,000"), fixed for tests
SEARCH_LIMIT = 200  # sections listed by /-/search

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def count_matches(db: Database, match: str) -> int:
    """Sections matching the FTS query (one FTS row per section), from the index alone,
    counted up to MANY_MATCHES + 1."""
    return int((await db.execute(COUNT_SQL, {"nianbao_q": match})).single_value())


_INDEX_SPACES = re.compile(r"\s*([^\x00-\x7f])\s*")


def snippet_html(snippet: str) -> Markup:
    """FTS snippet (characters spaced apart by the index) → escaped HTML with <mark>."""
    text = str(escape(_INDEX_SPACES.sub(r"\1", snippet)))
    return Markup(text.replace("[", "<mark>").replace("]", "</mark>"))


def visitor_query(request: Request, name: str = "_search") -> str:
    return (request.args.get(name) or "").strip()


@hookimpl
def filters_from_request(
    request: Request, database: str, table: str, datasette: Datasette
) -> Awaitable[FilterArguments | None] | None:
    if table not in SEARCHABLE:
        return None
    # A page shows at most max_returned_rows rows and Datasette fetches one more.
    upto = int(datasette.setting("max_returned_rows")) + 1
    return _search_filter(request, datasette.get_database(database), table, upto)


async def _search_filter(request: Request, db: Database, table: str, upto: int) -> FilterArguments:
    q = visitor_query(request)
    match = fts_query(q) if q else None
    context: dict[str, Any] = {"nianbao_search": True, "nianbao_q": q}
    if not match:
        return FilterArguments([], extra_context=context)
    matches = request.scope.get(SCOPE_KEY)
    if matches is None:
        matches = await count_matches(db, match)
    many = matches > MANY_MATCHES
    context.update(
        {"nianbao_matches": matches, "nianbao_many": many, "nianbao_many_above": MANY_MATCHES_SHOWN}
    )
    params: dict[str, Any] = {"nianbao_q": match}
    clause = SEARCHABLE[table]
    if many and table == "reports":
        clause = SEARCHABLE_MANY[table]
    elif many and table == "sections":
        after = _page_start(request)
        if after is not None:
            clause = SEARCHABLE_MANY[table]
            params.update({"nianbao_after": after, "nianbao_upto": upto})
    return FilterArguments(
        [clause],
        params=params,
        human_descriptions=[f"全文包含“{q}”"],
        extra_context=context,
    )


def _page_start(request: Request) -> int | None:
    """The last section id before this page, when the page lists sections in id order
    one page at a time (not a streamed CSV, which pages internally); else None."""
    args = request.args
    if args.get("_sort") not in (None, "id") or args.get("_sort_desc") or args.get("_stream"):
        return None
    after = args.get("_next") or "0"
    return int(after) if after.isdigit() else None


def _search_target(datasette: Datasette, path: str) -> tuple[str, str] | None:
    """(database, table) when ``path`` is a searchable table page (HTML, JSON or CSV)."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or parts[0] not in datasette.databases:
        return None
    table = parts[1].rsplit(".", 1)[0] if parts[1].endswith((".json", ".csv")) else parts[1]
    return (parts[0], table) if table in SEARCHABLE else None


def _wrap(app: ASGIApp, datasette: Datasette) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("query_string"):
            await app(scope, receive, send)
            return
        target = _search_target(datasette, scope["path"])
        # Decoded as Datasette's Request.args does, so q is what the filter will see.
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        q = next((v for k, v in pairs if k == "_search"), "").strip()
        match = fts_query(q) if target and q else None
        if target and match:
            matches = await count_matches(datasette.get_database(target[0]), match)
            scope = {**scope, SCOPE_KEY: matches}
            if matches > MANY_MATCHES:
                given = {k for k, _ in pairs}
                extra = [(k, "1") for k in ("_nocount", "_nofacet") if k not in given]
                scope["query_string"] = scope["query_string"] + (
                    b"&" + urlencode(extra).encode() if extra else b""
                )
        await app(scope, receive, send)

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: _wrap(app, datasette)


SEARCH_SQL = f"""
select s.report_id, r.agency, r.year, r.province, k.title as section,
       snippet({FTS_TABLE}, 0, '[', ']', '…', 24) as snippet
from {FTS_TABLE} f
join sections s on s.id = f.rowid
join reports r on r.id = s.report_id
join section_keys k on k.key = s.section
where {FTS_TABLE} match :q
order by r.year desc, r.agency, r.id, s.id
limit {SEARCH_LIMIT}
"""
# Many matches: the first SEARCH_LIMIT sections in the same order, found report by report
# (the reports in page order, from the serving index on year desc, agency, id), then the
# snippets of just those sections.
SEARCH_MANY_IDS_SQL = f"""
select s.id from reports r cross join sections s on s.report_id = r.id
where +s.id in (select rowid from {FTS_TABLE} where {FTS_TABLE} match :q)
order by r.year desc, r.agency, r.id, s.id
limit {SEARCH_LIMIT}
"""
SEARCH_MANY_ROWS_SQL = f"""
select s.id, s.report_id, r.agency, r.year, r.province, k.title as section,
       snippet({FTS_TABLE}, 0, '[', ']', '…', 24) as snippet
from {FTS_TABLE} f
join sections s on s.id = f.rowid
join reports r on r.id = s.report_id
join section_keys k on k.key = s.section
where {FTS_TABLE} match :q and f.rowid in (select value from json_each(:ids))
"""


async def search_rows(db: Database, match: str) -> list[dict[str, Any]]:
    """The sections /-/search lists for an FTS query, each with its snippet."""
    if await count_matches(db, match) <= MANY_MATCHES:
        return [dict(r) for r in (await db.execute(SEARCH_SQL, {"q": match})).rows]
    ids = [r[0] for r in (await db.execute(SEARCH_MANY_IDS_SQL, {"q": match})).rows]
    found = await db.execute(SEARCH_MANY_ROWS_SQL, {"q": match, "ids": json.dumps(ids)})
    by_id = {r["id"]: {k: r[k] for k in r.keys() if k != "id"} for r in found.rows}
    return [by_id[i] for i in ids if i in by_id]


async def search_page(datasette: Datasette, request: Request) -> Any:
    """/-/search?q=: every section whose text holds all the words, with a snippet."""
    q = visitor_query(request, "q")
    match = fts_query(q) if q else None
    rows: list[dict[str, Any]] = []
    status = 200
    if match:
        try:
            rows = await search_rows(datasette.get_database(_database_name(datasette)), match)
        except QueryInterrupted:
            status = 400  # past sql_time_limit_ms: say so rather than fail with a 500
            q = f"{q}（查询超时，请换用更具体的词 / the search took too long）"
        for row in rows:
            row["snippet_html"] = snippet_html(row["snippet"])
    html = await datasette.render_template(
        "search.html",
        {"q": q, "rows": rows, "database": _database_name(datasette)},
        request=request,
    )
    return Response.html(html, status=status)


def _database_name(datasette: Datasette) -> str:
    names = [name for name in datasette.databases if not name.startswith("_")]
    return "nianbao" if "nianbao" in names else names[0]


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search$", search_page)]
