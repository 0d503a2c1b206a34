"""Counts for the Chinese home page, read from the summary tables built at ingest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette

COUNTS_SQL = """
select
  (select count(*) from reports) as reports,
  (select count(*) from agencies) as agencies,
  (select count(*) from summary_year) as years,
  (select min(year) from summary_year) as first_year,
  (select max(year) from summary_year) as last_year,
  (select count(distinct province) from summary_year_province where province <> '（未识别）') as provinces,
  (select coalesce(sum(reports_failing_checks), 0) from summary_year) as failing,
  (select count(*) from ingest_errors) as unparsed
"""


def _database_name(datasette: Datasette) -> str:
    names = [name for name in datasette.databases if not name.startswith("_")]
    return "nianbao" if "nianbao" in names else names[0]


@hookimpl
def extra_template_vars(
    template: str, datasette: Datasette
) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    if template != "index.html":
        return None

    async def inner() -> dict[str, Any]:
        name = _database_name(datasette)
        row = (await datasette.get_database(name).execute(COUNTS_SQL)).first()
        queries = await datasette.get_canned_queries(name, None)
        return {
            "nianbao_db": name,
            "counts": dict(row) if row else {},
            "saved_queries": [(key, q.get("title", key)) for key, q in queries.items()],
        }

    return inner
