"""Noise modes about the tables (field cases 01, 05-11, 14, 20, 22, 23, 27).

Each function takes the truth (a deep copy of a synthetic report, changed in place to
what a correct parser must output) and a ``random.Random``, and returns the document.
Where a document is ambiguous the truth says so: run-together and re-spaced digits by
enumerating every reading that satisfies the identities (:mod:`ingest.corpus.glued`), a
short row and an unplaceable number row by the rule of the field cases (nothing in the
document says which cell or row it is).
"""

from __future__ import annotations

import dataclasses
import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from ingest import model
from ingest.corpus import fault_tables as ft
from ingest.corpus import glued
from ingest.corpus.faults import (
    Doc,
    Ineligible,
    Report,
    Written,
    assemble,
    base_doc,
    blank_zeros,
    grids,
    mark_unreadable,
    tables_with,
    text,
    zero_blanks,
)
from ingest.corpus.render import Cell, Grid, application_rows, format_value


def retext(grid: Grid, fn: Callable[[Cell], str | None]) -> Grid:
    """The grid with some cells' text replaced (``fn`` returns the new text or None)."""
    cells = []
    for c in grid.cells:
        new = fn(c)
        cells.append(c if new is None else dataclasses.replace(c, text=new, parts=()))
    return dataclasses.replace(grid, cells=tuple(cells))


def _not_broken(report: Report) -> None:
    if report["synthetic"].get("broken"):
        raise Ineligible("identities broken on purpose: the glued split has no reading")


def _apps_values(report: Report) -> dict[str, list[int]]:
    return {k: [row[c] for c in model.APPLICANT_KEYS] for k, row in report["applications"].items()}


def _glued_truth(report: Report, proactive: Grid | None, glued_apps: set[str] | None) -> None:
    """Mark what the run-together rows leave unreadable: table 二 rows from their printed
    cells (units stripped), table 三 rows in ``glued_apps`` (all when None), table 四."""
    paths: set[str] = set()
    try:
        if proactive is not None:
            keys = ft.row_keys(proactive, report)
            printed = {
                keys[r]: [re.sub(r"[^0-9.+-]", "", c.text) for c in ft.values_of(proactive, r)]
                for r in keys
            }
            paths |= glued.proactive_unreadable(report["format"], printed)
        values = _apps_values(report)
        if values:
            paths |= glued.applications_unreadable(values, glued_apps or set(values))
        review = report.get("review_litigation") or {}
        if review and glued_apps is None:
            printed_review = [
                format_value(review[g][c])
                for g, _ in model.REVIEW_GROUPS
                for c in model.REVIEW_KEYS
            ]
            paths |= glued.review_unreadable(printed_review)
    except glued.TooAmbiguous as e:
        raise Ineligible(f"too many readings: {e}") from e
    mark_unreadable(report, paths)


def run_together_truth(report: Report) -> None:
    """Mark what the renderer's run-together layout (a row per line, cells run together, a
    blank as ``&nbsp;``) leaves unreadable: the cells on which the readings that keep every
    identity (blanks counting as 0) disagree. Raises Ineligible for a report that breaks
    an identity on purpose (its printed reading is not among them) or has too many."""
    _not_broken(report)
    items = {it.key: it for it in model.PROACTIVE_ITEMS[report["format"]]}
    printed = {
        key: [None if row[c] is None else format_value(row[c]) for c in items[key].columns]
        for key, row in (report.get("proactive") or {}).items()
    }
    review = report.get("review_litigation") or {}
    paths: set[str] = set()
    try:
        paths |= glued.proactive_unreadable(report["format"], printed)
        values = _apps_values(report)
        if values:
            paths |= glued.applications_unreadable(values, set(values))
        if review:
            paths |= glued.review_unreadable(
                [
                    None if review[g][c] is None else format_value(review[g][c])
                    for g, _ in model.REVIEW_GROUPS
                    for c in model.REVIEW_KEYS
                ]
            )
    except glued.TooAmbiguous as e:
        raise Ineligible(f"too many readings: {e}") from e
    mark_unreadable(report, paths)


def vanished_blanks_truth(report: Report) -> None:
    """Mark what a copy that drops blank cells (the renderer's PDF text with an empty
    blank mark) leaves unreadable: cells whose column the identities do not settle.
    Raises Ineligible for a report that breaks an identity on purpose."""
    if not any(v is None for _, _, _, v in _cell_values(report)):
        return
    _not_broken(report)
    try:
        paths = glued.vanished_unreadable(report["format"], report)
    except glued.TooAmbiguous as e:
        raise Ineligible(f"too many placements: {e}") from e
    mark_unreadable(report, paths)


def _cell_values(report: Report) -> list[tuple[str, str, str, object]]:
    from ingest.corpus.faults import table_cells

    return [(t, r, c, cells[c]) for t, r, c, cells in table_cells(report)]


def _glued(report: Report, one_line: bool, fix: Callable[[Grid], Grid] | None = None) -> Written:
    _not_broken(report)
    zero_blanks(report)
    gs = grids(report)
    if fix is not None and "proactive" in gs:
        gs["proactive"] = fix(gs["proactive"])
    tables = {k: ft.glued_rows(g) for k, g in gs.items()}
    doc = base_doc(report)
    _glued_truth(report, gs.get("proactive"), None)
    doc.tables = tables
    if not one_line:
        return text(doc)
    parts = list(doc.intro)
    narrative = {"overview": doc.overview, "problems": doc.problems, "other_matters": doc.other}
    for s in model.SECTIONS:
        parts.append(f"{s.number}、{s.title}")
        parts += narrative.get(s.key) or tables.get(s.key, [])
    body = "\n".join(doc.title) + "\n" + "".join(parts) + "\n"
    return Written(".txt", body.encode("utf-8"))


def one_line(report: Report, rng: random.Random) -> Written:
    """01a/01b: the whole body on one line, every cell run into the next."""
    return _glued(report, one_line=True)


def _unit_header(c: Cell) -> str | None:
    return "采购总金额" if c.kind == "head" and c.text.startswith("采购总金额") else None


def _procurement_cells(grid: Grid, report: Report, fn: Callable[[int, Cell], str]) -> Grid:
    keys = ft.row_keys(grid, report)
    row = next((r for r, k in keys.items() if k == "procurement"), None)
    if row is None:
        raise Ineligible("no procurement row")
    cols = {c.col: i for i, c in enumerate(ft.values_of(grid, row))}

    def change(c: Cell) -> str | None:
        if c.row == row and c.kind == "value":
            return fn(cols[c.col], c)
        return _unit_header(c)

    return retext(grid, change)


def procurement_glued(report: Report, rng: random.Random) -> Written:
    """07b: 2019 table 二 run together per row; the amount glued to its unit, the header
    without one (count and amount split only where one reading fits)."""
    unit = report["proactive"]["procurement"].get("amount_unit") or "元"
    return _glued(
        report,
        one_line=False,
        fix=lambda g: _procurement_cells(g, report, lambda i, c: c.text + (unit if i else "")),
    )


def signed_glued(report: Report, rng: random.Random) -> Written:
    """20: 2019 table 二 run together with a signed 本年增/减 ('行政许可12+35')."""

    def sign(c: Cell) -> str | None:
        if c.kind == "value" and isinstance(c.value, int) and c.value > 0:
            return f"+{c.text}"
        return None

    def fix(g: Grid) -> Grid:
        change_col = {c.col for c in g.cells if c.kind == "head" and c.text == "本年增/减"}
        return retext(g, lambda c: sign(c) if c.col in change_col else None)

    return _glued(report, one_line=False, fix=fix)


def procurement_units(report: Report, rng: random.Random) -> Written:
    """07a: 2019 table 二 with the units typed into the procurement cells ('3个', '125000元')."""
    proc = report["proactive"]["procurement"]
    for c in ("projects", "amount"):
        proc[c] = 0 if proc[c] is None else proc[c]
    unit = proc.get("amount_unit") or "元"
    count_unit = rng.choice(("个", "项"))
    gs = grids(report)
    gs["proactive"] = _procurement_cells(
        gs["proactive"], report, lambda i, c: c.text + (unit if i else count_unit)
    )
    doc = base_doc(report)
    doc.tables = {k: ft.pipe_rows(g, border=True) for k, g in gs.items()}
    return text(doc)


def _irregular(digits: str, rng: random.Random, width: int) -> str | None:
    """``digits`` with spaces that are visibly not cell borders (a token count other than
    ``width`` or a token with a leading zero), or None."""
    for _ in range(30):
        k = rng.randint(1, min(6, len(digits) - 1))
        cuts = sorted(rng.sample(range(1, len(digits)), k))
        tokens = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
        if len(tokens) != width or any(len(t) > 1 and t[0] == "0" for t in tokens):
            return " ".join(tokens)
    return None


def spaced_glued(report: Report, rng: random.Random) -> Written:
    """05: PDF text rows whose digits are spaced unevenly: drop the spaces, split by the
    identities (cells the readings disagree on are unreadable)."""
    _not_broken(report)
    zero_blanks(report)
    gs = grids(report)
    apps = gs.get("applications")
    if apps is None:
        raise Ineligible("no table 三")
    keys = ft.row_keys(apps, report)
    values = _apps_values(report)
    respaced: dict[int, str] = {}
    chosen: set[str] = set()
    rows = [r for r, k in keys.items() if len("".join(map(str, values[k]))) >= 8]
    for r in rng.sample(rows, k=min(len(rows), rng.randint(1, 4))):
        spaced = _irregular("".join(map(str, values[keys[r]])), rng, 7)
        if spaced:
            respaced[r] = spaced
            chosen.add(keys[r])
    if not chosen:
        raise Ineligible("no row long enough to re-space")
    _glued_truth(report, None, chosen)
    doc = base_doc(report)
    doc.tables = {k: ft.spaced_rows(g) for k, g in gs.items()}
    doc.tables["applications"] = ft.spaced_rows(apps, respaced)
    report["synthetic"]["respaced"] = sorted(chosen)
    return text(doc)


def pipe_empty(border: bool) -> Callable[[Report, random.Random], Written]:
    """06a/06b: pipe rows with explicit empty cells (blanks kept in place)."""

    def write(report: Report, rng: random.Random) -> Written:
        blank_zeros(report, rng, 0.7)
        doc = base_doc(report)
        doc.tables = tables_with(report, lambda g: ft.pipe_rows(g, border))
        return text(doc)

    return write


def cell_lines(report: Report, rng: random.Random) -> Written:
    """22a/22b: one cell per line, each followed by an empty line; a blank cell is one
    empty line. 2019: the procurement amount's unit sometimes typed into the cell."""
    blank_zeros(report, rng, 0.8)
    gs = grids(report)
    proc = (report.get("proactive") or {}).get("procurement")
    if proc and proc.get("amount") is not None and rng.random() < 0.5:
        unit = proc.get("amount_unit") or "元"
        gs["proactive"] = _procurement_cells(
            gs["proactive"], report, lambda i, c: c.text + unit if i else c.text
        )
        report["synthetic"]["variant"] = "unit-in-cell"
    doc = base_doc(report)
    doc.tables = {k: ft.cell_lines(g) for k, g in gs.items()}
    return text(doc, cms=True)


def pipe_ended(report: Report, rng: random.Random) -> Written:
    """23: each cell on its own line closed by ' |', a line '|' per blank and per row."""
    blank_zeros(report, rng, 0.8, spare_wide=True)
    doc = base_doc(report)
    doc.tables = tables_with(report, ft.pipe_ended)
    return text(doc)


def first_row_only(report: Report, rng: random.Random) -> Written:
    """27: one cell per line; only table 三's first row filled, every later row blank."""
    for key, row in report["applications"].items():
        if key != "new_received":
            for c in row:
                row[c] = None
    doc = base_doc(report)
    doc.tables = tables_with(report, ft.cell_lines)
    return text(doc, cms=True)


def blank_table3(report: Report, rng: random.Random) -> Written:
    """11: table 三 printed with every cell empty (pipe rows)."""
    for row in report["applications"].values():
        for c in row:
            row[c] = None
    doc = base_doc(report)
    doc.tables = tables_with(report, lambda g: ft.pipe_rows(g, border=True))
    return text(doc)


# ---------------------------------------------------------------------------
# OCR Markdown (08, 09a, 09b, 10)
# ---------------------------------------------------------------------------

_APP_HEAD = ["", *(label for _, label in model.APPLICANT_COLUMNS)]
_MINI_HEAD = [
    "| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |",
    "|---|---|---|---|---|---|---|---|",
]


def _md(doc: Doc, tables: dict[str, list[str]]) -> Written:
    doc.title = ["# " + "".join(doc.title)]
    doc.tables = tables
    body = assemble(doc, gap=True)
    for s in model.SECTIONS:
        heading = f"{s.number}、{s.title}"
        body = body.replace(f"\n{heading}\n", f"\n## {heading}\n", 1)
    return Written(".md", body.encode("utf-8"))


def _md_tables(report: Report) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Markdown tables (table 三: own label and seven values per row) and, per table 三 row
    key, the index of its line."""
    gs = grids(report)
    out = {k: ft.markdown_lines(ft.markdown_rows(g)) for k, g in gs.items()}
    rows = [_APP_HEAD]
    index: dict[str, int] = {}
    for r in application_rows(report["applications"]):
        index[r.key] = len(rows) + 1  # the separator line follows the header
        rows.append(
            [
                r.label,
                *(format_value(report["applications"][r.key][c]) for c in model.APPLICANT_KEYS),
            ]
        )
    out["applications"] = ft.markdown_lines(rows)
    return out, index


def mini_tables(report: Report, rng: random.Random) -> Written:
    """08: every table 三 row its own Markdown table under '| 类别 | 数据1 | … | 总计 |'."""
    tables, _ = _md_tables(report)
    lines: list[str] = []
    group = ""
    for r in application_rows(report["applications"]):
        values = [format_value(report["applications"][r.key][c]) for c in model.APPLICANT_KEYS]
        if r.key == "granted":
            lines += [f"### {r.group}", ""]
        if r.label[0].isdigit():
            if r.group != group:
                lines += ["", f"### {r.group}", *_MINI_HEAD]
                group = r.group
            lines.append(f"| {r.label} | " + " | ".join(values) + " |")
            continue
        group = ""
        short = r.label.split("、", 1)[-1].split("）", 1)[-1].split("（", 1)[0]
        lines += ["", f"### {r.label}", *_MINI_HEAD, f"| {short} | " + " | ".join(values) + " |"]
    tables["applications"] = lines
    return _md(base_doc(report), tables)


def _wrap_label(label: str, rng: random.Random) -> list[str]:
    cut = rng.randint(4, len(label) - 1)
    return [label[:cut], label[cut:]]


def _long_rows(report: Report) -> list[str]:
    return [r.key for r in application_rows(report["applications"]) if len(r.label) >= 8]


def _values_line(report: Report, key: str) -> str:
    row = report["applications"][key]
    return "| " + " | ".join(format_value(row[c]) for c in model.APPLICANT_KEYS) + " |"


def stacked_labels(report: Report, rng: random.Random) -> Written:
    """09a: two wrapped labels stacked above an unlabelled number row; the second label's
    numbers come after the rows between; a lone stray number between two rows."""
    tables, index = _md_tables(report)
    keys = [r.key for r in application_rows(report["applications"])]
    long_rows = _long_rows(report)
    pairs = [(a, b) for a in long_rows for b in long_rows if keys.index(b) >= keys.index(a) + 2]
    if not pairs:
        raise Ineligible("no two long labels")
    a, b = rng.choice(pairs)
    lines = list(tables["applications"])
    lines[index[a]] = "\n".join(
        [
            *_wrap_label(model.APPLICATION_ROW_BY_KEY[a].label, rng),
            *_wrap_label(model.APPLICATION_ROW_BY_KEY[b].label, rng),
            _values_line(report, a),
        ]
    )
    lines[index[b]] = _values_line(report, b)
    stray = rng.choice([k for k in keys if k not in (a, b)])
    lines[index[stray]] += f"\n{rng.randint(1, 9)}"
    tables["applications"] = "\n".join(lines).split("\n")
    report["synthetic"]["stacked"] = [a, b]
    return _md(base_doc(report), tables)


def unplaceable_row(report: Report, rng: random.Random) -> Written:
    """09b: two stacked labels above ONE number row, the other row's numbers lost: both
    rows unreadable (the identities only give their sum)."""
    tables, index = _md_tables(report)
    keys = [r.key for r in application_rows(report["applications"])]
    outcome = [k for k in _long_rows(report) if k in model.OUTCOME_KEYS]
    pairs = [(a, keys[keys.index(a) + 1]) for a in outcome if keys[keys.index(a) + 1] in outcome]
    apps = report["applications"]
    pairs = [
        (a, b)
        for a, b in pairs
        if any(v is not None for v in (*apps[a].values(), *apps[b].values()))
    ]
    if not pairs:
        raise Ineligible("no two neighbouring outcome rows")
    a, b = rng.choice(pairs)
    shown = rng.choice([k for k in (a, b) if any(v is not None for v in apps[k].values())])
    lines: list[str | None] = list(tables["applications"])
    lines[index[a]] = "\n".join(
        [
            *_wrap_label(model.APPLICATION_ROW_BY_KEY[a].label, rng),
            *_wrap_label(model.APPLICATION_ROW_BY_KEY[b].label, rng),
            _values_line(report, shown),
        ]
    )
    lines[index[b]] = None
    tables["applications"] = "\n".join(s for s in lines if s is not None).split("\n")
    mark_unreadable(report, {f"applications.{k}.{c}" for k in (a, b) for c in model.APPLICANT_KEYS})
    return _md(base_doc(report), tables)


def short_table2_row(report: Report, rng: random.Random) -> Written:
    """10: a three-cell table 二 row printed with two cells: all three unreadable."""
    proactive = report.get("proactive") or {}
    items = {it.key: it for it in model.PROACTIVE_ITEMS[report["format"]]}
    rows = [
        k
        for k, row in proactive.items()
        if len(items[k].columns) == 3 and None not in (row[c] for c in items[k].columns)
    ]
    if not rows:
        raise Ineligible("no full three-cell table 二 row")
    key = rng.choice(rows)
    tables, _ = _md_tables(report)
    label = (
        model.PROACTIVE_LABELS[key]
        if report["format"] == "2021"
        else next(it.labels[0] for it in model.PROACTIVE_ITEMS["2019"] if it.key == key)
    )
    cells = [format_value(proactive[key][c]) for c in items[key].columns]
    del cells[rng.randrange(3)]
    i = next(i for i, s in enumerate(tables["proactive"]) if s.startswith(f"| {label} |"))
    tables["proactive"][i] = f"| {label} | " + " | ".join(cells) + " |"
    mark_unreadable(report, {f"proactive.{key}.{c}" for c in items[key].columns})
    return _md(base_doc(report), tables)


# ---------------------------------------------------------------------------
# Word (14a-d)
# ---------------------------------------------------------------------------


def docx_fault(how: str) -> Callable[[Report, random.Random], Written]:
    """14a-d: a rendered .docx with one cell's number in w:ins / w:smartTag, one cell in a
    w:sdt, or table 三 nested in a layout table. The truth does not change."""

    def write(report: Report, rng: random.Random) -> Written:
        from ingest.corpus.fault_docx import edit_docx
        from ingest.corpus.render import render_docx

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "r.docx"
            render_docx(report, path)
            raw = path.read_bytes()
        apps = report.get("applications") or {}
        cells = [
            (k, j, v)
            for k, row in apps.items()
            for j, v in enumerate(row[c] for c in model.APPLICANT_KEYS)
            if v is not None
        ]
        if how == "nested":
            return Written(".docx", edit_docx(raw, how, "", 0))
        if not cells:
            raise Ineligible("no number in table 三")
        key, col, value = rng.choice(cells)
        old = str(value + rng.choice((1, 2, 10))) if how == "ins" else ""
        label = model.APPLICATION_ROW_BY_KEY[key].label
        report["synthetic"]["cell"] = f"applications.{key}.{model.APPLICANT_KEYS[col]}"
        return Written(".docx", edit_docx(raw, how, label, col, old))

    return write
