"""Facet counts of an unfiltered table, read from the precomputed summary_facets table.

Datasette counts every facet of a table page by grouping the whole table, per page
view: seven facets of 100,000 reports cost more than everything else on the page. The
counts of a table with no filter are fixed for an immutable database, so
ingest/db/derived.py stores them at ingest and this plugin answers Datasette's column
facets from them: same values, same counts, same order (count desc, value), same
links. Filtered pages, search results, mutable databases (whose counts can change)
and databases without the table keep Datasette's own counting.

A facet does not hide blanks: Datasette leaves NULL out of its counts, so every column
facet gets one more value, None (shown as 未知, linking to ``?col__isnull=1``), with the
number of rows where the column is NULL: read from summary_facets for a whole table,
counted under the page's filters otherwise (within facet_time_limit_ms; left out when
that runs out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from datasette import facets as datasette_facets
from datasette.database import QueryInterrupted
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from ingest.db.derived import FACETED, FACETS_TABLE

LOOKUP_SQL = f"""
select value, count from {FACETS_TABLE}
where table_name = :table and column_name = :column and value is not null
order by count desc, value limit :limit
"""
BLANKS_SQL = f"""
select count from {FACETS_TABLE}
where table_name = :table and column_name = :column and value is null
"""

FacetResults = tuple[list[dict[str, Any]], list[str]]


async def precomputed_available(facet: Any) -> bool:
    """Are all of this facet's columns stored, for a whole table of an immutable database?"""
    if not facet.table:
        return False
    whole = f"from {escape_sqlite(facet.table)}"
    if facet.params or not facet.sql.rstrip().endswith(whole):
        # a where clause (filters, a search) unless it is only the clause every row
        # passes that plugins/pagination.py gives page 1 of a sorted table
        start = getattr(facet.request, "scope", {}).get("nianbao.start_where")
        if not start or dict(facet.params or {}) != start[1]:
            return False
        if not facet.sql.rstrip().endswith(f"{whole} where {start[0]}"):
            return False
    stored = FACETED.get(facet.table, ())
    columns = [c["config"].get("column") or c["config"]["simple"] for c in facet.get_configs()]
    if not columns or any(column not in stored for column in columns):
        return False
    db = facet.ds.get_database(facet.database)
    if db.is_mutable:
        return False
    return bool(await db.table_exists(FACETS_TABLE))


async def precomputed_facet_results(facet: Any) -> FacetResults:
    """Datasette's ColumnFacet.facet_results, with the counts read instead of computed."""
    results: list[dict[str, Any]] = []
    timed_out: list[str] = []
    qs_pairs = facet.get_querystring_pairs()
    facet_size = facet.get_facet_size()
    db = facet.ds.get_database(facet.database)
    for source_and_config in facet.get_configs():
        config = source_and_config["config"]
        source = source_and_config["source"]
        column = config.get("column") or config["simple"]
        rows = (
            await db.execute(
                LOOKUP_SQL, {"table": facet.table, "column": column, "limit": facet_size + 1}
            )
        ).rows
        values: list[dict[str, Any]] = []
        results.append(
            {
                "name": column,
                "type": facet.type,
                "hideable": source != "metadata",
                "toggle_url": facet.ds.urls.path(
                    path_with_removed_args(facet.request, {"_facet": column})
                ),
                "results": values,
                "truncated": len(rows) > facet_size,
            }
        )
        shown = rows[:facet_size]
        expanded = await facet.ds.expand_foreign_keys(
            facet.database, facet.table, column, [row["value"] for row in shown]
        )
        for row in shown:
            column_qs = f"{column}__exact" if column.startswith("_") else column
            selected = (column_qs, str(row["value"])) in qs_pairs
            if selected:
                toggle_path = path_with_removed_args(facet.request, {column_qs: str(row["value"])})
            else:
                toggle_path = path_with_added_args(facet.request, {column_qs: row["value"]})
            values.append(
                {
                    "value": row["value"],
                    "label": expanded.get((column, row["value"]), row["value"]),
                    "count": row["count"],
                    "toggle_url": facet.ds.absolute_url(
                        facet.request, facet.ds.urls.path(toggle_path)
                    ),
                    "selected": selected,
                }
            )
    return results, timed_out


_installed = datasette_facets.ColumnFacet.facet_results
ORIGINAL: Callable[[Any], Awaitable[FacetResults]] = getattr(
    _installed, "nianbao_original", _installed
)


async def blank_count(facet: Any, column: str, precomputed: bool) -> int | None:
    """Rows where ``column`` is NULL under the page's filters (None when unknown)."""
    db = facet.ds.get_database(facet.database)
    try:
        if precomputed:
            rows = (await db.execute(BLANKS_SQL, {"table": facet.table, "column": column})).rows
            return rows[0][0] if rows else 0
        sql = f"select count(*) from ({facet.sql}) where {escape_sqlite(column)} is null"
        limit = facet.ds.setting("facet_time_limit_ms")
        return (await db.execute(sql, facet.params, custom_time_limit=limit)).rows[0][0]
    except QueryInterrupted:
        return None


async def add_blank_buckets(facet: Any, results: list[dict[str, Any]], precomputed: bool) -> None:
    """Append the 未知 value (None) to every column facet that has blank rows."""
    for result in results:
        if result.get("type") != "column":
            continue
        column = result["name"]
        arg = f"{column}__isnull"
        selected = facet.request.args.get(arg) == "1"
        count = await blank_count(facet, column, precomputed)
        if not count:
            continue
        if selected:
            toggle_path = path_with_removed_args(facet.request, {arg: "1"})
        else:
            toggle_path = path_with_added_args(facet.request, {arg: "1"})
        result["results"].append(
            {
                "value": None,
                "label": None,
                "count": count,
                "toggle_url": facet.ds.absolute_url(facet.request, facet.ds.urls.path(toggle_path)),
                "selected": selected,
            }
        )


async def facet_results(self: Any) -> FacetResults:
    precomputed = await precomputed_available(self)
    if precomputed:
        results, timed_out = await precomputed_facet_results(self)
    else:
        results, timed_out = await ORIGINAL(self)
    await add_blank_buckets(self, results, precomputed)
    return results, timed_out


# Installed on every load of the plugins directory; ORIGINAL stays Datasette's own.
facet_results.nianbao_original = ORIGINAL  # type: ignore[attr-defined]
datasette_facets.ColumnFacet.facet_results = facet_results  # type: ignore[method-assign]
