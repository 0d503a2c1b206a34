"""Writing the synthetic corpus: every report with its truth beside it, in parallel.

Each report of :func:`ingest.corpus.synth.truths` becomes a job: a plain rendering in one
of the renderer's layouts (drawn from a mix of layout shares, :data:`DEFAULT_MIX`: what
portals publish), a noise mode of :mod:`ingest.corpus.faults` (the truth then
says what a correct parser reads, unreadable cells included), or a duplicate group (the
same report as PDF, text and HTML plus an identical copy, for dedupe tests). Each
document is rendered with its own ``random.Random`` seeded by (seed, index), so the
output does not depend on ``--jobs``. Legacy Word ``.doc`` files are HTML renderings that
LibreOffice converts in batches in the background (:mod:`ingest.corpus.word97`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .style import FILE_ONLY_LAYOUTS, LAYOUTS, TEXT_LAYOUTS
from .synth import LAYOUT_WEIGHTS, SUFFIX, Report, truths

# The default mix by format ("text" is split over the text layouts by their shares).
DEFAULT_MIX: dict[str, float] = {
    "pdf": LAYOUT_WEIGHTS["pdf"],
    "html": LAYOUT_WEIGHTS["html"],
    "docx": LAYOUT_WEIGHTS["docx"],
    "doc": LAYOUT_WEIGHTS["doc"],
    "text": sum(w for k, w in LAYOUT_WEIGHTS.items() if k in TEXT_LAYOUTS),
}


def parse_mix(spec: str) -> dict[str, float]:
    """Layout weights from ``pdf=0.5,html=0.33,docx=0.07,doc=0.03,text=0.07``: keys are
    layouts or ``text`` (split over the text layouts by their default shares); layouts
    not named get no share. An empty spec is the default mix. Raises ValueError naming
    a bad item."""
    if not spec.strip():
        return dict(LAYOUT_WEIGHTS)
    text_total = sum(LAYOUT_WEIGHTS[k] for k in TEXT_LAYOUTS)
    out: dict[str, float] = {}
    for item in (x.strip() for x in spec.split(",") if x.strip()):
        key, sep, value = item.partition("=")
        key = key.strip()
        try:
            share = float(value)
        except ValueError:
            share = -1.0
        if not sep or share < 0:
            raise ValueError(f"bad --mix item {item!r} (write layout=share, e.g. pdf=0.5)")
        if key == "text":
            for k in TEXT_LAYOUTS:
                out[k] = out.get(k, 0.0) + share * LAYOUT_WEIGHTS[k] / text_total
        elif key in LAYOUT_WEIGHTS:
            out[key] = out.get(key, 0.0) + share
        else:
            raise ValueError(
                f"unknown layout {key!r} in --mix (one of text, {', '.join(LAYOUT_WEIGHTS)})"
            )
    if sum(out.values()) <= 0:
        raise ValueError("--mix gives every layout a share of 0")
    return out


def _pick_layout(rng: random.Random, layouts: Sequence[str], weights: Mapping[str, float]) -> str:
    return rng.choices(list(layouts), weights=[weights.get(x, 0.0) for x in layouts])[0]


@dataclass(frozen=True)
class _Job:
    """One document to write: the truth, how to write it and where (``stem`` + suffix)."""

    report: Report
    layout: str
    stem: str  # path without suffix
    seed: int
    kind: str | None = None  # a noise mode of ingest.corpus.faults
    duplicate: int | None = None  # a duplicate group: PDF + text + HTML + an identical copy
    staging: str | None = None  # where a .doc's HTML rendering waits for LibreOffice


@dataclass(frozen=True)
class _Written:
    """What one job wrote, and the .doc files still to convert (HTML source, .doc)."""

    paths: list[str]
    to_convert: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def _save_truth(truth: Report, path: Path, outdir_rel: str, layout: str) -> None:
    truth["source"] = {
        "path": outdir_rel,
        "layout": layout,
        "url": None,
        **{k: v for k, v in (truth.get("source") or {}).items() if k == "url"},
    }
    with open(path.with_suffix(".truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, sort_keys=True)


def _render(report: Report, layout: str, path: Path, rng: random.Random) -> None:
    from .render import render_file

    if layout == "pdf":
        from reportlab import rl_config

        rl_config.invariant = 1  # no timestamps or random ids: same seed, same bytes
        rl_config.useA85 = 0  # binary Flate streams as real PDFs have (and ~15 % faster)
    render_file(report, layout, path, rng)


def _write_one(job: _Job) -> _Written:
    """Write one job's document(s), each with its truth beside it; returns the paths (a
    .doc's is still to be converted from its HTML rendering)."""
    rng = random.Random(job.seed)
    stem = Path(job.stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    rel_dir = stem.parent.name
    if job.duplicate is not None:
        return _Written(_write_duplicates(job, stem, rng))
    if job.kind is not None:
        from . import faults

        try:
            written, truth = faults.apply(faults.all_kinds()[job.kind], job.report, rng)
        except faults.Ineligible:
            pass  # this report cannot carry the fault honestly: written plainly instead
        else:
            path = stem.with_suffix(written.suffix)
            path.write_bytes(written.data)
            _save_truth(truth, path, f"{rel_dir}/{path.name}", f"fault:{job.kind}")
            return _Written([str(path)])
    layout, truth = job.layout, dict(job.report)
    if layout == "run-together":
        layout, truth = _run_together(truth)
    path = stem.with_suffix(SUFFIX.get(layout, ".txt"))
    to_convert = []
    if layout == "pdf-text":
        truth = _pdf_text(truth, path, rng)
    elif layout == "doc":
        assert job.staging is not None
        source = Path(job.staging) / (stem.name + ".html")
        _render(job.report, "html", source, rng)
        to_convert.append((str(source), str(path)))
    else:
        _render(job.report, layout, path, rng)
    _save_truth(truth, path, f"{rel_dir}/{path.name}", layout)
    return _Written([] if to_convert else [str(path)], to_convert)


def _pdf_text(report: Report, path: Path, rng: random.Random) -> Report:
    """Write the PDF-text layout; where its style prints a blank cell as nothing, the
    truth marks the cells whose column the identities leave open (a report that breaks
    an identity on purpose gets a dash for a blank instead)."""
    import copy

    from .fault_kinds import vanished_blanks_truth
    from .faults import Ineligible
    from .render import Style, render_text

    style = Style.sample(rng, "pdf-text")
    truth = copy.deepcopy(report)
    if not style.blank_mark:
        try:
            vanished_blanks_truth(truth)
        except Ineligible:
            style, truth = dataclasses.replace(style, blank_mark="—"), report
    path.write_text(render_text(report, "pdf-text", rng, style=style), encoding="utf-8")
    return truth


def _run_together(report: Report) -> tuple[str, Report]:
    """The run-together layout's truth (cells the readings disagree on unreadable); a
    report it cannot carry honestly (an identity broken on purpose, too many readings)
    is written as pipe rows instead."""
    import copy

    from .fault_kinds import run_together_truth
    from .faults import Ineligible

    truth = copy.deepcopy(report)
    try:
        run_together_truth(truth)
    except Ineligible:
        return "pipe-rows", report
    return "run-together", truth


def _write_duplicates(job: _Job, stem: Path, rng: random.Random) -> list[str]:
    """The same report as a PDF, a text copy and an HTML page, plus a byte-identical copy
    of the text under another name; every truth names the group (issue 12's dedupe)."""
    out = []
    truth = dict(job.report)
    truth["synthetic"] = {**truth["synthetic"], "duplicate": job.duplicate}
    for layout in ("pdf", "tab-cells", "html"):
        path = Path(f"{stem}_dup{SUFFIX.get(layout, '.txt')}")
        _render(job.report, layout, path, random.Random(job.seed))
        _save_truth(dict(truth), path, f"{stem.parent.name}/{path.name}", layout)
        out.append(str(path))
    copy_path = Path(f"{stem}_dupcopy.txt")
    copy_path.write_bytes(Path(out[1]).read_bytes())
    _save_truth(dict(truth), copy_path, f"{stem.parent.name}/{copy_path.name}", "tab-cells")
    return [*out, str(copy_path)]


def _pick_kind(rng: random.Random, kinds: Sequence[str], report: Report) -> str | None:
    from .faults import all_kinds

    table = all_kinds()
    fit = [k for k in kinds if table[k].eligible(report)]
    if not fit:
        return None
    return rng.choices(fit, weights=[table[k].weight for k in fit])[0]


def _jobs(
    outdir: Path,
    n: int,
    seed: int,
    layouts: Sequence[str],
    kinds: Sequence[str] = (),
    fault_share: float = 0.0,
    duplicates: float = 0.0,
    weights: Mapping[str, float] = LAYOUT_WEIGHTS,
    staging: str | None = None,
) -> Iterator[_Job]:
    pick = random.Random(f"{seed}:layouts")
    pick_kind = random.Random(f"{seed}:kinds")
    for i, report in enumerate(truths(n, seed)):
        layout = _pick_layout(pick, layouts, weights)
        digest = hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:12]
        stem = str(outdir / f"{i // 1000:03d}" / f"{i:06d}_{digest}")
        kind = None
        dup = None
        if duplicates and pick_kind.random() < duplicates:
            dup = i
        elif kinds and pick_kind.random() < fault_share:
            kind = _pick_kind(pick_kind, kinds, report)
        yield _Job(report, layout, stem, int(digest, 16), kind, dup, staging)


def resolve_kinds(spec: str) -> list[str]:
    """Kind names from a comma-separated spec: names or their number prefixes ("05",
    "14a"), "all" or "none". Raises ValueError naming an unknown kind."""
    from .faults import all_kinds

    names = list(all_kinds())
    spec = spec.strip()
    if spec in ("", "none"):
        return []
    if spec == "all":
        return names
    out: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        match = [k for k in names if k == part or k.split("-")[0] == part or k.startswith(part)]
        if not match:
            raise ValueError(f"unknown noise mode {part!r} (one of {', '.join(names)})")
        out += [m for m in match if m not in out]
    return out


def synth_corpus(
    outdir: str | Path,
    n: int,
    seed: int = 0,
    layouts: Sequence[str] | None = None,
    jobs: int = 1,
    kinds: Sequence[str] = (),
    fault_share: float = 0.0,
    duplicates: float = 0.0,
    mix: Mapping[str, float] | None = None,
) -> Iterator[str]:
    """Write ``n`` reports (and their truths) under ``outdir``; yields each path written.

    ``layouts``: the layouts to draw from (default: every layout ``mix`` gives a share);
    ``mix``: layout → weight (see :func:`parse_mix`; default: the layouts named evenly,
    or :data:`LAYOUT_WEIGHTS`, what portals publish, when none is named);
    ``kinds``: noise modes of :mod:`ingest.corpus.faults` given to ``fault_share`` of the
    reports (the others are written in one of ``layouts``); ``duplicates``: the share of
    reports written four times (PDF, text, HTML, an identical copy of the text).
    Raises ValueError for an unknown layout or no layout with a share, RuntimeError when
    .doc files are drawn and LibreOffice is missing (at the call, before any writing)."""
    known = (*LAYOUTS, *FILE_ONLY_LAYOUTS)
    for layout in layouts or ():
        if layout not in known:
            raise ValueError(f"unknown layout {layout!r}")
    if mix:
        weights = dict(mix)
    elif layouts:
        weights = dict.fromkeys(layouts, 1.0)  # the layouts named, evenly
    else:
        weights = dict(LAYOUT_WEIGHTS)
    layouts = list(layouts or [k for k in known if weights.get(k, 0) > 0])
    if not any(weights.get(k, 0) > 0 for k in layouts):
        raise ValueError(f"the mix gives none of {', '.join(layouts)} a share")
    staging = None
    if "doc" in layouts and weights.get("doc", 0) > 0:
        from .word97 import SOFFICE_MISSING, soffice

        if soffice() is None:
            raise RuntimeError(SOFFICE_MISSING)
        staging = tempfile.mkdtemp(prefix="nianbao-doc-")
    work = _jobs(Path(outdir), n, seed, layouts, kinds, fault_share, duplicates, weights, staging)
    return _run(work, jobs, staging)  # checked now; written as the caller reads


def _run(work: Iterator[_Job], jobs: int, staging: str | None) -> Iterator[str]:
    from .word97 import DocBatches

    docs = DocBatches(Path(staging)) if staging else None
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        results = pool.map(_write_one, work, chunksize=64) if pool else map(_write_one, work)
        for written in results:
            yield from written.paths
            for source, dest in written.to_convert:
                assert docs is not None
                yield from docs.add(Path(source), Path(dest))
        if docs is not None:
            yield from docs.close()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
