"""robots.txt, read with Protego (Scrapy's parser) and kept once per host for a run.

Protego follows RFC 9309 and Google's conventions: `*` and `$` wildcards, the longest
matching rule wins (so `Allow: /a/b` beats `Disallow: /a`), `Crawl-delay`. The
standard library's `urllib.robotparser` takes the first matching rule in file order and
knows no wildcards, so it would fetch paths a site forbids with `Disallow: /*.pdf$`.

What an unfetchable robots.txt means (RFC 9309 §2.3.1): a 4xx answer means "no
rules" (everything allowed); a 5xx answer or no answer at all means "assume
everything is disallowed" for that host during this run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

# Google reads the first 500 KiB of a robots.txt; the rest is ignored.
ROBOTS_MAX_BYTES = 500 * 1024


@dataclass(frozen=True)
class RobotsAnswer:
    """What a robots.txt fetch came back with: a status (0 = no answer) and its text."""

    status: int
    text: str = ""
    error: str = ""


class RobotsRules:
    """The rules of one host: `allowed(url)` and `crawl_delay()` for our user agent."""

    def __init__(self, answer: RobotsAnswer, user_agent: str) -> None:
        self.user_agent = user_agent
        self.answer = answer
        self._parser: Protego | None = None
        if 200 <= answer.status < 300:
            self._parser = Protego.parse(answer.text)
        # 4xx: no rules. 5xx or no answer: all disallowed (checked in allowed()).
        self.unreachable = answer.status == 0 or answer.status >= 500

    def allowed(self, url: str) -> bool:
        """True when robots.txt lets our user agent fetch `url`."""
        if self.unreachable:
            return False
        if self._parser is None:
            return True
        return bool(self._parser.can_fetch(url, self.user_agent))

    def crawl_delay(self) -> float:
        """The host's Crawl-delay for our user agent in seconds (0 when it sets none)."""
        if self._parser is None:
            return 0.0
        delay = self._parser.crawl_delay(self.user_agent)
        return float(delay or 0.0)

    def why_not(self, url: str) -> str:
        """A sentence saying why `url` may not be fetched."""
        if self.unreachable:
            reason = self.answer.error or f"HTTP {self.answer.status}"
            return f"robots.txt of {_origin(url)} could not be read ({reason}); RFC 9309 says assume everything is disallowed"
        return f"forbidden by {_origin(url)}/robots.txt for user agent {self.user_agent!r}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class RobotsCache:
    """One `RobotsRules` per origin (scheme + host + port), fetched on first use.

    `load(robots_url)` does the fetching (through the same polite client, so the
    robots.txt request also waits its turn) and returns a `RobotsAnswer`.
    """

    def __init__(self, load: Callable[[str], RobotsAnswer], user_agent: str) -> None:
        self._load = load
        self._user_agent = user_agent
        self._rules: dict[str, RobotsRules] = {}

    def crawl_delay(self, origin: str) -> float:
        """The Crawl-delay of an origin whose robots.txt is already read (else 0)."""
        rules = self._rules.get(origin)
        return rules.crawl_delay() if rules is not None else 0.0

    def rules(self, url: str) -> RobotsRules:
        """The rules for the origin of `url` (fetching its robots.txt the first time)."""
        origin = _origin(url)
        if origin not in self._rules:
            self._rules[origin] = RobotsRules(self._load(origin + "/robots.txt"), self._user_agent)
        return self._rules[origin]
