"""`nianbao fetch` against a real HTTP server on 127.0.0.1 started by each test (stdlib
http.server in a thread). Nothing here touches the internet."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ingest.cli import cli
from ingest.fetch.page import attachment_suffix, normalize_date, read_page

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n" + b"x" * 3000 + b"\n%%EOF\n"
OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1500
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    """Answers from the server's route table and logs every request (path, headers)."""

    server: Site

    def do_GET(self) -> None:
        self.server.log.append((self.path, dict(self.headers)))
        self.server.times.append(time.monotonic())
        route = self.server.routes.get(self.path)
        if route is None:
            self.send(404, b"not found", "text/plain")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def send(self, status: int, body: bytes, ctype: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes: dict[str, Route] = {
            "/robots.txt": static(b"User-agent: *\nDisallow:\n", "text/plain")
        }
        self.log: list[tuple[str, dict[str, str]]] = []
        self.times: list[float] = []  # when each request arrived

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.log if p == path]


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def static(body: bytes, ctype: str, **headers: str) -> Route:
    return lambda h: h.send(200, body, ctype, **headers)


def cacheable(body: bytes, ctype: str, etag: str, **headers: str) -> Route:
    """A file served with an ETag and Last-Modified; 304 when the client sends them back."""

    def route(h: Handler) -> None:
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        h.send(200, body, ctype, ETag=etag, Last_Modified=LAST_MODIFIED, **headers)

    return route


def article(links: str, charset: str = "utf-8") -> bytes:
    """A CMS article page (政府网站 metadata in <meta>, 发布时间 in the text) with links."""
    return f"""<!DOCTYPE html><html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="SiteName" content="某市人民政府"><meta name="PubDate" content="2024-01-15 09:30">
<title>某市人民政府办公室2023年政府信息公开工作年度报告</title></head>
<body><div class="info">发布时间：2024-01-16　来源：市政府办公室</div>
<div class="content"><p>本报告根据《中华人民共和国政府信息公开条例》编制。</p>
{links}</div></body></html>""".encode(charset)


def fetch(*args: str) -> Any:
    return CliRunner().invoke(cli, ["fetch", "--delay", "0", "--backoff", "0.01", *args])


def manifest(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    return {r["url"]: r for r in records}


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_article_page_with_attachments(site: Site, tmp_path: Path) -> None:
    """A GBK page: saved as .html, its 发布时间 and attachments (PDF via a CMS download
    script with a Chinese Content-Disposition name, Word 97 DOC and WPS, XLS) all kept."""
    page_bytes = article(
        '<a href="/module/download/downfile.jsp?classid=0&amp;filename=2401150930.pdf">附件：年度报告.pdf</a>'
        '<a href="../../../../files/report.doc">年度报告（DOC）</a>'
        f'<a href="{site.base}/files/report.wps#page=1">WPS 版</a>'
        '<a href="/files/tables.xls">统计表</a>'
        '<a href="/art/2024/1/14/art_1_99.html">上一篇</a>',
        charset="gb2312",
    )
    site.routes["/art/2024/1/15/art_1_100.html"] = static(page_bytes, "text/html")
    site.routes["/module/download/downfile.jsp?classid=0&filename=2401150930.pdf"] = static(
        PDF,
        "application/octet-stream",
        Content_Disposition="attachment; filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf",
    )
    site.routes["/files/report.doc"] = static(OLE_DOC, "application/msword")
    site.routes["/files/report.wps"] = static(OLE_DOC, "application/octet-stream")
    site.routes["/files/tables.xls"] = static(OLE_DOC, "application/vnd.ms-excel")
    out = tmp_path / "out"
    page_url = site.base + "/art/2024/1/15/art_1_100.html"
    result = fetch("-o", str(out), page_url)
    assert result.exit_code == 0, result.output
    assert "5 downloaded, 0 unchanged, 0 of 1 URLs with errors" in result.output

    records = manifest(out)
    page = records[page_url]
    assert page["kind"] == "page" and page["format"] == "html" and page["readable"] is True
    assert page["published"] == "2024-01-15"  # the PubDate meta tag before the text's date
    assert page["retrieved"] == today()
    assert page["title"] == "某市人民政府办公室2023年政府信息公开工作年度报告"
    assert page["path"].endswith("_art_1_100.html")
    assert (out / page["path"]).read_bytes() == page_bytes
    pdf = records[site.base + "/module/download/downfile.jsp?classid=0&filename=2401150930.pdf"]
    assert pdf["path"].endswith("_年度报告.pdf")
    assert (out / pdf["path"]).read_bytes() == PDF
    assert (pdf["kind"], pdf["page"], pdf["published"], pdf["retrieved"]) == (
        "attachment",
        page_url,
        "2024-01-15",
        today(),
    )
    assert pdf["readable"] is True and pdf["size"] == len(PDF)
    doc = records[site.base + "/files/report.doc"]
    wps = records[site.base + "/files/report.wps"]  # the #page=1 fragment dropped
    xls = records[site.base + "/files/tables.xls"]
    for record, fmt in ((doc, "doc"), (wps, "wps"), (xls, "xls")):
        assert record["format"] == fmt and record["readable"] is (fmt != "xls")
        assert (out / record["path"]).read_bytes() == OLE_DOC
    # ingest reads Word 97 .doc/.wps (wvWare); spreadsheets are kept, not read
    assert (doc["note"], wps["note"]) == ("", "")
    assert xls["note"] == "spreadsheet: kept; ingest does not read spreadsheets"
    # the link to the previous article is not an attachment: not fetched
    assert site.hits("/art/2024/1/14/art_1_99.html") == []
    # robots.txt read once for the host; our user agent sent
    assert len(site.hits("/robots.txt")) == 1
    assert all(h["User-Agent"].startswith("nianbao-fetch/") for _, h in site.log)
    assert not (out / ".partial").exists()


@pytest.mark.parametrize(
    ("robots", "delay", "gap"), [("", "0.3", 0.3), ("Crawl-delay: 0.5\n", "0.1", 0.5)]
)
def test_requests_to_a_host_wait_their_turn(
    site: Site, tmp_path: Path, robots: str, delay: str, gap: float
) -> None:
    """--delay seconds between two requests to a host, or its robots.txt Crawl-delay."""
    site.routes["/robots.txt"] = static(
        f"User-agent: *\n{robots}Disallow:\n".encode(), "text/plain"
    )
    for name in ("a", "b", "c"):
        site.routes[f"/{name}.pdf"] = static(PDF, "application/pdf")
    urls = [f"{site.base}/{name}.pdf" for name in ("a", "b", "c")]
    result = CliRunner().invoke(
        cli, ["fetch", "--delay", delay, "-o", str(tmp_path / "out"), *urls]
    )
    assert result.exit_code == 0, result.output
    assert [p for p, _ in site.log] == ["/robots.txt", "/a.pdf", "/b.pdf", "/c.pdf"]
    gaps = [b - a for a, b in zip(site.times[1:], site.times[2:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= gap - 0.02, gaps


def test_404_is_reported_and_the_run_goes_on(site: Site, tmp_path: Path) -> None:
    site.routes["/ok.pdf"] = static(PDF, "application/pdf")
    out = tmp_path / "out"
    result = fetch("-o", str(out), site.base + "/gone.html", site.base + "/ok.pdf")
    assert result.exit_code == 1
    assert f"Error: {site.base}/gone.html: HTTP 404 Not Found" in result.output
    assert "1 downloaded, 0 unchanged, 1 of 2 URLs with errors" in result.output
    assert list(manifest(out)) == [site.base + "/ok.pdf"]
    assert len(site.hits("/gone.html")) == 1  # a 4xx is not retried


def test_slow_response_times_out_retries_and_fails(site: Site, tmp_path: Path) -> None:
    def slow(h: Handler) -> None:
        time.sleep(1.5)
        h.send(200, PDF, "application/pdf")

    site.routes["/slow.pdf"] = slow
    site.routes["/fast.pdf"] = static(PDF, "application/pdf")
    out = tmp_path / "out"
    result = fetch(
        "--timeout",
        "0.3",
        "--retries",
        "2",
        "-o",
        str(out),
        site.base + "/slow.pdf",
        site.base + "/fast.pdf",
    )
    assert result.exit_code == 1
    assert (
        f"{site.base}/slow.pdf: timed out (ReadTimeout) (gave up after 3 attempts)" in result.output
    )
    assert len(site.hits("/slow.pdf")) == 3
    assert list(manifest(out)) == [site.base + "/fast.pdf"]
    assert not list(out.rglob("*.part"))


def test_redirect_is_followed_and_recorded(site: Site, tmp_path: Path) -> None:
    def moved(h: Handler) -> None:
        h.send(301, b"", "text/plain", Location="/new/report.pdf")

    site.routes["/old/report.pdf"] = moved
    site.routes["/new/report.pdf"] = static(PDF, "application/pdf")
    out = tmp_path / "out"
    result = fetch("-o", str(out), site.base + "/old/report.pdf")
    assert result.exit_code == 0, result.output
    record = manifest(out)[site.base + "/old/report.pdf"]
    assert record["final_url"] == site.base + "/new/report.pdf"
    assert (out / record["path"]).read_bytes() == PDF


def test_robots_txt_forbids_paths_and_redirects_into_them(site: Site, tmp_path: Path) -> None:
    """Protego's longest-match and wildcard rules: /private/ is closed except one file,
    and *.xls anywhere is closed; a redirect into a closed path is refused too."""
    site.routes["/robots.txt"] = static(
        b"User-agent: *\nDisallow: /private/\nAllow: /private/open.pdf\nDisallow: /*.xls$\n",
        "text/plain",
    )
    site.routes["/private/secret.pdf"] = static(PDF, "application/pdf")
    site.routes["/private/open.pdf"] = static(PDF, "application/pdf")
    site.routes["/data/t.xls"] = static(OLE_DOC, "application/vnd.ms-excel")
    site.routes["/jump"] = lambda h: h.send(302, b"", "text/plain", Location="/private/secret.pdf")
    site.routes["/page.html"] = static(
        article(
            '<a href="/private/secret.pdf">a.pdf</a><a href="/private/open.pdf">b</a><a href="/data/t.xls">c</a>'
        ),
        "text/html; charset=utf-8",
    )
    out = tmp_path / "out"
    result = fetch("-o", str(out), site.base + "/page.html", site.base + "/jump")
    assert result.exit_code == 1
    forbidden = f"forbidden by {site.base}/robots.txt for user agent"
    assert f"{site.base}/private/secret.pdf: {forbidden}" in result.output
    assert f"{site.base}/data/t.xls: {forbidden}" in result.output
    assert "(linked from " + site.base + "/page.html)" in result.output
    assert site.hits("/private/secret.pdf") == [] and site.hits("/data/t.xls") == []
    assert len(site.hits("/jump")) == 1
    assert set(manifest(out)) == {site.base + "/page.html", site.base + "/private/open.pdf"}


def test_unreachable_robots_txt_means_nothing_is_fetched(site: Site, tmp_path: Path) -> None:
    site.routes["/robots.txt"] = lambda h: h.send(500, b"oops", "text/plain")
    site.routes["/a.pdf"] = static(PDF, "application/pdf")
    result = fetch("--retries", "1", "-o", str(tmp_path / "out"), site.base + "/a.pdf")
    assert result.exit_code == 1
    assert "robots.txt of " + site.base + " could not be read (HTTP 500" in result.output
    assert site.hits("/a.pdf") == []
    assert len(site.hits("/robots.txt")) == 2  # a 5xx robots.txt is retried like any 5xx


def test_5xx_that_recovers_is_retried(site: Site, tmp_path: Path) -> None:
    answers = iter([503, 502])

    def flaky(h: Handler) -> None:
        status = next(answers, 200)
        if status != 200:
            h.send(status, b"busy", "text/plain", Retry_After="0")
        else:
            h.send(200, PDF, "application/pdf")

    site.routes["/flaky.pdf"] = flaky
    out = tmp_path / "out"
    result = fetch("--retries", "3", "-o", str(out), site.base + "/flaky.pdf")
    assert result.exit_code == 0, result.output
    assert len(site.hits("/flaky.pdf")) == 3
    assert (out / manifest(out)[site.base + "/flaky.pdf"]["path"]).read_bytes() == PDF


def test_rerun_sends_conditional_headers_and_keeps_files_on_304(site: Site, tmp_path: Path) -> None:
    site.routes["/p.html"] = cacheable(
        article('<a href="/r.pdf">报告.pdf</a>'), "text/html; charset=utf-8", '"p1"'
    )
    site.routes["/r.pdf"] = cacheable(PDF, "application/pdf", '"r1"')
    out = tmp_path / "out"
    first = fetch("-o", str(out), site.base + "/p.html")
    assert "2 downloaded, 0 unchanged" in first.output, first.output
    before = manifest(out)
    pdf_path = out / before[site.base + "/r.pdf"]["path"]
    mtime = pdf_path.stat().st_mtime_ns

    second = fetch("-o", str(out), site.base + "/p.html")
    assert second.exit_code == 0, second.output
    assert "0 downloaded, 2 unchanged" in second.output
    for path, etag in (("/p.html", '"p1"'), ("/r.pdf", '"r1"')):
        sent = site.hits(path)[-1]
        assert sent["If-None-Match"] == etag
        assert sent["If-Modified-Since"] == LAST_MODIFIED
    after = manifest(out)
    assert after[site.base + "/r.pdf"]["retrieved"] == before[site.base + "/r.pdf"]["retrieved"]
    assert after[site.base + "/r.pdf"]["checked"] == today()
    assert pdf_path.stat().st_mtime_ns == mtime
    # the manifest is compacted: one line per URL
    assert len((out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_oversize_files_are_refused(site: Site, tmp_path: Path) -> None:
    big = b"%PDF-1.4\n" + b"0" * 5000

    def chunked(h: Handler) -> None:  # no Content-Length: the limit is found while reading
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(big)

    site.routes["/declared.pdf"] = static(big, "application/pdf")
    site.routes["/undeclared.pdf"] = chunked
    site.routes["/small.pdf"] = static(b"%PDF-1.4 ok", "application/pdf")
    out = tmp_path / "out"
    limit_mb = str(2000 / 1024 / 1024)
    urls = [site.base + p for p in ("/declared.pdf", "/undeclared.pdf", "/small.pdf")]
    result = fetch("--max-size", limit_mb, "-o", str(out), *urls)
    assert result.exit_code == 1
    assert f"{urls[0]}: 5,009 bytes is over the size limit of 2,000 bytes" in result.output
    assert f"{urls[1]}: more than 2,000 bytes (the size limit); stopped" in result.output
    assert list(manifest(out)) == [urls[2]]
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["127.0.0.1/" + manifest(out)[urls[2]]["path"].split("/")[-1], "manifest.jsonl"]


def test_interrupted_run_resumes_without_downloading_again(site: Site, tmp_path: Path) -> None:
    """A run killed (SIGKILL) in the middle of a download leaves the finished files and
    their manifest lines, and a .part file; the re-run finishes the job, downloading
    only what was not complete (the finished file gets a conditional GET and a 304)."""
    release = threading.Event()
    half = b"%PDF-1.4\n" + b"1" * 20000

    def stalls_first_time(h: Handler) -> None:
        if release.is_set():
            h.send(200, half * 2, "application/pdf")
            return
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Content-Length", str(len(half) * 2))
        h.end_headers()
        h.wfile.write(half)
        h.wfile.flush()
        release.wait(90)

    site.routes["/p.html"] = static(
        article('<a href="/a.pdf">a.pdf</a><a href="/b.pdf">b.pdf</a>'), "text/html; charset=utf-8"
    )
    site.routes["/a.pdf"] = cacheable(PDF, "application/pdf", '"a1"')
    site.routes["/b.pdf"] = stalls_first_time
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ingest.cli import cli; cli()",
            "fetch",
            "--delay",
            "0",
            "-s",
            "-o",
            str(out),
            site.base + "/p.html",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90  # a loaded machine starts Python slowly
        b_part = (
            out
            / ".partial"
            / (hashlib.sha256(f"{site.base}/b.pdf".encode()).hexdigest()[:12] + ".part")
        )
        while not (b_part.exists() and b_part.stat().st_size > 0):
            assert time.monotonic() < deadline, "the download of b.pdf never started"
            assert proc.poll() is None, "fetch ended before it was interrupted"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
    interrupted = manifest(out)
    assert set(interrupted) == {site.base + "/p.html", site.base + "/a.pdf"}
    assert list(out.rglob("*.part")) == [b_part]
    assert not [p for p in out.rglob("*b.pdf")]

    result = fetch("-o", str(out), site.base + "/p.html")
    assert result.exit_code == 0, result.output
    records = manifest(out)
    assert (out / records[site.base + "/b.pdf"]["path"]).read_bytes() == half * 2
    assert (out / records[site.base + "/a.pdf"]["path"]).read_bytes() == PDF
    assert len(site.hits("/a.pdf")) == 2 and site.hits("/a.pdf")[-1]["If-None-Match"] == '"a1"'
    assert "1 downloaded, 2 unchanged" in result.output  # b; page and a confirmed
    assert not list(out.rglob("*.part"))


def test_urls_from_a_file_and_a_usage_error(site: Site, tmp_path: Path) -> None:
    site.routes["/a.pdf"] = static(PDF, "application/pdf")
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# reports\n\n{site.base}/a.pdf\n{site.base}/a.pdf\n", encoding="utf-8")
    out = tmp_path / "out"
    result = fetch("-s", "-i", str(listing), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert list(manifest(out)) == [site.base + "/a.pdf"]
    assert len(site.hits("/a.pdf")) == 1
    missing = fetch("-o", str(out))
    assert missing.exit_code == 2 and "give URLs, or -i FILE" in missing.output


@pytest.mark.parametrize(
    ("html", "published"),
    [
        ('<meta name="PubDate" content="2024-01-15 09:30">', "2024-01-15"),
        (
            '<meta property="article:published_time" content="2023-12-31T08:00:00+08:00">',
            "2023-12-31",
        ),
        ("<p>发布日期：2024年1月5日</p>", "2024-01-05"),
        ("<p>公开日期: 2024/02/03</p>", "2024-02-03"),
        ("<span>发布时间：[2024.3.9]</span>", "2024-03-09"),
        ("<p>成文日期：2024-01-02</p>", None),  # the signing date is not the publication date
        ("<p>发布时间：2024-02-30</p>", None),  # not a calendar date
    ],
)
def test_published_date_from_the_page(html: str, published: str | None) -> None:
    raw = f"<html><head>{html if 'meta' in html else ''}</head><body>{'' if 'meta' in html else html}</body></html>"
    assert read_page(raw.encode(), "http://x.gov.cn/a.html").published == published


def test_attachment_links_are_recognized() -> None:
    assert attachment_suffix("http://x/down.jsp?id=1&filename=%E6%8A%A5%E5%91%8A.PDF") == ".pdf"
    assert attachment_suffix("http://x/getfile?id=9", "2023年度报告.docx") == ".docx"
    assert attachment_suffix("http://x/art/1.html", "2023年度报告") is None
    assert normalize_date("2024年12月1日 10:00") == "2024-12-01"


async def test_fetched_folder_ingests_with_url_and_dates(site: Site, tmp_path: Path) -> None:
    """A CMS page printing a report in HTML and linking its Word copy: fetched, ingested;
    the sources table, the report page (原文链接, 发布日期, 获取日期) and the report JSON
    carry the original URL and the dates."""
    from datasette.app import Datasette

    from ingest.corpus.render import render_docx, render_html
    from ingest.pipeline import parse_one
    from tests.conftest import SAMPLES, load_metadata

    report = parse_one(str(SAMPLES / "000_872c2db3c34386f9.txt"))["report"]
    page = render_html(report).replace(
        "</head>", '<meta name="PubDate" content="2024-01-20 10:00"></head>'
    )
    page = page.replace(
        "</body>", '<p>附件：<a href="/dl?file=nb2023.docx">年度报告.docx</a></p></body>'
    )
    docx = tmp_path / "src.docx"
    render_docx(report, docx)
    site.routes["/art/2024/1/20/art_9_1.html"] = static(page.encode(), "text/html; charset=utf-8")
    site.routes["/dl?file=nb2023.docx"] = static(docx.read_bytes(), "application/octet-stream")
    out = tmp_path / "fetched"
    page_url, docx_url = (
        site.base + "/art/2024/1/20/art_9_1.html",
        site.base + "/dl?file=nb2023.docx",
    )
    assert fetch("-s", "-o", str(out), page_url).exit_code == 0
    db_path = tmp_path / "nianbao.db"
    result = CliRunner().invoke(cli, ["ingest", "-s", str(db_path), str(out)])
    assert result.exit_code == 0, result.output

    ds = Datasette(
        [str(db_path)],
        metadata=load_metadata(),
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
    )
    sources = (
        await ds.client.get(
            "/nianbao/sources.json?_shape=array&_col=url&_col=published&_col=retrieved&_col=kind"
        )
    ).json()
    assert sorted((s["kind"], s["url"], s["published"], s["retrieved"]) for s in sources) == [
        ("docx", docx_url, "2024-01-20", today()),
        ("html", page_url, "2024-01-20", today()),
    ]
    reports = (
        await ds.client.get("/nianbao/reports.json?_shape=array&_col=id&_col=source_id")
    ).json()
    assert reports
    for r in reports:
        body = (await ds.client.get(f"/report/{r['id']}")).text
        assert "原文链接" in body and "发布日期" in body and "获取日期" in body
        assert f'href="{page_url}"' in body or f'href="{docx_url}"' in body
        assert "2024-01-20" in body and today() in body
        canonical = (await ds.client.get(f"/report/{r['id']}.json")).json()
        assert canonical["source"]["url"] in (page_url, docx_url)
        assert canonical["published"] == "2024-01-20"
        assert canonical["source"]["retrieved"] == today()
    # `nianbao parse --json` of a fetched file says the same as the site
    docx_file = next(out.rglob("*.docx"))
    parsed = json.loads(CliRunner().invoke(cli, ["parse", "--json", str(docx_file)]).stdout)
    assert (parsed["source"]["url"], parsed["published"], parsed["source"]["retrieved"]) == (
        docx_url,
        "2024-01-20",
        today(),
    )


def test_hand_made_manifest_csv_and_an_unchanged_rerun(tmp_path: Path) -> None:
    """Files collected by hand with a manifest.csv: the url/published/retrieved reach the
    sources table; a manifest line added later reaches an already-loaded, unchanged file."""
    import sqlite3

    from tests.conftest import SAMPLES

    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("000_872c2db3c34386f9.txt", "001_8baf80acad458d1f.txt"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    (folder / "manifest.csv").write_text(
        "path,url,published,retrieved\n000_872c2db3c34386f9.txt,https://www.example.gov.cn/a.html,2024-01-31,2024-03-01\n",
        encoding="utf-8",
    )
    db_path = tmp_path / "nianbao.db"
    assert CliRunner().invoke(cli, ["ingest", "-s", str(db_path), str(folder)]).exit_code == 0

    def rows() -> list[tuple[Any, ...]]:
        with sqlite3.connect(db_path) as conn:
            return conn.execute(
                "select substr(path, -24), url, published, retrieved from sources order by path"
            ).fetchall()

    assert rows() == [
        (
            "000_872c2db3c34386f9.txt",
            "https://www.example.gov.cn/a.html",
            "2024-01-31",
            "2024-03-01",
        ),
        ("001_8baf80acad458d1f.txt", None, None, None),
    ]
    with (folder / "manifest.csv").open("a", encoding="utf-8") as f:
        f.write("001_8baf80acad458d1f.txt,https://www.example.gov.cn/b.pdf,,2024-03-02\n")
    again = CliRunner().invoke(cli, ["ingest", str(db_path), str(folder)])
    assert again.exit_code == 0, again.output
    assert "0 loaded, 2 unchanged" in again.output
    assert rows()[1] == (
        "001_8baf80acad458d1f.txt",
        "https://www.example.gov.cn/b.pdf",
        None,
        "2024-03-02",
    )


def test_a_broken_manifest_is_named_and_the_files_still_load(tmp_path: Path) -> None:
    from tests.conftest import SAMPLES

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "r.txt").write_bytes((SAMPLES / "000_872c2db3c34386f9.txt").read_bytes())
    (folder / "manifest.jsonl").write_text(
        '{"path": "r.txt", "url": "x"}\nnot json\n{"path": "q"}\n', encoding="utf-8"
    )
    db_path = tmp_path / "nianbao.db"
    result = CliRunner().invoke(cli, ["ingest", str(db_path), str(folder)])
    assert result.exit_code == 0, result.output
    manifest = folder / "manifest.jsonl"
    # each bad line is named and skipped; the good line before it still counts
    assert f"note: {manifest}:2: not JSON (Expecting value); row skipped\n" in result.output
    assert f"note: {manifest}:3: no file 'q'; row skipped\n" in result.output
    assert "1 loaded" in result.output
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select url from sources").fetchall() == [("x",)]
