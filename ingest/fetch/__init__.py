"""`nianbao fetch`: download report pages and their attachments, politely, with a manifest.

Entry points: `Fetcher(out_dir, Settings(...)).run(urls)` yields one `Outcome` per URL;
`read_urls(text)` reads a URL list; `provenance_for_files(files)` gives ingest the url /
published / retrieved of fetched files (see `manifest` for the manifest's fields).
"""

from __future__ import annotations

from .http import FetchError, Settings
from .manifest import (
    Manifest,
    ManifestError,
    apply_provenance,
    provenance_for_files,
    read_provenance,
)
from .run import Fetcher, Outcome

DEFAULT_USER_AGENT = (
    "nianbao-fetch/0.1 (open data of government information-disclosure annual reports)"
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "FetchError",
    "Fetcher",
    "Manifest",
    "ManifestError",
    "Outcome",
    "Settings",
    "apply_provenance",
    "provenance_for_files",
    "read_provenance",
    "read_urls",
]


def read_urls(text: str) -> list[str]:
    """The URLs of a URL list: one per line; blank lines and lines starting with '#' skipped."""
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
