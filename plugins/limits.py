"""Bounded work per request, so one visitor cannot starve the rest.

Two kinds of request run SQL we did not tune, and each kind has its own slots:

- **Visitor SQL**: ``?sql=`` and ``?_where=``. ``NIANBAO_SQL_CONCURRENCY`` slots
  (default 1) per process; when the slot is busy the request waits at most
  ``NIANBAO_SQL_WAIT_MS`` (default 0) and is then refused with 429 and ``Retry-After``
  instead of queueing. With one slot, expensive SQL holds at most one of Datasette's
  ``num_sql_threads`` and one core, so page views keep the others.
- **Exports and canned queries**: ``_stream=`` CSV exports and the canned queries of
  the metadata. ``NIANBAO_EXPORT_CONCURRENCY`` slots (default 2), waiting at most
  ``NIANBAO_EXPORT_WAIT_MS`` (default 3000) before a 429. Separate from visitor SQL, so
  someone hammering ``?sql=`` cannot lock out the site's own queries.

Datasette's ``sql_time_limit_ms`` bounds how long a slot is held. SQLite's heap is
capped process-wide at ``NIANBAO_SQLITE_HEAP_MB`` (default 256), so a query that would
balloon the server's memory (``group_concat`` over a cross join, ``randomblob(1e9)``)
stops with "out of memory", answered as a 400 that says so. Where the sqlite3 module
has ``setlimit`` (the standard library's; not pysqlite3, which Datasette prefers when
installed), one string or blob is also capped at ``NIANBAO_SQLITE_MAX_LENGTH`` bytes.

The dashboard's charts (datasette-dashboards) fetch their data as ``?sql=``; SQL that is
exactly one of the charts' configured queries is the site's own (cheap, from the summary
tables) and takes no slot, so one page view's six parallel chart fetches are not refused.

Oversized query strings and malformed ``_size`` values are refused before Datasette
sees them. Datasette 0.65 answers some visitor mistakes with 500 (several statements
in ``?sql=``, ``_sort`` by a missing column); those are passed on as 400, so a 5xx
always means a fault of ours.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote

from datasette import hookimpl
from datasette.app import Datasette
from datasette.handle_exception import handle_exception as default_handle_exception
from datasette.utils.asgi import Request
from datasette.views.base import DatasetteError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


SQL_CONCURRENCY = _env_int("NIANBAO_SQL_CONCURRENCY", 1)
SQL_WAIT_SECONDS = _env_int("NIANBAO_SQL_WAIT_MS", 0) / 1000
EXPORT_CONCURRENCY = _env_int("NIANBAO_EXPORT_CONCURRENCY", 2)
EXPORT_WAIT_SECONDS = _env_int("NIANBAO_EXPORT_WAIT_MS", 3000) / 1000
SQLITE_MAX_LENGTH = _env_int("NIANBAO_SQLITE_MAX_LENGTH", 10_000_000)  # bytes
SQLITE_HEAP_BYTES = _env_int("NIANBAO_SQLITE_HEAP_MB", 256) * 2**20
RETRY_AFTER = 2  # seconds
MAX_QUERY_STRING = 16_384  # bytes; a longer URL is an attack or a mistake
VISITOR_SQL_PARAMS = {"sql", "_where"}
USER_MISTAKE_PARAMS = {"sql", "_sort", "_sort_desc", "_where"}
SIZE_VALUE = re.compile(r"^(max|0|[1-9][0-9]{0,6})$")

BUSY = (
    "服务器繁忙：同时运行的自定义查询过多，请稍后重试。"
    " / Too many SQL queries are running at once; please retry in a few seconds."
)
TOO_LONG = "查询字符串过长。 / The query string is too long."
OUT_OF_MEMORY = (
    "查询所需内存超出限制，已停止。 / The query needs more memory than the server allows;"
    " it was stopped."
)
BAD_SIZE = "_size 必须是 0、正整数或 max。 / _size must be 0, a positive integer or max."


class SiteQueries(NamedTuple):
    """The site's own queries, from the metadata: read once per process (the metadata
    does not change while the site is served), not on every request."""

    canned: frozenset[tuple[str, str]]  # (database, canned query name)
    charts: frozenset[tuple[str, str]]  # (database, whitespace-normalised chart SQL)


def _normal_sql(sql: str) -> str:
    return " ".join(sql.split())


def site_queries(datasette: Datasette) -> SiteQueries:
    canned = {
        (db_name, query)
        for db_name in datasette.databases
        for query in (datasette.metadata("queries", database=db_name) or {})
    }
    charts = set()
    dashboards = datasette.plugin_config("datasette-dashboards") or {}
    for dashboard in dashboards.values():
        if not isinstance(dashboard, dict):
            continue
        for chart in (dashboard.get("charts") or {}).values():
            if isinstance(chart, dict) and chart.get("db") and chart.get("query"):
                charts.add((str(chart["db"]), _normal_sql(str(chart["query"]))))
    return SiteQueries(frozenset(canned), frozenset(charts))


def kind_of(queries: SiteQueries, path: str, params: dict[str, str]) -> str | None:
    """ "sql" for SQL a visitor wrote, "export" for streams and canned queries, else None
    (page views, and the dashboard's own chart queries)."""
    parts = unquote(path).strip("/").split("/")
    if VISITOR_SQL_PARAMS & params.keys():
        chart = (
            "_where" not in params
            and len(parts) == 1
            and (parts[0].removesuffix(".json"), _normal_sql(params["sql"])) in queries.charts
        )
        return None if chart else "sql"
    if params.get("_stream"):
        return "export"
    if len(parts) == 2:
        name = parts[1].rsplit(".", 1)[0] if parts[1].endswith((".json", ".csv")) else parts[1]
        if (parts[0], name) in queries.canned:
            return "export"
    return None


async def _refuse(send: Send, status: int, message: str, retry_after: int | None = None) -> None:
    body = json.dumps(
        {"ok": False, "status": status, "error": message, "title": "请求被拒绝 / Request refused"},
        ensure_ascii=False,
    ).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"access-control-allow-origin", b"*"),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _as_client_error(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 500:
            message = {**message, "status": 400}
        await send(message)

    return wrapped


class Slots:
    """A semaphore that refuses (returns False) after waiting ``wait`` seconds."""

    def __init__(self, size: int, wait: float) -> None:
        self.semaphore = asyncio.Semaphore(size)
        self.wait = wait

    async def acquire(self) -> bool:
        if not self.semaphore.locked():
            await self.semaphore.acquire()
            return True
        if self.wait <= 0:
            return False
        try:
            await asyncio.wait_for(self.semaphore.acquire(), timeout=self.wait)
        except TimeoutError:
            return False
        return True

    def release(self) -> None:
        self.semaphore.release()


def _wrap(app: ASGIApp, datasette: Datasette) -> ASGIApp:
    slots = {
        "sql": Slots(SQL_CONCURRENCY, SQL_WAIT_SECONDS),
        "export": Slots(EXPORT_CONCURRENCY, EXPORT_WAIT_SECONDS),
    }
    queries: list[SiteQueries] = []  # filled at the first request (after start-up)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        query = scope.get("query_string") or b""
        if len(query) > MAX_QUERY_STRING:
            await _refuse(send, 414, TOO_LONG)
            return
        params = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        size = params.get("_size")
        if size is not None and not SIZE_VALUE.match(size):
            await _refuse(send, 400, BAD_SIZE)
            return
        if USER_MISTAKE_PARAMS & params.keys():
            send = _as_client_error(send)
        if not queries:
            queries.append(site_queries(datasette))
        kind = kind_of(queries[0], scope["path"], params)
        if kind is None:
            await app(scope, receive, send)
            return
        if not await slots[kind].acquire():
            await _refuse(send, 429, BUSY, retry_after=RETRY_AFTER)
            return
        try:
            await app(scope, receive, send)
        finally:
            slots[kind].release()

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: _wrap(app, datasette)


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Cap SQLite's heap for the process, and the size of any one string or blob.

    pysqlite3 (which Datasette prefers when installed) has no ``setlimit``; there the
    heap limit alone turns a ballooning query into "out of memory" (a 400).
    """
    if hasattr(conn, "setlimit"):
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
    conn.execute(f"pragma hard_heap_limit = {SQLITE_HEAP_BYTES}")


@hookimpl
def handle_exception(
    datasette: Datasette, request: Request, exception: Exception
) -> Callable[[], Awaitable[Any]] | None:
    """SQLite's heap limit surfaces as a bare MemoryError (a blank 500): make it a 400."""
    if not isinstance(exception, MemoryError):
        return None
    refusal = DatasetteError(OUT_OF_MEMORY, title="请求被拒绝 / Request refused", status=400)
    return default_handle_exception(datasette, request, refusal)
