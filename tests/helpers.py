"""Paths and comparisons shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .conftest import HAS_SHARED, NO_SHARED, ROOT, SAMPLES, SHARED, needs_shared

GOLD = SHARED / "spec" / "gold"
SHARED_REPORTS = SHARED / "reports"
SHARED_SOURCES = SHARED / "sources"

__all__ = ["HAS_SHARED", "NO_SHARED", "ROOT", "SAMPLES", "SHARED", "needs_shared"]

COMPARED = ("agency", "year", "format", "proactive", "applications", "review_litigation")


def gold_path(name: str) -> Path:
    """The hand-checked gold JSON of a report: beside a bundled sample, else in ../shared."""
    bundled = SAMPLES / f"{name}.json"
    return bundled if bundled.exists() else GOLD / f"{name}.json"


def gold_for(name: str) -> dict[str, Any]:
    return json.loads(gold_path(name).read_text(encoding="utf-8"))


def mismatches(gold: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Every value where the parse differs from the gold; a gold list means any of its values."""
    out: list[str] = []

    def same(g: Any, v: Any) -> bool:
        # None never equals 0 in Python, so blank-vs-zero differences are caught here.
        return v in g if isinstance(g, list) else g == v

    for key in ("agency", "year", "format"):
        if not same(gold[key], got.get(key)):
            out.append(f"{key}: gold {gold[key]!r}, got {got.get(key)!r}")
    for table in ("proactive", "applications", "review_litigation"):
        g_rows, p_rows = gold[table], got.get(table) or {}
        for row in sorted(set(g_rows) | set(p_rows)):
            if row not in p_rows or row not in g_rows:
                out.append(f"{table}.{row}: {'missing' if row not in p_rows else 'unexpected'}")
                continue
            for col in sorted(set(g_rows[row]) | set(p_rows[row])):
                g = g_rows[row].get(col, "<absent>")
                v = p_rows[row].get(col, "<absent>")
                if not same(g, v):
                    out.append(f"{table}.{row}.{col}: gold {g!r}, got {v!r}")
    return out


_MARKS = "甲乙丙丁戊己庚辛壬癸"


def other_agency_text(text: str, n: int) -> str:
    """The report's text published by another agency: its agency name with n spelled in
    甲乙丙… before the last character (湘潭县商务局 → 湘潭县商务乙丙局 for n = 12). Another
    agency and other bytes make it its own report (one report per agency and year, and
    identical bytes are one file)."""
    from ingest.parse import parse_text

    agency = parse_text(text)["agency"]
    assert agency, "the sample names its agency"
    mark = "".join(_MARKS[int(d)] for d in str(n))
    return text.replace(agency, agency[:-1] + mark + agency[-1])


def write_copy(sample: Path, dest: Path, n: int) -> None:
    """Write sample's text to dest as the report of another agency (other_agency_text): a
    report of its own."""
    text = sample.read_text(encoding="utf-8")
    dest.write_text(other_agency_text(text, n), encoding="utf-8")
