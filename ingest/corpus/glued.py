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

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from ingest import model

Kind = Literal["int", "signed", "decimal"]
Cells = tuple[str, ...]
Row = tuple[int | None, ...]

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


Reading = tuple[str | None, ...]


def readings(printed: Sequence[str | None], kinds: Sequence[Kind]) -> list[Reading]:
    """Every reading of a run-together row whose blank cells are marked (the run-together
    layout prints a blank as ``&nbsp;``): each blank is one cell, each run of printed
    cells between blanks is cut into one or more cells. ``printed``: the row's cells in
    order, None for a blank."""
    tokens: list[str | None] = []
    for cell in printed:
        if cell is None:
            tokens.append(None)
        elif tokens and tokens[-1] is not None:
            tokens[-1] += cell
        else:
            tokens.append(cell)
    n = len(kinds)
    out: list[Reading] = []

    def rec(i: int, t: int, acc: tuple[str | None, ...]) -> None:
        if t == len(tokens):
            if i == n:
                out.append(acc)
            return
        token = tokens[t]
        if token is None:
            if i < n:
                rec(i + 1, t + 1, (*acc, None))
            return
        room = n - i - (len(tokens) - t - 1)
        for k in range(1, room + 1):
            for cut in cuts(token, kinds[i : i + k]):
                rec(i + k, t + 1, (*acc, *cut))
        if len(out) > MAX_SOLUTIONS:
            raise TooAmbiguous("".join(c or "\xa0" for c in printed))

    rec(0, 0, ())
    return out


def placements(printed: Sequence[str], n: int) -> list[Reading]:
    """Every way a row's printed cells sit in its ``n`` columns, in order, when its blank
    cells left no trace (PDF text: an empty cell prints nothing)."""
    out: list[Reading] = []
    for cols in itertools.combinations(range(n), len(printed)):
        row: list[str | None] = [None] * n
        for c, text in zip(cols, printed, strict=True):
            row[c] = text
        out.append(tuple(row))
    return out


def vanished_unreadable(fmt: str, tables: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Paths of cells whose column a copy that drops blank cells leaves open: every
    placement of each row's printed numbers that keeps the identities (blanks as 0).

    ``tables``: the report's ``proactive``, ``applications`` and ``review_litigation``."""
    return (
        _vanished_proactive(fmt, tables.get("proactive") or {})
        | _vanished_applications(tables.get("applications") or {})
        | _vanished_review(tables.get("review_litigation") or {})
    )


def _vanished_proactive(fmt: str, proactive: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    items = {it.key: it for it in model.PROACTIVE_ITEMS[fmt]}  # type: ignore[index]
    for key, row in proactive.items():
        cols = items[key].columns
        printed = [str(row[c]) for c in cols if row[c] is not None]
        out |= _disagreeing(f"proactive.{key}", cols, placements(printed, len(cols)))
    return out


def _vanished_applications(apps: Mapping[str, Any]) -> set[str]:
    if not apps:
        return set()
    domains: dict[str, list[Row]] = {}
    for key, cells in apps.items():
        printed = [str(cells[c]) for c in model.APPLICANT_KEYS if cells[c] is not None]
        rows = [tuple(None if x is None else int(x) for x in r) for r in placements(printed, 7)]
        domains[key] = [r for r in rows if sum(v or 0 for v in r[:6]) == (r[6] or 0)]
    return table3_unreadable(domains)


def _vanished_review(review: Mapping[str, Any]) -> set[str]:
    if not review:
        return set()
    values = [review[g][c] for g, _ in model.REVIEW_GROUPS for c in model.REVIEW_KEYS]
    found = [
        r
        for r in placements([str(v) for v in values if v is not None], 15)
        if all(
            sum(_value(x) for x in r[g * 5 : g * 5 + 4]) == _value(r[g * 5 + 4]) for g in range(3)
        )
    ]
    out: set[str] = set()
    for g, (group, _) in enumerate(model.REVIEW_GROUPS):
        part = [r[g * 5 : g * 5 + 5] for r in found]
        out |= _disagreeing(f"review_litigation.{group}", model.REVIEW_KEYS, part)
    return out


def _value(piece: str | None) -> float:
    return 0 if piece is None else float(piece)


def _kinds(item: model.ProactiveItem) -> list[Kind]:
    return [model.PROACTIVE_COLUMN_BY_KEY[c].kind for c in item.columns]


def proactive_unreadable(fmt: str, printed: Mapping[str, Sequence[str | None]]) -> set[str]:
    """Paths of table 二 cells whose run-together row has readings that disagree on them.

    ``printed``: row key → the row's cells as printed (glued in that order; None for a
    marked blank). Table 二 has no identity, so each row stands alone."""
    out: set[str] = set()
    items = {it.key: it for it in model.PROACTIVE_ITEMS[fmt]}  # type: ignore[index]
    for key, cells in printed.items():
        item = items[key]
        found = readings(cells, _kinds(item))
        out |= _disagreeing(f"proactive.{key}", item.columns, found)
    return out


def review_unreadable(printed: Sequence[str | None]) -> set[str]:
    """Paths of table 四 cells on which the readings of its run-together value row disagree
    (a blank counts as 0 in the group sums)."""
    if None in printed:
        found = [
            r
            for r in readings(printed, ["int"] * 15)
            if all(
                sum(_value(x) for x in r[g * 5 : g * 5 + 4]) == _value(r[g * 5 + 4])
                for g in range(3)
            )
        ]
    else:
        found = group_cuts("".join(str(c) for c in printed), len(model.REVIEW_GROUPS), 4)  # type: ignore[assignment]
        found = [tuple(str(x) for x in r) for r in found]
    out: set[str] = set()
    for g, (group, _) in enumerate(model.REVIEW_GROUPS):
        part = [r[g * 5 : g * 5 + 5] for r in found]
        out |= _disagreeing(f"review_litigation.{group}", model.REVIEW_KEYS, part)
    return out


def _disagreeing(
    prefix: str, columns: Sequence[str], readings: Sequence[Sequence[object]]
) -> set[str]:
    if len(readings) <= 1:
        return set()
    return {f"{prefix}.{c}" for j, c in enumerate(columns) if len({r[j] for r in readings}) > 1}


_EDGE = ("new_received", "carried_over", "total_handled", "carried_forward")


def row_readings(row: Sequence[int | None]) -> list[tuple[int | None, ...]]:
    """Readings of a run-together table 三 row (blanks marked) that keep the row sum,
    a blank counting as 0."""
    if None not in row:
        return sum_cuts("".join(str(v) for v in row), 6)  # type: ignore[return-value]
    printed = [None if v is None else str(v) for v in row]
    out = []
    for r in readings(printed, ["int"] * 7):
        nums = tuple(None if x is None else int(x) for x in r)
        if sum(v or 0 for v in nums[:6]) == (nums[6] or 0):
            out.append(nums)
    return out


def applications_unreadable(
    values: Mapping[str, Sequence[int | None]], glued: set[str]
) -> set[str]:
    """Paths of table 三 cells on which the readings satisfying every identity disagree
    (a blank counting as 0).

    ``values``: row key → the seven printed numbers (None: a marked blank); rows in
    ``glued`` are run together (cut every way the row sum allows), the others are read
    as printed. Raises TooAmbiguous past MAX_SOLUTIONS readings or MAX_STEPS steps."""
    domains: dict[str, list[tuple[int | None, ...]]] = {}
    for key, row in values.items():
        domains[key] = row_readings(row) if key in glued else [tuple(row)]
    return table3_unreadable(domains)


def table3_unreadable(domains: Mapping[str, list[Row]]) -> set[str]:
    """Paths of table 三 cells on which the rows' readings (``domains``: row key → its
    readings) that belong to some choice keeping every identity disagree. Readings that
    differ only in blank against 0 add the same to every identity, so the choices are
    searched over their sums and each reading is kept when its sums are in one."""
    zero = {k: sorted({tuple(v or 0 for v in r) for r in dom}) for k, dom in domains.items()}
    supported: dict[str, set[tuple[int, ...]]] = {k: set() for k in domains}
    for solution in _table3_solutions(zero):  # type: ignore[arg-type]
        for k, r in solution.items():
            supported[k].add(r)  # type: ignore[arg-type]
    out: set[str] = set()
    for key, dom in domains.items():
        kept = [r for r in dom if tuple(v or 0 for v in r) in supported[key]]
        out |= _disagreeing(f"applications.{key}", model.APPLICANT_KEYS, kept)
    return out


def _table3_solutions(domains: Mapping[str, list[Row]]) -> Iterator[dict[str, Row]]:
    """Every choice of one reading per row that keeps the balance and outcome identities
    in all seven columns (blanks counting as 0)."""
    zero = {k: [tuple(v or 0 for v in c) for c in dom] for k, dom in domains.items()}
    outcomes = [k for k in domains if k not in _EDGE]
    # Per column, the least and most the outcome rows from i on can still add.
    lo = [[0] * 7 for _ in range(len(outcomes) + 1)]
    hi = [[0] * 7 for _ in range(len(outcomes) + 1)]
    for i in range(len(outcomes) - 1, -1, -1):
        dom = zero[outcomes[i]]
        for j in range(7):
            lo[i][j] = lo[i + 1][j] + min(c[j] for c in dom)
            hi[i][j] = hi[i + 1][j] + max(c[j] for c in dom)
    found = 0
    steps = 0
    for edge in _edge_combos(zero):
        target = zero["total_handled"][edge["total_handled"]]
        stack: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = [(0, (0,) * 7, ())]
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
                    picks = {**edge, **dict(zip(outcomes, chosen, strict=True))}
                    yield {k: domains[k][n] for k, n in picks.items()}
                continue
            for n, cand in enumerate(zero[outcomes[i]]):
                nxt = tuple(p + c for p, c in zip(partial, cand, strict=True))
                if all(
                    nxt[j] + lo[i + 1][j] <= target[j] <= nxt[j] + hi[i + 1][j] for j in range(7)
                ):
                    stack.append((i + 1, nxt, (*chosen, n)))


def _edge_combos(zero: Mapping[str, list[tuple[int, ...]]]) -> Iterator[dict[str, int]]:
    """Indices of new_received, carried_over, total_handled and carried_forward readings
    that balance in every column."""
    for a, new in enumerate(zero["new_received"]):
        for b, carried in enumerate(zero["carried_over"]):
            for c, handled in enumerate(zero["total_handled"]):
                for d, forward in enumerate(zero["carried_forward"]):
                    if all(new[j] + carried[j] == handled[j] + forward[j] for j in range(7)):
                        yield {
                            "new_received": a,
                            "carried_over": b,
                            "total_handled": c,
                            "carried_forward": d,
                        }
