"""One report per agency and year (ingest.db.groups): the same report from several
files is one report with several sources; disagreements are flagged; summaries count
each report once; a whole-region aggregate is not added to its agencies' reports."""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from datasette.app import Datasette

from ingest import model
from ingest.cli import cli
from ingest.corpus.render import render_html, render_pdf, render_text
from ingest.db.groups import PRIMARY_RULE, differing_cells
from ingest.db.loader import load_reports
from ingest.parse import parse_file

from .conftest import ROOT, load_metadata
from .helpers import COMPARED, SAMPLES, gold_for
from .test_roundtrip import _first

SAMPLE = SAMPLES / "000_872c2db3c34386f9.txt"


def _gold_report() -> dict[str, Any]:
    """The bundled sample's hand-checked tables, as a report to render."""
    gold = gold_for(SAMPLE.stem)
    return {k: _first(gold[k]) for k in COMPARED}


def _ingest(db: Path, *paths: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", str(db), "--silent", *map(str, paths)])
    assert result.exit_code == 0, result.output


ReportPage = Callable[[str | Path], Awaitable[tuple[str, str]]]


@pytest.fixture
def report_page() -> ReportPage:
    """Reads the page of a database's one report through the site (Datasette in-process,
    the project's metadata, plugins and templates): (the whole page, its sources section)."""

    async def read(db_path: str | Path) -> tuple[str, str]:
        ds = Datasette(
            [str(db_path)],
            metadata=load_metadata(),
            plugins_dir=str(ROOT / "plugins"),
            template_dir=str(ROOT / "templates"),
        )
        rid = (await ds.get_database().execute("select id from reports")).rows[0][0]
        page = (await ds.client.get(f"/report/{rid}")).text
        section = re.search(r'<section class="report-sources">(.*?)</section>', page, re.S)
        assert section, "no sources section"
        return page, section.group(1)

    return read


@pytest.fixture(scope="module")
def three_formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample as text, as an HTML page and as a PDF rendered from its reading; the
    HTML copy prints one cell differently (本年新收 自然人 and 总计 one more)."""
    folder = tmp_path_factory.mktemp("copies")
    report = _gold_report()
    (folder / "report.txt").write_text(render_text(report, "tab-cells"), encoding="utf-8")
    render_pdf(report, folder / "report.pdf", random.Random(1))
    changed = copy.deepcopy(report)
    row = changed["applications"]["new_received"]
    row["natural_person"] += 1
    row["total"] += 1
    (folder / "report.html").write_text(render_html(changed, random.Random(2)), encoding="utf-8")
    db = folder / "nianbao.db"
    _ingest(db, folder)
    return {"db": sqlite_utils.Database(db), "report": report}


def test_same_report_in_three_formats_is_one_report_with_three_sources(
    three_formats: dict[str, Any],
) -> None:
    db = three_formats["db"]
    reports = list(db.query("select id, sources_count, source_id from reports"))
    assert len(reports) == 1
    (report,) = reports
    assert report["sources_count"] == 3
    kinds = {
        r["kind"]: r["report_id"]
        for r in db.query("select kind, report_id, reading_json from sources")
    }
    assert kinds == {"txt": report["id"], "html": report["id"], "pdf": report["id"]}
    # the primary is the original format (PDF) when all read alike
    assert db.execute(
        "select kind from sources where id = ?", [report["source_id"]]
    ).fetchone() == ("pdf",)
    # only one copy of its rows: table 三 has each row once
    assert (
        db.execute("select count(*) from applications where row_key = 'new_received'").fetchone()[0]
        == 1
    )
    assert (
        db.execute("select count(*) from sections where report_id = ?", [report["id"]]).fetchone()[
            0
        ]
        == db.execute("select count(*) from sections").fetchone()[0]
    )


def test_disagreeing_sources_are_flagged_with_both_readings(three_formats: dict[str, Any]) -> None:
    db = three_formats["db"]
    printed = three_formats["report"]["applications"]["new_received"]
    rows = list(
        db.query(
            "select d.cell, d.primary_value, d.other_value, s.kind from disagreements d"
            " join sources s on s.id = d.source_id order by d.cell"
        )
    )
    assert rows == [
        {
            "cell": "applications.new_received.natural_person",
            "primary_value": str(printed["natural_person"]),
            "other_value": str(printed["natural_person"] + 1),
            "kind": "html",
        },
        {
            "cell": "applications.new_received.total",
            "primary_value": str(printed["total"]),
            "other_value": str(printed["total"] + 1),
            "kind": "html",
        },
    ]
    assert db.execute("select disagreements from reports").fetchone()[0] == 2


async def test_report_page_shows_both_readings_and_the_stated_rule(
    three_formats: dict[str, Any], report_page: ReportPage
) -> None:
    db = three_formats["db"]
    _, section = await report_page(db.conn.execute("pragma database_list").fetchone()[2])
    assert "同一报告的多个原文（3 份）" in section
    assert f"数值取自首选原文（规则：{PRIMARY_RULE}）" in section
    printed = three_formats["report"]["applications"]["new_received"]
    rows = re.findall(
        r'<tr><td title="([^"]+)">[^<]*</td><td class="num">([^<]*)</td>'
        r'<td class="num">([^<]*)</td><td>网页（',  # the other source: html, in Chinese
        section,
    )
    assert rows == [
        (
            "applications.new_received.natural_person",
            str(printed["natural_person"]),
            str(printed["natural_person"] + 1),
        ),
        ("applications.new_received.total", str(printed["total"]), str(printed["total"] + 1)),
    ]


def test_byte_identical_copies_in_two_folders_are_one_report(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(SAMPLE, tmp_path / name / SAMPLE.name)
    db_path = tmp_path / "nianbao.db"
    _ingest(db_path, tmp_path / "a", tmp_path / "b")
    db = sqlite_utils.Database(db_path)
    assert db.execute("select count(*), max(sources_count) from reports").fetchone() == (1, 1)
    assert db.execute("select count(*) from sources").fetchone()[0] == 1


def _reading(report: dict[str, Any], sha: str, **changes: Any) -> dict[str, Any]:
    r = copy.deepcopy(report)
    r.update(changes)
    r["source"] = {**(r.get("source") or {}), "sha256": sha * 64}
    return r


def test_summaries_count_each_report_once_and_keep_region_aggregates_apart(
    tmp_path: Path,
) -> None:
    base = {**parse_file(SAMPLE), "scope": "organ"}
    new = base["applications"]["new_received"]["total"]
    region = {**base["region"]}
    readings = [
        (_reading(base, "a"), "copy-a.txt", None),
        (_reading(base, "b"), "copy-b.html", None),  # the same report again
        # the county's whole-region aggregate: a different report, not summed with it
        (
            _reading(
                base,
                "c",
                agency=region["county"] + "人民政府",
                scope="region",
                agency_type="人民政府",
            ),
            "county.txt",
            None,
        ),
        # another province's aggregate with no agency of its own loaded: it is summed
        (
            _reading(
                base,
                "e",
                agency="示例省人民政府",
                scope="region",
                agency_type="人民政府",
                region={"province": "示例省", "code": "990000"},
            ),
            "other.txt",
            None,
        ),
    ]
    db = sqlite_utils.Database(tmp_path / "nianbao.db")
    load_reports(db, readings)
    assert db.execute("select count(*) from reports").fetchone()[0] == 3
    year = base["year"]
    row = db.execute(
        "select reports, new_received, region_reports from summary_year where year = ?", [year]
    ).fetchone()
    assert row == (2, 2 * new, 1)
    assert db.execute("select agency from reports where in_sums = 0").fetchall() == [
        (region["county"] + "人民政府",)
    ]


def test_a_report_with_an_unreadable_cell_is_not_passed(tmp_path: Path) -> None:
    base = parse_file(SAMPLE)
    r = _reading(base, "d")
    r["applications"]["granted"]["commercial"] = None
    r["unreadable"] = ["applications.granted.commercial"]
    r["warnings"] = ["第 40 行：无法确定哪一格"]
    db = sqlite_utils.Database(tmp_path / "nianbao.db")
    load_reports(db, [(r, "x.txt", None)])
    assert db.execute("select check_status, unreadable_count from reports").fetchone() == (
        model.STATUS_UNREADABLE,
        1,
    )
    assert list(db.query("select cell, table_name, row_key, column_key from unreadable_cells")) == [
        {
            "cell": "applications.granted.commercial",
            "table_name": "applications",
            "row_key": "granted",
            "column_key": "commercial",
        }
    ]


def test_differing_cells_ignore_what_a_reading_could_not_read() -> None:
    a = {"applications": {"granted": {"total": 3, "commercial": 1}}, "unreadable": []}
    b = {
        "applications": {"granted": {"total": 4, "commercial": None}},
        "unreadable": ["applications.granted.commercial"],
    }
    assert differing_cells(a, b) == [("applications.granted.total", 3, 4)]
    assert json.dumps(differing_cells(a, a)) == "[]"


# --------------------------------------------------------------------------- the primary


def _ingest_any(db: Path, *paths: Path) -> str:
    """Ingest; a file that fails is recorded (exit code 1), the others load."""
    result = CliRunner().invoke(cli, ["ingest", str(db), "--silent", *map(str, paths)])
    assert result.exit_code in (0, 1), result.output
    return result.output


def _inconsistent(report: dict[str, Any]) -> dict[str, Any]:
    """The report as a copy that slipped: 本年新收 自然人 and 总计 one more (the balance
    identity of those two columns breaks; the row sum still holds)."""
    changed = copy.deepcopy(report)
    row = changed["applications"]["new_received"]
    row["natural_person"] += 1
    row["total"] += 1
    return changed


def _primary(db: sqlite_utils.Database) -> dict[str, Any]:
    (row,) = db.query(
        "select r.id, r.sources_count, r.disagreements, r.check_status, s.kind, s.path"
        " from reports r join sources s on s.id = r.source_id"
    )
    return row


def test_a_copy_failing_a_check_the_other_copy_passes_is_not_the_primary(tmp_path: Path) -> None:
    """Issue 12: an HTML page that broke an identity was chosen over a consistent text
    copy because HTML ranked before text. Failures another reading passes rank first."""
    report = _gold_report()
    (tmp_path / "r.txt").write_text(render_text(report, "tab-cells"), encoding="utf-8")
    (tmp_path / "r.html").write_text(
        render_html(_inconsistent(report), random.Random(2)), encoding="utf-8"
    )
    db_path = tmp_path / "nianbao.db"
    _ingest(db_path, tmp_path / "r.txt", tmp_path / "r.html")
    db = sqlite_utils.Database(db_path)
    primary = _primary(db)
    assert (primary["kind"], primary["sources_count"]) == ("txt", 2)
    assert primary["check_status"] == model.STATUS_PASSED
    printed = report["applications"]["new_received"]
    assert db.execute(
        "select natural_person, total from applications where row_key = 'new_received'"
    ).fetchone() == (printed["natural_person"], printed["total"])
    assert [
        (r["cell"], r["primary_value"], r["other_value"], r["kind"])
        for r in db.query(
            "select d.cell, d.primary_value, d.other_value, s.kind from disagreements d"
            " join sources s on s.id = d.source_id order by d.cell"
        )
    ] == [
        (
            "applications.new_received.natural_person",
            str(printed["natural_person"]),
            str(printed["natural_person"] + 1),
            "html",
        ),
        (
            "applications.new_received.total",
            str(printed["total"]),
            str(printed["total"] + 1),
            "html",
        ),
    ]


def test_the_documents_own_broken_identity_stays_with_the_original(tmp_path: Path) -> None:
    """A check the document itself breaks (洪泽区 2023: total 0 over parts of 11) counts
    against no reading: a text copy that lost table 四's first group (check not
    evaluated) does not become the primary by hiding the report's own error."""
    report = _gold_report()
    group = report["review_litigation"]["review"]
    group.update({"upheld": 6, "corrected": 3, "other": 2, "pending": 0, "total": 0})
    lost = copy.deepcopy(report)
    lost["review_litigation"]["review"] = dict.fromkeys(model.REVIEW_KEYS)
    (tmp_path / "r.html").write_text(render_html(report, random.Random(3)), encoding="utf-8")
    (tmp_path / "r.txt").write_text(render_text(lost, "tab-cells"), encoding="utf-8")
    db_path = tmp_path / "nianbao.db"
    _ingest(db_path, tmp_path / "r.html", tmp_path / "r.txt")
    db = sqlite_utils.Database(db_path)
    primary = _primary(db)
    assert (primary["kind"], primary["check_status"]) == ("html", model.STATUS_FAILED)
    assert db.execute(
        "select upheld, corrected, other, pending, total from review_litigation"
        " where grp = 'review'"
    ).fetchone() == (6, 3, 2, 0, 0)
    assert [r["check_name"] for r in db.query("select check_name from checks where ok = 0")] == [
        "review_total.review"
    ]
    # the copy's five blanks are disagreements with the original's five numbers (0 too)
    assert primary["disagreements"] == 5


def test_readings_of_a_report_whose_primary_changes_or_fails_are_restored(tmp_path: Path) -> None:
    """Loader._restore_orphans: when the primary's file changes or can no longer be read,
    its report goes; the other readings are loaded again from their stored JSON and
    grouped anew (no file of theirs is parsed again)."""
    report = _gold_report()
    folder = tmp_path / "copies"
    folder.mkdir()
    pdf, txt, html = folder / "r.pdf", folder / "r.txt", folder / "r.html"
    render_pdf(report, pdf, random.Random(1))
    txt.write_text(render_text(report, "tab-cells"), encoding="utf-8")
    html.write_text(render_html(_inconsistent(report), random.Random(2)), encoding="utf-8")
    db_path = tmp_path / "nianbao.db"
    _ingest(db_path, folder)
    db = sqlite_utils.Database(db_path)
    assert (_primary(db)["kind"], _primary(db)["sources_count"]) == ("pdf", 3)
    made = report["proactive"]["regulations"]["made"]
    printed = report["applications"]["new_received"]

    # 1. The PDF at the same path now prints one more 规章 (a corrected edition).
    edition = copy.deepcopy(report)
    edition["proactive"]["regulations"]["made"] = made + 5
    render_pdf(edition, pdf, random.Random(1))
    _ingest(db_path, folder)
    primary = _primary(db)
    assert (primary["kind"], primary["sources_count"]) == ("pdf", 3)
    assert db.execute("select count(*) from reports").fetchone()[0] == 1
    assert db.execute("select made from proactive where item = 'regulations'").fetchone() == (
        made + 5,
    )
    assert sorted(
        (r["kind"], r["cell"], r["primary_value"], r["other_value"])
        for r in db.query(
            "select s.kind, d.cell, d.primary_value, d.other_value from disagreements d"
            " join sources s on s.id = d.source_id"
        )
    ) == [
        ("html", "applications.new_received.natural_person", str(printed["natural_person"]),
         str(printed["natural_person"] + 1)),
        ("html", "applications.new_received.total", str(printed["total"]), str(printed["total"] + 1)),
        ("html", "proactive.regulations.made", str(made + 5), str(made)),
        ("txt", "proactive.regulations.made", str(made + 5), str(made)),
    ]  # fmt: skip
    assert primary["disagreements"] == 4

    # 2. The PDF is replaced by bytes that cannot be read: its report goes, the text copy
    # (consistent; the HTML page fails a check the text passes) is the primary again.
    pdf.write_bytes(b"not a PDF")
    _ingest_any(db_path, folder)
    primary = _primary(db)
    assert (primary["kind"], primary["sources_count"], primary["disagreements"]) == ("txt", 2, 2)
    assert primary["path"].endswith("r.txt")
    assert db.execute("select count(*) from reports").fetchone()[0] == 1
    assert [r["path"] for r in db.query("select path from ingest_errors")] == [str(pdf)]
    assert db.execute("select made from proactive where item = 'regulations'").fetchall() == [
        (made,)
    ]
    assert db.execute(
        "select natural_person, total from applications where row_key = 'new_received'"
    ).fetchall() == [(printed["natural_person"], printed["total"])]
    kinds = {r["kind"]: r for r in db.query("select kind, report_id, raw_text from sources")}
    assert set(kinds) == {"txt", "html"}
    assert {r["report_id"] for r in kinds.values()} == {primary["id"]}
    assert "本年新收" in (kinds["html"]["raw_text"] or "")  # its text kept, not re-read


async def test_report_page_links_only_http_sources(tmp_path: Path, report_page: ReportPage) -> None:
    """A source's recorded address is a link only when it is http(s): never javascript:."""
    base = parse_file(SAMPLE)
    safe, hostile = _reading(base, "a"), _reading(base, "b")
    safe["source"]["url"] = "https://www.example.gov.cn/art/2024/1.pdf"
    hostile["source"]["url"] = "javascript:alert(1)"
    db_path = tmp_path / "nianbao.db"
    db = sqlite_utils.Database(db_path)
    load_reports(db, [(safe, "a.txt", None), (hostile, "b.html", None)])
    assert db.execute("select count(*), max(sources_count) from reports").fetchone() == (1, 2)
    page, section = await report_page(db_path)
    links = re.findall(r'<a href="([^"]*)"', section)
    assert links == ["https://www.example.gov.cn/art/2024/1.pdf"]
    assert "javascript:" not in page
    assert section.count("（未记录）") == 1
