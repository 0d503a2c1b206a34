"""robots.txt and sitemap.xml, with every URL under the site's ``base_url``.

``/robots.txt`` is served by the maintained plugin datasette-block-robots (configured in
metadata.yml with ``literal: "User-agent: *"``); this plugin adds its rules through that
plugin's ``block_robots_extra_lines`` hook, each path under ``base_url``: report pages
are for everyone, the heavy endpoints (SQL, CSV/JSON exports, facets, sorts, paging,
the download) are not for crawlers, and the Sitemap line gives the sitemap's address.

``/sitemap.xml`` stays ours rather than datasette-sitemap's: that plugin writes one
file of at most 50,000 URLs (its SQL gets ``limit 50000``), so at 100,000 reports half
the report pages would be left out without a word. Here past 50,000 reports
``/sitemap.xml`` is a sitemap index of ``/sitemap.xml?page=N`` files, as the sitemap
protocol asks.

Absolute URLs are ``datasette.absolute_url(request, datasette.urls.path(path))``: the
path under ``base_url`` on the request's scheme and host (simonw/datasette#1387: a bare
``absolute_url(request, "/sitemap.xml")`` drops the prefix).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import Request, Response

SITEMAP_PAGE = 50_000  # the sitemap protocol's limit of URLs per file
ALLOW = ("/report/", "/sitemap.xml")
DISALLOW = (
    "/*?sql=",
    "/*&sql=",
    "/*.csv",
    "/*.json",
    "/*.db",
    "/*?_facet",
    "/*&_facet",
    "/*?_sort",
    "/*&_sort",
    "/*?_next=",
    "/*&_next=",
    "/-/",
)
CRAWL_DELAY = 1  # seconds


def absolute(datasette: Datasette, request: Request, path: str) -> str:
    """The full URL of a site path, under base_url."""
    return datasette.absolute_url(request, datasette.urls.path(path))


@hookimpl
def block_robots_extra_lines(datasette: Datasette, request: Request) -> list[str]:
    """robots.txt rules after datasette-block-robots' ``User-agent: *``."""
    return [
        *(f"Allow: {datasette.urls.path(p)}" for p in ALLOW),
        *(f"Disallow: {datasette.urls.path(p)}" for p in DISALLOW),
        f"Crawl-delay: {CRAWL_DELAY}",
        "",
        f"Sitemap: {absolute(datasette, request, '/sitemap.xml')}",
    ]


async def _reports_db(datasette: Datasette) -> Any | None:
    for name, db in datasette.databases.items():
        if name != "_internal" and await db.table_exists("reports"):
            return db
    return None


async def sitemap_xml(datasette: Datasette, request: Request) -> Response:
    """Every /report/{id} page; a sitemap index of numbered pages past 50,000 reports."""
    db = await _reports_db(datasette)
    ids: list[str] = []
    if db is not None:
        rows = await db.execute("select id from reports order by id", custom_time_limit=10_000)
        ids = [row[0] for row in rows.rows]
    raw_page = dict(parse_qsl(request.query_string)).get("page")
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if raw_page is None and len(ids) > SITEMAP_PAGE:
        pages = range(1, (len(ids) - 1) // SITEMAP_PAGE + 2)
        items = "".join(
            f"<sitemap><loc>{escape(absolute(datasette, request, f'/sitemap.xml?page={n}'))}"
            "</loc></sitemap>\n"
            for n in pages
        )
        body = f"{head}<sitemapindex {ns}>\n{items}</sitemapindex>\n"
        return Response(body, content_type="application/xml; charset=utf-8")
    page = int(raw_page) if raw_page and raw_page.isdigit() else 1
    chunk = ids[(page - 1) * SITEMAP_PAGE : page * SITEMAP_PAGE]
    if raw_page is not None and not chunk:
        return Response.text("no such sitemap page", status=404)
    items = "".join(
        f"<url><loc>{escape(absolute(datasette, request, f'/report/{rid}'))}</loc></url>\n"
        for rid in chunk
    )
    body = f"{head}<urlset {ns}>\n{items}</urlset>\n"
    return Response(body, content_type="application/xml; charset=utf-8")


@hookimpl
def register_routes() -> list[tuple[str, Callable[..., Awaitable[Response]]]]:
    return [(r"^/sitemap\.xml$", sitemap_xml)]
