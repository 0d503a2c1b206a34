"""``?_bom=1`` on any ``.csv`` URL: CSV that Excel on Chinese Windows opens correctly.

Datasette writes CSV as UTF-8 without a byte-order mark, and Excel on a Chinese Windows
reads such a file as GBK: every Chinese character comes out garbled. With ``_bom=1``
the file starts with the UTF-8 BOM and its header row has the columns' Chinese labels
(the same labels as the table headings, from plugins/chrome.py's ``zh_column``; a
label two columns share is followed by the column key). Without ``_bom`` the CSV is
Datasette's own (English keys, no BOM), which programs expect. Works with ``_stream=on``
and ``_dl=1``; the templates link to it as 「Excel 用 CSV」 and /-/api documents it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from datasette import hookimpl
from datasette.app import Datasette

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BOM = "\ufeff".encode()
FLAG = "_bom"


def chinese_header(line: bytes, table: str | None, label: Callable[..., str]) -> bytes:
    """The CSV header row ``line`` (with its line ending) with each key replaced by its
    Chinese label; duplicate labels get the key in brackets."""
    text = line.decode("utf-8")
    ending = text[len(text.rstrip("\r\n")) :]
    keys = next(csv.reader([text.rstrip("\r\n")]))
    labels = [label(key, table) for key in keys]
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
    out = [
        lab if seen[lab] == 1 else f"{lab}（{key}）" for lab, key in zip(labels, keys, strict=True)
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(out)
    return (buffer.getvalue() + ending).encode("utf-8")


def _table_of(path: str) -> str | None:
    """``/db/table.csv`` → ``table`` (a canned query's name for ``/db/query.csv``)."""
    parts = unquote(path).strip("/").split("/")
    return parts[-1].removesuffix(".csv") if len(parts) >= 2 else None


def _wrap(app: ASGIApp, datasette: Datasette) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").endswith(".csv"):
            await app(scope, receive, send)
            return
        params = parse_qsl((scope.get("query_string") or b"").decode("latin-1"), True)
        if (FLAG, "1") not in params:
            await app(scope, receive, send)
            return
        # Datasette sees the URL without _bom, uncompressed (the header row is rewritten).
        inner = {
            **scope,
            "query_string": urlencode([(k, v) for k, v in params if k != FLAG]).encode(),
            "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"],
        }
        label = datasette.jinja_env.globals["zh_column"]
        table = _table_of(scope["path"])
        state: dict[str, Any] = {"rewrite": False, "pending": b""}

        async def send_excel(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["rewrite"] = message["status"] == 200
                if state["rewrite"]:
                    headers = [
                        (k, v)
                        for k, v in message.get("headers") or []
                        if k.lower() != b"content-length"
                    ]
                    message = {**message, "headers": headers}
                await send(message)
                return
            if not state["rewrite"]:
                await send(message)
                return
            body = state["pending"] + (message.get("body") or b"")
            more = message.get("more_body", False)
            end = body.find(b"\n")
            if end < 0 and more:
                state["pending"] = body  # the header row is not complete yet
                return
            state["rewrite"] = False
            head, rest = (body[: end + 1], body[end + 1 :]) if end >= 0 else (body, b"")
            out = BOM + (chinese_header(head, table, label) if head else b"") + rest
            await send({**message, "body": out})

        await app(inner, receive, send_excel)

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: _wrap(app, datasette)
