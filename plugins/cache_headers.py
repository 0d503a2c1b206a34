"""HTTP caching for a read-only site: ETags, Cache-Control, Vary.

The databases are served immutable, so a page is a function of its URL and the
databases' content hashes (from the inspect file). The ETag is derived from exactly
that, which lets us answer ``If-None-Match`` with 304 before doing any work, and lets a
CDN keep pages for a day: a rebuilt database changes every ETag. Pages that must be
fresh (the home page, ``/-/`` pages) get a short TTL.

Gzip (asgi-gzip's middleware, level 6) is applied inside this wrapper, so the response
cache below keeps compressed bytes and a hit costs no compression; level 9 (what
datasette-gzip uses) took ~10 ms per hit on a 650 KB canned-query page for 1-2 % fewer
bytes. The database download (``/{db}.db``, gigabytes of binary) is sent as it is.

For the same reason finished 200 responses are kept in a bounded in-process cache
(`ResponseCache`, NIANBAO_RESPONSE_CACHE_MB, default 64, 0 turns it off): a page is
rendered once per process and content version, as a CDN in front would serve it.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgi_gzip import GZipMiddleware
from datasette import hookimpl
from datasette.app import Datasette

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GZIP_LEVEL = 6
GZIP_MIN_BYTES = 500
SHORT_TTL = 60  # seconds, for pages that list what changes (home page, /-/ pages)
FRESH_PATHS = ("/", "/-/")
FRESH_PREFIXES = ("/-/",)
STATIC_PREFIXES = ("/-/static/", "/-/static-plugins/", "/static/")
UNCACHED_PREFIXES = ("/-/actor", "/-/permissions", "/-/messages", "/-/allow-debug", "/-/logout")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def content_version(datasette: Datasette) -> str | None:
    """A hash of every database's content, or None when any database can change."""
    hashes = []
    for name, db in sorted(datasette.databases.items()):
        if name == "_internal" or db.is_memory:
            continue
        if db.is_mutable or not db.hash:
            return None
        hashes.append(f"{name}:{db.hash}")
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:16] if hashes else None


def etag_for(version: str, scope: Scope) -> str:
    """Weak ETag: the same for the gzipped and plain bodies of one URL and one content."""
    url = scope.get("raw_path") or scope["path"].encode()
    key = b"%s\n%s?%s" % (version.encode(), url, scope.get("query_string") or b"")
    return f'W/"{hashlib.sha256(key).hexdigest()[:32]}"'


def cache_control(path: str, long_ttl: int, immutable: bool) -> str:
    """The Cache-Control header for a successful GET of ``path``."""
    if path.startswith(UNCACHED_PREFIXES):
        return "private, no-store"
    if path.startswith(STATIC_PREFIXES):
        return f"public, max-age={long_ttl}"
    if not immutable or path in FRESH_PATHS or path.startswith(FRESH_PREFIXES):
        return f"public, max-age={SHORT_TTL}"
    return f"public, max-age={long_ttl}, stale-while-revalidate={SHORT_TTL}"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag.removeprefix("W/") in tags


class ResponseCache:
    """Finished 200 responses of an immutable site, by URL, bounded in bytes (LRU).

    A page of immutable databases is a function of its URL, so the second visitor gets
    the first one's bytes — what a CDN in front would do, kept in the process for the
    pages a CDN has not cached yet. Responses that set cookies, stream past
    ``max_entry`` bytes or answer requests carrying cookies or credentials are not kept.
    """

    def __init__(self, max_bytes: int, max_entry: int = 2 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_entry = min(max_entry, max_bytes)
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[bytes, tuple[int, list[tuple[bytes, bytes]], bytes]] = (
            OrderedDict()
        )

    def get(self, key: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: bytes, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        if len(body) > self.max_entry or key in self._entries:
            return
        self._entries[key] = (status, headers, body)
        self.size += len(body) + len(key)
        while self.size > self.max_bytes and self._entries:
            old_key, (_, _, old_body) = self._entries.popitem(last=False)
            self.size -= len(old_body) + len(old_key)


def _cache_key(version: str, scope: Scope) -> bytes | None:
    """The cache key of a GET, or None when the response may depend on who asks."""
    headers = dict((k.lower(), v) for k, v in scope.get("headers") or [])
    if b"cookie" in headers or b"authorization" in headers:
        return None
    url = scope.get("raw_path") or scope["path"].encode()
    gzip = b"gzip" if b"gzip" in headers.get(b"accept-encoding", b"") else b""
    return b"\n".join((version.encode(), url, scope.get("query_string") or b"", gzip))


def _response_cache_bytes() -> int:
    try:
        return int(float(os.environ.get("NIANBAO_RESPONSE_CACHE_MB", "64")) * 1024 * 1024)
    except ValueError:
        return 64 * 1024 * 1024


def _wrap(plain_app: ASGIApp, datasette: Datasette) -> ASGIApp:
    cache = ResponseCache(_response_cache_bytes())
    datasette._nianbao_response_cache = cache  # type: ignore[attr-defined]  # for /-/ stats and tests
    gzipped: ASGIApp = GZipMiddleware(
        plain_app, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL
    )

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        app = plain_app if scope.get("path", "").endswith(".db") else gzipped
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        path: str = scope["path"]
        version = content_version(datasette)
        key = (
            _cache_key(version, scope)
            if version
            and cache.max_bytes > 0
            and scope.get("method") == "GET"
            and not path.startswith(UNCACHED_PREFIXES)
            else None
        )
        if key is not None and not _header(scope, b"if-none-match"):
            hit = cache.get(key)
            if hit is not None:
                status, headers, body = hit
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [*headers, (b"x-nianbao-cache", b"hit")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        etag = (
            etag_for(version, scope) if version and not path.startswith(UNCACHED_PREFIXES) else None
        )
        long_ttl = int(datasette.setting("default_cache_ttl") or 0)
        control = cache_control(path, long_ttl, immutable=version is not None)
        if etag and _matches(_header(scope, b"if-none-match"), etag):
            # A 304 repeats the Vary of the 200 it stands for (RFC 9110 15.4.5): the
            # body differs by Accept-Encoding (gzip), except for the raw .db download.
            headers = [(b"etag", etag.encode()), (b"cache-control", control.encode())]
            if app is gzipped:
                headers.append((b"vary", b"Accept-Encoding"))
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        captured: dict[str, Any] = {"chunks": [], "size": 0, "keep": key is not None}

        def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                captured["status"] = message["status"]
                captured["headers"] = list(headers)
                if message["status"] != 200 or any(k.lower() == b"set-cookie" for k, _ in headers):
                    captured["keep"] = False
                return
            body = message.get("body") or b""
            captured["size"] += len(body)
            if captured["size"] > cache.max_entry:
                captured["keep"] = False
                captured["chunks"] = []
            elif captured["keep"]:
                captured["chunks"].append(body)
            if not message.get("more_body") and captured["keep"] and key is not None:
                cache.put(key, 200, captured["headers"], b"".join(captured["chunks"]))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                kept = [
                    (k, v)
                    for k, v in message.get("headers") or []
                    if k.lower() not in (b"cache-control", b"etag")
                ]
                if status == 200:
                    kept.append((b"cache-control", control.encode()))
                    if etag:
                        kept.append((b"etag", etag.encode()))
                elif status in (301, 302, 404):
                    kept.append((b"cache-control", f"public, max-age={SHORT_TTL}".encode()))
                else:  # errors, refusals (400, 429, 5xx): never cached by a CDN
                    kept.append((b"cache-control", b"no-store"))
                message = {**message, "headers": kept}
            if captured["keep"]:
                capture(message)
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Datasette) -> Callable[[ASGIApp], ASGIApp]:
    return lambda app: _wrap(app, datasette)
