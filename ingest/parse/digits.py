"""Splitting run-together digits into cells with the identities (勾稽关系)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .. import model

_MAX_SPLITS = 5000  # candidate splits examined per run-together row (bounded work)


def _parts(digits: str, n: int) -> list[tuple[int, ...]]:
    """All ways to cut a digit string into n non-negative integers (no leading zeros)."""
    out: list[tuple[int, ...]] = []

    def rec(pos: int, acc: list[int]) -> None:
        if len(out) > _MAX_SPLITS:
            return
        left = n - len(acc)
        rest = len(digits) - pos
        if left == 0:
            if rest == 0:
                out.append(tuple(acc))
            return
        if rest < left:
            return
        max_len = rest - (left - 1)
        for k in range(1, max_len + 1):
            piece = digits[pos : pos + k]
            if len(piece) > 1 and piece[0] == "0":
                break
            rec(pos + k, [*acc, int(piece)])

    if len(digits) <= 60:
        rec(0, [])
    return out


def split_row_sum(digits: str, width: int) -> list[tuple[int, ...]]:
    """Splits of a glued row whose last cell is the sum of the others."""
    return list(_row_sum_splits(digits, width))


@lru_cache(maxsize=8192)
def _row_sum_splits(digits: str, width: int) -> tuple[tuple[int, ...], ...]:
    # The total is a suffix of the digits; the parts before it must add up to it, so a
    # running sum above the total prunes the search (no enumeration of every cut).
    out: list[tuple[int, ...]] = []
    if len(digits) > 60 or width < 2:
        return ()
    for t in range(1, len(digits) - (width - 1) + 1):
        total_text = digits[len(digits) - t :]
        if len(total_text) > 1 and total_text[0] == "0":
            continue
        total = int(total_text)
        for parts in _summing_parts(digits[: len(digits) - t], width - 1, total):
            out.append((*parts, total))
            if len(out) > _MAX_SPLITS:
                return tuple(out)
    return tuple(out)


def _summing_parts(digits: str, n: int, target: int) -> list[tuple[int, ...]]:
    """Cuts of ``digits`` into n integers (no leading zeros) that add up to ``target``."""
    out: list[tuple[int, ...]] = []

    def rec(pos: int, acc: list[int], total: int) -> None:
        if len(out) > _MAX_SPLITS:
            return
        left = n - len(acc)
        rest = len(digits) - pos
        if left == 0:
            if rest == 0 and total == target:
                out.append(tuple(acc))
            return
        if rest < left:
            return
        for k in range(1, rest - (left - 1) + 1):
            piece = digits[pos : pos + k]
            if k > 1 and piece[0] == "0":
                break
            value = int(piece)
            if total + value > target:
                break  # a longer piece is larger still
            rec(pos + k, [*acc, value], total + value)

    rec(0, [], 0)
    return out


def split_review(digits: str) -> list[tuple[int, ...]]:
    """Splits of a glued table 四 row: three groups of (4 parts, their total)."""
    out: list[tuple[int, ...]] = []
    if len(digits) > 60:
        return out

    def rec(pos: int, acc: tuple[int, ...]) -> None:
        groups_left = 3 - len(acc) // 5
        if groups_left == 0:
            if pos == len(digits):
                out.append(acc)
            return
        for end in range(pos + 5, len(digits) - 5 * (groups_left - 1) + 1):
            for group in _row_sum_splits(digits[pos:end], 5):
                if len(out) > _MAX_SPLITS:
                    return
                rec(end, acc + group)

    rec(0, ())
    return out


# Enumerated combinations per half of the open rows (meet in the middle): bounded work.
_MAX_HALF_COMBOS = 20000


def _applies(identity: model.Identity, present: set[str]) -> bool:
    """Whether a column identity can be checked on the rows a table prints (as the
    validator decides it): every reported row, and every part or, if parts are optional,
    at least one."""
    parts = [k for k in identity.computed if k in present]
    if not parts or not all(k in present for k in identity.reported):
        return False
    return identity.parts_optional or len(parts) == len(identity.computed)


def _column_solutions(
    fixed: dict[str, tuple[Any, ...]], open_rows: dict[str, list[tuple[int, ...]]]
) -> list[dict[str, tuple[int, ...]]]:
    """Up to two picks of one split per open row that satisfy table 三's column identities.

    The identities (model.COLUMN_IDENTITIES, as the validator checks them) are linear: per applicant column, 本年新收 +
    上年结转 − 总计 − 结转 = 0 and 总计 − Σ 办理结果 = 0, each skipped where a fixed cell is
    blank. Each candidate becomes its vector of contributions; the rows are split in two
    halves whose sums must cancel the fixed rows' sum (meet in the middle).
    """
    present = set(fixed) | set(open_rows)
    identities = [
        {k: coef for k, coef in ident.coefficients.items() if k in present}
        for ident in model.COLUMN_IDENTITIES
        if _applies(ident, present)
    ]
    width = len(model.APPLICANT_KEYS)
    active = [
        (ident, j)
        for ident in identities
        for j in range(width)
        if all(fixed[k][j] is not None for k in ident if k in fixed)
    ]
    const = tuple(
        sum(coef * fixed[k][j] for k, coef in ident.items() if k in fixed) for ident, j in active
    )

    def vector(key: str, values: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(ident.get(key, 0) * values[j] for ident, j in active)

    def add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(x + y for x, y in zip(a, b, strict=True))

    def half(keys: list[str]) -> list[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]]:
        combos = 1
        for k in keys:
            combos *= len(open_rows[k])
        if combos > _MAX_HALF_COMBOS:
            return []
        sums: list[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]] = [((0,) * len(active), ())]
        for k in keys:
            options = [(vector(k, v), v) for v in open_rows[k]]
            sums = [(add(total, vec), (*pick, v)) for total, pick in sums for vec, v in options]
        return sums

    keys = list(open_rows)
    if not keys or any(not open_rows[k] for k in keys):
        return []
    first, second = keys[: len(keys) // 2], keys[len(keys) // 2 :]
    left, right = half(first), half(second)
    if not left or not right:
        return []
    by_sum: dict[tuple[int, ...], list[tuple[tuple[int, ...], ...]]] = {}
    for total, pick in left:
        picks = by_sum.setdefault(total, [])
        if len(picks) < 2:
            picks.append(pick)
    solutions: list[dict[str, tuple[int, ...]]] = []
    for total, pick in right:
        need = tuple(-(c + t) for c, t in zip(const, total, strict=True))
        for other in by_sum.get(need, ()):
            solutions.append(dict(zip(first + second, other + pick, strict=True)))
            if len(solutions) > 1:
                return solutions
    return solutions


_PIECE = {
    "int": re.compile(r"0|[1-9]\d*"),
    "signed": re.compile(r"[+\-]?(?:0|[1-9]\d*)"),
    "decimal": re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?"),
}


def split_typed(text: str, kinds: tuple[str, ...]) -> list[tuple[int | float, ...]]:
    """Every cut of a run-together row into cells of the given kinds.

    ``kinds`` per column: ``int`` (a count, no leading zero), ``signed`` (the 2019
    本年增/减: a sign may start it), ``decimal`` (fees, procurement amounts). A sign or
    a decimal point can only sit where its column allows it, so ``12+35`` for
    (int, signed, int) has the one cut 12 / +3 / 5. At most `_MAX_SPLITS` cuts.
    """
    return list(_typed_splits(text, kinds))


@lru_cache(maxsize=8192)  # short rows (``000``, ``10``) repeat across reports
def _typed_splits(text: str, kinds: tuple[str, ...]) -> tuple[tuple[int | float, ...], ...]:
    out: list[tuple[int | float, ...]] = []
    n = len(kinds)

    def rec(pos: int, acc: list[int | float]) -> None:
        i = len(acc)
        if len(out) > _MAX_SPLITS:
            return
        if i == n:
            if pos == len(text):
                out.append(tuple(acc))
            return
        for end in range(pos + 1, len(text) - (n - i - 1) + 1):
            piece = text[pos:end]
            if _PIECE[kinds[i]].fullmatch(piece):
                value = float(piece) if "." in piece else int(piece)
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                rec(end, [*acc, value])

    if 0 < len(text) <= 60 and n:
        rec(0, [])
    return tuple(out)


def agreed(splits: list[tuple[Any, ...]], width: int, unknown: Any) -> list[Any]:
    """Per cell, the value every split gives it, else ``unknown``: what all readings share is read."""
    if not splits:
        return [unknown] * width
    return [
        splits[0][j] if all(s[j] == splits[0][j] for s in splits) else unknown for j in range(width)
    ]
