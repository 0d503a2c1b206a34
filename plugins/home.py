"""The Chinese home page: counts from the summary_site row built at ingest
(ingest/db/derived.py), or the same SQL run live on a database without it.

``/`` is served here rather than by Datasette's index view, which lists every table of
every database (a permission check and a metadata copy per table) only for
templates/index.html to show none of it. ``/.json`` stays Datasette's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from datasette import __version__, hookimpl
from datasette.app import Datasette
from datasette.database import Database
from datasette.utils.asgi import Request, Response

from ingest.db.derived import SITE_SQL
from ingest.db.schema import site_database

SITE_TABLE = "summary_site"


async def site_counts(db: Database) -> dict[str, Any]:
    """The home page's counts: the row precomputed at ingest when the database cannot
    change under it (served immutable), else counted live."""
    stored = not db.is_mutable and await db.table_exists(SITE_TABLE)
    sql = f"select * from {SITE_TABLE}" if stored else SITE_SQL
    row = (await db.execute(sql)).first()
    return dict(row) if row else {}


@hookimpl
def extra_template_vars(
    template: str, datasette: Datasette
) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    if template != "index.html":
        return None

    async def inner() -> dict[str, Any]:
        name = site_database(datasette.databases)
        queries = await datasette.get_canned_queries(name, None)
        return {
            "nianbao_db": name,
            "counts": await site_counts(datasette.get_database(name)),
            # (key, title, fragment): the fragment keeps a query's chart settings.
            "saved_queries": [
                (key, q.get("title", key), q.get("fragment") or "") for key, q in queries.items()
            ],
        }

    return inner


async def home_page(datasette: Datasette, request: Request) -> Response:
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    json_url = datasette.absolute_url(request, datasette.urls.path("/.json"))
    context = {
        "metadata": datasette.metadata(),
        "databases": [],
        "datasette_version": __version__,
        "alternate_url_json": json_url,
        "select_templates": ["*index.html"],
    }
    html = await datasette.render_template(
        "index.html", context, request=request, view_name="index"
    )
    link = f'{json_url}; rel="alternate"; type="application/json+datasette"'
    return Response.html(html, headers={"Link": link})


@hookimpl
def register_routes() -> list[tuple[str, Callable[..., Awaitable[Response]]]]:
    return [(r"^/$", home_page)]
