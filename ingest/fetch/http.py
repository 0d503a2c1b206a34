"""A polite HTTP client on httpx: one request at a time, a delay per host, robots.txt,
retries with backoff, conditional GET, a size limit, bodies streamed to a temp file.

Everything here is sequential (the fetcher asks for one URL after another), so "one
request at a time per host" holds by construction; the per-host delay is the larger of
`delay` and the host's robots.txt Crawl-delay, counted from the end of the previous
request to that host.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from .robots import ROBOTS_MAX_BYTES, RobotsAnswer, RobotsCache

# Answers worth asking again (after a pause): server errors and "slow down".
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Longest pause taken for a server's Retry-After (seconds).
MAX_RETRY_AFTER = 60.0


class FetchError(Exception):
    """One URL could not be fetched. `str(e)` names the URL and says why."""

    def __init__(self, url: str, reason: str, status: int = 0) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status  # the HTTP status that ended it, 0 when there was none


@dataclass
class Settings:
    """How politely and how far the client goes.

    delay: seconds between two requests to one host (robots.txt may ask for more).
    timeout: seconds to connect, and to wait for each piece of the answer.
    max_time: seconds for one whole download (a server trickling bytes is cut off).
    retries: extra attempts after a timeout, a lost connection, a 429 or a 5xx.
    backoff: first pause before a retry in seconds, doubled each time (or Retry-After).
    max_bytes: largest file kept; a larger one is an error and nothing is written.
    """

    user_agent: str
    delay: float = 1.0
    timeout: float = 30.0
    max_time: float = 300.0
    retries: int = 3
    backoff: float = 1.0
    max_bytes: int = 100 * 1024 * 1024
    max_redirects: int = 5


@dataclass
class Answer:
    """A completed request. `status` is 200 (body in `body_path`) or 304 (not modified).

    url: the URL asked for; final_url: where the redirects ended.
    """

    url: str
    final_url: str
    status: int
    headers: httpx.Headers
    body_path: Path | None = None
    size: int = 0
    sha256: str = ""
    text: str = ""  # the body, for small in-memory reads (robots.txt)
    redirects: list[str] = field(default_factory=list)


class PoliteClient:
    """Sequential GETs with robots.txt, per-host delay, retries, size limit.

    `sleep` and `clock` are there so a caller can count the pauses; they default to
    `time.sleep` and `time.monotonic`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._last: dict[str, float] = {}
        self._client = httpx.Client(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # each hop is checked against robots.txt here
        )
        self.robots = RobotsCache(self._load_robots, settings.user_agent)

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public ------------------------------------------------------------------------

    def get(self, url: str, part_path: Path, conditional: dict[str, str] | None = None) -> Answer:
        """GET `url`, following redirects, the body streamed into `part_path`.

        conditional: validators from an earlier download ({"etag": …, "last_modified": …});
        sent as If-None-Match / If-Modified-Since, and a 304 answer comes back as status 304
        with no body. Raises FetchError (robots.txt forbids, HTTP 4xx/5xx after retries,
        timeout after retries, too many redirects, larger than max_bytes).
        """
        headers: dict[str, str] = {}
        if conditional:
            if conditional.get("etag"):
                headers["If-None-Match"] = conditional["etag"]
            if conditional.get("last_modified"):
                headers["If-Modified-Since"] = conditional["last_modified"]
        current = url
        hops: list[str] = []
        for _ in range(self.settings.max_redirects + 1):
            rules = self.robots.rules(current)
            if not rules.allowed(current):
                raise FetchError(current, rules.why_not(current))
            answer = self._attempts(current, headers, part_path, self.settings.max_bytes)
            if answer.status in REDIRECT_STATUSES:
                location = answer.headers.get("location")
                if not location:
                    raise FetchError(current, f"HTTP {answer.status} redirect without a Location")
                hops.append(current)
                current = urljoin(current, location)
                continue
            answer.url = url
            answer.redirects = hops
            return answer
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects")

    # --- internals ---------------------------------------------------------------------

    def _load_robots(self, robots_url: str) -> RobotsAnswer:
        """Fetch a robots.txt (redirects followed, up to 5 hops, as RFC 9309 asks)."""
        current = robots_url
        for _ in range(5):
            try:
                answer = self._attempts(current, {}, None, ROBOTS_MAX_BYTES, truncate=True)
            except FetchError as e:
                return RobotsAnswer(status=e.status, error=e.reason)
            if answer.status in REDIRECT_STATUSES and answer.headers.get("location"):
                current = urljoin(current, answer.headers["location"])
                continue
            return RobotsAnswer(status=answer.status, text=answer.text)
        return RobotsAnswer(status=0, error="too many redirects")

    def _wait_turn(self, host: str) -> None:
        delay = max(self.settings.delay, self.robots.crawl_delay(host))
        last = self._last.get(host)
        if last is not None:
            remaining = last + delay - self._clock()
            if remaining > 0:
                self._sleep(remaining)

    def _backoff(self, attempt: int, retry_after: str | None) -> None:
        pause = self.settings.backoff * (2**attempt)
        if retry_after:
            pause = max(pause, min(_retry_after_seconds(retry_after), MAX_RETRY_AFTER))
        self._sleep(pause)

    def _attempts(
        self,
        url: str,
        headers: dict[str, str],
        part_path: Path | None,
        limit: int,
        *,
        truncate: bool = False,
    ) -> Answer:
        """One request with its retries. Redirects come back as they are (status 3xx)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(url, f"not an http(s) URL (scheme {parts.scheme!r})")
        origin = f"{parts.scheme}://{parts.netloc}"
        retries = self.settings.retries
        for attempt in range(retries + 1):
            self._wait_turn(origin)
            try:
                return self._once(url, headers, part_path, limit, truncate)
            except _Retryable as e:
                if attempt == retries:
                    reason = f"{e.reason} (gave up after {attempt + 1} attempts)"
                    raise FetchError(url, reason, e.status) from None
                self._backoff(attempt, e.retry_after)
            finally:
                self._last[origin] = self._clock()
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self, url: str, headers: dict[str, str], part_path: Path | None, limit: int, truncate: bool
    ) -> Answer:
        start = self._clock()
        try:
            with self._client.stream("GET", url, headers=headers) as r:
                status = r.status_code
                if status in RETRY_STATUSES:
                    raise _Retryable(f"HTTP {status}", status, r.headers.get("retry-after"))
                if status in REDIRECT_STATUSES or status == 304:
                    return Answer(url, str(r.url), status, r.headers)
                if status >= 400:
                    raise FetchError(url, f"HTTP {status} {r.reason_phrase}".rstrip(), status)
                if status != 200:
                    raise FetchError(url, f"unexpected HTTP {status} {r.reason_phrase}".rstrip())
                declared = r.headers.get("content-length")
                if not truncate and declared and declared.isdigit() and int(declared) > limit:
                    raise FetchError(
                        url, f"{_size(int(declared))} is over the size limit of {_size(limit)}"
                    )
                if part_path is None:
                    body = self._read_small(r, limit, start, url)
                    return Answer(url, str(r.url), 200, r.headers, text=body)
                size, digest = self._stream_to(r, part_path, limit, start, url)
                return Answer(url, str(r.url), 200, r.headers, part_path, size, digest)
        except httpx.TimeoutException as e:
            raise _Retryable(f"timed out ({type(e).__name__})", 0) from None
        except httpx.TransportError as e:
            raise _Retryable(f"connection failed ({type(e).__name__}: {e})", 0) from None

    def _read_small(self, r: httpx.Response, limit: int, start: float, url: str) -> str:
        data = bytearray()
        for chunk in r.iter_bytes():
            data.extend(chunk)
            if len(data) >= limit:
                break  # robots.txt: the first `limit` bytes are what counts
            self._check_time(start, url)
        return bytes(data[:limit]).decode("utf-8", errors="replace")

    def _stream_to(
        self, r: httpx.Response, part_path: Path, limit: int, start: float, url: str
    ) -> tuple[int, str]:
        part_path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        try:
            with open(part_path, "wb") as f:
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(url, f"more than {_size(limit)} (the size limit); stopped")
                    digest.update(chunk)
                    f.write(chunk)
                    self._check_time(start, url)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                part_path.unlink()
            raise
        return size, digest.hexdigest()

    def _check_time(self, start: float, url: str) -> None:
        if self._clock() - start > self.settings.max_time:
            raise FetchError(
                url, f"download took longer than {self.settings.max_time:g} s; stopped"
            )


class _Retryable(Exception):
    def __init__(self, reason: str, status: int, retry_after: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def _retry_after_seconds(value: str) -> float:
    """Retry-After as seconds: delta-seconds or an HTTP date (0 when unreadable)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
