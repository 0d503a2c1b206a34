"""Table 三: rows of cells aligned to the 25 (or 23) row keys of the format."""

from __future__ import annotations

from typing import Any

from .. import model
from .cells import RawRow
from .context import Context as _Ctx
from .digits import _column_solutions
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
