"""The field cases of ../shared/field-cases: one input per kind of real-world copy fault.

Each case file named in ``expected.json`` is a test (a new case file is a new test),
compared with the semantics of the cases' own ``check.py`` (imported from there):
numbers equal, ``null`` present and null, ``"UNREADABLE"`` null + listed in the report's
``unreadable`` + a warning, lists as alternatives, ``refuse`` as a refused file. The
real reports of ../shared/real are read with no wrong number.
"""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType
from typing import Any

import pytest

from ingest.pipeline import parse_one

from .conftest import SHARED, needs_shared

FIELD = SHARED / "field-cases"
REAL = SHARED / "real"

# Kinds not read yet, pinned so that fixing one turns its test green (strict xfail):
# remove the entry then.
KNOWN_GAPS: dict[str, str] = {}


def _load_check() -> ModuleType | None:
    path = FIELD / "check.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("field_cases_check", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[Any]:
    expected = FIELD / "expected.json"
    if not expected.exists():
        return [pytest.param("(no field cases)", {}, marks=needs_shared)]
    spec = json.loads(expected.read_text(encoding="utf-8"))
    out = []
    for name, case in sorted(spec.items()):
        marks = [needs_shared]
        if name in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[name]))
        out.append(pytest.param(name, case, marks=marks, id=name))
    return out


@pytest.mark.parametrize(("name", "case"), _cases())
def test_field_case(name: str, case: dict[str, Any]) -> None:
    check = _load_check()
    assert check is not None, f"{FIELD / 'check.py'} missing"
    result = parse_one(str(FIELD / name))
    if case.get("refuse"):
        assert result["status"] == "error", f"{name}: expected a refusal"
        return
    assert result["status"] == "ok", result.get("error")
    doc = json.loads(json.dumps(result["report"], ensure_ascii=False, default=str))
    warned = bool(doc.get("warnings"))
    listed = set(doc.get("unreadable") or [])
    assert isinstance(doc.get("unreadable"), list), "the report always carries `unreadable`"
    diffs = [
        f"{path}: want {json.dumps(want, ensure_ascii=False)} got {check.show(got)}"
        for path, want in case["paths"].items()
        if not check.matches(want, got := check.resolve(doc, path), warned, path in listed)
    ]
    assert diffs == [], f"{name} ({case.get('kind')}):\n" + "\n".join(diffs)


def _gold_cells(gold: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for table in ("proactive", "applications", "review_litigation"):
        for row, cols in (gold.get(table) or {}).items():
            for col, want in cols.items():
                out.append(((table, row, col), want))
    return out


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, list):
        return any(_same(got, w) for w in want)
    if isinstance(got, int | float) and isinstance(want, int | float):
        return not isinstance(got, bool) and abs(got - want) < 1e-9
    return got == want


# Measured on the eleven real reports (2,230 gold values, agency/year/format included):
# every table cell but the ones the text cannot settle.
REAL_CELLS_FLOOR = 2150


@needs_shared
def test_real_reports_have_no_wrong_number() -> None:
    if not (REAL / "gold").is_dir():
        pytest.skip(f"needs {REAL} (the real reports and their gold)")
    wrong: list[str] = []
    read = 0
    for gold_path in sorted((REAL / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        result = parse_one(str(REAL / "reports" / f"{gold_path.stem}.txt"))
        assert result["status"] == "ok", (gold_path.stem, result.get("error"))
        report = result["report"]
        for (table, row, col), want in _gold_cells(gold):
            got = (report.get(table) or {}).get(row, {}).get(col, "<absent>")
            if _same(got, want):
                read += 1
            elif isinstance(got, int | float) and not isinstance(got, bool):
                wrong.append(f"{gold_path.stem}: {table}.{row}.{col} = {got}, document {want}")
            elif got is None and f"{table}.{row}.{col}" not in report["unreadable"]:
                wrong.append(f"{gold_path.stem}: {table}.{row}.{col} blank but not unreadable")
    assert wrong == []
    assert read >= REAL_CELLS_FLOOR - 33  # agency/year/format are not counted here
