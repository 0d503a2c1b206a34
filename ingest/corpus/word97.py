"""Word 97–2003 ``.doc`` files for the synthetic corpus, written by LibreOffice.

No maintained Python library writes the Word binary format; LibreOffice (Debian's
``libreoffice-writer-nogui``) does, headless. AbiWord's "doc" export is RTF under a .doc
name, which is not what portals publish. Starting ``soffice`` costs ~1.5 s of CPU, so
the documents are converted in batches: each report is first rendered as an HTML page
(:func:`ingest.corpus.render.render_html`, tables with their spans and ``&nbsp;``
blanks), and one ``soffice --convert-to doc`` call turns a batch into Word files
(~60 ms of CPU each; from a DOCX it took ~330 ms). One conversion runs at a time, in
the background, while the corpus's other documents are rendered.

:class:`DocBatches` is what :func:`ingest.corpus.writer.synth_corpus` uses.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["SOFFICE_MISSING", "DocBatches", "soffice"]

SOFFICE_MISSING = (
    "writing .doc reports needs LibreOffice's soffice: apt-get install"
    " libreoffice-writer-nogui (or make doc-writer), or choose a --mix without doc"
)
# LibreOffice's import filter for an HTML page as a text document (not Writer/Web), and
# its Word 97–2003 export filter.
_IN_FILTER = "HTML (StarWriter)"
_OUT_FILTER = "doc:MS Word 97"
BATCH = 200  # documents per soffice run
TIMEOUT = 1800  # seconds one batch may take


def soffice() -> str | None:
    """The path of LibreOffice's ``soffice``, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


class DocBatches:
    """Collects (HTML rendering, .doc destination) pairs and converts them in batches.

    ``add`` returns the destinations finished since the last call; ``close`` converts
    the rest, waits, and returns them. The HTML sources are deleted once converted.
    Raises RuntimeError naming the file when LibreOffice writes no .doc for it, and
    when soffice is missing (:data:`SOFFICE_MISSING`).
    """

    def __init__(self, staging: Path, batch: int = BATCH) -> None:
        exe = soffice()
        if exe is None:
            raise RuntimeError(SOFFICE_MISSING)
        self.exe = exe
        self.staging = staging
        self.batch = batch
        self.pending: list[tuple[Path, Path]] = []
        self.running: tuple[subprocess.Popen[bytes], Path, list[tuple[Path, Path]]] | None = None
        self.count = 0

    def add(self, source: Path, dest: Path) -> list[str]:
        """Queue one conversion; start a batch when enough are queued and none runs."""
        self.pending.append((source, dest))
        done = self._collect(wait=False)
        if self.running is None and len(self.pending) >= self.batch:
            self._start()
        return done

    def close(self) -> list[str]:
        """Convert everything still queued; the destinations written."""
        done = self._collect(wait=True)
        while self.pending:
            self._start()
            done += self._collect(wait=True)
        shutil.rmtree(self.staging, ignore_errors=True)
        return done

    def _start(self) -> None:
        jobs, self.pending = self.pending[: self.batch], self.pending[self.batch :]
        self.count += 1
        out = self.staging / f"batch-{self.count}"
        out.mkdir(parents=True, exist_ok=True)
        # One user profile for the run: the first start writes it, later ones reuse it.
        profile = (self.staging / "profile").resolve().as_uri()
        cmd = [self.exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
               f"--infilter={_IN_FILTER}", "--convert-to", _OUT_FILTER,
               "--outdir", str(out), *(str(src) for src, _ in jobs)]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.running = (proc, out, jobs)

    def _collect(self, wait: bool) -> list[str]:
        if self.running is None:
            return []
        proc, out, jobs = self.running
        if not wait and proc.poll() is None:
            return []
        try:
            _, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RuntimeError(f"soffice took more than {TIMEOUT} s on {jobs[0][0]} …") from None
        self.running = None
        done = []
        for src, dest in jobs:
            written = out / (src.stem + ".doc")
            if not written.exists():
                said = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise RuntimeError(f"{src}: LibreOffice wrote no .doc ({said[0]})")
            shutil.move(written, dest)
            src.unlink(missing_ok=True)
            done.append(str(dest))
        shutil.rmtree(out, ignore_errors=True)
        return done
