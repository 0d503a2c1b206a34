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

    keys_in_order = [r.key for r in expected]
    placement = place(
        groups,
        [matches[g][0] for g in groups],
        keys_in_order,
        [_is_short(rows[g], width) for g in groups],
    )
    for g in placement.strays:
        raw = " ".join(c.text for c in rows[g].cells)
        ctx.warn(
            rows[g].line,
            f"table 三: numbers not placed on any row (label '{rows[g].label}'): {raw}",
        )
    assigned = placement.assigned
    result: dict[str, list[Any]] = {}
    for key, candidates in placement.unreadable.items():
        line = rows[candidates[0]].line if candidates else None
        ctx.mark_unreadable(
            "applications",
            key,
            model.APPLICANT_KEYS,
            line,
            f"{len(candidates)} row(s) of numbers without a label where the format has more rows; "
            "which row they belong to is not settled",
        )
        result[key] = [None] * width
    missing = [k for k in keys_in_order if k not in assigned and k not in result]
    if missing and len(missing) < len(keys_in_order):
        ctx.warn(None, f"table 三: rows not found: {', '.join(missing)}")

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
                f"table 三 {row_def.key}: run-together digits '{raw}' have no split that satisfies the row identity",
            )
            vals = [UNREADABLE] * width
        if vals and isinstance(vals[0], tuple):
            ambiguous[row_def.key] = vals  # type: ignore[assignment]
            continue
        result[row_def.key] = list(vals)
    if ambiguous:
        _resolve_glued(result, ambiguous, rows, assigned, ctx)
    out: dict[str, dict[str, Any]] = {}
    for key in keys_in_order:
        if key in result:
            line = rows[assigned[key]].line if key in assigned else None
            out[key] = ctx.store("applications", key, model.APPLICANT_KEYS, result[key], line)
    return out


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
        fixed: dict[str, tuple[Any, ...]] = {
            k: tuple(None if v is UNREADABLE else v for v in vals)
            for k, vals in result.items()
            if k not in candidates
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
