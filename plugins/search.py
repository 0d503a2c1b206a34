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

from ingest.db.schema import FTS_TABLE, site_database
from ingest.db.search import fts_query, narrative_text

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
# Highlight marks FTS5's snippet() puts around the words found: control characters, which
# a report's text never holds (unlike [ and ]).
MARK_START, MARK_END = "\x02", "\x03"


def snippet_html(snippet: str) -> Markup:
    """FTS snippet (characters spaced apart by the index) → escaped HTML with <mark>."""
    text = str(escape(_INDEX_SPACES.sub(r"\1", snippet)))
    return Markup(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


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


# --------------------------------------------------------------------------- /-/search

PAGE_SIZE = 20
# The search page ranks by bm25 when at most RANK_LIMIT sections match the words (FTS5
# computes bm25 for every match: ~9 µs each, 1.7 s for the 200,000 sections of a common
# word at 100,000 reports). Above it the matches are listed in the order they were
# loaded, newest first, and counted up to RANK_LIMIT; the page says so and suggests
# more words or a filter. Either way no query visits more than the matches of the
# words once, and paging stops at RANK_LIMIT.
RANK_LIMIT = 1000
FILTERS: dict[str, str] = {
    "year": "r.year = :year",
    "province": "r.province = :province",
    "agency_type": "r.agency_type = :agency_type",
}
_SELECT = f"""
select s.id, s.report_id, r.agency, r.agency_id, r.year, r.province, r.agency_type,
       k.title as section, snippet({FTS_TABLE}, 0, '{MARK_START}', '{MARK_END}', '…', 32) as snippet
from {FTS_TABLE} f
cross join sections s on s.id = f.rowid
cross join reports r on r.id = s.report_id
left join section_keys k on k.key = s.section
where {FTS_TABLE} match :q
"""


def search_sql(filters: dict[str, str], ranked: bool) -> tuple[str, str]:
    """(rows SQL, capped count SQL) for the chosen filters. Rows: ``:limit`` from
    ``:offset``, by bm25 (``ranked``) or newest-loaded first. The count stops at
    RANK_LIMIT + 1 matching sections. The FTS index is the outer loop (CROSS JOIN): with
    a filter SQLite would otherwise walk the filtered reports and run the full-text
    query once per section, ~35 ms each."""
    where = "".join(f" and {FILTERS[k]}" for k in filters)
    order = "order by f.rank, s.id" if ranked else "order by f.rowid desc"
    rows = f"{_SELECT}{where} {order} limit :limit offset :offset"
    count = (
        f"select count(*) from (select 1 from {FTS_TABLE} f cross join sections s"
        f" on s.id = f.rowid cross join reports r on r.id = s.report_id"
        f" where {FTS_TABLE} match :q{where}"
        f" limit {RANK_LIMIT + 1})"
    )
    return rows, count


def chosen_filters(request: Request) -> dict[str, str]:
    """The filters the visitor set (year, province, agency_type), values stripped."""
    out = {}
    for key in FILTERS:
        value = (request.args.get(key) or "").strip()
        if value:
            out[key] = value
    return out


def page_number(request: Request) -> int:
    raw = request.args.get("page") or "1"
    page = int(raw) if raw.isdigit() else 1
    return max(1, min(page, RANK_LIMIT // PAGE_SIZE))


async def search_results(
    db: Database, match: str, filters: dict[str, str], page: int
) -> dict[str, Any]:
    """One page of /-/search: rows (with ``snippet_html``), the count (capped at
    RANK_LIMIT + 1), whether the rows are ranked by relevance, and the page numbers."""
    ranked = await count_matches(db, match) <= RANK_LIMIT
    rows_sql, count_sql = search_sql(filters, ranked)
    params: dict[str, Any] = {"q": match, **filters}
    if "year" in filters:
        params["year"] = int(filters["year"]) if filters["year"].isdigit() else -1
    total = int((await db.execute(count_sql, params)).single_value())
    shown = min(total, RANK_LIMIT)
    params.update({"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    rows = [dict(r) for r in (await db.execute(rows_sql, params)).rows]
    for row in rows:
        row["snippet_html"] = snippet_html(row["snippet"])
    last_page = max(1, -(-shown // PAGE_SIZE))
    return {
        "rows": rows,
        "total": total,
        "more_than": RANK_LIMIT if total > RANK_LIMIT else None,
        "ranked": ranked,
        "page": page,
        "last_page": last_page,
        "first": (page - 1) * PAGE_SIZE + 1,
        "last": (page - 1) * PAGE_SIZE + len(rows),
    }


async def search_page(datasette: Datasette, request: Request) -> Any:
    """/-/search?q=&year=&province=&agency_type=&page=: the narrative sections that hold
    every word, ranked, with highlighted snippets, a count and pages (.json: the same)."""
    q = visitor_query(request, "q")
    match = fts_query(q) if q else None
    filters = chosen_filters(request)
    page = page_number(request)
    name = site_database(datasette.databases)
    context: dict[str, Any] = {"q": q, "filters": filters, "database": name, "error": None}
    status = 200
    if match:
        try:
            context.update(await search_results(datasette.get_database(name), match, filters, page))
        except QueryInterrupted:
            status = 400  # past sql_time_limit_ms: say so rather than fail with a 500
            context["error"] = "查询超时，请换用更具体的词或加上筛选条件。"
    if request.url_vars.get("format") == "json":
        keys = ("q", "filters", "total", "more_than", "ranked", "page", "last_page", "error")
        body = {k: context.get(k) for k in keys}
        body["rows"] = [
            {k: v for k, v in r.items() if k != "snippet_html"} | {"snippet": _plain(r["snippet"])}
            for r in context.get("rows", [])
        ]
        return Response.json(body, status=status, headers={"Access-Control-Allow-Origin": "*"})
    context["page_url"] = lambda n: _page_url(datasette, request, n)
    html = await datasette.render_template("search.html", context, request=request)
    return Response.html(html, status=status)


def _plain(snippet: str) -> str:
    """A snippet as text: the index's spaces removed, the words found in 【】."""
    return _INDEX_SPACES.sub(r"\1", snippet).replace(MARK_START, "【").replace(MARK_END, "】")


def _page_url(datasette: Datasette, request: Request, page: int) -> str:
    pairs = [(k, request.args.get(k)) for k in ("q", *FILTERS) if request.args.get(k)]
    return datasette.urls.path("/-/search") + "?" + urlencode([*pairs, ("page", str(page))])


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search(\.(?P<format>json))?$", search_page)]


# --------------------------------------------------------------------------- sections table

SECTION_PREVIEW = 100  # characters of a section shown in a table cell


@hookimpl
def render_cell(value: Any, column: str, table: str | None, row: Any, datasette: Datasette) -> Any:
    """sections.text in HTML tables: the start of the narrative (tables left out), its
    length and a link to the report page, instead of the whole section (a search for a
    common word listed whole sections, a 70,000 px page)."""
    if (table, column) != ("sections", "text") or not isinstance(value, str):
        return None
    narrative = " ".join(narrative_text(value).split("\n"))
    preview = narrative[:SECTION_PREVIEW] + ("…" if len(narrative) > SECTION_PREVIEW else "")
    url = datasette.urls.path(f"/report/{row['report_id']}")
    return Markup(
        f'<span class="section-preview">{escape(preview) or "（只有表格）"}</span> '
        f'<a href="{escape(url)}">全文（{len(value):,} 字）</a>'
    )
