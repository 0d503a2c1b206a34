"""Matching text across PDF line breaks and stray spaces: an NFKC-folded copy without
whitespace, with a map back to the document's own characters (names are returned as
the document writes them, whitespace removed)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["CJK", "WS", "fold", "nfkc", "orig", "squash"]

WS = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"  # what WS drops besides whitespace
CJK = "\u4e00-\u9fff\u3400-\u4dbf"

# What keeps a Chinese report's lines from being NFKC already: full-width brackets and
# punctuation, the ideographic and the no-break space. NFKC maps each to one ASCII
# character, its compatibility decomposition, and nothing composes with ASCII, so
# replacing them first does not change the NFKC of the text; CPython's normalizer then
# passes the text by its quick check instead of composing it (~50x cheaper on a report).
WIDE_FORMS: tuple[tuple[str, str], ...] = tuple(
    (ch, unicodedata.normalize("NFKC", ch)) for ch in "（），：；\u3000\u00a0"
)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, the same string, faster on Chinese text."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for wide, narrow in WIDE_FORMS:
        if wide in text:
            text = text.replace(wide, narrow)
    if "\n" not in text or unicodedata.is_normalized("NFKC", text):
        return unicodedata.normalize("NFKC", text)
    # Line by line: a newline never composes with its neighbours, so this is NFKC of the
    # whole text, and CPython's NFKC is much slower on one long string than on its lines.
    return "\n".join([unicodedata.normalize("NFKC", line) for line in text.split("\n")])


def squash(s: str) -> str:
    """NFKC-fold and drop all whitespace (for matching only)."""
    # WS without the regex: str.split() drops what ``\s`` matches (both use str.isspace).
    out = "".join(nfkc(s).split())
    for ch in _ZERO_WIDTH:
        if ch in out:
            out = out.replace(ch, "")
    return out


def fold(s: str) -> tuple[str, list[int]]:
    """`squash(s)` plus, for each folded character, its index in `s` (and len(s) last)."""
    out: list[str] = []
    idx: list[int] = []
    cache: dict[str, str] = {}
    for i, ch in enumerate(s):
        f = cache.get(ch)
        if f is None:
            f = cache[ch] = WS.sub("", unicodedata.normalize("NFKC", ch))
        for c in f:
            out.append(c)
            idx.append(i)
    idx.append(len(s))
    return "".join(out), idx


def orig(s: str, idx: list[int], a: int, b: int) -> str:
    """The original characters behind folded span [a, b), whitespace removed."""
    if b <= a:
        return ""
    return WS.sub("", s[idx[a] : idx[b - 1] + 1])
