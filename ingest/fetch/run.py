"""Fetch report pages and their attachments into a folder, with a manifest.

For each URL asked for: GET it (conditionally when an earlier run has it); an HTML page
is saved as `.html`, read for its publication date and the attachments it links, and
each attachment is fetched the same way; anything else is saved as it is. Files land in
`DIR/<host>/<hash>_<name>` (the hash of the URL keeps names stable and distinct), written
first to `DIR/.partial/` and renamed when complete. One URL's failure is reported in its
`Outcome` and the run goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from .http import Answer, FetchError, PoliteClient, Settings
from .manifest import Manifest
from .page import ATTACHMENT_SUFFIXES, attachment_suffix, read_page

PARTIAL_DIR = ".partial"
# Formats `nianbao ingest` reads (by suffix of the saved file; Word 97 .doc/.wps with
# wvWare, see extract.doc).
READABLE_FORMATS = frozenset({"html", "txt", "pdf", "docx", "doc", "wps"})
SPREADSHEET_NOTE = "spreadsheet: kept; ingest does not read spreadsheets"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-works": ".wps",
    "application/kswps": ".wps",
    "application/wps-office.wps": ".wps",
}
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass
class Outcome:
    """What became of one URL asked for: the files written or confirmed, and the errors.

    files: manifest records of this URL's page and attachments (new or unchanged);
    downloaded / unchanged: how many files were downloaded / confirmed by 304 or kept;
    errors: one message per failed URL (the page or one of its attachments);
    notes: what is worth a look but did not fail (an HTML page where a file was linked).
    """

    url: str
    files: list[dict[str, Any]] = field(default_factory=list)
    downloaded: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.errors


class Fetcher:
    """Fetches into `out_dir`; `refresh` downloads again files whose server gave no
    ETag/Last-Modified (without it they are kept as they are: nothing to ask conditionally)."""

    def __init__(self, out_dir: Path, settings: Settings, *, refresh: bool = False) -> None:
        self.out_dir = out_dir
        self.settings = settings
        self.refresh = refresh
        self.manifest = Manifest(out_dir)
        self._done: set[str] = set()

    def run(self, urls: list[str]) -> Iterator[Outcome]:
        """Fetch each URL (and its attachments) in turn; one Outcome per URL, in order."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        with PoliteClient(self.settings) as client:
            try:
                for url in urls:
                    outcome = Outcome(url)
                    self._one(client, url, outcome)
                    yield outcome
            finally:
                self.manifest.compact()
                with contextlib.suppress(OSError):
                    (self.out_dir / PARTIAL_DIR).rmdir()  # only when empty

    # --- one URL -------------------------------------------------------------------------

    def _one(self, client: PoliteClient, url: str, outcome: Outcome) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            outcome.errors.append(f"{url}: not an http(s) URL")
            return
        try:
            record = self._get(client, url, outcome, kind="page", page="", published="", title="")
        except FetchError as e:
            outcome.errors.append(str(e))
            return
        if record["format"] != "html":
            return
        raw = (self.out_dir / record["path"]).read_bytes()
        facts = read_page(raw, record["final_url"] or url, _charset(record["content_type"]))
        published = record["published"] or facts.published or ""
        title = record["title"] or facts.title or ""
        if (published, title) != (record["published"], record["title"]):
            record.update(published=published, title=title)
            self.manifest.record(record)
        for link in facts.attachments:
            if link in self._done:
                continue
            try:
                got = self._get(
                    client,
                    link,
                    outcome,
                    kind="attachment",
                    page=url,
                    published=record["published"],
                    title=record["title"],
                )
            except FetchError as e:
                outcome.errors.append(f"{e} (linked from {url})")
                continue
            if got["format"] == "html" and (wanted := attachment_suffix(link)):
                # a login or error page where the file should be (or the report as a web
                # page, which ingest reads): kept, and said
                outcome.notes.append(
                    f"{link}: an HTML page{_titled(self.out_dir / got['path'], link)}"
                    f" answered instead of the {wanted} file; kept as {got['path']}"
                    f" (linked from {url})"
                )

    def _get(
        self,
        client: PoliteClient,
        url: str,
        outcome: Outcome,
        *,
        kind: str,
        page: str,
        published: str,
        title: str,
    ) -> dict[str, Any]:
        self._done.add(url)
        old = self.manifest.get(url)
        if old is not None and not (old.get("etag") or old.get("last_modified")):
            if not self.refresh:
                outcome.unchanged += 1
                outcome.files.append(old)
                return old
            old = None
        key = hashlib.sha256(url.encode()).hexdigest()[:12]
        part = self.out_dir / PARTIAL_DIR / f"{key}.part"
        conditional = None
        if old is not None:
            conditional = {
                "etag": old.get("etag", ""),
                "last_modified": old.get("last_modified", ""),
            }
        answer = client.get(url, part, conditional)
        today = datetime.now(UTC).date().isoformat()
        if answer.status == 304 and old is not None:
            record = dict(old, checked=today)
            self.manifest.record(record)
            outcome.unchanged += 1
            outcome.files.append(record)
            return record
        record = self._place(answer, key, kind=kind, page=page, published=published, title=title)
        record["retrieved"] = today
        self.manifest.record(record)
        outcome.downloaded += 1
        outcome.files.append(record)
        return record

    def _place(
        self, answer: Answer, key: str, *, kind: str, page: str, published: str, title: str
    ) -> dict[str, Any]:
        """Rename the completed download to its final name; its manifest record."""
        assert answer.body_path is not None
        with open(answer.body_path, "rb") as f:
            head = f.read(8)
        content_type = answer.headers.get("content-type", "")
        suffix = _suffix(answer, content_type, head)
        name = _name(answer, suffix)
        host = urlsplit(answer.url).hostname or "unknown-host"
        rel = PurePosixPath(_safe(host)) / f"{key}_{name}"
        target = self.out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(answer.body_path, target)
        fmt = suffix.lstrip(".")
        note = SPREADSHEET_NOTE if fmt in ("xls", "xlsx", "et") else ""
        return {
            "path": str(rel),
            "url": answer.url,
            "final_url": answer.final_url,
            "published": published,
            "checked": "",
            "kind": kind,
            "page": page,
            "format": fmt,
            "readable": fmt in READABLE_FORMATS,
            "note": note,
            "title": title,
            "size": answer.size,
            "sha256": answer.sha256,
            "content_type": content_type,
            "etag": answer.headers.get("etag", ""),
            "last_modified": answer.headers.get("last-modified", ""),
        }


def _titled(path: Path, url: str) -> str:
    """ " titled '…'" for a saved HTML page with a <title>, else ""."""
    title = read_page(path.read_bytes(), url).title
    return f" titled {title!r}" if title else ""


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset\s*=\s*\"?([\w.:-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def _disposition_name(answer: Answer) -> str | None:
    """The file name of a Content-Disposition header (RFC 6266 filename* first)."""
    value = answer.headers.get("content-disposition", "")
    m = re.search(r"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", value, re.I)
    if m:
        return unquote(m.group(2).strip().strip('"'), encoding=m.group(1), errors="replace")
    m = re.search(r'filename\s*=\s*"?([^";]+)"?', value, re.I)
    if m:
        name = m.group(1).strip()
        with contextlib.suppress(UnicodeError):  # servers send UTF-8/GBK bytes as latin-1
            raw = name.encode("latin-1")
            for enc in ("utf-8", "gb18030"):
                with contextlib.suppress(UnicodeError):
                    return unquote(raw.decode(enc))
        return unquote(name)
    return None


def _suffix(answer: Answer, content_type: str, head: bytes) -> str:
    """The saved file's suffix: an HTML page is always .html; else the attachment's own
    suffix (name, URL, link), else the content type, else the magic bytes."""
    mime = content_type.split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return ".html"
    for candidate in (_disposition_name(answer) or "", answer.final_url, answer.url):
        suffix = (
            attachment_suffix(candidate)
            if "://" in candidate
            else PurePosixPath(candidate).suffix.lower()
        )
        if suffix in ATTACHMENT_SUFFIXES:
            return suffix
    if mime in CONTENT_TYPES:
        return CONTENT_TYPES[mime]
    if head.startswith(b"%PDF"):
        return ".pdf"
    if head.startswith(OLE_MAGIC):
        return ".doc"
    return ".bin"


def _name(answer: Answer, suffix: str) -> str:
    base = _disposition_name(answer) or PurePosixPath(unquote(urlsplit(answer.final_url).path)).name
    stem = PurePosixPath(base).stem if base else ""
    stem = _safe(stem)[:60] or "index"
    return stem + suffix


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "_"
