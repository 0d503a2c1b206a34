"""Parse one report's text into the canonical report (shared/spec/CANONICAL_JSON.md).

Pure functions, no SQL. The layout readers in `cells` cut table text into rows of
cells; here those rows are aligned to the one model of the format (`model`): row
labels matched on normalized fuzzy keys in the order the format fixes, numbers
placed by that order, run-together digits split with the identities.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from .. import model
from .. import validate as validator
from . import meta
from .cells import (
    Cell,
    RawRow,
    detect_layout,
    is_page_mark,
    nfkc,
    segment,
    segmenter_for,
    to_number,
)

if TYPE_CHECKING:
    from ..extract import Document

_WHITESPACE = re.compile(r"[^\S\n]+")

Report = dict[str, Any]

_HEADING = re.compile(r"^[\s#*>\-|•·]*([一二三四五六])\s*[、.．,，]\s*(.{1,40}?)\s*[|]*\s*$")
# What a heading line can start with before NFKC (一/二 also as Kangxi radicals ⼀ ⼆).
_HEADING_HINT = re.compile(r"^\W{0,12}[一二三四五六\u2f00\u2f06]")
_NUMBERING = re.compile(
    r"([一二三四五六七八九十]{1,3}、|\([一二三四五六七八九十]{1,3}\)|(?<!\d)\d{1,2}\s?[.、])"
)
_LABEL_NOISE = re.compile(r"[\s·•■□▪\[\]#*_|\"'“”‘’`^~\\]|Box")
_MAX_SPLITS = 5000  # candidate splits examined per run-together row (bounded work)


class ParseError(Exception):
    """The text is not a report we can read at all (names the file and place)."""

    def __init__(self, path: str, reason: str, place: str | None = None) -> None:
        self.path, self.reason, self.place = path, reason, place
        super().__init__(f"{path}: {place}: {reason}" if place else f"{path}: {reason}")


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def find_sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Map section key → (first line index after the heading, end index), in text order."""
    starts: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if len(line) > 120 or not _HEADING_HINT.match(line):
            continue  # cheap pre-filter: NFKC only the lines that may be headings
        m = _HEADING.match(nfkc(line))
        if not m:
            continue
        body = m.group(2)
        for sec in model.SECTIONS:
            if sec.key in seen:
                continue
            if any(k in body for k in sec.keywords) and (
                sec.number == m.group(1) or sec.key in ("overview", "other_matters")
            ):
                if starts and i <= starts[-1][0]:
                    continue
                starts.append((i, sec.key))
                seen.add(sec.key)
                break
    out: dict[str, tuple[int, int]] = {}
    for n, (i, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        out[key] = (i + 1, end)
    return out


def _fallback_regions(
    lines: list[str], found: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    """Where a table heading is missing, find its table by its own words."""

    def first(pred: Any, start: int = 0) -> int | None:
        for i in range(start, len(lines)):
            if pred(nfkc(lines[i])):
                return i
        return None

    regions = dict(found)
    if "applications" not in regions:
        i = first(lambda s: "本年新收" in s or "申请人情况" in s)
        if i is not None:
            end = first(lambda s: "行政复议" in s and "结果" not in s, i + 1) or len(lines)
            regions["applications"] = (i, end)
    if "proactive" not in regions:
        i = first(lambda s: "第二十条" in s)
        if i is not None:
            end = regions.get("applications", (len(lines), 0))[0]
            regions["proactive"] = (i, max(end, i + 1))
    if "review_litigation" not in regions and "applications" in regions:
        i = first(lambda s: "行政复议" in s, regions["applications"][1])
        if i is not None:
            end = regions.get("problems", (len(lines), 0))[0]
            regions["review_litigation"] = (i, max(end, i + 1))
    return regions


# ---------------------------------------------------------------------------
# Label matching
# ---------------------------------------------------------------------------


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
    num, text = _last_numbered_part(label[:200])
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


# ---------------------------------------------------------------------------
# Splitting run-together digits with the identities
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


class _Ctx:
    def __init__(self, path: str) -> None:
        self.path = path
        self.warnings: list[str] = []
        self.blanks_visible = True  # False where a blank cell leaves no trace in the text

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(f"line {line}: {message}" if line else message)


def _cell_value(cell: Cell, allow_decimal: bool, ctx: _Ctx, where: str) -> Any:
    if cell.kind == "blank":
        return None
    if cell.kind == "digits":
        v = to_number(cell.text)
    else:
        v = cell.value
    if isinstance(v, float) and not allow_decimal:
        ctx.warn(cell.line, f"{where}: '{cell.text}' is not a whole number; left blank")
        return None
    return v


def _counts_only(rows: list[RawRow], ctx: _Ctx, where: str) -> list[RawRow]:
    """Tables 三 and 四 hold counts: a decimal there is OCR noise, dropped with a warning."""
    out = []
    for r in rows:
        bad = [c for c in r.cells if c.kind == "number" and isinstance(c.value, float)]
        for c in bad:
            ctx.warn(c.line, f"{where}: '{c.text}' is not a count; ignored as noise")
        out.append(RawRow(r.label, [c for c in r.cells if c not in bad], r.line) if bad else r)
    return out


def _is_group(row: RawRow, width: int) -> bool:
    """Does this row carry a table row's values (not just header blanks)?"""
    if row.numbers:
        return True
    return (
        len(row.cells) >= width - 1
        and all(c.kind == "blank" for c in row.cells)
        and bool(row.label)
    )


def _fit(values: list[Any], cells: list[Cell], width: int, ctx: _Ctx, where: str) -> list[Any]:
    """Fit a row's cells to the format's width: drop padding blanks, right-align short rows."""
    vals = list(values)
    if len(vals) != width:
        # Empty padding cells around the values (pipe and markdown copies) carry nothing;
        # an explicit blank mark (—, /, 无) is a value, NULL, unless the row is still too
        # wide without it.
        marks = (
            [c.kind == "blank" and bool(c.text.strip()) for c in cells]
            if len(cells) == len(vals)
            else [False] * len(vals)
        )
        pairs = list(zip(vals, marks, strict=True))
        while pairs and pairs[-1][0] is None and not pairs[-1][1]:
            pairs.pop()
        while len(pairs) > width and pairs[0][0] is None and not pairs[0][1]:
            pairs.pop(0)
        while len(pairs) > width and pairs[-1][0] is None:
            pairs.pop()
        while len(pairs) > width and pairs[0][0] is None:
            pairs.pop(0)
        vals = [v for v, _ in pairs]
    line = cells[0].line if cells else None
    if len(vals) > width:
        raw = " ".join(c.text for c in cells)
        ctx.warn(
            line,
            f"{where}: {len(vals)} cells where the format has {width}; kept the first {width} (raw: {raw})",
        )
        vals = vals[:width]
    elif len(vals) < width and not ctx.blanks_visible:
        raw = " ".join(c.text or "∅" for c in cells)
        parts, last = vals[:-1], vals[-1] if vals else None
        keep_total = width > 1 and last is not None and None not in parts and sum(parts) == last
        ctx.warn(
            line,
            f"{where}: {len(vals)} of {width} numbers and blank cells leave no trace in this layout; "
            f"{'only the total kept' if keep_total else 'cells left blank'}, raw text kept (raw: {raw})",
        )
        vals = [None] * (width - 1) + [last] if keep_total else [None] * width
    elif len(vals) < width:
        raw = " ".join(c.text or "∅" for c in cells)
        ctx.warn(
            line,
            f"{where}: {len(vals)} of {width} cells; aligned to the right (总计 last), "
            f"the missing ones left blank (raw: {raw})",
        )
        vals = [None] * (width - len(vals)) + vals
    return vals


def _row_values(
    row: RawRow, width: int, ctx: _Ctx, where: str, allow_decimal: bool = False
) -> list[Any] | list[tuple[int, ...]]:
    cells = list(row.cells)
    digits = [c for c in cells if c.kind == "digits"]
    if digits and len(cells) == 1 and width > 1:
        return (
            split_row_sum(digits[0].text, width)
            if where.startswith("table 三")
            else _parts(digits[0].text, width)
        )  # type: ignore[return-value]
    values = [_cell_value(c, allow_decimal, ctx, where) for c in cells]
    return _fit(values, cells, width, ctx, where)


def parse_applications(rows: list[RawRow], ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """Table 三: align rows of cells to the 25 (or 23) row keys."""
    width = len(model.APPLICANT_KEYS)
    rows = _counts_only(rows, ctx, "table 三")
    matches = [match_application_row(r.label) if r.label else (None, 0.0) for r in rows]
    # The data starts at the first row with numbers, or a sure first-row label.
    start = next(
        (
            i
            for i, (r, (k, score)) in enumerate(zip(rows, matches, strict=True))
            if r.numbers or (k in ("new_received", "carried_over") and score >= 85)
        ),
        None,
    )
    if start is None:
        return {}
    rows, matches = rows[start:], matches[start:]
    groups = [i for i, r in enumerate(rows) if _is_group(r, width)]
    found = {k for k, _ in matches if k}
    if len(groups) == len(model.APPLICATION_ROWS_SPLIT):
        expected = model.APPLICATION_ROWS_SPLIT
    elif len(groups) == len(model.APPLICATION_ROWS_SINGLE):
        expected = model.APPLICATION_ROWS_SINGLE
    elif found & {"other_no_correction", "other_no_fee"}:
        expected = model.APPLICATION_ROWS_SPLIT
    elif "other_processing" in found:
        expected = model.APPLICATION_ROWS_SINGLE
    else:
        expected = model.APPLICATION_ROWS_SPLIT

    assigned: dict[str, int] = {}
    if len(groups) == len(expected):
        for row_def, gi in zip(expected, groups, strict=True):
            assigned[row_def.key] = gi
            key, score = matches[gi]
            if key and key != row_def.key and score >= 90:
                ctx.warn(
                    rows[gi].line,
                    f"table 三: row labelled like {key} sits where the format has {row_def.key}; placed by order",
                )
    else:
        ctx.warn(
            rows[groups[0]].line if groups else None,
            f"table 三: {len(groups)} rows of numbers where the format has {len(expected)}; placed by their labels",
        )
        keys_in_order = [r.key for r in expected]
        label_only = [i for i, r in enumerate(rows) if not _is_group(r, width) and matches[i][0]]
        for gi in groups:
            key = matches[gi][0]
            if key is None:
                # Numbers on a line of their own: the nearest unplaced label above, else below.
                before = [i for i in label_only if i < gi and matches[i][0] not in assigned]
                after = [i for i in label_only if i > gi and matches[i][0] not in assigned]
                near = before[-1:] if before and gi - before[-1] <= 2 else after[:1]
                key = matches[near[0]][0] if near else None
            if key is None or key not in keys_in_order or key in assigned:
                raw = " ".join(c.text for c in rows[gi].cells)
                ctx.warn(
                    rows[gi].line, f"table 三: numbers not placed (label '{rows[gi].label}'): {raw}"
                )
                continue
            assigned[key] = gi
        missing = [k for k in keys_in_order if k not in assigned]
        if missing:
            ctx.warn(None, f"table 三: rows not found: {', '.join(missing)}")

    result: dict[str, dict[str, Any]] = {}
    ambiguous: dict[str, list[tuple[int, ...]]] = {}
    for row_def in expected:
        if row_def.key not in assigned:
            continue
        row = rows[assigned[row_def.key]]
        vals = _row_values(row, width, ctx, f"table 三 {row_def.key}")
        if not vals:
            raw = " ".join(c.text for c in row.cells)
            ctx.warn(
                row.line,
                f"table 三 {row_def.key}: run-together digits '{raw}' have no split that satisfies the row identity; cells left blank, raw text kept",
            )
            vals = [None] * width
        if vals and isinstance(vals[0], tuple):
            ambiguous[row_def.key] = vals  # type: ignore[assignment]
            continue
        result[row_def.key] = dict(zip(model.APPLICANT_KEYS, vals, strict=True))
    if ambiguous:
        _resolve_glued(result, ambiguous, rows, assigned, expected, ctx)
    return result


# Enumerated combinations per half of the open rows (meet in the middle): bounded work.
_MAX_HALF_COMBOS = 20000


def _column_solutions(
    fixed: dict[str, tuple[Any, ...]], open_rows: dict[str, list[tuple[int, ...]]]
) -> list[dict[str, tuple[int, ...]]]:
    """Up to two picks of one split per open row that satisfy table 三's column identities.

    The identities (checks.column_checks) are linear: per applicant column, 本年新收 +
    上年结转 − 总计 − 结转 = 0 and 总计 − Σ 办理结果 = 0, each skipped where a fixed cell is
    blank. Each candidate becomes its vector of contributions; the rows are split in two
    halves whose sums must cancel the fixed rows' sum (meet in the middle).
    """
    present = set(fixed) | set(open_rows)
    identities: list[dict[str, int]] = []
    if {"new_received", "carried_over", "total_handled", "carried_forward"} <= present:
        identities.append(
            {"new_received": 1, "carried_over": 1, "total_handled": -1, "carried_forward": -1}
        )
    outcome_rows = [k for k in model.OUTCOME_KEYS if k in present]
    if "total_handled" in present and outcome_rows:
        outcomes = {"total_handled": 1}
        for k in outcome_rows:
            outcomes[k] = outcomes.get(k, 0) - 1
        identities.append(outcomes)
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


def _resolve_glued(
    result: dict[str, dict[str, Any]],
    candidates: dict[str, list[tuple[int, ...]]],
    rows: list[RawRow],
    assigned: dict[str, int],
    expected: tuple[model.Row, ...],
    ctx: _Ctx,
) -> None:
    """Pick the splits of run-together rows that satisfy the column identities."""
    keys = list(candidates)
    unique = {k: c[0] for k, c in candidates.items() if len(c) == 1}
    open_keys = [k for k in keys if len(candidates[k]) != 1]
    chosen: dict[str, tuple[int, ...]] = dict(unique)
    if open_keys:
        fixed = {
            k: tuple(cells.get(c) for c in model.APPLICANT_KEYS)
            for k, cells in result.items()
            if k not in candidates
        }
        fixed.update(unique)
        solutions = _column_solutions(fixed, {k: candidates[k] for k in open_keys})
        if len(solutions) == 1:
            chosen.update(solutions[0])
            for k in open_keys:
                ctx.warn(
                    rows[assigned[k]].line,
                    f"table 三 {k}: run-together digits split using the column identities",
                )
        else:
            for k in open_keys:
                raw = rows[assigned[k]].cells[0].text
                n = len(candidates[k])
                ctx.warn(
                    rows[assigned[k]].line,
                    f"table 三 {k}: ambiguous run-together digits '{raw}' "
                    f"({n} splits satisfy the row identity); cells left blank, raw text kept",
                )
    for k in keys:
        vals = chosen.get(k)
        result[k] = dict(zip(model.APPLICANT_KEYS, vals or (None,) * 7, strict=True))
    # keep the format's row order
    order = [r.key for r in expected]
    ordered = {k: result[k] for k in order if k in result}
    result.clear()
    result.update(ordered)


def parse_review(rows: list[RawRow], ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """Table 四: fifteen cells, three groups of five."""
    width = 15
    rows = _counts_only(rows, ctx, "table 四")
    value_rows = [r for r in rows if r.numbers]
    if not value_rows:
        return {}
    cells = [c for r in value_rows for c in r.cells]
    if len(cells) == 1 and cells[0].kind == "number" and len(cells[0].text) >= width:
        cells = [Cell("digits", cells[0].text, cells[0].line)]
    if len(cells) == 1 and cells[0].kind == "digits":
        splits = split_review(cells[0].text)
        if len(splits) != 1:
            ctx.warn(
                cells[0].line,
                f"table 四: ambiguous run-together digits '{cells[0].text}' "
                f"({len(splits)} splits satisfy the identities); cells left blank, raw text kept",
            )
            values: list[Any] = [None] * width
        else:
            values = list(splits[0])
    elif (
        len(value_rows) == 3
        and all(len([c for c in r.cells if c.kind != "noise"]) >= 4 for r in value_rows)
        and len(cells) < width + 3
    ):
        # Transposed: one row per group, labelled.
        values = []
        for r in value_rows:
            vals = [_cell_value(c, False, ctx, "table 四") for c in r.cells]
            values.extend(_fit(vals, r.cells, 5, ctx, "table 四"))
    else:
        vals = [_cell_value(c, False, ctx, "table 四") for c in cells]
        values = _fit(vals, cells, width, ctx, "table 四")
    out: dict[str, dict[str, Any]] = {}
    for g, (group, _) in enumerate(model.REVIEW_GROUPS):
        out[group] = dict(zip(model.REVIEW_KEYS, values[g * 5 : g * 5 + 5], strict=True))
    return out


def _match_proactive(
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


def parse_proactive(
    rows: list[RawRow], fmt: str, region_text: str, ctx: _Ctx
) -> dict[str, dict[str, Any]]:
    """Table 二: rows matched by their labels (规章, 行政许可, …)."""
    items = model.PROACTIVE_ITEMS[fmt]  # type: ignore[index]
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        item = _match_proactive(row.label, items)
        if item is None and (row.cells or (i + 1 < len(rows) and not rows[i + 1].label)):
            item = _fuzzy_proactive(row.label, items)
            if item is not None and item.key not in out:
                ctx.warn(
                    row.line,
                    f"table 二: label '{row.label}' read as '{item.labels[0]}' (fuzzy match)",
                )
        if item is None or item.key in out:
            continue
        if not row.cells:
            # A label alone on its line: its numbers are on the next line (a wrapped
            # label in PDF text, with or without the label's wrapped tail before them),
            # or it has none (every cell blank). The tail may also sit alone on a line
            # of its own before the numbers ("其他对外管理服务" / "事项" / "3 0 0").
            label, j = row.label, i + 1
            while (
                j < len(rows)
                and j <= i + 2
                and not rows[j].cells
                and rows[j].label
                and _match_proactive(rows[j].label, items) is None
                and _match_proactive(label + rows[j].label, items) is item
            ):
                label, j = label + rows[j].label, j + 1
            nxt = rows[j] if j < len(rows) else None
            if (
                nxt is not None
                and nxt.cells
                and (
                    not nxt.label
                    or (
                        _match_proactive(nxt.label, items) is None
                        and _match_proactive(label + nxt.label, items) is item
                    )
                )
            ):
                row = RawRow(row.label, nxt.cells, row.line)
            else:
                row = RawRow(row.label, [Cell("blank", "", row.line)] * len(item.columns), row.line)
        width = len(item.columns)
        allow = [model.PROACTIVE_COLUMN_BY_KEY[c].kind == "decimal" for c in item.columns]
        cells = row.cells
        if len(cells) == 1 and cells[0].kind == "digits":
            if width == 1:
                vals: list[Any] = [to_number(cells[0].text)]
            else:
                splits = _parts(cells[0].text, width) if "." not in cells[0].text else []
                if len(splits) == 1:
                    vals = list(splits[0])
                else:
                    ctx.warn(
                        cells[0].line,
                        f"table 二 {item.key}: ambiguous run-together digits '{cells[0].text}' "
                        f"({len(splits)} splits); cells left blank, raw text kept",
                    )
                    vals = [None] * width
        else:
            raw_vals = [_cell_value(c, True, ctx, f"table 二 {item.key}") for c in cells]
            vals = list(raw_vals)
            while len(vals) > width and vals[-1] is None:
                vals.pop()
            while len(vals) > width and vals[0] is None:
                vals.pop(0)
            if len(vals) != width:
                raw = " ".join(c.text or "∅" for c in cells)
                if ctx.blanks_visible:
                    ctx.warn(
                        row.line,
                        f"table 二 {item.key}: {len(vals)} cells where the format has {width} (raw: {raw}); aligned left",
                    )
                    vals = (vals + [None] * width)[:width]
                else:
                    ctx.warn(
                        row.line,
                        f"table 二 {item.key}: {len(vals)} of {width} numbers and blank cells leave no trace in this layout; cells left blank, raw text kept (raw: {raw})",
                    )
                    vals = [None] * width
        cells_out: dict[str, Any] = {}
        for col, v, dec in zip(item.columns, vals, allow, strict=True):
            if isinstance(v, float) and not dec:
                ctx.warn(
                    row.line, f"table 二 {item.key}.{col}: '{v}' is not a whole number; left blank"
                )
                v = None
            cells_out[col] = v
        if item.key == "procurement":
            # Wrapped or OCR'd headers put spaces inside the words ("采 购总金额"), and
            # a header cell wrapped in a text table leaves a cell border inside it
            # ("（单位：万 | 元）"): the header is searched with both removed.
            unit = re.search(
                r"采购总金额[^\n]{0,12}?[(（]?(?:单位[:：])?(万元|元)",
                _WHITESPACE.sub("", nfkc(region_text)).replace("|", ""),
            )
            cells_out["amount_unit"] = unit.group(1) if unit else None
            if unit is None and cells_out.get("amount") is not None:
                ctx.warn(
                    row.line, "table 二 procurement: amount unit (元/万元) not found in the header"
                )
        out[item.key] = cells_out
    # keep the format's order
    return {i.key: out[i.key] for i in items if i.key in out}


def detect_format(
    proactive_text: str, whole: str, year: int | None, ctx: _Ctx
) -> model.FormatVersion:
    """The format version from the table headers, never the year."""
    for text in (proactive_text, whole):
        t = nfkc(text).replace(" ", "")
        scores = {
            v: sum(1 for m in marks if nfkc(m) in t) for v, marks in model.FORMAT_MARKERS.items()
        }
        if scores["2021"] != scores["2019"]:
            return "2021" if scores["2021"] > scores["2019"] else "2019"
    guess: model.FormatVersion = "2019" if year is not None and year < 2021 else "2021"
    ctx.warn(None, f"format version not stated by the table headers; assumed {guess}")
    return guess


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def parse_text(
    text: str,
    path: str = "<text>",
    *,
    sha256: str | None = None,
    kind: str = "txt",
    encoding: str | None = None,
) -> Report:
    """Parse a report's text into the canonical report dict."""
    ctx = _Ctx(path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    regions = find_sections(lines)
    regions = _fallback_regions(lines, regions)
    if not any(k in regions for k in ("proactive", "applications", "review_litigation")):
        raise ParseError(
            path, "not an annual report: none of tables 二, 三, 四 was found", "whole file"
        )

    def region_lines(key: str) -> list[tuple[int, str]]:
        if key not in regions:
            return []
        a, b = regions[key]
        return [(i + 1, lines[i]) for i in range(a, b)]

    table_lines = [
        s for k in ("proactive", "applications", "review_litigation") for _, s in region_lines(k)
    ]
    layout = detect_layout(table_lines)
    seg = segmenter_for(layout if kind == "txt" else kind)
    if kind != "txt" and seg == kind:
        seg = "markdown"

    title = meta.find_title(text)
    year, year_source = meta.find_year(text, title)
    agency = meta.find_agency(text, title)
    if agency is None:
        ctx.warn(None, "agency not found in the title or the narrative")
    if year is None:
        ctx.warn(None, "reporting year not found (no 统计期限 sentence, no year in the title)")

    ctx.blanks_visible = seg not in ("pdf-text", "run-together")
    proactive_text = "\n".join(s for _, s in region_lines("proactive"))
    fmt = detect_format(proactive_text, text, year, ctx)

    tables: dict[str, Any] = {}
    for key in ("proactive", "applications", "review_litigation"):
        rl = region_lines(key)
        if not rl:
            ctx.warn(
                None,
                f"table {model.SECTION_BY_KEY[key].number} ({model.SECTION_BY_KEY[key].title}) not found",
            )
            tables[key] = {}
            continue
        rows = segment(rl, seg)
        if key == "proactive":
            tables[key] = parse_proactive(rows, fmt, proactive_text, ctx)
        elif key == "applications":
            tables[key] = parse_applications(rows, ctx)
        else:
            tables[key] = parse_review(rows, ctx)
        if not tables[key]:
            ctx.warn(rl[0][0], f"table {model.SECTION_BY_KEY[key].number}: no numbers found")

    sections = {
        sec.key: "\n".join(
            s.strip() for _, s in region_lines(sec.key) if s.strip() and not is_page_mark(s)
        ).strip()
        for sec in model.SECTIONS
        if sec.key in regions
    }
    overview = sections.get("overview", "")
    atype = meta.agency_type(agency)
    report: Report = {
        "schema": model.SCHEMA,
        "source": {
            "path": path,
            "sha256": sha256,
            "layout": layout if kind == "txt" else kind,
            "encoding": encoding,
        },
        "title": title,
        "agency": agency,
        "year": year,
        "year_source": year_source,
        "format": fmt,
        "region": meta.find_region(agency),
        "agency_type": atype,
        "scope": meta.find_scope(agency, atype, overview or text[:3000]),
        "proactive": tables["proactive"],
        "applications": tables["applications"],
        "review_litigation": tables["review_litigation"],
        "sections": sections,
        "fee": meta.find_fee(sections.get("other_matters", "")),
        "narrative_numbers": meta.narrative_numbers(overview),
    }
    report["checks"] = validator.hard_checks(report) + validator.soft_checks(report)
    for c in validator.failed(report["checks"], "soft"):
        ctx.warn(
            None,
            f"soft check {c['check']} failed: expected {c['expected']}, got {c['actual']} ({c['detail']})",
        )
    report["warnings"] = ctx.warnings
    return report


def _doubts(report: Report) -> tuple[int, int, int]:
    """How far a parse is from clean: tables missing, hard checks failed, warnings."""
    missing = sum(1 for t in ("proactive", "applications", "review_litigation") if not report[t])
    failed = len(validator.failed(report["checks"], "hard"))
    return missing, failed, len(report["warnings"])


def parse_document(doc: Document, path: str | None = None) -> tuple[Report, str]:
    """Parse an extracted document; returns the report and the text it was read from.

    A PDF is read first with the fast engine; if that parse has any doubt (a missing
    table, a failed identity, a warning), the PDF is re-read with the layout engine
    and the parse with fewer doubts is kept (the fast one on a tie).
    """
    from ..extract import reread_pdf

    where = path or doc.path
    if not doc.text.strip():
        raise ParseError(where, "no text in the document", "whole file")

    def run(d: Document) -> Report:
        report = parse_text(d.text, where, sha256=d.sha256, kind=d.kind, encoding=d.encoding)
        if d.extractor:
            report["source"]["extractor"] = d.extractor
        return report

    try:
        report = run(doc)
    except ParseError:
        if doc.kind != "pdf":
            raise
        report = None
    if doc.kind != "pdf" or (report is not None and _doubts(report) == (0, 0, 0)):
        assert report is not None
        return report, doc.text
    careful = reread_pdf(doc, "pdfplumber")
    try:
        second = run(careful)
    except ParseError:
        if report is None:
            raise
        return report, doc.text
    if report is None or _doubts(second) < _doubts(report):
        return second, careful.text
    return report, doc.text


def parse_file(path: str | Path) -> Report:
    """Read a file (.txt/.html/.docx/.pdf) and parse it."""
    from ..extract import read_document

    return parse_document(read_document(path), str(path))[0]
