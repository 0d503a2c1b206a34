"""The validator: every identity of model.IDENTITIES, checked on one canonical report.

A check is a record (shared/spec/CANONICAL_JSON.md): ``check`` (its name, the identity
and the column, row or group it covers: ``balance.total``), ``identity``, ``severity``,
``cells`` (the dotted paths it reads), ``reported`` (the value the report prints for the
checked total), ``computed`` (the value computed from the other cells), ``ok`` and a
Chinese ``detail``. A check whose inputs include a blank or unreadable cell (NULL) has
``ok: None`` (not checkable), never silently passed. A failed check is a finding,
published as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from . import model

Check = dict[str, Any]
Report = dict[str, Any]

_EMPTY: dict[str, Any] = {}


def make_check(
    name: str,
    part: str,
    reported: Any,
    computed: Any,
    cells: list[str],
    detail: str = "",
    ok: bool | None = None,
) -> Check:
    """One check record; `ok` defaults to reported == computed (None when either is)."""
    identity = model.IDENTITY_BY_NAME[name]
    if ok is None and reported is not None and computed is not None:
        ok = _eq(reported, computed)
    return {
        "check": f"{name}.{part}" if part else name,
        "identity": name,
        "severity": identity.severity,
        "ok": ok,
        "reported": reported,
        "computed": computed,
        "cells": cells,
        "detail": detail,
    }


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) < 1e-6
    return bool(a == b)


def _sum(values: list[Any]) -> Any:
    if None in values:
        return None
    return sum(values)


_DETAILS = {
    "balance": "本年新收 + 上年结转 vs 办理结果总计 + 结转下年度",
    "outcomes": "办理结果总计 vs 各项办理结果之和",
    "row_sum": "总计 vs 各类申请人之和",
    "review_total": "总计 vs 维持 + 纠正 + 其他 + 尚未审结",
}


def _instance(
    identity: model.Identity, present: tuple[str, ...], prefix: str, suffix: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None:
    """One instance of a table identity where the report prints the keys `present` along
    it (in printed order): its reported keys, its computed keys and the dotted paths
    (``prefix + key + suffix``) of every cell it reads, in printed order; None when too
    few are printed to check it."""
    printed = set(present)
    reported = tuple(k for k in identity.reported if k in printed)
    computed = tuple(k for k in identity.computed if k in printed)
    if len(reported) < len(identity.reported) or not computed:
        return None
    if not identity.parts_optional and len(computed) < len(identity.computed):
        return None
    used = set(reported) | set(computed)
    return reported, computed, tuple(prefix + k + suffix for k in present if k in used)


_Plan = list[tuple[model.Identity, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]


@lru_cache(maxsize=256)
def _column_plan(present: tuple[str, ...]) -> _Plan:
    """The column checks of a table 三 printing the rows `present`, in order: (identity,
    column, reported rows, computed rows, cell paths). Reports mostly print the same rows,
    so this is worked out once per set of rows."""
    plan: _Plan = []
    for col in model.APPLICANT_KEYS:
        for identity in model.COLUMN_IDENTITIES:
            instance = _instance(identity, present, "applications.", f".{col}")
            if instance is not None:
                plan.append((identity, col, *instance))
    return plan


@lru_cache(maxsize=1024)
def _row_instance(
    identity: model.Identity, row: str
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None:
    """`_instance` of a row identity on one row (or group) of its table."""
    columns = model.REVIEW_KEYS if identity.table == "review_litigation" else model.APPLICANT_KEYS
    return _instance(identity, tuple(columns), f"{identity.table}.{row}.", "")


def column_checks(apps: dict[str, dict[str, Any]]) -> list[Check]:
    """The column identities of table 三 (balance, outcomes), for each applicant column."""
    if not apps:
        return []
    present = tuple(r.key for r in model.APPLICATION_ROWS_ALL if r.key in apps)
    return [
        make_check(
            identity.name,
            col,
            _sum([apps[k].get(col) for k in reported]),
            _sum([apps[k].get(col) for k in computed]),
            list(cells),
            _DETAILS[identity.name],
        )
        for identity, col, reported, computed, cells in _column_plan(present)
    ]


_ROW_IDENTITIES = tuple(i for i in model.TABLE_IDENTITIES if i.along == "row")


@lru_cache(maxsize=256)
def _row_plan(
    rows_by_identity: tuple[tuple[str, ...], ...],
) -> list[tuple[model.Identity, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """The row checks for the rows each row identity's table prints (``rows_by_identity``,
    in `_ROW_IDENTITIES` order): (identity, row, reported keys, computed keys, cell paths)."""
    plan = []
    for identity, rows in zip(_ROW_IDENTITIES, rows_by_identity, strict=True):
        for row in rows:
            instance = _row_instance(identity, row)
            if instance is not None:
                plan.append((identity, row, *instance))
    return plan


def _row_checks(report: Report) -> list[Check]:
    """The identities along each row of a table (row sums of table 三, groups of 四)."""
    rows: list[tuple[str, ...]] = []
    for identity in _ROW_IDENTITIES:
        table: dict[str, dict[str, Any]] = report.get(identity.table) or {}
        if identity.table == "review_litigation":
            rows.append(tuple(g for g, _ in model.REVIEW_GROUPS if table.get(g)))
        else:
            rows.append(tuple(table))
    out: list[Check] = []
    for identity, row, reported, computed, cells in _row_plan(tuple(rows)):
        values = report[identity.table][row]
        out.append(
            make_check(
                identity.name,
                row,
                _sum([values.get(k) for k in reported]),
                _sum([values.get(k) for k in computed]),
                list(cells),
                _DETAILS[identity.name],
            )
        )
    return out


def hard_checks(report: Report) -> list[Check]:
    """Balance, outcomes, row sums (table 三), group totals (table 四), non-negativity."""
    out = column_checks(report.get("applications") or {})
    out += _row_checks(report)
    negatives: list[str] = []
    non_integers: list[str] = []
    for table in ("proactive", "applications", "review_litigation"):  # as iter_cells
        for row, cells in (report.get(table) or {}).items():
            for col, v in cells.items():
                if v is None or (type(v) is int and v >= 0):
                    continue  # most cells: blank, or a count
                if col == "amount_unit" or not isinstance(v, (int, float)):
                    continue
                if v < 0 and col != "change":
                    negatives.append(f"{table}.{row}.{col}")
                if table != "proactive" and isinstance(v, float):
                    non_integers.append(f"{table}.{row}.{col}")
    bad = negatives + non_integers
    out.append(make_check("non_negative", "", len(bad), 0, bad, ", ".join(bad[:20]), ok=not bad))
    return out


def soft_checks(report: Report) -> list[Check]:
    """Checks that flag a likely problem but can have honest exceptions."""
    apps: dict[str, dict[str, Any]] = report.get("applications") or {}
    rl: dict[str, dict[str, Any]] = report.get("review_litigation") or {}
    out: list[Check] = []

    def total(row: str) -> Any:
        return apps.get(row, _EMPTY).get("total")

    def group_total(group: str) -> Any:
        return rl.get(group, _EMPTY).get("total")

    if apps:
        received = _sum([total("new_received"), total("carried_over")])
        handled = total("total_handled")
        if received is not None and handled is not None:
            cells = [f"applications.{r}.total" for r in ("new_received", "carried_over")]
            out.append(
                make_check(
                    "handled_not_above_received",
                    "",
                    handled,
                    received,
                    [*cells, "applications.total_handled.total"],
                    "办理结果总计不应超过本年新收 + 上年结转",
                    ok=handled <= received,
                )
            )
        no_fee = total("other_no_fee")
        if no_fee:
            fee = report.get("fee") or {}
            out.append(
                make_check(
                    "fee_mentioned",
                    "",
                    fee.get("text") or None,
                    None,
                    ["applications.other_no_fee.total"],
                    f"因逾期未缴费不再处理 {no_fee} 件，第六部分应说明收费",
                    ok=bool(fee.get("charged") or fee.get("notices")),
                )
            )
    said = report.get("narrative_numbers") or {}
    if said.get("received") is not None and total("new_received") is not None:
        new, carried = total("new_received"), total("carried_over")
        # "全年共受理申请21件（含上年结转1件）": the narrative may count the carried-over
        # applications too; either reading of the table agrees with it.
        if carried and said["received"] == new + carried:
            computed, cells = new + carried, ["applications.carried_over.total"]
            detail = "正文所述受理申请件数 vs 表三本年新收 + 上年结转总计"
        else:
            computed, cells = new, []
            detail = "正文所述收到申请件数 vs 表三本年新收总计"
        out.append(
            make_check(
                "narrative_received",
                "",
                said["received"],
                computed,
                ["applications.new_received.total", *cells],
                detail,
            )
        )
    if said.get("review") is not None and group_total("review") is not None:
        out.append(
            make_check(
                "narrative_review",
                "review",
                said["review"],
                group_total("review"),
                ["review_litigation.review.total"],
                "正文所述行政复议件数 vs 表四行政复议总计",
            )
        )
    if said.get("litigation") is not None:
        groups = ("litigation_direct", "litigation_after_review")
        lit = _sum([group_total(g) for g in groups])
        if lit is not None:
            out.append(
                make_check(
                    "narrative_review",
                    "litigation",
                    said["litigation"],
                    lit,
                    [f"review_litigation.{g}.total" for g in groups],
                    "正文所述行政诉讼件数 vs 表四行政诉讼总计",
                )
            )
    return out


def iter_cells(report: Report) -> Iterator[tuple[str, str, str, Any]]:
    """Yield (table, row, column, value) for every number cell of the report."""
    for table in ("proactive", "applications", "review_litigation"):
        for row, cells in (report.get(table) or {}).items():
            for col, v in cells.items():
                if col != "amount_unit":
                    yield table, row, col, v


def failed(checks: list[Check], severity: str = "hard") -> list[Check]:
    """The checks of that severity that do not hold (ok is False, not None)."""
    return [c for c in checks if c["severity"] == severity and c["ok"] is False]


def status(report: Report) -> str:
    """The report's check status (one of model.CHECK_STATUSES), from its hard checks
    and its unreadable cells: a failed hard check wins; then a report with unreadable
    cells is "部分无法识别", never "全部通过"."""
    checks = report.get("checks") or []
    hard = [c for c in checks if c["severity"] == "hard"]
    if any(c["ok"] is False for c in hard):
        return model.STATUS_FAILED
    if report.get("unreadable"):
        return model.STATUS_UNREADABLE
    if any(c["ok"] is True for c in hard) and report.get("applications") != {}:
        if all(c["ok"] is not None for c in hard):
            return model.STATUS_PASSED
        return model.STATUS_PARTLY_CHECKED
    return model.STATUS_UNCHECKED
