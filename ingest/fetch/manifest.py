"""The manifest beside fetched files: one record per file, saying where it came from.

`nianbao fetch` writes `manifest.jsonl` (JSON Lines, UTF-8, one object per line). A
record is appended (and synced) as soon as its file is complete, so a run stopped at any
point leaves a manifest that describes exactly the files that are there; at the end of a
run the file is rewritten with one line per URL. When a URL appears on several lines the
last one counts.

Fields (all strings unless said; empty string when unknown):
  path           the file, relative to the manifest's folder ('/'-separated)
  url            the URL asked for (as given, or as linked from its page)
  final_url      where redirects ended
  published      publication date from the page (YYYY-MM-DD), else ''
  retrieved      the date the bytes were downloaded (YYYY-MM-DD, UTC)
  checked        the last date the server confirmed them unchanged (304), else ''
  kind           'page' (an HTML page asked for) or 'attachment' (a file a page links)
  page           for an attachment: the URL of the page that linked it
  format         'html', 'pdf', 'docx', 'doc', 'wps', 'xls', 'xlsx', 'et', 'txt' …
  readable       true when `nianbao ingest` reads this format, false when the file is kept
                 but not read (spreadsheets)
  note           why a file is not readable, or other remarks
  title          the page's <title> (pages and their attachments)
  size, sha256   of the file (size an integer)
  content_type, etag, last_modified   the server's headers (the last two for conditional GET)

`read_provenance` also reads a hand-made `manifest.csv` (a header row with at least
path and url; published and retrieved optional) for files collected some other way.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .page import normalize_date

MANIFEST_NAMES = ("manifest.jsonl", "manifest.csv")
FIELDS = (
    "path",
    "url",
    "final_url",
    "published",
    "retrieved",
    "checked",
    "kind",
    "page",
    "format",
    "readable",
    "note",
    "title",
    "size",
    "sha256",
    "content_type",
    "etag",
    "last_modified",
)
# What ingest takes from a manifest into the `sources` table.
PROVENANCE_FIELDS = ("url", "published", "retrieved")


class ManifestError(Exception):
    """A manifest that cannot be read; the message names the file and line."""


class Manifest:
    """The fetch manifest of one output folder (`DIR/manifest.jsonl`), keyed by URL."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "manifest.jsonl"
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            for record in _read_jsonl(self.path):
                if record.get("url"):
                    self.entries[str(record["url"])] = record

    def get(self, url: str) -> dict[str, Any] | None:
        """The record for `url` whose file is still on disk, or None."""
        record = self.entries.get(url)
        if record is None or not (self.folder / str(record.get("path", ""))).is_file():
            return None
        return record

    def record(self, entry: dict[str, Any]) -> None:
        """Append one record and sync it to disk (so an interrupted run keeps it)."""
        full = {k: entry.get(k, "") for k in FIELDS}
        self.entries[full["url"]] = full
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(full, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def compact(self) -> None:
        """Rewrite the manifest with one line per URL (atomically: temp file, then rename)."""
        if not self.entries:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for record in self.entries.values():
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    """The records of the fetch's own manifest; a line that is not a JSON object raises
    ManifestError (file and line), except a last line cut short by a kill."""
    for _n, record in _jsonl_lines(path):
        if isinstance(record, ManifestError):
            raise record
        yield record


def _jsonl_lines(path: Path) -> Iterable[tuple[int, dict[str, Any] | ManifestError]]:
    with open(path, encoding="utf-8-sig") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                if not line.endswith("\n"):
                    return  # a last line cut short by a kill: the file it names is redone
                yield n, ManifestError(f"{path}:{n}: not JSON ({e.msg})")
                continue
            if not isinstance(record, dict):
                yield n, ManifestError(f"{path}:{n}: not a JSON object")
                continue
            yield n, record


def _csv_text(path: Path) -> str:
    """A hand-made CSV's text: UTF-8 (with or without BOM), else GB18030 (what Excel on a
    Chinese Windows saves); raises ManifestError when it is neither."""
    raw = path.read_bytes()
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    raise ManifestError(f"{path}: neither UTF-8 nor GB18030 text")


def _csv_rows(path: Path) -> Iterable[tuple[int, dict[str, Any] | ManifestError]]:
    reader = csv.DictReader(io.StringIO(_csv_text(path), newline=""))
    if not reader.fieldnames or "path" not in reader.fieldnames:
        raise ManifestError(f"{path}:1: a manifest.csv needs a header row with a 'path' column")
    width = len(reader.fieldnames)
    for record in reader:
        n = reader.line_num
        if None in record:  # more values than the header has columns: shifted, not guessed
            count = width + len(record[None])
            yield n, ManifestError(f"{path}:{n}: {count} values under {width} columns")
        else:
            yield n, record


def read_provenance(
    manifest_path: Path, notes: list[str] | None = None
) -> dict[str, dict[str, str]]:
    """{absolute resolved file path: {"url", "published", "retrieved"}} from one manifest.

    Reads `manifest.jsonl` or `manifest.csv` (chosen by suffix); paths in it are relative
    to the manifest's folder; dates become YYYY-MM-DD. A fetched page whose attachments
    the manifest lists also gets "attachments" (their count, as text). A row that cannot be used (not
    JSON, too many values, no path, a path that is no file) is skipped, and a date that
    is no calendar date left empty, each with a note naming the file and line appended
    to `notes`; the other rows count. Raises ManifestError (file and line) for a
    manifest that cannot be read at all (a CSV without a 'path' column, or in neither
    UTF-8 nor GB18030).
    """
    rows = (
        _csv_rows(manifest_path) if manifest_path.suffix == ".csv" else _jsonl_lines(manifest_path)
    )
    notes = [] if notes is None else notes
    out: dict[str, dict[str, str]] = {}
    records = list(rows)
    # pages whose attachments this manifest lists (a fetched page that links its report)
    linked = Counter(str(r.get("page") or "") for _, r in records if isinstance(r, dict))
    for n, record in records:
        if isinstance(record, ManifestError):
            notes.append(f"{record}; row skipped")
            continue
        where = f"{manifest_path}:{n}"
        rel = str(record.get("path") or "").strip()
        file = manifest_path.parent / rel
        if not rel or not file.is_file():
            notes.append(f"{where}: {f'no file {rel!r}' if rel else 'no path'}; row skipped")
            continue
        values = {k: str(record.get(k) or "").strip() for k in PROVENANCE_FIELDS}
        for key in ("published", "retrieved"):
            if not values[key]:
                continue
            iso = normalize_date(values[key])
            if iso is None:
                notes.append(f"{where}: {key} {values[key]!r} is not a date; left empty")
            values[key] = iso or ""
        if record.get("kind") == "page" and linked[values["url"]]:
            values["attachments"] = str(linked[values["url"]])
        out[str(file.resolve())] = values
    return out


def provenance_for_files(files: Iterable[str]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Provenance for the files ingest is about to read, from every manifest.jsonl /
    manifest.csv in their folders or those folders' parents (a fetch folder keeps its
    manifest at the top, the files in per-host folders below).

    Returns ({absolute resolved file path: {"url", "published", "retrieved"}}, errors):
    a manifest that cannot be read is skipped and named in `errors` (file and line).
    A manifest nearer the file wins; in one folder, jsonl wins over csv.
    """
    folders: set[Path] = set()
    for f in files:
        folders.update(Path(f).resolve().parents)
    found = [
        folder / name
        for folder in folders
        for name in reversed(MANIFEST_NAMES)
        if (folder / name).is_file()
    ]
    out: dict[str, dict[str, str]] = {}
    errors: list[str] = []
    # shallow folders first, so a nearer manifest overwrites a farther one
    for manifest in sorted(found, key=lambda m: (len(m.parts), m.suffix == ".jsonl")):
        try:
            out.update(read_provenance(manifest, errors))
        except (ManifestError, OSError, UnicodeDecodeError) as e:
            errors.append(f"{manifest}: manifest not read: {e}")
    return out, errors


def apply_provenance(report: dict[str, Any], provenance: dict[str, str] | None) -> None:
    """Fill a canonical report's `source.url`, `published` and `source.retrieved` from
    its manifest record: the manifest's non-empty values win over what the parser read
    from the document itself; empty ones leave the parser's (or null)."""
    if not provenance:
        return  # the report stays exactly as the parser gave it
    source = report.setdefault("source", {})
    source.setdefault("url", None)
    report.setdefault("published", None)
    source.setdefault("retrieved", None)
    if provenance.get("url"):
        source["url"] = provenance["url"]
    if provenance.get("published"):
        report["published"] = provenance["published"]
    if provenance.get("retrieved"):
        source["retrieved"] = provenance["retrieved"]
