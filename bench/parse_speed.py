"""Parse time per report, this checkout against a baseline commit, on the same files.

Issue 11 asks that parsing text reports gets no slower than it was before the work
(baseline: ``7ad4313``, main before issues 10 and 11). The baseline's tree is exported
with ``git archive`` into the work folder and gets its own venv (its ``make deps``), so
each side runs with the libraries its own ``pyproject.toml`` names. Both sides parse the
same synthetic files (``nianbao synth --formats LAYOUT --kinds none``: clean reports, the
kind both parsers read) in worker processes (bench/parse_timer.py), one per side,
interleaved report by report with the order alternating, so machine load hits both alike.

Times are CPU milliseconds of the worker process (``time.process_time``) around
``parse_one`` (extract + parse, as ingest runs it). A pass starts fresh workers, warms
each up on one extra report per layout, then parses every report once: caches are warm
from other reports, as in a long ingest run, never from the same one. Each report's
median over ``--repeat`` passes is kept; the table gives the median and p95 over reports.

Usage:
  .venv/bin/python bench/parse_speed.py                        # baseline 7ad4313, 60 files per layout
  .venv/bin/python bench/parse_speed.py --baseline REV -n 100 --repeat 7 --json out.json
  .venv/bin/python bench/parse_speed.py --baseline-tree /path/to/checkout   # an existing checkout with .venv
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "7ad4313"  # main before issues 10 and 11
SEED = 11
LAYOUTS = ["tab-cells", "pipe-rows", "run-together", "pdf-text", "markdown-ocr", "html"]


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def baseline_tree(rev: str, work: Path) -> Path:
    """The baseline's files under ``work`` with their own venv (built once, then reused)."""
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    tree = work / f"baseline-{commit[:12]}"
    marker = tree / ".complete"
    if not marker.exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        subprocess.run(["make", "-C", str(tree), "deps"], check=True, stdout=subprocess.DEVNULL)
        marker.write_text(commit)
    return tree


def corpus(work: Path, layouts: list[str], n: int) -> dict[str, list[Path]]:
    """``n`` clean synthetic reports per layout, written by this checkout's ``nianbao synth``."""
    out: dict[str, list[Path]] = {}
    for layout in layouts:
        folder = work / f"corpus-{layout}-{n}-{SEED}"
        if not (folder / ".complete").exists():
            subprocess.run(
                [str(ROOT / ".venv" / "bin" / "nianbao"), "synth", str(folder), "-n", str(n),
                 "--seed", str(SEED), "--formats", layout, "--kinds", "none", "-s"],
                check=True,
            )  # fmt: skip
            (folder / ".complete").write_text("ok")
        out[layout] = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".json")
        )
    return out


class Timer:
    """A worker process parsing with one checkout's ``ingest``."""

    def __init__(self, tree: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        self.proc = subprocess.Popen(
            [str(tree / ".venv" / "bin" / "python"), str(ROOT / "bench" / "parse_timer.py")],
            cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def parse(self, path: Path) -> dict[str, Any]:
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps({"path": str(path)}) + "\n")
        stdin.flush()
        result: dict[str, Any] = json.loads(stdout.readline())
        return result

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def one_pass(
    trees: dict[str, Path], files: dict[str, list[Path]], order: int
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """One pass: a fresh worker per side, each report parsed once by each, interleaved.

    Each worker first parses one extra report per layout (imports, lazy set-up), so the
    timed parses find the process as a long ingest run does: caches warm from other
    reports, never from the same one.
    """
    timers = {side: Timer(tree) for side, tree in trees.items()}
    sides = list(timers) if order % 2 == 0 else list(timers)[::-1]
    out: dict[str, dict[str, list[dict[str, Any]]]] = {side: {} for side in timers}
    try:
        for paths in files.values():
            for side in sides:
                timers[side].parse(paths[0])  # the warm-up report, never timed
        for layout, paths in files.items():
            for i, path in enumerate(paths[1:]):
                for side in sides if i % 2 == 0 else sides[::-1]:
                    out[side].setdefault(layout, []).append(timers[side].parse(path))
    finally:
        for t in timers.values():
            t.close()
    return out


def summary(
    passes: list[dict[str, dict[str, list[dict[str, Any]]]]], layout: str
) -> dict[str, Any]:
    """Per report, the median CPU ms over passes; then median and p95 over reports."""
    res: dict[str, Any] = {}
    for side in passes[0]:
        runs = [p[side][layout] for p in passes]
        per_file = [statistics.median(r[i]["cpu_ms"] for r in runs) for i in range(len(runs[0]))]
        statuses: dict[str, int] = {}
        for r in runs[0]:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        res[side] = {
            "median_ms": statistics.median(per_file),
            "p95_ms": _p95(per_file),
            "statuses": statuses,
        }
    return res


def run(baseline: Path, layouts: list[str], n: int, repeat: int, work: Path) -> dict[str, Any]:
    """Time every layout; the result carries the rows, the load and what was compared."""
    files = corpus(work, layouts, n + 1)  # the first of each layout warms the workers up
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    trees = {"baseline": baseline, "now": ROOT}
    passes = [one_pass(trees, files, k) for k in range(repeat)]
    rows = [{"layout": x, "files": n, **summary(passes, x)} for x in layouts]
    return {
        "rows": rows,
        "baseline": _commit_of(baseline),
        "now": _git("rev-parse", "HEAD") + (" (with uncommitted changes)" if _dirty() else ""),
        "repeat": repeat,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "wall_seconds": time.perf_counter() - t0,
    }


def _commit_of(tree: Path) -> str:
    """The commit a baseline tree holds (an exported tree records it; a checkout knows it)."""
    marker = tree / ".complete"
    if marker.exists():
        return marker.read_text().strip()
    return subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


def _dirty() -> bool:
    return bool(_git("status", "--porcelain", "--untracked-files=no", "--", "ingest"))


def table(res: dict[str, Any]) -> list[str]:
    """The result as markdown: one row per layout, baseline next to now."""
    out = [
        f"Baseline `{res['baseline'][:12]}`, now `{res['now'][:12]}`{res['now'][40:]}; "
        f"CPU ms per report (`time.process_time` of the parsing process around `parse_one`), "
        f"median over {res['repeat']} passes (fresh workers, each report parsed once per "
        f"pass, the two sides interleaved); median and p95 over reports. "
        f"Load average (1/5/15 min) before {_load(res['load_before'])}, "
        f"after {_load(res['load_after'])}.",
        "",
        "| layout | files | baseline median / p95 (ms) | now median / p95 (ms) "
        "| now ÷ baseline (median) | not worse |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in res["rows"]:
        b, n = r["baseline"], r["now"]
        ratio = n["median_ms"] / max(b["median_ms"], 1e-9)
        out.append(
            f"| {r['layout']} | {r['files']} | {b['median_ms']:.2f} / {b['p95_ms']:.2f} "
            f"| {n['median_ms']:.2f} / {n['p95_ms']:.2f} | {ratio:.2f}× "
            f"| {'yes' if ratio <= 1.0 else '**no**'} |"
        )
    return out


def _load(avg: tuple[float, float, float] | list[float]) -> str:
    return " / ".join(f"{x:.1f}" for x in avg)


def main(argv: list[str] | None = None, stdout: TextIO = sys.stdout) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    ap.add_argument("--baseline-tree", default="", help="an existing checkout with its .venv")
    ap.add_argument("-n", type=int, default=60, help="synthetic reports per layout")
    ap.add_argument("--repeat", type=int, default=5, help="passes (median per report kept)")
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--workdir", default="/tmp/nianbao-bench/parse-speed")
    ap.add_argument("--json", default="", help="write the result (with the table) here")
    args = ap.parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    tree = Path(args.baseline_tree) if args.baseline_tree else baseline_tree(args.baseline, work)
    layouts = [x for x in args.layouts.split(",") if x]
    res = run(tree, layouts, args.n, args.repeat, work)
    res["table"] = table(res)
    print("\n".join(res["table"]), file=stdout)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
