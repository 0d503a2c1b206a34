"""Table 三: rows of cells aligned to the 25 (or 23) row keys of the format."""

from __future__ import annotations

from typing import Any

from .. import model
from .align import place
from .cells import RawRow
from .context import UNREADABLE
from .context import Context as _Ctx
from .digits import _column_solutions, agreed
from .labels import match_application_row
from .rows import _counts_only, _is_group, _row_values


def parse_applications(rows: list[RawRow], ctx: _Ctx) -> dict[str, dict[str, Any]]:
    """Table 三: align rows of cells to the 25 (or 23) row keys."""
    width = len(model.APPLICANT_KEYS)
    data = _data_rows(_counts_only(rows, ctx, "table 三"))
    if data is None:
        return {}
    rows, matches = data
    groups = [i for i, r in enumerate(rows) if _is_group(r, width)]
    expected = _expected_rows(len(groups), {k for k, _ in matches if k})
    keys_in_order = [r.key for r in expected]
    placement = place(
        groups,
        [matches[g][0] for g in groups],
        keys_in_order,
        [_is_short(rows[g], width) for g in groups],
    )
    _warn_strays(placement.strays, rows, ctx)
    assigned = placement.assigned
    result = _unreadable_rows(placement.unreadable, rows, ctx)
    missing = [k for k in keys_in_order if k not in assigned and k not in result]
    if missing and len(missing) < len(keys_in_order):
        ctx.warn(None, f"table 三: rows not found: {', '.join(missing)}")
    ambiguous = _read_rows(expected, assigned, rows, ctx, result)
    if ambiguous:
        _resolve_glued(result, ambiguous, rows, assigned, ctx)
    out: dict[str, dict[str, Any]] = {}
    for key in keys_in_order:
        if key in result:
            line = rows[assigned[key]].line if key in assigned else None
            out[key] = ctx.store("applications", key, model.APPLICANT_KEYS, result[key], line)
    return out


_Match = tuple[str | None, float]


def _data_rows(rows: list[RawRow]) -> tuple[list[RawRow], list[_Match]] | None:
    """The rows from where the data starts — the first row with numbers, or a sure
    first-row label — with each row's label match; None when no row starts it."""
    matches = [match_application_row(r.label) if r.label else (None, 0.0) for r in rows]
    start = next(
        (
            i
            for i, (r, (k, score)) in enumerate(zip(rows, matches, strict=True))
            if r.numbers or (k in ("new_received", "carried_over") and score >= 85)
        ),
        None,
    )
    if start is None:
        return None
    return rows[start:], matches[start:]


def _expected_rows(groups: int, found: set[str]) -> tuple[model.Row, ...]:
    """The format's rows for a table with `groups` rows of numbers whose labels matched
    the keys `found`: the 25-row variant (（六）其他处理 split in three) or the 23-row one."""
    if groups == len(model.APPLICATION_ROWS_SPLIT):
        return model.APPLICATION_ROWS_SPLIT
    if groups == len(model.APPLICATION_ROWS_SINGLE):
        return model.APPLICATION_ROWS_SINGLE
    if found & {"other_no_correction", "other_no_fee"}:
        return model.APPLICATION_ROWS_SPLIT
    if "other_processing" in found:
        return model.APPLICATION_ROWS_SINGLE
    return model.APPLICATION_ROWS_SPLIT


def _warn_strays(strays: list[int], rows: list[RawRow], ctx: _Ctx) -> None:
    for g in strays:
        raw = " ".join(c.text for c in rows[g].cells)
        ctx.warn(
            rows[g].line,
            f"table 三: numbers not placed on any row (label '{rows[g].label}'): {raw}",
        )


def _unreadable_rows(
    unreadable: dict[str, list[int]], rows: list[RawRow], ctx: _Ctx
) -> dict[str, list[Any]]:
    """Rows of the format that unlabelled rows of numbers may belong to, unsettled: every
    cell unreadable (listed, with a warning naming the first candidate's line)."""
    result: dict[str, list[Any]] = {}
    for key, candidates in unreadable.items():
        line = rows[candidates[0]].line if candidates else None
        ctx.mark_unreadable(
            "applications",
            key,
            model.APPLICANT_KEYS,
            line,
            f"{len(candidates)} row(s) of numbers without a label where the format has more rows; "
            "which row they belong to is not settled",
        )
        result[key] = [None] * len(model.APPLICANT_KEYS)
    return result


def _read_rows(
    expected: tuple[model.Row, ...],
    assigned: dict[str, int],
    rows: list[RawRow],
    ctx: _Ctx,
    result: dict[str, list[Any]],
) -> dict[str, list[tuple[int, ...]]]:
    """Each placed row's values into `result`; returns the run-together rows with more
    than one split (row key → candidate splits) for the column identities to settle."""
    width = len(model.APPLICANT_KEYS)
    ambiguous: dict[str, list[tuple[int, ...]]] = {}
    for row_def in expected:
        if row_def.key not in assigned:
            continue
        row = rows[assigned[row_def.key]]
        vals = _row_values(row, width, ctx, f"table 三 {row_def.key}", total_last=True)
        if not vals:
            raw = " ".join(c.text for c in row.cells)
            ctx.warn(
                row.line,
                f"table 三 {row_def.key}: run-together digits '{raw}' have no split that satisfies the row identity",
            )
            vals = [UNREADABLE] * width
        if vals and isinstance(vals[0], tuple):
            ambiguous[row_def.key] = vals  # type: ignore[assignment]
            continue
        result[row_def.key] = list(vals)
    return ambiguous


def _is_short(row: RawRow, width: int) -> bool:
    """Too few numbers to be a row of table 三 by itself (a footnote mark, a page number)."""
    return (
        not row.label
        and not any(c.kind == "digits" for c in row.cells)
        and row.numbers < width // 2
    )


def _resolve_glued(
    result: dict[str, list[Any]],
    candidates: dict[str, list[tuple[int, ...]]],
    rows: list[RawRow],
    assigned: dict[str, int],
    ctx: _Ctx,
) -> None:
    """Pick the splits of run-together rows that satisfy the column identities.

    Where more than one pick satisfies them, a cell is read only when every split of
    its row gives it the same value; the others are unreadable.
    """
    unique = {k: c[0] for k, c in candidates.items() if len(c) == 1}
    open_keys = [k for k in candidates if len(candidates[k]) != 1]
    chosen: dict[str, Any] = dict(unique)
    if open_keys:
        # A row of only blank cells adds nothing to a column (as a row the copy left
        # out); a blank beside numbers leaves its column's identities unchecked.
        fixed: dict[str, tuple[Any, ...]] = {
            k: tuple(None if v is UNREADABLE else v for v in vals)
            for k, vals in result.items()
            if k not in candidates and any(v is not None for v in vals)
        }
        fixed.update(unique)
        solutions = _column_solutions(fixed, {k: candidates[k] for k in open_keys})
        width = len(model.APPLICANT_KEYS)
        for k in open_keys:
            line = rows[assigned[k]].line
            if len(solutions) == 1:
                chosen[k] = solutions[0][k]
                ctx.warn(
                    line, f"table 三 {k}: run-together digits split using the column identities"
                )
                continue
            raw = rows[assigned[k]].cells[0].text
            ctx.warn(
                line,
                f"table 三 {k}: ambiguous run-together digits '{raw}': {len(candidates[k])} splits "
                "satisfy the row identity and the column identities do not settle them",
            )
            chosen[k] = agreed(candidates[k], width, UNREADABLE)
    for k in candidates:
        result[k] = list(chosen[k])
