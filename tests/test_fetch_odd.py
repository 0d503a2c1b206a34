"""`nianbao fetch` and the ingest of what it fetched, with inputs nobody designed for,
against a real local HTTP server (tests/test_fetch.py's)."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from ingest.cli import cli
from ingest.corpus.render import render_pdf

from .helpers import SAMPLES
from .test_fetch import Site, article, fetch, manifest, site, static, today

__all__ = ["site"]  # the fixture, imported for its name

GOLD = SAMPLES / "000_872c2db3c34386f9.json"  # 湘潭县商务局 2024


def test_urls_that_are_not_http_are_named_and_the_run_goes_on(site: Site, tmp_path: Path) -> None:
    """They used to fail as 'robots.txt of :// could not be read (…scheme '')'."""
    site.routes["/a.html"] = static(article(""), "text/html; charset=utf-8")
    out = tmp_path / "out"
    result = fetch("-s", "-o", str(out), "not a url", "ftp://example.gov.cn/r.pdf",
                   "http:///r.pdf", site.base + "/a.html")  # fmt: skip
    assert result.exit_code == 1
    for url in ("not a url", "ftp://example.gov.cn/r.pdf", "http:///r.pdf"):
        assert f"Error: {url}: not an http(s) URL\n" in result.output
    assert "\n\nError" not in result.output  # one message a line when silent
    assert manifest(out)[site.base + "/a.html"]["kind"] == "page"


def test_a_fetched_page_that_links_its_report_is_skipped_not_failed(
    site: Site, tmp_path: Path
) -> None:
    """The usual CMS article: no tables of its own, the report as a PDF attachment. Its
    ingest used to fail on the page ('not an annual report'), exit 1, and list the page
    in ingest_errors (the site's 无法解析的文件) for every report fetched."""
    pdf = tmp_path / "report.pdf"
    render_pdf(json.loads(GOLD.read_text(encoding="utf-8")), pdf, random.Random(1))
    site.routes["/art/1.html"] = static(
        article('<a href="/files/report.pdf">附件：年度报告</a>'), "text/html; charset=utf-8"
    )
    site.routes["/files/report.pdf"] = static(pdf.read_bytes(), "application/pdf")
    lone = tmp_path / "lone"  # a page fetched on its own, without attachments
    site.routes["/art/2.html"] = static(article(""), "text/html; charset=utf-8")
    out = tmp_path / "out"
    assert fetch("-s", "-o", str(out), site.base + "/art/1.html").exit_code == 0
    assert fetch("-s", "-o", str(lone), site.base + "/art/2.html").exit_code == 0
    page = manifest(out)[site.base + "/art/1.html"]

    db = tmp_path / "nianbao.db"
    result = CliRunner().invoke(cli, ["ingest", str(db), str(out)])
    assert result.exit_code == 0, result.output
    note = "a fetched page that links its report, not a report itself; skipped"
    assert f"note: {out / page['path']}: {note}\n" in result.output
    assert "1 loaded, 0 unchanged, 0 failed, 1 skipped" in result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from ingest_errors").fetchone() == (0,)
        assert conn.execute(
            "select r.agency, r.new_received, s.url, s.published, s.retrieved"
            " from reports r join sources s on s.id = r.id"
        ).fetchall() == [
            ("湘潭县商务局", 13, site.base + "/files/report.pdf", "2024-01-15", today())
        ]

    # a page that links nothing is still what it was: a file that is not a report
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "lone.db"), str(lone)])
    assert result.exit_code == 1
    assert "not an annual report: none of tables 二, 三, 四 was found" in result.output


def test_a_login_page_where_the_pdf_should_be_is_kept_and_said(site: Site, tmp_path: Path) -> None:
    """A link to a PDF that answers 200 with an HTML login page was saved silently as
    .html; ingest then failed on it with 'not an annual report' and nothing said why."""
    site.routes["/art/1.html"] = static(
        article('<a href="/files/report.pdf">附件</a>'), "text/html; charset=utf-8"
    )
    login = b"<html><head><title>Login</title></head><body>please log in</body></html>"
    site.routes["/files/report.pdf"] = static(login, "text/html")
    out = tmp_path / "out"
    result = fetch("-s", "-o", str(out), site.base + "/art/1.html")
    assert result.exit_code == 0, result.output
    saved = manifest(out)[site.base + "/files/report.pdf"]
    assert (saved["format"], (out / saved["path"]).read_bytes()) == ("html", login)
    assert (
        f"note: {site.base}/files/report.pdf: an HTML page titled 'Login' answered instead of"
        f" the .pdf file; kept as {saved['path']} (linked from {site.base}/art/1.html)\n"
    ) in result.output
