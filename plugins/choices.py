"""Pick-lists for the site's forms: the years, provinces and agency types the database
holds, as ``nianbao_choices`` in every template (search page, canned query pages).

Read from small tables (summary_year, regions, agency_types), once per immutable
database (its content cannot change while served) and on every page otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.database import Database

from ingest.db.schema import site_database

YEARS_SQL = "select distinct year from reports where year is not null order by year desc"
YEARS_SUMMARY_SQL = "select year from summary_year order by year desc"
# Provinces in the order of their region codes (北京市 11, 天津市 12, …).
PROVINCES_SQL = """
select province from regions where province is not null
group by province order by min(code)
"""
AGENCY_TYPES_SQL = "select name from agency_types order by name"

_cache: dict[str, dict[str, list[Any]]] = {}


async def choices(db: Database) -> dict[str, list[Any]]:
    """{"years": [2025, 2024, …], "provinces": [...], "agency_types": [...]}."""
    cached = _cache.get(db.name)
    if cached is not None and not db.is_mutable:
        return cached
    years_sql = YEARS_SUMMARY_SQL if await db.table_exists("summary_year") else YEARS_SQL
    out = {
        "years": [r[0] for r in (await db.execute(years_sql)).rows],
        "provinces": [r[0] for r in (await db.execute(PROVINCES_SQL)).rows],
        "agency_types": [r[0] for r in (await db.execute(AGENCY_TYPES_SQL)).rows],
    }
    _cache[db.name] = out
    return out


@hookimpl
def extra_template_vars(
    template: str, datasette: Datasette
) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    if template not in ("search.html", "query.html") and not template.startswith("query-"):
        return None

    async def inner() -> dict[str, Any]:
        db = datasette.get_database(site_database(datasette.databases))
        return {"nianbao_choices": await choices(db)}

    return inner
