"""`nianbao ingest` of a folder takes every kind of file `nianbao parse` reads."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from ingest.cli import cli
from ingest.corpus.render import render_html, render_text
from ingest.corpus.synth import truths
from ingest.extract import SUFFIXES
from ingest.pipeline import find_files


def test_markdown_ocr_output_in_a_folder_is_ingested_and_its_readme_is_not(tmp_path: Path) -> None:
    first, second = list(truths(2, seed=31))
    folder = tmp_path / "reports"
    (folder / "ocr").mkdir(parents=True)
    (folder / "ocr" / "scan.md").write_text(
        render_text(first, "markdown-ocr", random.Random(1)), encoding="utf-8"
    )
    (folder / "page.htm").write_text(render_html(second, random.Random(2)), encoding="utf-8")
    (folder / "notes.json").write_text("{}", encoding="utf-8")  # not a report kind
    (folder / "README.md").write_text("# 扫描件的识别结果\n", encoding="utf-8")  # the folder's doc

    assert find_files([str(folder)]) == [str(folder / "ocr" / "scan.md"), str(folder / "page.htm")]
    db = tmp_path / "kinds.db"
    result = CliRunner().invoke(cli, ["ingest", str(db), "--silent", str(folder)])
    assert result.exit_code == 0, result.output
    rows = (
        sqlite3.connect(db).execute("select agency, year from reports order by agency").fetchall()
    )
    assert sorted(rows) == sorted(
        [(first["agency"], first["year"]), (second["agency"], second["year"])]
    )

    parsed = CliRunner().invoke(cli, ["parse", "--json", str(folder / "ocr" / "scan.md")])
    assert parsed.exit_code == 0, parsed.output
    report = json.loads(parsed.output)
    assert report["applications"]["new_received"] == first["applications"]["new_received"]


def test_every_suffix_parse_reads_is_taken_by_ingest() -> None:
    assert {".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".doc"} <= SUFFIXES
