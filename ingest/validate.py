"""The validator: every identity of model.IDENTITIES, checked on one canonical report.

A check whose inputs include a NULL is reported with ``ok: None`` (not checkable),
never silently passed. A failed check is a finding, published as it is.
"""

from __future__ import annotations

from typing import Any

from . import model

Check = dict[str, Any]


def _check(name: str, part: str, expected: Any, actual: Any, detail: str = "") -> Check:
    identity = model.IDENTITY_BY_NAME[name]
    ok = None if expected is None or actual is None else _eq(expected, actual)
    return {
        "check": f"{name}.{part}" if part else name,
        "severity": identity.severity,
        "ok": ok,
        "expected": expected,
        "actual": actual,
        "detail": detail,
    }


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) < 1e-6
    return bool(a == b)


def _sum(values: list[Any]) -> Any:
    if any(v is None for v in values):
        return None
    return sum(values)


_BALANCE_ROWS = ("new_received", "carried_over", "total_handled", "carried_forward")
_EMPTY: dict[str, Any] = {}


def column_checks(apps: dict[str, dict[str, Any]]) -> list[Check]:
    """The column identities of table 三 (balance, outcomes), for each applicant column."""
    out: list[Check] = []
    if not apps:
        return out
    outcome_rows = [apps[k] for k in model.OUTCOME_KEYS if k in apps]
    balance = all(k in apps for k in _BALANCE_ROWS)
    received, carried, handled, forward = (apps.get(k, _EMPTY) for k in _BALANCE_ROWS)
    for col, _ in model.APPLICANT_COLUMNS:
        if balance:
            out.append(
                _check(
                    "balance",
                    col,
                    _sum([received.get(col), carried.get(col)]),
                    _sum([handled.get(col), forward.get(col)]),
                    "本年新收 + 上年结转 vs 办理结果总计 + 结转下年度",
                )
            )
        if "total_handled" in apps and outcome_rows:
            out.append(
                _check(
                    "outcomes",
                    col,
                    handled.get(col),
                    _sum([r.get(col) for r in outcome_rows]),
                    "办理结果总计 vs 各项办理结果之和",
                )
            )
    return out


def hard_checks(report: dict[str, Any]) -> list[Check]:
    """Balance, outcomes, row sums (table 三), group totals (table 四), non-negativity."""
    apps: dict[str, dict[str, Any]] = report.get("applications") or {}
    out = column_checks(apps)
    if apps:
        for row in apps:
            cells = apps[row]
            out.append(
                _check(
                    "row_sum",
                    row,
                    cells.get("total"),
                    _sum([cells.get(c) for c in model.APPLICANT_PARTS]),
                    "总计 vs 各类申请人之和",
                )
            )
    for group, _ in model.REVIEW_GROUPS:
        cells = (report.get("review_litigation") or {}).get(group)
        if cells:
            out.append(
                _check(
                    "review_total",
                    group,
                    cells.get("total"),
                    _sum([cells.get(k) for k in model.REVIEW_KEYS[:-1]]),
                    "总计 vs 维持 + 纠正 + 其他 + 尚未审结",
                )
            )
    negatives: list[str] = []
    non_integers: list[str] = []
    for table, row, col, v in iter_cells(report):
        if not isinstance(v, (int, float)):
            continue
        if v < 0 and col != "change":
            negatives.append(f"{table}.{row}.{col}")
        if table != "proactive" and isinstance(v, float):
            non_integers.append(f"{table}.{row}.{col}")
    bad = negatives + non_integers
    out.append(
        {
            "check": "non_negative",
            "severity": "hard",
            "ok": not bad,
            "expected": 0,
            "actual": len(bad),
            "detail": ", ".join(bad[:20]),
        }
    )
    return out


def soft_checks(report: dict[str, Any]) -> list[Check]:
    """Checks that flag a likely problem but can have honest exceptions."""
    apps: dict[str, dict[str, Any]] = report.get("applications") or {}
    rl: dict[str, dict[str, Any]] = report.get("review_litigation") or {}
    out: list[Check] = []

    def total(row: str) -> Any:
        return apps.get(row, {}).get("total")

    if apps:
        received = _sum([total("new_received"), total("carried_over")])
        handled = total("total_handled")
        if received is not None and handled is not None:
            out.append(
                {
                    "check": "handled_not_above_received",
                    "severity": "soft",
                    "ok": handled <= received,
                    "expected": received,
                    "actual": handled,
                    "detail": "办理结果总计不应超过本年新收 + 上年结转",
                }
            )
        no_fee = total("other_no_fee")
        if no_fee:
            fee = report.get("fee") or {}
            mentioned = bool(fee.get("charged") or fee.get("notices"))
            out.append(
                {
                    "check": "fee_mentioned",
                    "severity": "soft",
                    "ok": mentioned,
                    "expected": "第六部分说明收费",
                    "actual": fee.get("text") or None,
                    "detail": f"因逾期未缴费不再处理 {no_fee} 件",
                }
            )
    said = report.get("narrative_numbers") or {}
    if said.get("received") is not None and total("new_received") is not None:
        out.append(
            _check(
                "narrative_received",
                "",
                said["received"],
                total("new_received"),
                "正文所述收到申请件数 vs 表三本年新收总计",
            )
        )
    if said.get("review") is not None and rl.get("review", {}).get("total") is not None:
        out.append(
            _check(
                "narrative_review",
                "review",
                said["review"],
                rl["review"]["total"],
                "正文所述行政复议件数 vs 表四行政复议总计",
            )
        )
    if said.get("litigation") is not None:
        lit = _sum(
            [
                rl.get("litigation_direct", {}).get("total"),
                rl.get("litigation_after_review", {}).get("total"),
            ]
        )
        if lit is not None:
            out.append(
                _check(
                    "narrative_review",
                    "litigation",
                    said["litigation"],
                    lit,
                    "正文所述行政诉讼件数 vs 表四行政诉讼总计",
                )
            )
    return out


def iter_cells(report: dict[str, Any]):
    """Yield (table, row, column, value) for every number cell of the report."""
    for table in ("proactive", "applications", "review_litigation"):
        for row, cells in (report.get(table) or {}).items():
            for col, v in cells.items():
                if col != "amount_unit":
                    yield table, row, col, v


def failed(checks: list[Check], severity: str = "hard") -> list[Check]:
    return [c for c in checks if c["severity"] == severity and c["ok"] is False]
