"""Parse time per report by format, next to the library's own extraction time (issue 14).

For each format, the same files are timed two ways, interleaved so machine load hits
both alike: ``parse_one`` (what ingest runs: extract + parse, in-process) and the raw
extraction by the library alone — pypdfium2's text for PDF (open, text page,
``get_text_range`` per page), wvWare's HTML for DOC, python-docx's paragraphs for DOCX,
lxml's text for HTML, a UTF-8 decode for text. Each file is timed ``--repeat`` times and
its median kept; the table gives the median and p95 over files and the ratio of medians.

Times are CPU milliseconds (this process plus its child processes, so wvWare counts):
on a shared machine wall time mostly measures the other jobs. Wall medians are shown
beside them.

Usage:
  .venv/bin/python bench/formats.py                       # 40 synthetic reports per format
  .venv/bin/python bench/formats.py -n 100 --json out.json
  .venv/bin/python bench/formats.py --real-dir ../shared/sources   # the real PDFs too (default when present)
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest import model  # noqa: E402
from ingest.pipeline import parse_one  # noqa: E402

SEED = 14
REAL_DIR = ROOT.parent / "shared" / "sources"
# format → (suffix, what the raw column measures)
RAW_WHAT = {
    "pdf": "pypdfium2 text (get_text_range per page)",
    "doc": "wvWare → HTML (subprocess)",
    "docx": "python-docx paragraphs",
    "html": "lxml text_content",
    "txt": "bytes.decode('utf-8')",
}
PDF_TARGET = 2.0  # issue 14: parse ≤ 2× raw pdfium
# What portals publish (issue 14): the synthetic corpus's default mix (model.LAYOUT_TABLE),
# the text layouts together as txt.
PORTAL_MIX = {k: w for k, w in model.LAYOUT_SHARES.items() if w and k not in model.TEXT_LAYOUTS}
PORTAL_MIX["txt"] = sum(w for k, w in model.LAYOUT_SHARES.items() if k in model.TEXT_LAYOUTS)


def raw_pdf(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path.read_bytes())
    try:
        for page in pdf:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()


def raw_doc(path: Path) -> None:
    from ingest.extract.doc import doc_html

    doc_html(path.read_bytes())


def raw_docx(path: Path) -> None:
    import docx

    document = docx.Document(io.BytesIO(path.read_bytes()))
    "\n".join(p.text for p in document.paragraphs)


def raw_html(path: Path) -> None:
    import lxml.html

    lxml.html.document_fromstring(path.read_bytes()).text_content()


def raw_txt(path: Path) -> None:
    path.read_bytes().decode("utf-8", errors="replace")


RAW: dict[str, Callable[[Path], None]] = {
    "pdf": raw_pdf,
    "doc": raw_doc,
    "docx": raw_docx,
    "html": raw_html,
    "txt": raw_txt,
}


# --- corpus ---------------------------------------------------------------------------


def synthetic(work: Path, n: int, formats: list[str]) -> dict[str, list[Path]]:
    """``n`` synthetic reports per format under ``work`` (kept between runs)."""
    from ingest.corpus.render import render_file
    from ingest.corpus.synth import truths

    out: dict[str, list[Path]] = {}
    reports = list(truths(n, SEED))
    for fmt in formats:
        folder = work / f"{fmt}-{n}-{SEED}"
        marker = folder / ".complete"
        if fmt == "doc" and not shutil.which("soffice"):
            print("doc: skipped (LibreOffice's soffice builds the .doc files: "
                  "apt-get install libreoffice-writer-nogui, or make doc-writer)",
                  file=sys.stderr)  # fmt: skip
            continue
        if not marker.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            _render(folder, reports, fmt, render_file)
            marker.write_text("ok")
        out[fmt] = sorted(p for p in folder.iterdir() if p.suffix == f".{fmt}")
    return out


def _render(folder: Path, reports: list[Any], fmt: str, render_file: Any) -> None:
    import random

    from reportlab import rl_config

    rl_config.invariant = 1
    rl_config.useA85 = 0  # as the corpus writer (ingest.corpus.writer) sets it
    # .doc as the synthetic corpus writes it: an HTML rendering LibreOffice converts
    layout = {"pdf": "pdf", "doc": "html", "docx": "docx", "html": "html", "txt": "tab-cells"}[fmt]
    suffix = {"doc": "html", "txt": "txt"}.get(fmt, fmt)
    for i, report in enumerate(reports):
        render_file(report, layout, folder / f"{i:04d}.{suffix}", random.Random(SEED + i))
    if fmt == "doc":
        from ingest.corpus.word97 import DocBatches

        batches = DocBatches(folder / ".staging")
        for source in sorted(folder.glob("*.html")):
            batches.add(source, source.with_suffix(".doc"))
        batches.close()


# --- timing ---------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _clock() -> tuple[float, float]:
    """(wall s, CPU s of this process and its finished children)."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + child.ru_utime + child.ru_stime


def measure(fmt: str, files: list[Path], repeat: int) -> dict[str, Any]:
    """Per-file median CPU and wall times (ms) of parse_one and of the raw extraction."""
    raw_fn = RAW[fmt]
    cpu: dict[str, list[float]] = {"parse": [], "raw": []}
    wall: dict[str, list[float]] = {"parse": [], "raw": []}
    statuses: dict[str, int] = {}
    for path in files:
        result = parse_one(str(path))  # warm: imports, font caches
        raw_fn(path)
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
        runs: dict[str, list[tuple[float, float]]] = {"parse": [], "raw": []}
        for _ in range(repeat):
            w0, c0 = _clock()
            raw_fn(path)
            w1, c1 = _clock()
            parse_one(str(path))
            w2, c2 = _clock()
            runs["raw"].append((w1 - w0, c1 - c0))
            runs["parse"].append((w2 - w1, c2 - c1))
        for key, timings in runs.items():
            wall[key].append(1000 * statistics.median(w for w, _ in timings))
            cpu[key].append(1000 * statistics.median(c for _, c in timings))
    return {
        "format": fmt,
        "files": len(files),
        "statuses": statuses,
        "parse_median_ms": statistics.median(cpu["parse"]),
        "parse_p95_ms": _p95(cpu["parse"]),
        "raw_median_ms": statistics.median(cpu["raw"]),
        "raw_p95_ms": _p95(cpu["raw"]),
        "ratio": statistics.median(cpu["parse"]) / max(statistics.median(cpu["raw"]), 1e-6),
        "parse_wall_median_ms": statistics.median(wall["parse"]),
        "raw_wall_median_ms": statistics.median(wall["raw"]),
        "raw": RAW_WHAT[fmt],
    }


def run(work: Path, n: int = 40, repeat: int = 5, real_dir: Path | None = REAL_DIR,
        formats: list[str] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The rows of the per-format table (see the module docstring)."""
    formats = formats or ["pdf", "doc", "docx", "html", "txt"]
    rows = []
    if real_dir is not None and real_dir.is_dir() and "pdf" in formats:
        real = sorted(real_dir.glob("*.pdf"))
        if real:
            rows.append({**measure("pdf", real, repeat), "corpus": f"real ({real_dir.name})"})
    for fmt, files in synthetic(work, n, formats).items():
        rows.append({**measure(fmt, files, repeat), "corpus": "synthetic"})
    return rows


def table(rows: list[dict[str, Any]]) -> list[str]:
    """The rows as a markdown table (CPU ms; wall medians in the last columns)."""
    out = [
        "| format | corpus | files | parse_one CPU median / p95 (ms) | raw CPU median / p95 (ms) "
        "| ratio | raw = | wall parse / raw median (ms) |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        mark = ""
        if r["format"] == "pdf":
            mark = " ✓" if r["ratio"] <= PDF_TARGET else " ✗"
        out.append(
            f"| {r['format'].upper()} | {r['corpus']} | {r['files']} "
            f"| {r['parse_median_ms']:.1f} / {r['parse_p95_ms']:.1f} "
            f"| {r['raw_median_ms']:.1f} / {r['raw_p95_ms']:.1f} | {r['ratio']:.2f}×{mark} "
            f"| {r['raw']} | {r['parse_wall_median_ms']:.1f} / {r['raw_wall_median_ms']:.1f} |"
        )
    return out


def mix_estimate(rows: list[dict[str, Any]], mix: dict[str, float]) -> str:
    """Parse CPU per report of a format mix, from the synthetic rows' medians."""
    cost = {r["format"]: r["parse_median_ms"] for r in rows if r["corpus"] == "synthetic"}
    known = {f: w for f, w in mix.items() if f in cost}
    if not known:
        return ""
    total = sum(known.values())
    ms = sum(w / total * cost[f] for f, w in known.items())
    shares = ", ".join(f"{f} {w / total:.0%}" for f, w in known.items())
    return (
        f"Mix ({shares}): {ms:.1f} ms parse CPU per report, "
        f"{1000 / ms:.0f} reports/s per core for parsing alone."
    )


def _mix(text: str) -> dict[str, float]:
    if not text:
        return dict(PORTAL_MIX)
    pairs = (item.split("=") for item in text.split(",") if item)
    return {k.strip(): float(v) for k, v in pairs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=40, help="synthetic reports per format")
    ap.add_argument("--repeat", type=int, default=5, help="timings per file (median kept)")
    ap.add_argument("--workdir", default="/tmp/nianbao-bench/formats")
    ap.add_argument("--real-dir", default=str(REAL_DIR))
    ap.add_argument("--formats", default="", help="comma-separated (default pdf,doc,docx,html,txt)")
    ap.add_argument("--json", default="", help="write the rows here")
    ap.add_argument(
        "--mix", default="", help="format shares for the estimate, e.g. pdf=0.5,html=0.33,txt=0.17"
    )
    args = ap.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f] or None
    rows = run(Path(args.workdir), args.n, args.repeat, Path(args.real_dir), formats)
    lines = [*table(rows), "", mix_estimate(rows, _mix(args.mix))]
    print("\n".join(lines))
    if args.json:
        out = {"rows": rows, "table": lines}
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
