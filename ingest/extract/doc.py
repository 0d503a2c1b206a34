"""Word 97–2003 ``.doc`` (and WPS ``.wps`` saved in Word's binary format) → HTML, with wvWare.

wvWare (Debian package ``wv``) converts the Word binary format to HTML with its tables
as tables — merged cells as ``rowspan``/``colspan``, empty cells as empty ``<td>`` —
so the HTML reader turns each row into the parser's pipe row with its blanks in place,
exactly as for a DOCX or a web page.

Chosen by measurement on .doc files LibreOffice wrote from the renderer's DOCX reports
(tests/test_doc.py): antiword dropped the rows of table 三 (vertically merged cells) and
split wrapped cells across lines; catdoc printed cells separated by tabs but broke rows
at every line break inside a cell and garbled some text. wvWare kept every cell.

OLE2 compound files that are not Word documents (Excel, PowerPoint, Works, an .msi) are
refused with that reason, as is a document wvWare cannot read.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import Problem as _Problem

__all__ = ["OLE_MAGIC", "WV_MISSING", "doc_html", "is_word_ole"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream a Word (or WPS-as-Word) binary document keeps its text in, as it is named
# in the compound file's directory (UTF-16LE).
_WORD_STREAM = "WordDocument".encode("utf-16-le")
WV_MISSING = "wvWare is not installed: apt-get install wv"
NOT_WORD_REASON = (
    "an OLE2 file without a Word document stream (Excel, PowerPoint or Works?), not a report"
)
TRUNCATED_REASON = "corrupt .doc: the file ends before its directory (a cut-off download?)"
# wvWare's HTML configuration, shipped with the package.
WV_HTML_CONFIG = "/usr/share/wv/wvHtml.xml"
# Seconds one document may take (wvWare converts a report in a few tens of milliseconds).
TIMEOUT = 60


def is_word_ole(raw: bytes) -> bool:
    """True for an OLE2 compound file holding a ``WordDocument`` stream (.doc, WPS .wps)."""
    return raw.startswith(OLE_MAGIC) and _WORD_STREAM in raw


def _directory_cut_off(raw: bytes) -> bool:
    """Does the compound file end before its first directory sector (header fields
    0x1E sector shift, 0x30 first directory sector; [MS-CFB] 2.2)?"""
    if len(raw) < 0x34:
        return True
    shift = int.from_bytes(raw[0x1E:0x20], "little")
    first = int.from_bytes(raw[0x30:0x34], "little")
    return shift in (9, 12) and len(raw) < ((first + 1) << shift) + 128


def wvware_html(path: str | Path, workdir: str | Path) -> bytes:
    """wvWare's HTML (UTF-8) of the Word file at ``path``; images go to ``workdir``.

    Raises the extract stage's Problem when wvWare is missing, fails or times out.
    """
    exe = shutil.which("wvWare")
    if exe is None or not Path(WV_HTML_CONFIG).exists():
        raise _Problem(WV_MISSING)
    cmd = [exe, "--charset=utf-8", "-x", WV_HTML_CONFIG, "-d", str(workdir), str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, cwd=workdir, check=False)
    except subprocess.TimeoutExpired as exc:
        raise _Problem(f"wvWare took more than {TIMEOUT} s") from exc
    if proc.returncode != 0 or not proc.stdout.strip():
        said = [s for s in proc.stderr.decode("utf-8", "replace").splitlines() if s.strip()]
        detail = said[-1].strip() if said else f"exit status {proc.returncode}"
        raise _Problem(f"corrupt .doc: wvWare cannot read it ({detail})")
    return proc.stdout


def doc_html(raw: bytes) -> bytes:
    """The HTML of a Word binary document (see the module docstring), for the HTML reader.

    Raises the extract stage's Problem for a non-Word OLE2 file, a document wvWare
    cannot read, or a missing wvWare.
    """
    if not is_word_ole(raw):
        raise _Problem(TRUNCATED_REASON if _directory_cut_off(raw) else NOT_WORD_REASON)
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as workdir:
        path = Path(workdir) / "report.doc"
        path.write_bytes(raw)
        return wvware_html(path, workdir)
