"""A synthetic national corpus: realistic reports with their truth beside them.

`truths` draws agencies over real administrative divisions (cpca's bundled
adcodes list), follows each through consecutive years (carried_forward of one year
is the next year's carried_over, mostly), draws numbers that keep the identities of
FORMAT.md (a small share breaks them on purpose, and the truth keeps the broken
numbers as printed); at most one report per agency and year, and no agency of 台湾,
香港 or 澳门. :mod:`ingest.corpus.writer` writes every report in one of the layouts of
:mod:`ingest.corpus.render` with that module's noise, or with one kind of real-world
fault of :mod:`ingest.corpus.faults`. Each report's canonical JSON truth is written
beside it as ``<name>.truth.json`` (``nianbao ingest`` reads only document suffixes,
never ``.json``).

Deterministic for a seed: the truth is drawn in one sequential pass; each document
is rendered with its own ``random.Random`` seeded by (seed, index), so the output
does not depend on ``--jobs``.
"""

from __future__ import annotations

import csv
import functools
import os
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .. import model

Report = dict[str, Any]

YEARS: tuple[int, ...] = tuple(range(2019, 2026))

# Layout shares of the plain reports: what portals publish (model.LAYOUT_TABLE).
LAYOUT_WEIGHTS: dict[str, float] = model.LAYOUT_SHARES
SUFFIX: dict[str, str] = {"html": ".html", "docx": ".docx", "pdf": ".pdf", "doc": ".doc"}
BROKEN_SHARE = 0.03  # reports that break an identity on purpose
BLANK_SHARE = 0.08  # reports that leave zero cells blank (None)
# Reports given one noise mode of ingest.corpus.faults (nianbao synth). The field cases
# are mostly text copies (~90 % .txt/.md): at 0.1 the corpus stays ~45 % PDF.
FAULT_SHARE = 0.1

# Province-level codes whose governments publish no reports under the 条例: 台湾省 (71),
# 香港 and 澳门 (81, 82, 特别行政区政府, not 人民政府).
_NOT_REPORTING = frozenset({"71", "81", "82"})

# Common township names (adcodes stop at counties).
_TOWNS = (
    "城关", "新华", "东风", "红星", "长安", "太平", "永安", "青山", "石桥", "白沙",
    "新城", "东城", "西城", "南湖", "北关", "金山", "龙泉", "双河", "桥头", "河西",
)  # fmt: skip
_PROVINCE_DEPTS = (
    "商务厅",
    "统计局",
    "财政厅",
    "教育厅",
    "发展和改革委员会",
    "卫生健康委员会",
    "公安厅",
)
_LOCAL_DEPTS = (
    "商务局", "统计局", "财政局", "教育局", "公安局", "民政局", "司法局", "审计局",
    "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局",
    "交通运输局", "水利局", "农业农村局", "文化和旅游局", "卫生健康局", "应急管理局",
    "市场监督管理局", "医疗保障局", "行政审批服务局", "城市管理局", "退役军人事务局",
    "林业局", "发展和改革委员会",
)  # fmt: skip
# Departments whose applications run into the hundreds (land, housing).
_BUSY = ("自然资源和规划局", "住房和城乡建设局", "人民政府", "公安局")


# ---------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str  # 6-digit adcode
    province: str
    city: str | None
    county: str | None
    level: str  # "province", "city", "county"
    prefix: str  # how an agency's name starts ("湘潭县", "长春市朝阳区", "湖南省")


@functools.cache
def places() -> tuple[Place, ...]:
    """Provinces, prefectures and counties from cpca's bundled adcodes list."""
    import cpca

    path = Path(cpca.__file__).parent / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as f:
        rows = [(r["adcode"][:6], r["name"]) for r in csv.DictReader(f)]
    names = dict(rows)
    skip = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    counts: dict[str, int] = {}
    for code, name in rows:
        if not code.endswith("00"):
            counts[name] = counts.get(name, 0) + 1
    out: list[Place] = []
    for code, name in sorted(rows):
        if name in skip:
            continue
        prov = names.get(code[:2] + "0000")
        if prov is None or code[:2] in _NOT_REPORTING:
            continue
        if code.endswith("0000"):
            out.append(Place(code, name, None, None, "province", name))
        elif code.endswith("00"):
            out.append(Place(code, prov, name, None, "city", name))
        else:
            city = names.get(code[:4] + "00")
            if city in skip or city is None:
                city = None
            ambiguous = counts.get(name, 0) > 1
            prefix = f"{city or prov}{name}" if ambiguous else name
            out.append(Place(code, prov, city, name, "county", prefix))
    return tuple(out)


# ---------------------------------------------------------------------------
# Agencies and their numbers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Agency:
    name: str
    place: Place
    kind: str  # "government", "office", "department", "township"
    scale: float  # typical new applications per year


def _agency(rng: random.Random) -> Agency:
    pl = rng.choice(places())
    r = rng.random()
    if pl.level == "county" and r < 0.12:
        town = rng.choice(_TOWNS)
        suffix = rng.choice(("镇人民政府", "乡人民政府", "街道办事处"))
        return Agency(f"{pl.prefix}{town}{suffix}", pl, "township", rng.uniform(0.2, 4))
    if r < 0.27:
        base = {"province": 3000.0, "city": 800.0, "county": 120.0}[pl.level]
        return Agency(f"{pl.prefix}人民政府", pl, "government", base * rng.uniform(0.3, 2.5))
    if r < 0.35:
        office = "人民政府办公厅" if pl.level == "province" else "人民政府办公室"
        return Agency(f"{pl.prefix}{office}", pl, "office", rng.uniform(1, 40))
    dept = rng.choice(_PROVINCE_DEPTS if pl.level == "province" else _LOCAL_DEPTS)
    busy = dept in _BUSY
    scale = rng.uniform(20, 400) if busy else rng.expovariate(1 / 6)
    return Agency(f"{pl.prefix}{dept}", pl, "department", scale)


def _split(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """``total`` split over ``weights`` (integers summing to ``total``)."""
    s = sum(weights)
    if total <= 0 or s <= 0:
        out = [0] * len(weights)
        if total > 0:
            out[0] = total
        return out
    if total < 40:
        out = [0] * len(weights)
        for i in rng.choices(range(len(weights)), weights=weights, k=total):
            out[i] += 1
        return out
    out = [int(total * w / s) for w in weights]
    out[max(range(len(weights)), key=lambda i: weights[i])] += total - sum(out)
    return out


_COLUMN_WEIGHTS = (0.82, 0.1, 0.01, 0.01, 0.03, 0.03)
_OUTCOME_BASE: dict[str, float] = {
    "granted": 0.45,
    "partially_granted": 0.06,
    "denied_state_secret": 0.002,
    "denied_prohibited_by_law": 0.004,
    "denied_three_safety": 0.002,
    "denied_third_party": 0.006,
    "denied_internal_affairs": 0.01,
    "denied_process_info": 0.015,
    "denied_enforcement_file": 0.01,
    "denied_admin_query": 0.02,
    "unavailable_not_held": 0.2,
    "unavailable_needs_creation": 0.04,
    "unavailable_unclear": 0.02,
    "unprocessed_petition": 0.04,
    "unprocessed_duplicate": 0.03,
    "unprocessed_publication": 0.005,
    "unprocessed_excessive": 0.01,
    "unprocessed_confirmation": 0.005,
    "other_no_correction": 0.03,
    "other_no_fee": 0.003,
    "other_other": 0.03,
    "other_processing": 0.06,
}


def _applications(
    agency: Agency, carried_over: list[int], split_other: bool, rng: random.Random
) -> dict[str, list[int]]:
    """Table 三 as row key → six applicant columns; every identity holds."""
    n = max(0, int(rng.gauss(agency.scale, agency.scale * 0.35)))
    new = _split(n, _COLUMN_WEIGHTS, rng)
    rows = model.APPLICATION_ROWS_SPLIT if split_other else model.APPLICATION_ROWS_SINGLE
    outcome_keys = [r.key for r in rows if r.key in model.OUTCOME_KEYS]
    weights = [
        _OUTCOME_BASE[k] * rng.uniform(0.2, 1.8) * (rng.random() < 0.7) for k in outcome_keys
    ]
    weights[0] += 0.01
    out: dict[str, list[int]] = {k: [0] * 6 for k in (r.key for r in rows)}
    out["new_received"] = new
    out["carried_over"] = list(carried_over)
    for c in range(6):
        avail = new[c] + carried_over[c]
        forward = int(avail * rng.uniform(0, 0.08)) if rng.random() < 0.4 else 0
        handled = avail - forward
        for k, v in zip(outcome_keys, _split(handled, weights, rng), strict=True):
            out[k][c] = v
        out["total_handled"][c] = handled
        out["carried_forward"][c] = forward
    return out


def _review(agency: Agency, rng: random.Random) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for i, (group, _) in enumerate(model.REVIEW_GROUPS):
        lam = agency.scale * (0.04, 0.03, 0.01)[i]
        n = int(rng.expovariate(1 / lam)) if lam > 0.05 and rng.random() < 0.6 else 0
        parts = _split(n, (0.6, 0.1, 0.15, 0.15), rng)
        out[group] = dict(zip(model.REVIEW_KEYS, [*parts, n], strict=True))
    return out


def _decimal(rng: random.Random, hi: float) -> float:
    return round(rng.uniform(0, hi), rng.choice((0, 1, 2, 2, 4)))


def _proactive(
    agency: Agency, fmt: str, state: dict[str, int], rng: random.Random
) -> dict[str, dict[str, Any]]:
    """Table 二; ``state`` carries the documents in force from one year to the next."""
    gov = agency.kind == "government" and agency.place.level in ("province", "city")
    big = max(1.0, agency.scale)
    out: dict[str, dict[str, Any]] = {}
    for item in model.PROACTIVE_ITEMS[fmt]:  # type: ignore[index]
        k = item.key
        if k in ("regulations", "normative_documents"):
            made = (rng.randint(0, 6) if gov else 0) if k == "regulations" else rng.randint(0, 12)
            abolished = rng.randint(0, made // 2 + 1) if rng.random() < 0.4 else 0
            in_force = max(0, state.get(k, rng.randint(0, 60)) + made - abolished)
            state[k] = in_force
            if fmt == "2021":
                out[k] = {"made": made, "abolished": abolished, "in_force": in_force}
            else:
                out[k] = {"new_made": made, "new_published": made, "total_published": in_force}
        elif k == "admin_fees":
            if fmt == "2021":
                out[k] = {"amount_10k_yuan": _decimal(rng, 500) if rng.random() < 0.3 else 0}
            else:
                prev = rng.randint(0, 20)
                out[k] = {"previous_items": prev, "change": rng.randint(-min(prev, 3), 3)}
        elif k == "procurement":
            amount = _decimal(rng, 5000) if rng.random() < 0.6 else 0
            out[k] = {
                "projects": rng.randint(0, 40),
                "amount": amount,
                "amount_unit": rng.choice(("万元", "元")),
            }
        else:
            decisions = (
                int(rng.expovariate(1 / (big * rng.uniform(0.5, 20)))) if rng.random() < 0.7 else 0
            )
            if fmt == "2021":
                out[k] = {"decisions": decisions}
            else:
                prev = rng.randint(0, 80)
                out[k] = {
                    "previous_items": prev,
                    "change": rng.randint(-min(prev, 5), 5),
                    "decisions": decisions,
                }
    return out


def _blank_zeros(report: Report, rng: random.Random) -> None:
    """Leave zero cells blank, as many reports do: whole zero rows, or zero org cells."""
    whole_rows = rng.random() < 0.5
    for row in report["applications"].values():
        if whole_rows and not any(row.values()):
            for c in row:
                row[c] = None
        elif not whole_rows:
            for c in model.APPLICANT_PARTS[1:]:
                if row[c] == 0 and rng.random() < 0.7:
                    row[c] = None
    if rng.random() < 0.5:
        for group in report["review_litigation"].values():
            if not any(group.values()):
                for c in group:
                    group[c] = None


def _break_identity(report: Report, rng: random.Random) -> str:
    """Change one printed number so an identity fails; returns what was done."""
    apps = report["applications"]
    choice = rng.choice(("row_total", "cell", "review_total"))
    if choice == "review_total":
        group = rng.choice(list(report["review_litigation"].values()))
        group["total"] = (group["total"] or 0) + rng.randint(1, 5)
        return "review_total"
    key = rng.choice(list(apps))
    row = apps[key]
    if choice == "row_total":
        row["total"] = (
            (row["total"] or 0) + rng.choice((1, 2, 10, -1)) if (row["total"] or 0) > 1 else 1
        )
        return f"row_total:{key}"
    row["natural_person"] = (row["natural_person"] or 0) + rng.randint(1, 3)
    return f"cell:{key}"


def _report(
    agency: Agency, year: int, carry: list[int], state: dict[str, int], rng: random.Random
) -> Report:
    if year <= 2020:
        fmt = "2019" if rng.random() < 0.85 else "2021"
    else:
        fmt = "2021" if rng.random() < 0.95 else "2019"
    split_other = rng.random() < (0.9 if fmt == "2021" else 0.12)
    cols = _applications(agency, carry, split_other, rng)
    apps: dict[str, dict[str, int | None]] = {}
    for key, values in cols.items():
        row: dict[str, int | None] = dict(zip(model.APPLICANT_PARTS, values, strict=True))
        row["total"] = sum(values)
        apps[key] = row
    pl = agency.place
    report: Report = {
        "schema": model.SCHEMA,
        "title": f"{agency.name}{year}年政府信息公开工作年度报告",
        "agency": agency.name,
        "year": year,
        "format": fmt,
        "region": {"province": pl.province, "city": pl.city, "county": pl.county, "code": pl.code},
        "proactive": _proactive(agency, fmt, state, rng),
        "applications": apps,
        "review_litigation": _review(agency, rng),
        "published": None,
        "unreadable": [],
        "synthetic": {"agency_kind": agency.kind, "blanks": False, "broken": None, "kind": None},
    }
    if rng.random() < BLANK_SHARE:
        _blank_zeros(report, rng)
        report["synthetic"]["blanks"] = True
    if rng.random() < BROKEN_SHARE:
        report["synthetic"]["broken"] = _break_identity(report, rng)
    return report


def truths(n: int, seed: int) -> Iterator[Report]:
    """``n`` truth reports: agencies followed over runs of consecutive years, at most
    one report per agency and year (an agency drawn again keeps only its unused years)."""
    rng = random.Random(seed)
    made = 0
    used: set[tuple[str, int]] = set()
    while made < n:
        agency = _agency(rng)
        length = min(n - made, rng.choice((1, 2, 3, 3, 4, 5, 7)))
        start = rng.randint(YEARS[0], YEARS[-1] - length + 1)
        years = [y for y in range(start, start + length) if (agency.name, y) not in used]
        carry = [0] * 6
        state: dict[str, int] = {}
        for year in years:
            used.add((agency.name, year))
            report = _report(agency, year, carry, state, rng)
            forward = [
                report["applications"]["carried_forward"][c] or 0 for c in model.APPLICANT_PARTS
            ]
            # Mostly carried over as reported; sometimes the next report disagrees.
            carry = (
                forward
                if rng.random() < 0.95
                else [max(0, v + rng.randint(-1, 2)) for v in forward]
            )
            yield report
            made += 1


# ---------------------------------------------------------------------------
# Writing the corpus
# ---------------------------------------------------------------------------


@click.command(name="synth")
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("-n", "--count", default=1000, show_default=True, help="Number of reports")
@click.option("--seed", default=0, show_default=True, help="Random seed (same seed, same corpus)")
@click.option(
    "--formats",
    default="",
    help="Comma-separated layouts (tab-cells,pipe-rows,run-together,pdf-text,markdown-ocr,html,docx,pdf,doc), drawn evenly; default: the --mix",
)
@click.option(
    "--mix",
    default="",
    help="Shares of the plain reports by layout, 'text' split over the text layouts;"
    " default pdf=0.5,html=0.33,docx=0.07,doc=0.03,text=0.07 (what portals publish)",
)
@click.option("-j", "--jobs", default=1, show_default=True, help="Render in N processes")
@click.option(
    "--kinds",
    default="all",
    show_default=True,
    help="Noise modes (field-case kinds): 'all', 'none', or names / numbers ('01a,05,14')",
)
@click.option(
    "--fault-share",
    default=FAULT_SHARE,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of reports given one of the noise modes",
)
@click.option(
    "--duplicates",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of reports written as PDF + text + HTML + an identical copy (dedupe tests)",
)
@click.option("-s", "--silent", is_flag=True, help="No progress bar")
def synth_command(
    outdir: str,
    count: int,
    seed: int,
    formats: str,
    mix: str,
    jobs: int,
    kinds: str,
    fault_share: float,
    duplicates: float,
    silent: bool,
) -> None:
    """Write a synthetic corpus of -n reports into OUTDIR, each with its truth as <name>.truth.json.

    A share of the reports carries one kind of real-world copy fault (shared/field-cases)
    and a truth saying what a correct parser reads there, unreadable cells included.

    By default the plain reports are about half PDF, a third HTML pages, the rest Word
    files (.docx and Word 97 .doc, which LibreOffice writes) and text copies (--mix).

    Example: nianbao synth /tmp/corpus -n 10000 --seed 1 --jobs 2 --kinds all
    """
    from .writer import parse_mix

    layouts = [f.strip() for f in formats.split(",") if f.strip()] or None
    try:
        shares = parse_mix(mix) if mix.strip() else None
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    drawn = layouts or [k for k, w in (shares or LAYOUT_WEIGHTS).items() if w > 0]
    if "pdf" in drawn:
        try:
            import reportlab  # noqa: F401  (an optional dependency: the dev extra)
        except ImportError as e:
            raise click.ClickException(
                "writing PDF reports needs reportlab (a dev extra): pip install 'nianbao[dev]'"
                " (or choose --formats without pdf)"
            ) from e
    try:
        from .writer import resolve_kinds, synth_corpus

        chosen = resolve_kinds(kinds)
        written = synth_corpus(
            outdir, count, seed, layouts, jobs, chosen, fault_share, duplicates, shares
        )
        with click.progressbar(
            written,
            length=count,
            label="Writing",
            file=open(os.devnull, "w") if silent else None,
        ) as bar:
            for _ in bar:
                pass
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    except RuntimeError as e:  # LibreOffice missing, or failing on a .doc
        raise click.ClickException(str(e)) from e
