"""The synthetic corpus's mix of formats (issue 14): what portals publish, configurable,
with PDFs that look like real ones and legacy Word .doc files written by LibreOffice."""

from __future__ import annotations

import random
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import cli
from ingest.corpus.accuracy import corpus_files, evaluate
from ingest.corpus.documents import PdfLook
from ingest.corpus.render import render_docx, render_pdf
from ingest.corpus.style import TEXT_LAYOUTS
from ingest.corpus.synth import LAYOUT_WEIGHTS, truths
from ingest.corpus.writer import _jobs, parse_mix
from ingest.pipeline import parse_one

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice writes the corpus's .doc files: apt-get install libreoffice-writer-nogui",
)
needs_wvware = pytest.mark.skipif(
    shutil.which("wvWare") is None, reason="wvWare reads .doc: apt-get install wv"
)


def _drawn(mix: dict[str, float], n: int = 3000) -> Counter[str]:
    layouts = [k for k, w in mix.items() if w > 0]
    jobs = _jobs(Path("/nonexistent"), n, 11, layouts, weights=mix)
    return Counter(job.layout for job in jobs)


def test_default_mix_is_what_portals_publish() -> None:
    counts = _drawn(dict(LAYOUT_WEIGHTS))
    n = sum(counts.values())
    text = sum(counts[k] for k in TEXT_LAYOUTS)
    assert 0.46 < counts["pdf"] / n < 0.54
    assert 0.29 < counts["html"] / n < 0.37
    assert 0.05 < counts["docx"] / n < 0.09
    assert 0.015 < counts["doc"] / n < 0.045
    assert 0.05 < text / n < 0.09
    assert all(counts[k] for k in TEXT_LAYOUTS)  # every text layout gets some


def test_mix_text_share_is_split_over_the_text_layouts() -> None:
    mix = parse_mix("pdf=0.5,text=0.5")
    assert set(mix) == {"pdf", *TEXT_LAYOUTS}
    assert mix["pdf"] == 0.5
    assert sum(mix[k] for k in TEXT_LAYOUTS) == pytest.approx(0.5)
    assert mix["tab-cells"] > mix["markdown-ocr"] > 0  # in their default proportions


def test_mix_option_is_used_and_bad_items_are_named(tmp_path: Path) -> None:
    counts = _drawn(parse_mix("html=1,pipe-rows=1"), 400)
    assert set(counts) == {"html", "pipe-rows"}
    for spec, message in (
        ("pdf=half", "bad --mix item 'pdf=half' (write layout=share, e.g. pdf=0.5)"),
        ("rtf=0.2", "unknown layout 'rtf' in --mix (one of text, "),
        ("pdf=0", "--mix gives every layout a share of 0"),
    ):
        result = CliRunner().invoke(cli, ["synth", str(tmp_path / "c"), "-n", "2", "--mix", spec])
        assert result.exit_code == 2
        assert f"Error: {message}" in result.output


def test_synth_with_a_mix_writes_those_formats(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["synth", str(tmp_path), "-n", "30", "--seed", "3", "--mix", "html=0.5,text=0.5",
         "--kinds", "none", "-s"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    suffixes = Counter(Path(p).suffix for p in corpus_files(tmp_path))
    assert set(suffixes) == {".html", ".txt", ".md"} or set(suffixes) == {".html", ".txt"}
    assert sum(suffixes.values()) == 30


def test_docx_rendering_is_the_same_bytes_each_time(tmp_path: Path) -> None:
    report = next(truths(1, 5))
    for name in ("a.docx", "b.docx"):
        render_docx(report, tmp_path / name, random.Random(1))
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    # merged cells as Word writes them: horizontal spans and vertical continuations
    xml = zipfile.ZipFile(tmp_path / "a.docx").read("word/document.xml").decode()
    assert '<w:gridSpan w:val="2"/>' in xml and '<w:vMerge w:val="restart"/>' in xml


def test_pdf_table_broken_across_pages_with_page_numbers_parses_exactly(tmp_path: Path) -> None:
    """16 pt body text, 公文 margins, "第N页" in the outer corner: table 三 runs over a
    page end and the page number lands between its rows; every cell reads back."""
    import pypdfium2 as pdfium

    report = next(r for r in truths(20, 8) if not r["synthetic"]["broken"])
    look = PdfLook(body_size=16, leading=28, margins=(79, 74, 105, 99), page_mark="第{n}页",
                   mark_at="outer")  # fmt: skip
    path = tmp_path / "r.pdf"
    render_pdf(report, path, look=look)
    pages = [p.get_textpage().get_text_range() for p in pdfium.PdfDocument(path)]
    assert len(pages) >= 3 and all(f"第{i}页" in t for i, t in enumerate(pages, 1))
    starts = [i for i, t in enumerate(pages) if "三、收到和处理政府信息公开申请情况" in t]
    ends = [i for i, t in enumerate(pages) if "四、政府信息公开行政复议" in t]
    assert starts and ends and ends[0] > starts[0]  # table 三 spans a page break
    parsed = parse_one(str(path))["report"]
    for table in ("proactive", "applications", "review_litigation"):
        assert parsed[table] == report[table], table
    assert parsed["agency"] == report["agency"] and parsed["year"] == report["year"]


@needs_soffice
@needs_wvware
def test_doc_files_in_the_corpus_are_word_97_and_parse_to_their_truth(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["synth", str(tmp_path), "-n", "4", "--seed", "2", "--mix", "doc=1", "--kinds",
              "none", "-s"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    docs = corpus_files(tmp_path)
    assert len(docs) == 4 and all(d.endswith(".doc") for d in docs)
    assert all(Path(d).read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" for d in docs)
    outcomes = evaluate(docs)
    assert [o.status for o in outcomes] == ["exact"] * 4, [o.notes[:3] for o in outcomes]
    assert {o.layout for o in outcomes} == {"doc"}


def test_doc_without_libreoffice_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on it
    result = CliRunner().invoke(cli, ["synth", str(tmp_path / "c"), "-n", "2", "--mix", "doc=1"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: writing .doc reports needs LibreOffice's soffice: apt-get install"
        " libreoffice-writer-nogui (or make doc-writer), or choose a --mix without doc\n"
    )


def test_accuracy_by_format_counts_wrong_numbers_and_silent_nulls_per_format() -> None:
    from collections import Counter as C

    from ingest.corpus.accuracy import NO_FAULT, Outcome, file_format, summary, table

    outcomes = [
        Outcome("a/1.pdf", NO_FAULT, "pdf", "exact", C(number=10)),
        Outcome("a/2.pdf", "05-x", "fault:05-x", "miss", C(number=8, wrong=2)),
        Outcome("a/3.doc", NO_FAULT, "doc", "miss", C(number=9, silent=1)),
        Outcome("a/4.txt", NO_FAULT, "tab-cells", "exact", C(number=10)),
        Outcome("a/5.md", "09b-y", "fault:09b-y", "exact", C(number=10)),
    ]
    assert [file_format(o) for o in outcomes] == [
        "pdf", "pdf", "doc", "text: tab-cells", "text: field-case copy"
    ]  # fmt: skip
    by = summary(outcomes)["by_format"]
    assert by["pdf"] == {"reports": 2, "wrong_numbers": 2, "silent_nulls": 0}
    assert by["doc"] == {"reports": 1, "wrong_numbers": 0, "silent_nulls": 1}
    rows = {
        line.split(" | ")[0].strip("| "): line for line in table(outcomes, by="format").split("\n")
    }
    assert rows["pdf"].startswith("| pdf | 2 | 1 | 50.0% | 90.00% | 2 |")
    assert rows["all"].startswith("| all | 5 | 3 | 60.0% |")
