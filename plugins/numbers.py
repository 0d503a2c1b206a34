"""Numbers formatted for people in HTML cells (the JSON and CSV keep the stored values).

- an integral float is an integer: ``11.0`` → ``11`` (SQLite returns REAL for sums,
  differences and ``round()``);
- a share stored as a fraction of 1 (``disclosure_rate``, columns ending ``_rate``) is a
  percentage with one decimal: ``0.8837`` → ``88.4%``;
- a percentage already ×100 (columns ending ``_pct``) gets its sign: ``12.5`` → ``12.5%`` (no space: it stays on one line);
- money (columns ending ``_yuan``) gets its unit: ``1234.5`` → ``1,234.5 元``, ``0.0`` → ``0 元``;
- a blank (NULL) stays blank: Datasette shows an empty cell, never 0.

The same rules are Jinja filters (``num``, ``pct``, ``rate``, ``yuan``, ``cell``) for the
site's own templates (agency page, search page, register).
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

RATE_SUFFIX = "_rate"  # a fraction of 1
PCT_SUFFIX = "_pct"  # already a percentage
MONEY_SUFFIX = "_yuan"


def num(value: Any) -> str:
    """An integer without ``.0``; other floats with at most 2 decimals; '' for NULL."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))


def pct(value: Any) -> str:
    """A percentage already ×100 → ``12.5%``; '' for NULL."""
    if value is None or value == "":
        return ""
    return f"{float(value):.1f}%"


def rate(value: Any) -> str:
    """A fraction of 1 → ``88.4%``; '' for NULL."""
    if value is None or value == "":
        return ""
    return pct(float(value) * 100)


def yuan(value: Any) -> str:
    """An amount in 元 → ``1,234.5 元``; '' for NULL."""
    if value is None or value == "":
        return ""
    amount = float(value)
    text = f"{amount:,.0f}" if amount.is_integer() else f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text} 元"


def cell(value: Any, column: str) -> str | None:
    """The display text of one number by its column's name, or None to leave it alone."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if column == "disclosure_rate" or column.endswith(RATE_SUFFIX):
        return rate(value)
    if column.endswith(PCT_SUFFIX):
        return pct(value)
    if column.endswith(MONEY_SUFFIX):
        return yuan(value)
    if isinstance(value, float):
        return num(value)
    return None


@hookimpl
def render_cell(value: Any, column: str) -> str | None:
    return cell(value, column)


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters.update({"num": num, "pct": pct, "rate": rate, "yuan": yuan})
