"""The noise modes of the synthetic corpus: one per field-case kind, each with its truth.

For every kind a few reports are damaged; the tests assert that the fault is in the
document and that the truth says what the field case's expected.json says for that
kind (blanks null, ambiguous cells unreadable, a template refused). The ambiguity of
run-together digits is checked against a brute-force enumeration (the method of
``shared/field-cases/make_cases.py``), not against the solver's own answer.
"""

from __future__ import annotations

import io
import itertools
import json
import random
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner

from ingest import model
from ingest.cli import cli
from ingest.corpus import faults, glued
from ingest.corpus.synth import places, truths
from ingest.corpus.writer import resolve_kinds
from ingest.parse import parse_text

KINDS = faults.all_kinds()
Made = list[tuple[str, dict[str, Any], dict[str, Any]]]  # (document text, truth, original)


def make(name: str, count: int = 3, seed: int = 11) -> Made:
    """``count`` documents of kind ``name`` from the first eligible reports of a seed."""
    kind = KINDS[name]
    out: Made = []
    for i, report in enumerate(truths(600, seed)):
        if not kind.eligible(report):
            continue
        try:
            written, truth = faults.apply(kind, report, random.Random(i))
        except faults.Ineligible:
            continue
        data = written.data
        text = _docx_xml(data) if written.suffix == ".docx" else data.decode("utf-8")
        out.append((text, truth, report))
        if len(out) == count:
            return out
    raise AssertionError(f"{name}: only {len(out)} eligible reports")


def _docx_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")


def _rows(truth: dict[str, Any], table: str = "applications") -> dict[str, dict[str, Any]]:
    return truth.get(table) or {}


# ---------------------------------------------------------------------------
# The corpus as a whole
# ---------------------------------------------------------------------------


def test_no_agency_of_taiwan_hong_kong_or_macau() -> None:
    assert not [p for p in places() if p.code[:2] in ("71", "81", "82")]
    names = [r["agency"] for r in truths(3000, 5)]
    assert not [n for n in names if "台湾" in n or "香港" in n or "澳门" in n]


def test_at_most_one_report_per_agency_and_year() -> None:
    keys = [(r["agency"], r["year"]) for r in truths(5000, 2)]
    assert len(keys) == len(set(keys))


def test_kind_spec_resolves_numbers_and_names() -> None:
    assert resolve_kinds("05,14a") == ["05-spaced-glued-digits", "14a-docx-tracked-insertion"]
    assert resolve_kinds("none") == [] and len(resolve_kinds("all")) == len(KINDS)
    with pytest.raises(ValueError, match="unknown noise mode '99'"):
        resolve_kinds("99")


def test_every_field_case_kind_has_a_mode() -> None:
    numbers = {k.split("-")[0].rstrip("ab") for k in KINDS}
    assert numbers >= {f"{i:02d}" for i in range(1, 28)}


def test_corpus_with_kinds_is_deterministic_and_has_truths(tmp_path: Any) -> None:
    args = ["-n", "40", "--seed", "3", "--kinds", "01a,05,06,09b,10,12b,22a,23", "-s"]
    for out, jobs in (("a", "1"), ("b", "2")):
        result = CliRunner().invoke(
            cli, ["synth", str(tmp_path / out), *args, "--fault-share", "0.8", "-j", jobs]
        )
        assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.*"))
    assert len(files) == 80
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    kinds = {
        re.search(r'"kind": "([^"]+)"', p.read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]
        for p in (tmp_path / "a").rglob("*.truth.json")
        if '"kind": "' in p.read_text(encoding="utf-8")
    }
    assert len(kinds) >= 5


def test_duplicates_are_the_same_report_in_three_formats_and_a_copy(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        cli, ["synth", str(tmp_path), "-n", "6", "--seed", "1", "--duplicates", "1", "-s"]
    )
    assert result.exit_code == 0, result.output
    dup = sorted(tmp_path.rglob("000000_*_dup*"))
    names = [p.name.split("_", 2)[2] for p in dup]
    assert names == [
        "dup.html", "dup.pdf", "dup.truth.json", "dup.txt", "dupcopy.truth.json", "dupcopy.txt",
    ]  # fmt: skip
    assert dup[3].read_bytes() == dup[5].read_bytes()
    truths_ = [p.read_text(encoding="utf-8") for p in dup if p.suffix == ".json"]
    assert all('"duplicate": 0' in t for t in truths_)


# ---------------------------------------------------------------------------
# Ambiguity: the truth's unreadable cells against brute force
# ---------------------------------------------------------------------------


def _brute_table3(values: dict[str, list[int]], glued_rows: set[str]) -> set[str]:
    """Every combination of row-sum cuts (make_cases.glued_t3_solutions) that keeps every
    identity; the cells the solutions disagree on."""

    def cuts(digits: str) -> list[tuple[int, ...]]:
        out = []
        for pos in itertools.combinations(range(1, len(digits)), 6):
            parts = [digits[a:b] for a, b in zip((0, *pos), (*pos, len(digits)), strict=True)]
            if any(len(p) > 1 and p[0] == "0" for p in parts):
                continue
            n = [int(p) for p in parts]
            if sum(n[:6]) == n[6]:
                out.append(tuple(n))
        return out

    keys = list(values)
    options = [
        cuts("".join(map(str, values[k]))) if k in glued_rows else [tuple(values[k])] for k in keys
    ]
    outcomes = [k for k in keys if k in model.OUTCOME_KEYS]
    sols = []
    for combo in itertools.product(*options):
        t = dict(zip(keys, combo, strict=True))
        if all(
            t["new_received"][j] + t["carried_over"][j]
            == t["total_handled"][j] + t["carried_forward"][j]
            and sum(t[k][j] for k in outcomes) == t["total_handled"][j]
            for j in range(7)
        ):
            sols.append(t)
    return {
        f"applications.{k}.{c}"
        for k in keys
        for j, c in enumerate(model.APPLICANT_KEYS)
        if len({s[k][j] for s in sols}) > 1
    }


@pytest.mark.parametrize("seed", range(12))
def test_glued_table3_unreadable_matches_brute_force(seed: int) -> None:
    report = next(
        r for r in truths(50, seed) if not r["synthetic"]["broken"] and not r["synthetic"]["blanks"]
    )
    values = {
        k: [row[c] for c in model.APPLICANT_KEYS] for k, row in report["applications"].items()
    }
    rng = random.Random(seed)
    rows = [k for k in values if len("".join(map(str, values[k]))) <= 12]
    chosen = set(rng.sample(rows, k=min(3, len(rows))))
    assert glued.applications_unreadable(values, chosen) == _brute_table3(values, chosen)


def test_glued_field_case_readings() -> None:
    # 05: 本年新收 121000013 alone has two row-sum readings; 20: '+1226' has three.
    assert glued.sum_cuts("121000013", 6) == [(1, 2, 10, 0, 0, 0, 13), (12, 1, 0, 0, 0, 0, 13)]
    assert glued.cuts("40+1226", ["int", "signed", "int"]) == [
        ("40", "+1", "226"), ("40", "+12", "26"), ("40", "+122", "6"),
    ]  # fmt: skip
    assert glued.proactive_unreadable("2019", {"licensing": ["12", "+3", "5"]}) == set()
    assert glued.proactive_unreadable("2019", {"procurement": ["2", "389000.5"]}) == {
        "proactive.procurement.projects",
        "proactive.procurement.amount",
    }
    assert glued.review_unreadable(["1", "0", "0", "1", "2"] + ["0"] * 10) == set()


# ---------------------------------------------------------------------------
# Each kind: the fault is in the document, the truth says what the case says
# ---------------------------------------------------------------------------


def _cells(truth: dict[str, Any]) -> dict[str, Any]:
    return {
        p: v
        for _, row, col, cells in faults.table_cells(truth)
        for p, v in [(f"{row}.{col}", cells[col])]
    }


def _unreadable_consistent(truth: dict[str, Any]) -> None:
    for path in truth["unreadable"]:
        table, row, col = path.split(".")
        assert truth[table][row][col] is None, path
        assert path in truth["synthetic"]["hidden"], path


def check_one_line(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    body = text.split("\n")
    assert len([s for s in body if s]) <= 3  # the title line(s) and the body
    assert (
        "一、本年新收政府信息公开申请数量"
        + "".join(
            str(original["applications"]["new_received"][c] or 0) for c in model.APPLICANT_KEYS
        )
        in text
    )
    _unreadable_consistent(truth)


def check_spaced(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    for key in truth["synthetic"]["respaced"]:
        label = model.APPLICATION_ROW_BY_KEY[key].label
        line = next(s for s in text.splitlines() if label in s and s.split(label)[1][:1] == " ")
        tokens = line.split(label)[1].split()
        assert len(tokens) != 7 or any(len(t) > 1 and t[0] == "0" for t in tokens), line
        digits = "".join(str(original["applications"][key][c] or 0) for c in model.APPLICANT_KEYS)
        assert "".join(tokens) == digits
    _unreadable_consistent(truth)


def check_pipe_empty(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    assert " |  | " in text
    assert any(v is None for v in _cells(truth).values())
    assert truth["unreadable"] == []


def check_units(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    proc = truth["proactive"]["procurement"]
    unit = proc["amount_unit"]
    assert re.search(rf"政府集中采购 \| \d+[个项] \| [\d.]+{unit} \|", text)
    assert "采购总金额 |" in text and "采购总金额（单位" not in text


def check_glued_unit(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    proc = original["proactive"]["procurement"]
    assert re.search(rf"\n政府集中采购[\d.]+{proc['amount_unit']}\n", text)
    if len(glued.cuts(re.search(r"\n政府集中采购([\d.]+)", text).group(1), ["int", "decimal"])) > 1:  # type: ignore[union-attr]
        assert "proactive.procurement.amount" in truth["unreadable"]
    _unreadable_consistent(truth)


def check_mini_tables(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    assert text.count("| 类别 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |") >= 6
    assert truth["applications"] == original["applications"]


def check_stacked(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    a, b = truth["synthetic"]["stacked"]
    for key in (a, b):
        assert f"| {model.APPLICATION_ROW_BY_KEY[key].label} |" not in text
    assert re.search(r"\n\d\n", text)  # the stray number on its own line
    assert truth["applications"] == original["applications"] and truth["unreadable"] == []


def check_unplaceable(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    rows = {p.split(".")[1] for p in truth["unreadable"]}
    assert len(rows) == 2 and len(truth["unreadable"]) == 14
    for key in rows:
        assert all(v is None for v in truth["applications"][key].values())
    _unreadable_consistent(truth)


def check_short_row(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    (row,) = {p.split(".")[1] for p in truth["unreadable"]}
    assert len(truth["unreadable"]) == 3
    label = model.PROACTIVE_LABELS[row] if truth["format"] == "2021" else None
    short = [s for s in text.splitlines() if re.fullmatch(r"\| \S+ \| -?[\d.]+ \| -?[\d.]+ \|", s)]
    assert len(short) == 1 and (label is None or short[0].startswith(f"| {label} |")), short
    _unreadable_consistent(truth)


def check_blank_table3(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    assert set(truth["applications"]) == set(original["applications"])
    assert all(v is None for row in truth["applications"].values() for v in row.values())
    assert "| 一、本年新收政府信息公开申请数量 |  |  |  |  |  |  |  |" in text


def check_meta(pattern: str, **paths: Any) -> Callable[[str, dict[str, Any], dict[str, Any]], None]:
    def check(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
        assert re.search(pattern, text), pattern
        for path, value in paths.items():
            got = truth["synthetic"].get("compare", {}).get(path, truth.get(path))
            assert got == value(truth, original) if callable(value) else got == value, path

    return check


def check_published(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", truth["published"])
    assert truth["published"] in text
    assert truth["published"].startswith(str(original["year"] + 1))


def check_template(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    assert truth["synthetic"]["refuse"] is True and truth["agency"] is None
    assert "（机关名称）" in text and not re.search(r"\t\d+\n", text)


def check_first_row(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    for key, row in truth["applications"].items():
        expect = original["applications"][key] if key == "new_received" else dict.fromkeys(row)
        assert row == expect, key
    assert "\t" not in text


def check_cell_lines(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
    assert "\t" not in text and "\n\n\n" in text  # a blank cell is an empty line of its own
    assert any(v is None for v in _cells(truth).values())


def check_docx(tag: str) -> Callable[[str, dict[str, Any], dict[str, Any]], None]:
    def check(text: str, truth: dict[str, Any], original: dict[str, Any]) -> None:
        assert text.count(tag) >= 1, tag
        assert truth["applications"] == original["applications"] and truth["unreadable"] == []

    return check


CHECKS: dict[str, Callable[[str, dict[str, Any], dict[str, Any]], None]] = {
    "01a-one-line-2021": check_one_line,
    "01b-one-line-2019": check_one_line,
    "02-scraper-header": check_published,
    "03-cms-meta-table": check_published,
    "04-narrative-wo-ju": check_meta(r"(年度我局|通过我局)", agency=None),
    "05-spaced-glued-digits": check_spaced,
    "06a-pipe-empty-unbordered": check_pipe_empty,
    "06b-pipe-empty-bordered": check_pipe_empty,
    "07a-procurement-cell-units": check_units,
    "07b-procurement-glued-unit": check_glued_unit,
    "08-ocr-mini-tables": check_mini_tables,
    "09a-stacked-labels": check_stacked,
    "09b-unplaceable-row": check_unplaceable,
    "10-table2-short-row": check_short_row,
    "11-blank-table3": check_blank_table3,
    "12a-zero-width-space": check_meta("(\u200b|&#8203;)</td>"),
    "12b-bom-in-text": check_meta("\ufeff四、.*\n(.*\n)*", agency=lambda t, o: o["agency"]),
    "13-kangxi-radicals": check_meta(
        "\uf9d1、", title=lambda t, o: f"{o['agency']}{o['year']}年政府信息公开工作年度报告"
    ),
    "14a-docx-tracked-insertion": check_docx("<w:delText>"),
    "14b-docx-smarttag": check_docx("<w:smartTag"),
    "14c-docx-sdt-cell": check_docx("<w:sdtContent><w:tc>"),
    "14d-docx-nested-table": check_docx('<w:tc><w:tcPr><w:tcW w:w="9000"'),
    "15-fee-wording": check_meta(r"未发生[^\n]*(收费|收取)", **{"fee.charged": False}),
    "16-agency-type": check_meta(r"(发展和改革局|发改委|住建局|市场监管局|管理委员会|片区管理局)"),
    "17-title-name-apart": check_meta(
        r"^\d{4}年度?政府信息公开工作年度报告", agency=lambda t, o: o["agency"]
    ),
    "18-blank-template": check_template,
    "19-narrative-received-carried": check_meta(r"（含上年结转\d+件）"),
    "20-signed-glued-2019": check_meta(
        r"\n(行政许可|其他对外管理服务事项|行政处罚|行政强制|行政事业性收费)\d+[+-]\d"
    ),
    "21-gov-page-meta-tags": check_meta(
        r'<meta name="ArticleTitle" content="[^"]+年政府信息公开工作年度报告">'
    ),
    "22a-cell-lines-2021": check_cell_lines,
    "22b-cell-lines-2019": check_cell_lines,
    "23-cell-lines-pipe-ended": check_meta(r"\n\|\n[^\n]+ \|\n"),
    "24-preamble-agency": check_meta(r"^(根据|本报告由)", title=None),
    "25-year-only-in-overview": check_meta(r"^[^\d\n]+政府信息公开工作年度报告\n"),
    "26-title-guanyu-agency-above": check_meta(r"^[^\n]+\n关于\d{4}年度政府信息公开工作年度报告\n"),
    "27-cell-lines-first-row-only": check_first_row,
}


def test_every_kind_has_a_check() -> None:
    assert set(CHECKS) == set(KINDS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_kind_document_and_truth(name: str) -> None:
    for text, truth, original in make(name):
        assert truth["synthetic"]["kind"] == name
        CHECKS[name](text, truth, original)


def _brute_cuts(digits: str, n: int) -> list[tuple[str, ...]]:
    """Every cut of a plain digit run into n cells without leading zeros (int columns)."""
    out = []
    for pos in itertools.combinations(range(1, len(digits)), n - 1):
        parts = tuple(digits[a:b] for a, b in zip((0, *pos), (*pos, len(digits)), strict=True))
        if not any(len(p) > 1 and p[0] == "0" for p in parts):
            out.append(parts)
    return out


def test_run_together_layout_truth_marks_ambiguous_table2_rows(tmp_path: Any) -> None:
    result = CliRunner().invoke(
        cli,
        ["synth", str(tmp_path), "-n", "40", "--seed", "4", "--formats", "run-together",
         "--kinds", "none", "-s"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    checked = 0
    for path in tmp_path.rglob("*.truth.json"):
        truth = json.loads(path.read_text(encoding="utf-8"))
        if truth["source"]["layout"] != "run-together" or truth["format"] != "2021":
            continue
        for key in ("regulations", "normative_documents"):
            row = dict(truth["proactive"][key])
            for p, v in truth["synthetic"].get("hidden", {}).items():
                if p.startswith(f"proactive.{key}."):
                    row[p.rsplit(".", 1)[1]] = v
            values = [row[c] for c in ("made", "abolished", "in_force")]
            if None in values:
                continue
            readings = _brute_cuts("".join(map(str, values)), 3)
            expect = {
                f"proactive.{key}.{c}"
                for j, c in enumerate(("made", "abolished", "in_force"))
                if len({r[j] for r in readings}) > 1
            }
            got = {p for p in truth["unreadable"] if p.startswith(f"proactive.{key}.")}
            assert got == expect, (path, values)
            checked += 1
    assert checked >= 10


def test_pdf_text_blanks_that_leave_no_trace_are_unreadable_where_the_column_is_open() -> None:
    none5 = dict.fromkeys(model.REVIEW_KEYS)
    tables = {
        "proactive": {"regulations": {"made": None, "abolished": None, "in_force": 31}},
        "review_litigation": {
            "review": dict(zip(model.REVIEW_KEYS, (1, None, None, None, 1), strict=True)),
            "litigation_direct": none5,
            "litigation_after_review": none5,
        },
    }
    got = glued.vanished_unreadable("2021", tables)
    # '31' alone could be any of the three cells; '1 1' any group's 维持/…/总计 pair.
    assert {f"proactive.regulations.{c}" for c in ("made", "abolished", "in_force")} <= got
    assert "review_litigation.review.upheld" in got
    assert "review_litigation.litigation_direct.total" in got
    full = {"regulations": {"made": 1, "abolished": 0, "in_force": 31}}
    assert glued.vanished_unreadable("2021", {"proactive": full}) == set()


@pytest.mark.parametrize("name", ["22a-cell-lines-2021", "23-cell-lines-pipe-ended"])
def test_cell_lines_copies_are_a_layout_with_a_chinese_name(name: str) -> None:
    """The parser names these copies "cell-lines" (reports.layout); the site shows the
    model's label for it, and the renderer does not write it (only the faults do)."""
    text, _, _ = make(name, count=1)[0]
    assert parse_text(text, "copy.txt")["source"]["layout"] == "cell-lines"
    assert dict(model.LAYOUTS)["cell-lines"] == "每格一行（空行或竖线分隔）"
    assert "cell-lines" not in model.RENDERED_LAYOUTS + model.TEXT_LAYOUTS
