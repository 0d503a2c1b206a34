"""Parse a synthetic corpus and compare every report with its truth, per kind of fault.

Usage: python bench/accuracy.py CORPUS [--jobs 2] [--show 3] [--kinds 05,09b]
       (or python -m ingest.corpus.accuracy …)

Two tables: per kind of fault, and per file format (pdf, html, docx, doc, and the text
copies by layout), each with its wrong numbers and silent nulls.

A cell is right when the parser prints the truth's number, leaves a blank blank, or
lists an unreadable cell in ``unreadable`` (with a warning). Every other cell is one of:
a WRONG NUMBER (the parser publishes a number the truth does not have: a different
number, a number where the document leaves the cell blank, or a number for a cell the
document leaves ambiguous other than the one it stands for), a null the parser lists
as unreadable, or a silent null (neither blank by the truth nor listed). A number equal
to the hidden value of an ambiguous cell is counted as a *guess* (not wrong, not exact).
A report is exact when every cell is right and agency, year, format, ``published``,
``source.url`` and the kind's own paths (``synthetic.compare``) are; a blank template is
right when it is refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..pipeline import parse_one

META = ("agency", "year", "format", "published", "source.url")
DOC_SUFFIXES = (".txt", ".md", ".html", ".docx", ".pdf", ".doc")
TABLES = ("proactive", "applications", "review_litigation")
NO_FAULT = "(no fault)"
RIGHT = ("number", "blank", "unreadable")


def _num(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def get_path(report: dict[str, Any], path: str) -> Any:
    """The value at a dotted path; a step into a list picks the item whose ``check`` is it."""
    cur: Any = report
    for step in path.split("."):
        if isinstance(cur, list):
            cur = next((x for x in cur if isinstance(x, dict) and x.get("check") == step), None)
        elif isinstance(cur, dict):
            cur = cur.get(step)
        else:
            return None
    return cur


def accepts(value: Any, want: Any, accept: Any) -> bool:
    """Whether ``value`` is right for a path whose truth is ``want`` (``accept``: a list
    of right values or ``{"not": [...]}``)."""
    if isinstance(accept, dict) and "not" in accept:
        return value not in accept["not"]
    if isinstance(accept, list):
        return value in accept
    return _num(value) == _num(want)


def cells(truth: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(dotted path, truth value) of every table cell, units left out."""
    for table in TABLES:
        for row, values in (truth.get(table) or {}).items():
            if isinstance(values, dict):
                for col, v in values.items():
                    if col != "amount_unit":
                        yield f"{table}.{row}.{col}", v


def classify(parsed: dict[str, Any], truth: dict[str, Any]) -> tuple[Counter[str], list[str]]:
    """Per-cell outcome counts and a line per cell that is not right. Outcomes: ``number``
    (the truth's number), ``blank`` (null where the truth is blank), ``unreadable`` (null
    and listed, with a warning, where the truth is unreadable) — the right ones — and
    ``wrong``, ``guess``, ``listed`` (null and listed where the truth has a number or a
    blank), ``silent`` (null, not listed, where the truth has a number or is unreadable)."""
    listed = set(parsed.get("unreadable") or [])
    unreadable = set(truth.get("unreadable") or [])
    hidden = (truth.get("synthetic") or {}).get("hidden") or {}
    warned = bool(parsed.get("warnings"))
    counts: Counter[str] = Counter()
    notes: list[str] = []
    for path, want in cells(truth):
        got = _num(get_path(parsed, path))
        if got is not None:
            if path in unreadable:
                outcome = "guess" if got == _num(hidden.get(path)) else "wrong"
            else:
                outcome = "number" if got == _num(want) else "wrong"
        elif path in unreadable:
            outcome = "unreadable" if path in listed and warned else "silent"
        elif path in listed:
            outcome = "listed"
        else:
            outcome = "blank" if want is None else "silent"
        counts[outcome] += 1
        if outcome not in RIGHT:
            shown = "UNREADABLE" if path in unreadable else want
            notes.append(f"{outcome}: {path}: got {got!r}, want {shown!r}")
    return counts, notes


def meta_diffs(parsed: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    """Metadata paths that differ: META and the kind's own ``synthetic.compare`` paths."""
    syn = truth.get("synthetic") or {}
    accept = syn.get("accept") or {}
    want = {p: get_path(truth, p) for p in META} | (syn.get("compare") or {})
    out = []
    for path, w in want.items():
        got = get_path(parsed, path)
        if not accepts(got, w, accept.get(path)):
            out.append(f"meta: {path}: got {got!r}, want {accept.get(path, w)!r}")
    return out


@dataclass
class Outcome:
    path: str
    kind: str
    layout: str
    status: str  # "exact", "miss", "error", "refused" (right for a template), "not refused"
    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_one(path: str) -> Outcome:
    """Parse ``path`` and compare it with ``<stem>.truth.json``."""
    truth = json.loads(Path(path).with_suffix(".truth.json").read_text(encoding="utf-8"))
    syn = truth.get("synthetic") or {}
    kind = syn.get("kind") or NO_FAULT
    layout = truth["source"]["layout"]
    result = parse_one(path)
    if syn.get("refuse"):
        ok = result["status"] != "ok"
        return Outcome(path, kind, layout, "refused" if ok else "not refused")
    if result["status"] != "ok":
        n = Counter(silent=sum(1 for _ in cells(truth)))
        return Outcome(path, kind, layout, "error", n, [str(result.get("error"))])
    report = result["report"]
    counts, notes = classify(report, truth)
    notes = meta_diffs(report, truth) + notes
    status = "miss" if notes else "exact"
    return Outcome(path, kind, layout, status, counts, notes, report.get("warnings") or [])


def corpus_files(corpus: str | Path, kinds: Iterable[str] = ()) -> list[str]:
    """The documents of a corpus (those with a truth beside them), optionally only the
    given kinds (names or number prefixes such as ``05`` or ``14a``; ``none``: no fault)."""
    wanted = [k.strip() for k in kinds if k.strip()]
    out = []
    for p in sorted(Path(corpus).rglob("*")):
        if p.suffix not in DOC_SUFFIXES or not p.with_suffix(".truth.json").exists():
            continue
        if wanted:
            truth = json.loads(p.with_suffix(".truth.json").read_text(encoding="utf-8"))
            kind = (truth.get("synthetic") or {}).get("kind") or "none"
            if not any(kind == k or kind.split("-")[0] == k or kind.startswith(k) for k in wanted):
                continue
        out.append(str(p))
    return out


def evaluate(files: Iterable[str], jobs: int = 1) -> list[Outcome]:
    """check_one over ``files`` in ``jobs`` processes."""
    files = list(files)
    if jobs <= 1:
        return [check_one(f) for f in files]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(check_one, files, chunksize=16))


_FORMAT_OF_SUFFIX = {".pdf": "pdf", ".html": "html", ".docx": "docx", ".doc": "doc"}


def file_format(o: Outcome) -> str:
    """The format an outcome's file was published in: pdf, html, docx, doc, or
    ``text: <layout>`` for text copies (``text: field-case copy`` for a fault's)."""
    fmt = _FORMAT_OF_SUFFIX.get(Path(o.path).suffix)
    if fmt:
        return fmt
    return f"text: {o.layout}" if o.kind == NO_FAULT else "text: field-case copy"


def table(outcomes: list[Outcome], by: str = "kind") -> str:
    """A Markdown table per kind, per file format (:func:`file_format`, every report)
    or per layout of the reports without a fault (``by``: kind, format or layout)."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if by == "kind":
            groups[o.kind].append(o)
        elif by == "format":
            groups[file_format(o)].append(o)
        elif o.kind == NO_FAULT:
            groups[o.layout].append(o)
    lines = [
        f"| {by} | reports | exact | exact % | cells right | WRONG NUMBERS | guesses "
        "| null: blank by truth | null: unreadable by truth, listed | null: listed, truth "
        "has a value | null: silent | meta misses | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    everything = [o for g in groups.values() for o in g]
    for name, group in [*sorted(groups.items()), ("all", everything)]:
        c: Counter[str] = Counter()
        for o in group:
            c.update(o.counts)
        n = len(group)
        exact = sum(o.status in ("exact", "refused") for o in group)
        total = sum(c.values())
        right = 100 * sum(c[k] for k in RIGHT) / total if total else 100.0
        meta = sum(any(x.startswith("meta:") for x in o.notes) for o in group)
        errors = sum(o.status in ("error", "not refused") for o in group)
        lines.append(
            f"| {name} | {n} | {exact} | {100 * exact / n if n else 0:.1f}% | {right:.2f}% "
            f"| {c['wrong']} | {c['guess']} | {c['blank']} | {c['unreadable']} | {c['listed']} "
            f"| {c['silent']} | {meta} | {errors} |"
        )
    return "\n".join(lines)


def _by(outcomes: list[Outcome], key: Any) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[key(o)].append(o)
    return dict(sorted(groups.items()))


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    """The counts bench/run.py reads, the tables, and every report with a wrong number."""
    wrong = [o for o in outcomes if o.counts["wrong"]]
    return {
        "table": table(outcomes) + "\n\n" + table(outcomes, by="format"),
        "by_format": {
            fmt: {
                "reports": len(group),
                "wrong_numbers": sum(o.counts["wrong"] for o in group),
                "silent_nulls": sum(o.counts["silent"] for o in group),
            }
            for fmt, group in _by(outcomes, file_format).items()
        },
        "reports": len(outcomes),
        "right": sum(o.status in ("exact", "refused") for o in outcomes),
        "wrong_numbers": sum(o.counts["wrong"] for o in outcomes),
        "silent_nulls": sum(o.counts["silent"] for o in outcomes),
        "silent": [
            {"path": o.path, "kind": o.kind, "layout": o.layout, "diffs": o.notes} for o in wrong
        ],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", type=int, default=3, help="failing reports to print per kind")
    ap.add_argument("--kinds", default="", help="only these kinds (e.g. 01a,05,none)")
    ap.add_argument("--json", help="write the counts and every report with a wrong number here")
    args = ap.parse_args(argv)
    outcomes = evaluate(corpus_files(args.corpus, args.kinds.split(",")), args.jobs)
    if not outcomes:
        print(f"no documents with a truth under {args.corpus}", file=sys.stderr)
        return 1
    print(table(outcomes))
    print()
    print(table(outcomes, by="format"))
    if args.json:
        Path(args.json).write_text(
            json.dumps(summary(outcomes), ensure_ascii=False, indent=1), encoding="utf-8"
        )
    shown: Counter[str] = Counter()
    # Reports with wrong numbers first: they are the worst error.
    for o in sorted(outcomes, key=lambda o: (-o.counts["wrong"], o.path)):
        if o.status in ("exact", "refused") or shown[o.kind] >= args.show:
            continue
        shown[o.kind] += 1
        print(f"\n[{o.status}] {o.kind} ({o.layout}) {o.path}")
        for d in sorted(o.notes, key=lambda d: not d.startswith("wrong"))[:8]:
            print(f"    {d}")
        for w in o.warnings[:3]:
            print(f"    warning: {w}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
