"""Every row exactly once through the API when a table is sorted (issue 12).

Datasette 0.65 pages a sorted table by keyset: page 2 on is
`where (col < :last or (col = :last and pk > :last_pk)) order by col desc, pk`, but
page 1 is only `order by col desc`, without the primary-key tie-breaker
(simonw/datasette#189, #216, #1379). Rows that tie on the sort column come back on
page 1 in whatever order the query plan gives, and the second page's `pk > :last_pk`
then skips some of them and repeats others. `?_stream=on` CSV pages the same way.
With the reports table's default sort (`sort_desc: year`) every page boundary falls
inside a year: 156 of 2,300 reports went missing following `next_url`.

The fix: page 1 of a sorted table is asked for with a start token that every row
passes — for an ascending sort `$null,<smallest pk>` (nulls sort first), for a
descending one `<a value above every value>,<smallest pk>` — so Datasette builds
page 1 with its own page-2 SQL, tie-breaker included. The token goes in as the `_next`
argument of `TableView.data` (not the URL: CSV streaming refuses a `_next` there), so
the URLs, counts, facets and `next_url` are Datasette's own. Datasette is pinned
to 0.65.x (pyproject.toml); tests/test_pagination.py checks every id comes exactly
once (default sort, `_sort`, `_sort_desc`, CSV stream).

Start values: TEXT and untyped keys start at '' (every non-empty string is greater);
INTEGER keys at -2**63. The value above everything for a descending sort is the
string U+10FFFF: SQLite orders every number below every string, and no real text
starts with that code point. Rowid tables page by rowid the same way.
"""

from __future__ import annotations

from typing import Any

from datasette.utils import compound_keys_after_sql, escape_sqlite, tilde_decode, tilde_encode
from datasette.views.table import TableView

ABOVE_EVERYTHING = "\U0010ffff"
SMALLEST_INTEGER = str(-(2**63))
# Where start_token leaves, in request.scope, the where clause and params Datasette
# builds from the token on a page without filters (plugins/facet_counts.py reads it:
# a clause every row passes leaves the whole table's facet counts unchanged).
START_WHERE = "nianbao.start_where"


def start_where(
    column: str, descending: bool, pks: list[str], starts: list[str]
) -> tuple[str, dict[str, str]]:
    """The where clause and params Datasette 0.65's TableView builds from a start token
    when the page has no filter of its own (its params then start at p0): the pk
    tie-breaker's params first, then the sort value's (views/table.py, `if _next:`)."""
    after = compound_keys_after_sql(pks, 0) if pks else "rowid > :p0"
    params = {f"p{i}": start for i, start in enumerate(starts)}
    col = escape_sqlite(column)
    if not descending:  # the sort value is $null: no param
        return f"({col} is not null or ({col} is null and {after}))", params
    p = f"p{len(starts)}"
    params[p] = ABOVE_EVERYTHING
    return f"({col} < :{p} or {col} is null or ({col} = :{p} and {after}))", params


async def start_token(datasette: Any, request: Any) -> str | None:
    """The `_next` token that makes page 1 of a sorted table carry the pk tie-breaker,
    or None when the request is not page 1 of a sorted table (a view, a canned query,
    no sort, an unknown sort column — Datasette handles those as before)."""
    if request.args.get("_next"):
        return None
    try:
        database_route = tilde_decode(request.url_vars["database"])
        table = tilde_decode(request.url_vars["table"])
        db = datasette.get_database(route=database_route)
    except KeyError:
        return None
    if await datasette.get_canned_query(db.name, table, request.actor):
        return None
    if not await db.table_exists(table):
        return None  # a view pages by offset; a missing table is Datasette's 404
    sort, sort_desc = request.args.get("_sort"), request.args.get("_sort_desc")
    if not sort and not sort_desc:
        meta = datasette.table_metadata(db.name, table)
        sort, sort_desc = meta.get("sort"), meta.get("sort_desc")
    if bool(sort) == bool(sort_desc):
        return None  # no sort, or both (Datasette's error)
    details = {c.name: (c.type or "").upper() for c in await db.table_column_details(table)}
    column = sort or sort_desc
    if column not in details and column != "rowid":
        return None
    pks = await db.primary_keys(table)
    starts = [SMALLEST_INTEGER if "INT" in details.get(pk, "") else "" for pk in pks]
    if not pks:
        starts = [SMALLEST_INTEGER]  # rowid
    request.scope[START_WHERE] = start_where(column, not sort, pks, starts)
    first = "$null" if sort else tilde_encode(ABOVE_EVERYTHING)
    return ",".join([first, *(tilde_encode(s) for s in starts)])


_datasette_data = TableView.data


async def _data_with_tie_breaker(
    self: TableView,
    request: Any,
    default_labels: bool = False,
    _next: str | None = None,
    _size: Any = None,
) -> Any:
    if _next is None:
        _next = await start_token(self.ds, request)
    return await _datasette_data(self, request, default_labels, _next, _size)


if not getattr(TableView.data, "_nianbao_tie_breaker", False):
    _data_with_tie_breaker._nianbao_tie_breaker = True  # type: ignore[attr-defined]
    TableView.data = _data_with_tie_breaker  # type: ignore[method-assign]
