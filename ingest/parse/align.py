"""Rows of numbers placed on the format's rows: label anchors first, the model's order between them.

A row whose label matches a row of the format is an anchor (the anchors kept are the
longest run in the format's order, so one garbled label cannot drag the rest). Rows of
numbers without a usable label (a wrapped label stacked above them, an OCR typo) fill the
format's rows left free between two anchors, in order, when their counts agree. When
they do not — one row of numbers where two rows are free — those rows are unreadable: the
numbers are never given to the first candidate. Numbers with no free row at all (a lone
footnote mark, a page number) are not a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise


@dataclass
class Placement:
    """Where each group of numbers goes: format row key → group index; plus the doubts."""

    assigned: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, list[int]] = field(default_factory=dict)  # key → candidate groups
    strays: list[int] = field(default_factory=list)


def _anchors(matched: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of (group, format index) pairs increasing in both (O(n²), n ≤ ~40)."""
    if all(a[1] < b[1] for a, b in pairwise(matched)):
        return matched  # the common case: every label in the format's order
    length = [1] * len(matched)
    before = [-1] * len(matched)
    for i, (_, k) in enumerate(matched):
        for j in range(i):
            if matched[j][1] < k and length[j] + 1 > length[i]:
                length[i], before[i] = length[j] + 1, j
    i = max(range(len(matched)), key=length.__getitem__)
    chain = []
    while i != -1:
        chain.append(matched[i])
        i = before[i]
    return chain[::-1]


def place(
    groups: list[int], keys: list[str | None], order: list[str], is_short: list[bool]
) -> Placement:
    """Place groups of numbers (in text order) on the format's row keys (``order``).

    ``keys[i]`` is the row key group ``groups[i]``'s label matches (None when it has none
    or it matches nothing); ``is_short[i]`` marks a group with too few numbers to be a row
    by itself (a stray candidate).
    """
    index = {k: n for n, k in enumerate(order)}
    matched = [(i, index[k]) for i, k in enumerate(keys) if k is not None and k in index]
    anchors = _anchors(matched)
    out = Placement()
    for i, n in anchors:
        out.assigned[order[n]] = groups[i]
    bounds = [(-1, -1), *anchors, (len(groups), len(order))]
    for (i0, n0), (i1, n1) in pairwise(bounds):
        if i1 - i0 > 1:  # groups between the two anchors (none: nothing to place)
            free = [order[n] for n in range(n0 + 1, n1)]
            _fill_gap(out, free, list(range(i0 + 1, i1)), groups, is_short)
    return out


def _fill_gap(
    out: Placement, free: list[str], loose: list[int], groups: list[int], is_short: list[bool]
) -> None:
    if not loose:
        return
    if len(loose) > len(free):
        kept = [i for i in loose if not is_short[i]]
        out.strays.extend(groups[i] for i in loose if is_short[i])
        loose = kept
    if not loose:
        return
    if len(loose) == len(free):
        for key, i in zip(free, loose, strict=True):
            out.assigned[key] = groups[i]
    elif not free:
        out.strays.extend(groups[i] for i in loose)
    else:
        for key in free:
            out.unreadable[key] = [groups[i] for i in loose]
