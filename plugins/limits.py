"""Bounded concurrency for expensive requests, so one visitor cannot starve the rest.

Arbitrary ``?sql=`` queries, canned queries and streamed CSV exports take a slot of a
per-process semaphore (``NIANBAO_SQL_CONCURRENCY``, default 2). When every slot is
busy a request waits at most ``NIANBAO_SQL_WAIT_MS`` (default 250) and is then refused
with 429 and ``Retry-After`` instead of queueing forever. Datasette's own
``sql_time_limit_ms`` bounds how long a slot is held. Oversized query strings and
malformed ``_size`` values are refused before Datasette sees them. Datasette 0.65
answers some visitor mistakes with 500 (several statements in ``?sql=``, ``_sort`` by a
missing column); those are passed on as 400, so a 5xx always means a fault of ours.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from datasette import hookimpl
from datasette.app import Datasette

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONCURRENCY = int(os.environ.get("NIANBAO_SQL_CONCURRENCY", "2"))
WAIT_SECONDS = int(os.environ.get("NIANBAO_SQL_WAIT_MS", "250")) / 1000
RETRY_AFTER = 2  # seconds
MAX_QUERY_STRING = 16_384  # bytes; a longer URL is an attack or a mistake
USER_MISTAKE_PARAMS = {"sql", "_sort", "_sort_desc"}
SIZE_VALUE = re.compile(r"^(max|[1-9][0-9]{0,6})$")

BUSY = (
    "服务器繁忙：同时运行的自定义查询过多，请稍后重试。"
    " / Too many SQL queries are running at once; please retry in a few seconds."
)
TOO_LONG = "查询字符串过长。 / The query string is too long."
BAD_SIZE = "_size 必须是正整数或 max。 / _size must be a positive integer or max."


def _canned_names(datasette: Datasette) -> set[tuple[str, str]]:
    """(database, query name) for every canned query in the metadata."""
    names: set[tuple[str, str]] = set()
    for db_name in datasette.databases:
        for query in (datasette.metadata("queries", database=db_name) or {}).keys():
            names.add((db_name, query))
    return names


def is_expensive(datasette: Datasette, path: str, params: dict[str, str]) -> bool:
    """Does this request run SQL a visitor wrote (or an unbounded export)?"""
    if "sql" in params or params.get("_stream"):
        return True
    parts = unquote(path).strip("/").split("/")
    if len(parts) == 2:
        name = parts[1].rsplit(".", 1)[0] if parts[1].endswith((".json", ".csv")) else parts[1]
        return (parts[0], name) in _canned_names(datasette)
    return False


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


def _wrap(app: ASGIApp, datasette: Datasette) -> ASGIApp:
    semaphore = asyncio.Semaphore(CONCURRENCY)

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
        if not is_expensive(datasette, scope["path"], params):
            await app(scope, receive, send)
            return
        if semaphore.locked():
            try:
                await asyncio.wait_for(semaphore.acquire(), timeout=WAIT_SECONDS)
            except TimeoutError:
                await _refuse(send, 429, BUSY, retry_after=RETRY_AFTER)
                return
        else:
            await semaphore.acquire()
        try:
            await app(scope, receive, send)
        finally:
            semaphore.release()

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: _wrap(app, datasette)
