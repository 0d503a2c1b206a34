"""Parse a synthetic corpus and compare every report with its truth.

Usage: .venv/bin/python bench/accuracy.py CORPUS [--jobs 2] [--show 5]

A report is right when agency, year, format, proactive, applications and
review_litigation all equal the truth (nulls included). A miss is *flagged* when
the parsed report carries a warning or fails a hard check the truth passes;
otherwise it is *silent* — the misses that matter most.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import validate as validator  # noqa: E402
from ingest.pipeline import parse_one  # noqa: E402

COMPARED = ("agency", "year", "format", "proactive", "applications", "review_litigation")
DOC_SUFFIXES = (".txt", ".html", ".docx", ".pdf")
_TABLES = ("proactive", "applications", "review_litigation")


def _norm(v: Any) -> Any:
    """Numbers compared by value (12.0 == 12), amount_unit kept."""
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _drop_blank_rows(table: Any) -> Any:
    """A printed row of only blank cells counts as the row being absent (the parser
    may drop it; CANONICAL_JSON.md does not say which)."""
    if not isinstance(table, dict):
        return table
    return {
        k: v
        for k, v in table.items()
        if not (isinstance(v, dict) and all(x is None for x in v.values()))
    }


def diff(parsed: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    """The compared fields (down to cells) where parsed differs from the truth."""
    out: list[str] = []
    for key in COMPARED:
        a, b = _norm(parsed.get(key)), _norm(truth.get(key))
        if key in ("proactive", "applications", "review_litigation"):
            a, b = _drop_blank_rows(a) or {}, _drop_blank_rows(b) or {}
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for row in sorted(set(a) | set(b)):
                ra, rb = a.get(row), b.get(row)
                if ra == rb:
                    continue
                if isinstance(ra, dict) and isinstance(rb, dict):
                    for c in sorted(set(ra) | set(rb)):
                        if ra.get(c) != rb.get(c):
                            out.append(f"{key}.{row}.{c}: got {ra.get(c)!r}, want {rb.get(c)!r}")
                else:
                    out.append(f"{key}.{row}: got {ra!r}, want {rb!r}")
        else:
            out.append(f"{key}: got {a!r}, want {b!r}")
    return out


@dataclass
class Outcome:
    path: str
    layout: str
    ok: bool
    status: str  # "right", "flagged", "silent", "error"
    diffs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cells: int = 0  # table cells in the truth
    wrong_cells: int = 0  # of those, read differently (a NULL where a value is due counts)


def _cells(truth: dict[str, Any]) -> int:
    return sum(
        len(row)
        for key in ("proactive", "applications", "review_litigation")
        for row in (truth.get(key) or {}).values()
        if isinstance(row, dict)
    )


def check_one(path: str) -> Outcome:
    truth_path = Path(path).with_suffix(".truth.json")
    with truth_path.open(encoding="utf-8") as f:
        truth = json.load(f)
    layout = truth["source"]["layout"]
    cells = _cells(truth)
    result = parse_one(path)
    if result["status"] != "ok":
        return Outcome(path, layout, False, "error", [str(result.get("error"))], [], cells, cells)
    report = result["report"]
    diffs = diff(report, truth)
    if not diffs:
        return Outcome(path, layout, True, "right", cells=cells)
    wrong = sum(1 for d in diffs if d.split(":")[0].split(".")[0] in _TABLES)
    wrong = min(wrong, cells)
    truth_fails = {c["check"] for c in validator.failed(validator.hard_checks(truth), "hard")}
    new_fails = [
        c for c in validator.failed(report["checks"], "hard") if c["check"] not in truth_fails
    ]
    flagged = bool(report["warnings"]) or bool(new_fails)
    return Outcome(
        path,
        layout,
        False,
        "flagged" if flagged else "silent",
        diffs,
        report["warnings"],
        cells,
        wrong,
    )


def corpus_files(corpus: str | Path) -> list[str]:
    return sorted(str(p) for p in Path(corpus).rglob("*") if p.suffix in DOC_SUFFIXES)


def evaluate(files: Iterable[str], jobs: int = 1) -> list[Outcome]:
    files = list(files)
    if jobs <= 1:
        return [check_one(f) for f in files]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(check_one, files, chunksize=32))


def table(outcomes: list[Outcome]) -> str:
    """A markdown table: per layout and overall, right / flagged / silent / errors."""
    by: dict[str, Counter[str]] = defaultdict(Counter)
    for o in outcomes:
        for key in (o.layout, "all"):
            by[key][o.status] += 1
            by[key]["_cells"] += o.cells
            by[key]["_wrong"] += o.wrong_cells
    lines = [
        "| layout | reports | right | accuracy | cells right | flagged misses | silent misses "
        "| errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for layout in [*sorted(k for k in by if k != "all"), "all"]:
        c = by[layout]
        n = c["right"] + c["flagged"] + c["silent"] + c["error"]
        cells = 100 * (c["_cells"] - c["_wrong"]) / c["_cells"] if c["_cells"] else 100.0
        lines.append(
            f"| {layout} | {n} | {c['right']} | {100 * c['right'] / n:.1f}% | {cells:.2f}% "
            f"| {c['flagged']} | {c['silent']} | {c['error']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", type=int, default=5, help="misses to print per status and layout")
    ap.add_argument("--json", help="write the counts and every silent miss to this file")
    args = ap.parse_args(argv)
    outcomes = evaluate(corpus_files(args.corpus), args.jobs)
    print(table(outcomes))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "table": table(outcomes),
                    "reports": len(outcomes),
                    "right": sum(o.status == "right" for o in outcomes),
                    "silent": [
                        {"path": o.path, "layout": o.layout, "diffs": o.diffs}
                        for o in outcomes
                        if o.status == "silent"
                    ],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    shown: Counter[tuple[str, str]] = Counter()
    for o in outcomes:
        if o.status in ("right",) or shown[(o.status, o.layout)] >= args.show:
            continue
        shown[(o.status, o.layout)] += 1
        print(f"\n[{o.status}] {o.layout} {o.path}")
        for d in o.diffs[:6]:
            print(f"    {d}")
        for w in o.warnings[:3]:
            print(f"    warning: {w}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
