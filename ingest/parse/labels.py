"""Row labels of the format matched to the model's keys (fuzzy, noise-tolerant)."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from .. import model
from .cells import nfkc

_NUMBERING = re.compile(
    r"([一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|(?<!\d)\d{1,2}\s?[.、])"
)
_LABEL_NOISE = re.compile(r"[\s·•■□▪\[\]#*_|\"'“”‘’`^~\\]|Box")


@lru_cache(maxsize=8192)  # labels repeat within and across reports
def _norm_label(text: str) -> str:
    t = nfkc(text)
    t = _LABEL_NOISE.sub("", t)
    return t.replace("、", ".").replace("．", ".")


def _last_numbered_part(label: str) -> tuple[str, str]:
    """'（三）不予公开 1.属于国家秘密' → ('1', '属于国家秘密'); no numbering → ('', text)."""
    t = _norm_label(label)
    marks = list(_NUMBERING.finditer(t))
    if not marks:
        return "", t
    m = marks[-1]
    # A trailing numbering with nothing after it belongs to the previous part.
    if not t[m.end() :] and len(marks) > 1:
        m = marks[-2]
    num = m.group(1).strip("()、. ")
    return num, t[m.end() :]


_ROW_KEYS: list[tuple[model.Row, str, str]] = [
    (r, *_last_numbered_part(r.label)) for r in model.APPLICATION_ROWS_ALL
]


@lru_cache(maxsize=8192)
def match_application_row(label: str) -> tuple[str | None, float]:
    """Best row key for a table 三 row label, with a 0–100+ score."""
    return _match_parts(*_last_numbered_part(label[:200]))


@lru_cache(maxsize=8192)  # copies differ in spaces and line breaks that normalizing drops
def _match_parts(num: str, text: str) -> tuple[str | None, float]:
    if not text:
        return None, 0.0
    best: tuple[str | None, float] = (None, 0.0)
    for row, rnum, rtext in _ROW_KEYS:
        score = fuzz.ratio(text, rtext)
        if len(text) >= 4 and len(rtext) > len(text):
            score = max(score, fuzz.partial_ratio(text, rtext) - 10)
        if num and num == rnum:
            score += 15
        elif num and rnum:
            score -= 10
        if score > best[1]:
            best = (row.key, score)
    return best if best[1] >= 60 else (None, best[1])


# label, id(items) → (items, match): keyed by the items' identity (hashing a tuple of
# dataclasses costs more than the match); the items are held, so their id stays theirs.
_PROACTIVE_MATCHES: dict[
    tuple[str, int], tuple[tuple[model.ProactiveItem, ...], model.ProactiveItem | None]
] = {}


def _match_proactive(
    label: str, items: tuple[model.ProactiveItem, ...]
) -> model.ProactiveItem | None:
    hit = _PROACTIVE_MATCHES.get((label, id(items)))
    if hit is not None and hit[0] is items:
        return hit[1]
    if len(_PROACTIVE_MATCHES) >= 8192:
        _PROACTIVE_MATCHES.clear()
    match = _match_proactive_uncached(label, items)
    _PROACTIVE_MATCHES[label, id(items)] = (items, match)
    return match


def _match_proactive_uncached(
    label: str, items: tuple[model.ProactiveItem, ...]
) -> model.ProactiveItem | None:
    t = _norm_label(label)
    if not t or len(t) > 40:
        return None
    best: tuple[model.ProactiveItem | None, int] = (None, 0)
    for item in items:
        for name in item.labels:
            if name in t and len(name) > best[1] and len(t) - len(name) <= 8:
                best = (item, len(name))
            elif len(t) >= 6 and name.startswith(t) and len(t) > best[1]:
                best = (item, len(t))  # a label wrapped before its end
    return best[0]


# A long table-二 label with a character dropped or garbled still names its row.
PROACTIVE_FUZZY_MIN = 85


def _fuzzy_proactive(
    label: str, items: tuple[model.ProactiveItem, ...]
) -> model.ProactiveItem | None:
    t = _norm_label(label)
    if len(t) < 6 or len(t) > 20:
        return None
    scored = [
        (fuzz.ratio(t, name), item) for item in items for name in item.labels if len(name) >= 6
    ]
    score, item = max(scored, key=lambda x: x[0], default=(0.0, None))
    return item if score >= PROACTIVE_FUZZY_MIN else None
