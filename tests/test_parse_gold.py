"""Every sample report parses to its hand-checked gold values, nulls included."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from ingest import model
from ingest.cli import cli
from ingest.extract import read_document
from ingest.parse import parse_document, parse_file, parse_text

from .helpers import (
    GOLD,
    SAMPLES,
    SHARED_REPORTS,
    SHARED_SOURCES,
    gold_for,
    mismatches,
    needs_shared,
)

BUNDLED = sorted(p.name for p in SAMPLES.glob("*.txt"))
SHARED_TEXTS = [
    "huaian_hongzequ_2023.pdf.txt",
    "huaian_hongzequ_2024.pdf.txt",
    "huaian_shi_2024.pdf.txt",
]


def _gold_name(text_name: str) -> str:
    return text_name.removesuffix(".txt")


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_sample_matches_gold(name):
    """Gold JSON beside each bundled sample (data/samples/NNN.json): no ../shared needed."""
    report = parse_file(SAMPLES / name)
    assert mismatches(gold_for(_gold_name(name)), report) == []


@needs_shared
@pytest.mark.parametrize("name", SHARED_TEXTS)
def test_shared_pdf_text_matches_gold(name):
    report = parse_file(SHARED_REPORTS / name)
    assert mismatches(gold_for(_gold_name(name)), report) == []


@needs_shared
@pytest.mark.parametrize(
    "name", ["huaian_hongzequ_2023", "huaian_hongzequ_2024", "huaian_shi_2024"]
)
def test_pdf_parses_like_its_text_version(name):
    from_pdf = parse_file(SHARED_SOURCES / f"{name}.pdf")
    from_text = parse_file(SHARED_REPORTS / f"{name}.pdf.txt")
    for key in ("agency", "year", "format", "proactive", "applications", "review_litigation"):
        assert from_pdf[key] == from_text[key], key
    assert from_pdf["source"]["layout"] == "pdf"
    assert mismatches(gold_for(f"{name}.pdf"), from_pdf) == []


@needs_shared
@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize(
    "name", ["huaian_hongzequ_2023", "huaian_hongzequ_2024", "huaian_shi_2024"]
)
def test_each_pdf_engine_alone_reads_the_gold(name, engine):
    doc = read_document(SHARED_SOURCES / f"{name}.pdf", pdf_engine=engine)
    report = parse_text(doc.text, doc.path, kind=doc.kind)
    assert mismatches(gold_for(f"{name}.pdf"), report) == []


@needs_shared
def test_a_doubtful_pdf_parse_is_not_read_again():
    """One pdfium pass per PDF: a parse with doubts keeps its text and says so."""
    path = SHARED_SOURCES / "huaian_shi_2024.pdf"
    fast = read_document(path)
    report, text = parse_document(fast)
    assert report["source"]["extractor"] == "pdfium" and text == fast.text
    assert mismatches(gold_for("huaian_shi_2024.pdf"), report) == []
    # The same PDF with its text cut after table 二: tables 三 and 四 are missing and
    # reported missing; no second reader is asked.
    cut = replace(fast, text=fast.text[: fast.text.index("三、收到和处理")])
    report, text = parse_document(cut)
    assert report["source"]["extractor"] == "pdfium" and text == cut.text
    assert report["applications"] == {} and report["review_litigation"] == {}
    assert any("not found" in w for w in report["warnings"])


@needs_shared
def test_every_gold_file_has_a_sample():
    names = {p.name.removesuffix(".json") for p in GOLD.glob("*.json")}
    covered = {_gold_name(n) for n in BUNDLED} | {_gold_name(n) for n in SHARED_TEXTS}
    assert names == covered


@needs_shared
def test_parse_json_cli_matches_gold():
    """The contract is the CLI's output, so check it through the CLI too."""
    result = CliRunner().invoke(
        cli, ["parse", "--json", str(SHARED_REPORTS / "huaian_shi_2024.pdf.txt")]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["schema"] == "nianbao.report/2"
    assert mismatches(gold_for("huaian_shi_2024.pdf"), report) == []


@needs_shared
def test_hongze_2023_broken_review_checks_are_reported_not_corrected():
    report = parse_file(SHARED_REPORTS / "huaian_hongzequ_2023.pdf.txt")
    failed = {
        c["check"]: c for c in report["checks"] if c["ok"] is False and c["severity"] == "hard"
    }
    assert set(failed) == {"review_total.review", "review_total.litigation_after_review"}
    assert (
        failed["review_total.review"]["reported"],
        failed["review_total.review"]["computed"],
    ) == (
        0,
        11,
    )
    assert (
        failed["review_total.litigation_after_review"]["reported"],
        failed["review_total.litigation_after_review"]["computed"],
    ) == (0, 5)
    assert failed["review_total.review"]["cells"] == [
        f"review_litigation.review.{col}"
        for col in ("upheld", "corrected", "other", "pending", "total")
    ]
    # the printed numbers stay as printed
    assert report["review_litigation"]["review"] == {
        "upheld": 10,
        "corrected": 1,
        "other": 0,
        "pending": 0,
        "total": 0,
    }


def test_blank_cells_are_null_not_zero():
    """Sample 001 fills only the 总计 column of table 三; the other cells are blank."""
    report = parse_file(SAMPLES / "001_8baf80acad458d1f.txt")
    row = report["applications"]["new_received"]
    assert row == {
        "natural_person": None,
        "commercial": None,
        "research": None,
        "social_welfare": None,
        "legal_service": None,
        "other_org": None,
        "total": 0,
    }
    # checks that need a blank cell are not checkable, never passed or failed
    balance = next(c for c in report["checks"] if c["check"] == "balance.natural_person")
    assert balance["ok"] is None


def test_2021_hard_check_count_is_42_plus_non_negative():
    report = parse_file(SAMPLES / "000_872c2db3c34386f9.txt")
    hard = [c for c in report["checks"] if c["severity"] == "hard"]
    assert len(hard) == 42 + 1
    assert all(c["ok"] is True for c in hard)


@needs_shared
def test_single_other_processing_row_gives_23_rows():
    report = parse_file(SHARED_REPORTS / "huaian_hongzequ_2024.pdf.txt")
    assert len(report["applications"]) == 23
    assert "other_processing" in report["applications"]
    assert "other_other" not in report["applications"]


def test_metadata_of_a_bundled_sample():
    report = parse_file(SAMPLES / "000_872c2db3c34386f9.txt")
    assert report["agency"] == "湘潭县商务局"
    assert report["year"] == 2024
    assert report["region"]["province"] == "湖南省"
    assert report["region"]["code"] == "430321"
    assert report["agency_type"] == "商务局"
    assert report["source"]["layout"] == "tab-cells"
    assert report["fee"]["charged"] is False
    assert set(report["sections"]) == {
        "overview",
        "proactive",
        "applications",
        "review_litigation",
        "problems",
        "other_matters",
    }
    assert report["sections"]["other_matters"].startswith("信息处理费收费情况")


def test_run_together_row_split_by_identities():
    text = (SAMPLES / "000_872c2db3c34386f9.txt").read_text(encoding="utf-8")
    report = parse_text(text)
    # the FORMAT.md example: 217,1,0,0,0,0,218 glued together has one split whose parts sum
    from ingest.parse import split_row_sum

    assert split_row_sum("21710000218", 7) == [(217, 1, 0, 0, 0, 0, 218)]
    assert report["applications"]["new_received"]["total"] == 13


def test_a_check_names_its_cells_the_printed_total_and_the_computed_sum():
    """Checks are records (CANONICAL_JSON.md): ``reported`` is what the report prints for
    the checked total, ``computed`` what the other cells it covers add up to."""
    report = parse_file(SAMPLES / "000_872c2db3c34386f9.txt")
    by_name = {c["check"]: c for c in report["checks"]}
    apps = report["applications"]
    row_sum = by_name["row_sum.new_received"]
    assert row_sum["identity"] == "row_sum"
    assert row_sum["reported"] == apps["new_received"]["total"] == 13
    assert row_sum["computed"] == sum(v for k, v in apps["new_received"].items() if k != "total")
    assert row_sum["cells"] == [
        f"applications.new_received.{c}" for c in (*model.APPLICANT_PARTS, "total")
    ]
    balance = by_name["balance.total"]
    assert balance["cells"] == [
        f"applications.{r}.total"
        for r in ("new_received", "carried_over", "total_handled", "carried_forward")
    ]
    assert balance["reported"] == apps["new_received"]["total"] + apps["carried_over"]["total"]
    assert balance["computed"] == apps["total_handled"]["total"] + apps["carried_forward"]["total"]
    outcomes = by_name["outcomes.total"]
    assert outcomes["reported"] == apps["total_handled"]["total"]
    assert outcomes["cells"][-1] == "applications.total_handled.total"
    assert len(outcomes["cells"]) == 1 + 21  # 25-row table: 21 outcome rows
