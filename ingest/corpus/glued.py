"""Which cells of run-together rows a correct parser can settle, and which it cannot.

A row whose cells are printed with no separator (``一、本年新收…数量273001031``) has as
many readings as there are ways to cut its characters into the row's cells. FORMAT.md
says to settle them with the identities; where more than one reading satisfies every
identity, the cells the readings disagree on are unreadable (CANONICAL_JSON.md). This
module enumerates the readings, independently of the parser (the reference is
``shared/field-cases/make_cases.py``: ``cuts``, ``row_sum_cuts``, ``glued_t3_solutions``),
and returns the dotted paths of the cells that differ between readings.

A run-together row is read as having all of its cells (field-cases README, notes): the
caller never glues a row with a blank cell. Column kinds follow the model: ``int`` cells
are digits without a leading zero, ``signed`` cells (2019 本年增/减) may start with ``+``
or ``-``, ``decimal`` cells (fees, procurement amounts) may hold one ``.``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

from ingest import model

Kind = Literal["int", "signed", "decimal"]
Cells = tuple[str, ...]

# Past this many readings or search steps a table is not offered for gluing (the caller
# picks another fault): the truth must be exact, never a sample of the readings.
MAX_SOLUTIONS = 64
MAX_STEPS = 200_000

_PIECE = {
    "int": re.compile(r"0|[1-9]\d*"),
    "signed": re.compile(r"[+-]?(?:0|[1-9]\d*)"),
    "decimal": re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?"),
}


class TooAmbiguous(Exception):
    """The readings could not all be enumerated within the limits."""


def valid(piece: str, kind: Kind) -> bool:
    """Whether ``piece`` can be one printed cell of ``kind``."""
    return bool(_PIECE[kind].fullmatch(piece))


def cuts(text: str, kinds: Sequence[Kind]) -> list[Cells]:
    """Every cut of ``text`` into ``len(kinds)`` cells, each valid for its column kind."""
    out: list[Cells] = []

    def rec(pos: int, acc: list[str]) -> None:
        i = len(acc)
        if i == len(kinds):
            if pos == len(text):
                out.append(tuple(acc))
            return
        left = len(kinds) - i - 1
        for end in range(pos + 1, len(text) - left + 1):
            piece = text[pos:end]
            if valid(piece, kinds[i]):
                rec(end, [*acc, piece])
            elif kinds[i] == "int" and piece.startswith("0"):
                break  # a leading zero: no longer piece is a cell either
        if len(out) > MAX_SOLUTIONS:
            raise TooAmbiguous(text)

    rec(0, [])
    return out


def sum_cuts(text: str, parts: int) -> list[tuple[int, ...]]:
    """Cuts of ``text`` into ``parts`` integers followed by their sum (a row of table 三:
    six applicant cells and 总计). The total is taken from the end first, then the parts
    are cut with their running sum bounded by it."""
    out: list[tuple[int, ...]] = []
    for t in range(1, len(text) - parts + 1):
        suffix = text[len(text) - t :]
        if not valid(suffix, "int"):
            continue
        total = int(suffix)
        head = text[: len(text) - t]

        def rec(pos: int, acc: list[int], s: int, head: str = head, total: int = total) -> None:
            if len(acc) == parts:
                if pos == len(head) and s == total:
                    out.append((*acc, total))
                return
            left = parts - len(acc) - 1
            for end in range(pos + 1, len(head) - left + 1):
                piece = head[pos:end]
                if not valid(piece, "int"):
                    break
                v = int(piece)
                if s + v > total:
                    break
                rec(end, [*acc, v], s + v)

        rec(0, [], 0)
        if len(out) > MAX_SOLUTIONS:
            raise TooAmbiguous(text)
    return out


def group_cuts(text: str, groups: int, parts: int) -> list[tuple[int, ...]]:
    """Cuts of ``text`` into ``groups`` runs of ``parts`` integers each followed by their
    printed sum (table 四: three groups of 维持/纠正/其他/尚未审结 and 总计)."""
    out: list[tuple[int, ...]] = []
    steps = 0

    def rec(pos: int, acc: list[int], g_acc: list[int]) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_STEPS or len(out) > MAX_SOLUTIONS:
            raise TooAmbiguous(text)
        if len(g_acc) == parts:
            total = str(sum(g_acc))
            if text.startswith(total, pos):
                nxt = [*acc, *g_acc, int(total)]
                if len(nxt) == groups * (parts + 1):
                    if pos + len(total) == len(text):
                        out.append(tuple(nxt))
                else:
                    rec(pos + len(total), nxt, [])
            return
        for end in range(pos + 1, len(text) + 1):
            piece = text[pos:end]
            if not valid(piece, "int"):
                break
            rec(end, acc, [*g_acc, int(piece)])

    rec(0, [], [])
    return out


def _kinds(item: model.ProactiveItem) -> list[Kind]:
    return [model.PROACTIVE_COLUMN_BY_KEY[c].kind for c in item.columns]


def proactive_unreadable(fmt: str, printed: Mapping[str, Sequence[str]]) -> set[str]:
    """Paths of table 二 cells whose run-together row has readings that disagree on them.

    ``printed``: row key → the row's cells as printed (glued in that order). Table 二 has
    no identity, so each row stands alone."""
    out: set[str] = set()
    items = {it.key: it for it in model.PROACTIVE_ITEMS[fmt]}  # type: ignore[index]
    for key, cells in printed.items():
        item = items[key]
        readings = cuts("".join(cells), _kinds(item))
        out |= _disagreeing(f"proactive.{key}", item.columns, readings)
    return out


def review_unreadable(printed: Sequence[str]) -> set[str]:
    """Paths of table 四 cells on which the readings of its run-together value row disagree."""
    readings = group_cuts("".join(printed), len(model.REVIEW_GROUPS), 4)
    out: set[str] = set()
    for g, (group, _) in enumerate(model.REVIEW_GROUPS):
        part = [r[g * 5 : g * 5 + 5] for r in readings]
        out |= _disagreeing(f"review_litigation.{group}", model.REVIEW_KEYS, part)
    return out


def _disagreeing(
    prefix: str, columns: Sequence[str], readings: Sequence[Sequence[object]]
) -> set[str]:
    if len(readings) <= 1:
        return set()
    return {f"{prefix}.{c}" for j, c in enumerate(columns) if len({r[j] for r in readings}) > 1}


_EDGE = ("new_received", "carried_over", "total_handled", "carried_forward")


def applications_unreadable(values: Mapping[str, Sequence[int]], glued: set[str]) -> set[str]:
    """Paths of table 三 cells on which the readings satisfying every identity disagree.

    ``values``: row key → the seven printed numbers; rows in ``glued`` are run together
    (their digits cut every way the row sum allows), the others are read as printed.
    Raises TooAmbiguous past MAX_SOLUTIONS readings or MAX_STEPS search steps."""
    domains: dict[str, list[tuple[int, ...]]] = {}
    for key, row in values.items():
        text = "".join(str(v) for v in row)
        domains[key] = sum_cuts(text, 6) if key in glued else [tuple(row)]
    solutions = list(_table3_solutions(domains))
    out: set[str] = set()
    for key in values:
        out |= _disagreeing(
            f"applications.{key}", model.APPLICANT_KEYS, [s[key] for s in solutions]
        )
    return out


def _table3_solutions(
    domains: Mapping[str, list[tuple[int, ...]]],
) -> Iterator[dict[str, tuple[int, ...]]]:
    outcomes = [k for k in domains if k not in _EDGE]
    found = 0
    steps = 0
    for edge in _edge_combos(domains):
        target = edge["total_handled"]
        # Per column, the least and most the outcome rows from i on can still add.
        lo = [[0] * 7 for _ in range(len(outcomes) + 1)]
        hi = [[0] * 7 for _ in range(len(outcomes) + 1)]
        for i in range(len(outcomes) - 1, -1, -1):
            dom = domains[outcomes[i]]
            for j in range(7):
                lo[i][j] = lo[i + 1][j] + min(c[j] for c in dom)
                hi[i][j] = hi[i + 1][j] + max(c[j] for c in dom)
        stack: list[tuple[int, tuple[int, ...], tuple[tuple[int, ...], ...]]] = [(0, (0,) * 7, ())]
        while stack:
            i, partial, chosen = stack.pop()
            steps += 1
            if steps > MAX_STEPS:
                raise TooAmbiguous("table 三")
            if i == len(outcomes):
                if partial == target:
                    found += 1
                    if found > MAX_SOLUTIONS:
                        raise TooAmbiguous("table 三")
                    yield {**edge, **dict(zip(outcomes, chosen, strict=True))}
                continue
            for cand in domains[outcomes[i]]:
                nxt = tuple(p + c for p, c in zip(partial, cand, strict=True))
                if all(
                    nxt[j] + lo[i + 1][j] <= target[j] <= nxt[j] + hi[i + 1][j] for j in range(7)
                ):
                    stack.append((i + 1, nxt, (*chosen, cand)))


def _edge_combos(
    domains: Mapping[str, list[tuple[int, ...]]],
) -> Iterator[dict[str, tuple[int, ...]]]:
    """new_received, carried_over, total_handled, carried_forward readings that balance."""
    for new in domains["new_received"]:
        for carried in domains["carried_over"]:
            for handled in domains["total_handled"]:
                for forward in domains["carried_forward"]:
                    if all(new[j] + carried[j] == handled[j] + forward[j] for j in range(7)):
                        yield {
                            "new_received": new,
                            "carried_over": carried,
                            "total_handled": handled,
                            "carried_forward": forward,
                        }
