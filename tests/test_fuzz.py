"""The parser never crashes or hangs: any input gives a report or a clean error.

Property tests (hypothesis) over arbitrary text and mutated sample reports: truncated,
shuffled lines, random bytes through the decoder, huge lines, deep HTML nesting. Each
example must finish within TIME_LIMIT seconds (a hang guard, not a benchmark). The
normal run uses few examples; `make stress` runs the @pytest.mark.stress variants.
"""

from __future__ import annotations

import json
import random
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract import ExtractError, decode_bytes, read_document
from ingest.parse import ParseError, parse_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.txt"))
TEXTS = [p.read_text(encoding="utf-8") for p in SAMPLES]
TIME_LIMIT = 2.0
QUICK = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
STRESS_FILES = 1000  # mutated whole files in `make stress`
STRESS = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))

# Characters the parser cares about, so random text reaches its deeper branches.
ALPHABET = st.sampled_from(
    list("0123456789 \t|.,、（）()一二三四五六七八九十总计本年新收申请行政复议诉讼第二十条")
)
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
]
LINE = st.one_of(st.sampled_from(HEADINGS), st.text(ALPHABET, max_size=80))


def parse_guarded(text: str) -> dict[str, Any] | None:
    """parse_text, asserting it returns a report or raises ParseError, in bounded time."""
    start = time.perf_counter()
    try:
        report = parse_text(text, "<fuzz>")
    except ParseError:
        report = None
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_LIMIT, f"parse took {elapsed:.1f}s on {len(text)} chars"
    if report is not None:
        assert isinstance(report["warnings"], list) and isinstance(report["checks"], list)
    return report


@st.composite
def mutated_sample(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(TEXTS)).split("\n")
    how = draw(st.sampled_from(["truncate", "shuffle", "drop", "duplicate", "splice", "digits"]))
    rnd = draw(st.randoms(use_true_random=False))
    if how == "truncate":
        lines = lines[: draw(st.integers(0, len(lines)))]
    elif how == "shuffle":
        lo = draw(st.integers(0, len(lines) - 1))
        part = lines[lo : lo + draw(st.integers(2, 80))]
        rnd.shuffle(part)
        lines[lo : lo + len(part)] = part
    elif how == "drop":
        lines = [line for line in lines if rnd.random() > 0.2]
    elif how == "duplicate":
        lines = [line for line in lines for _ in range(rnd.choice((1, 1, 2)))]
    elif how == "splice":
        at = draw(st.integers(0, len(lines)))
        lines[at:at] = draw(st.lists(LINE, max_size=20))
    else:  # glue numbers together or break them apart
        lines = [line.replace(" ", "") if rnd.random() < 0.3 else line for line in lines]
    return "\n".join(lines)


@QUICK
@given(st.text(max_size=2000))
def test_arbitrary_text(text: str) -> None:
    parse_guarded(text)


@QUICK
@given(st.lists(LINE, max_size=80).map("\n".join))
def test_report_shaped_text(text: str) -> None:
    parse_guarded(text)


@QUICK
@given(mutated_sample())
def test_mutated_samples(text: str) -> None:
    parse_guarded(text)


@QUICK
@given(st.binary(max_size=4000))
def test_random_bytes_through_the_decoder(raw: bytes) -> None:
    try:
        text, _ = decode_bytes(raw)
    except ExtractError:
        return
    parse_guarded(text)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("1" * 20_000, id="digits"),
        pytest.param("一、" * 500_000, id="numbering"),
        pytest.param("（一）" * 300_000, id="parens"),
        pytest.param("本年新收政府信息公开申请数量" + " 1" * 40_000, id="cells"),
        pytest.param("| " * 500_000, id="pipes"),
        pytest.param(
            "三、收到和处理政府信息公开申请情况 " + "12345678901234567890" * 3, id="glued-60"
        ),
    ],
)
def test_huge_lines(line: str) -> None:
    text = TEXTS[0].replace("本年新收", line + "\n本年新收", 1)
    parse_guarded(text)


def test_glued_digits_in_every_table_row_finish_in_time() -> None:
    """Run-together digit rows explode combinatorially; the parser must bound the work."""
    lines = TEXTS[0].split("\n")
    glued = [
        line.replace(" ", "").replace("\t", "") if any(c.isdigit() for c in line) else line
        for line in lines
    ]
    parse_guarded("\n".join(glued))


def test_huge_number_is_a_clean_error() -> None:
    parse_guarded("三、收到和处理政府信息公开申请情况\n本年新收\n" + "1" * 5000)


@pytest.mark.parametrize("depth", [100, 2_000, 50_000])
def test_deep_html_nesting(tmp_path: Path, depth: int) -> None:
    body = (
        "<div>" * depth + "<table><tr><td>本年新收</td><td>1</td></tr></table>" + "</div>" * depth
    )
    path = tmp_path / "deep.html"
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    start = time.perf_counter()
    try:
        doc = read_document(path)
    except ExtractError:
        return
    assert time.perf_counter() - start < TIME_LIMIT * 5
    parse_guarded(doc.text)


@pytest.mark.stress
@STRESS
@given(mutated_sample())
def test_mutated_samples_stress(text: str) -> None:
    parse_guarded(text)


@pytest.mark.stress
@STRESS
@given(st.lists(LINE, max_size=300).map("\n".join))
def test_report_shaped_text_stress(text: str) -> None:
    parse_guarded(text)


@pytest.mark.stress
@STRESS
@given(st.binary(max_size=20_000))
def test_random_bytes_stress(raw: bytes) -> None:
    try:
        text, _ = decode_bytes(raw)
    except ExtractError:
        return
    parse_guarded(text)


# ---------------------------------------------------------------------------
# Whole files: mutated samples and their HTML/DOCX/PDF renderings, each parsed by
# parse_file in a worker process with a per-file time limit (a hang is a failure).
# ---------------------------------------------------------------------------

FILE_LIMIT = 20.0  # seconds per file before the worker is killed: a hang guard
WORKER = r"""
import json, os, resource, sys, time, traceback
resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))
out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)  # anything a library prints goes to stderr, not into the protocol
from ingest.extract import ExtractError
from ingest.parse import ParseError, parse_file
out.write("ready\n")
out.flush()
for line in sys.stdin:
    path = line.rstrip("\n")
    start = time.perf_counter()
    try:
        report = parse_file(path)
        result = {"status": "report", "warnings": len(report["warnings"])}
    except (ExtractError, ParseError) as exc:
        result = {"status": "error", "message": str(exc)[:300], "names_file": path in str(exc)}
    except BaseException as exc:
        text = "".join(traceback.format_exception(exc))
        result = {"status": "crash", "message": text[-3000:]}
    result["seconds"] = time.perf_counter() - start
    out.write(json.dumps(result) + "\n")
    out.flush()
"""


class ParseWorker:
    """parse_file in a child process; a file that takes longer than ``limit`` kills it."""

    def __init__(self, limit: float = FILE_LIMIT) -> None:
        self.limit = limit
        self.proc: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)  # imports, before any clock
        assert ready and proc.stdout.readline() == "ready\n", "parse worker did not start"
        return proc

    def parse(self, path: Path) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = self._start()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        start = time.perf_counter()
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], self.limit)
        line = self.proc.stdout.readline() if ready else ""
        if line:
            return json.loads(line)
        hung = not ready
        self.close()
        elapsed = time.perf_counter() - start
        if hung:
            return {"status": "hang", "message": f"no answer in {elapsed:.0f}s", "seconds": elapsed}
        return {"status": "crash", "message": "worker died", "seconds": elapsed}

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def _lines(raw: bytes) -> list[bytes]:
    return raw.split(b"\n")


def _deep_html(raw: bytes, rnd: random.Random) -> bytes:
    depth = rnd.choice([1_000, 10_000, 100_000])
    tag = rnd.choice([b"div", b"span", b"table><tr><td", b"font", b"b", b"li"])
    close = rnd.random() < 0.5  # unclosed tags half of the time
    opener, closer = b"<" + tag + b">", b"</" + tag.split(b">")[0] + b">"
    at = raw.find(b"<body")
    at = raw.find(b">", at) + 1 if at >= 0 else 0
    end = raw.rfind(b"</body>") if b"</body>" in raw else len(raw)
    return raw[:at] + opener * depth + raw[at:end] + (closer * depth if close else b"") + raw[end:]


def _huge_line(raw: bytes, rnd: random.Random) -> bytes:
    piece = rnd.choice(["1", "一、", "（一）", " 1", "| ", "本年新收", "<td>1</td>", "\u3000", "x"])
    line = (piece * (rnd.randint(200_000, 2_000_000) // len(piece.encode()))).encode()
    lines = _lines(raw)
    lines.insert(rnd.randint(0, len(lines)), line)
    return b"\n".join(lines)


def _docx_xml(raw: bytes, rnd: random.Random) -> bytes:
    """Mutate word/document.xml inside the zip (the zip itself stays valid)."""
    import io
    import zipfile

    try:
        src = zipfile.ZipFile(io.BytesIO(raw))
        entries = [(item, src.read(item)) for item in src.infolist()]
    except Exception:  # an earlier mutation broke the zip: damage its bytes instead
        return _flip(raw, rnd)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for item, data in entries:
            if item.filename == "word/document.xml":
                how = rnd.choice(["truncate", "nest", "bytes", "shuffle"])
                if how == "truncate":
                    data = data[: rnd.randint(0, len(data))]
                elif how == "nest":
                    depth = rnd.choice([1_000, 20_000])
                    body = data.find(b"<w:body>") + len(b"<w:body>")
                    wrap_open = b"<w:tbl><w:tr><w:tc>" * depth
                    wrap_close = b"</w:tc></w:tr></w:tbl>" * depth
                    data = data[:body] + wrap_open + b"<w:p/>" + wrap_close + data[body:]
                elif how == "bytes":
                    data = _flip(data, rnd)
                else:
                    data = b"\n".join(rnd.sample(_lines(data), len(_lines(data))))
            dst.writestr(item, data)
    return buffer.getvalue()


def _flip(raw: bytes, rnd: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rnd.randint(1, max(1, len(data) // 200))):
        if data:
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    return bytes(data)


def _shuffle(raw: bytes, rnd: random.Random, binary: bool) -> bytes:
    if binary:
        chunks = [raw[i : i + 4096] for i in range(0, len(raw), 4096)]
        lo = rnd.randrange(len(chunks))
        part = chunks[lo : lo + rnd.randint(2, 20)]
        rnd.shuffle(part)
        chunks[lo : lo + len(part)] = part
        return b"".join(chunks)
    lines = _lines(raw)
    lo = rnd.randrange(len(lines))
    part = lines[lo : lo + rnd.randint(2, 200)]
    rnd.shuffle(part)
    lines[lo : lo + len(part)] = part
    return b"\n".join(lines)


HEAVY = ("huge-line", "insert-garbage", "deep-nesting", "docx-xml")  # slow ones: stress only


def mutate(raw: bytes, suffix: str, rnd: random.Random, heavy: bool = True) -> tuple[str, bytes]:
    """One mutation of a file's bytes: (what was done, the new bytes)."""
    binary = suffix in (".docx", ".pdf")
    kinds = ["truncate", "shuffle", "random-bytes", "insert-garbage", "huge-line", "drop-lines"]
    if suffix == ".html":
        kinds += ["deep-nesting", "deep-nesting"]
    if suffix == ".docx":
        kinds += ["docx-xml", "docx-xml"]
    if suffix in (".txt", ".html"):
        kinds += ["re-encode", "duplicate-lines"]
    how = rnd.choice([k for k in kinds if heavy or k not in HEAVY])
    if how == "truncate":
        return how, raw[: rnd.randint(0, len(raw))]
    if how == "shuffle":
        return how, _shuffle(raw, rnd, binary)
    if how == "random-bytes":
        return how, _flip(raw, rnd)
    if how == "insert-garbage":
        at = rnd.randint(0, len(raw))
        return how, raw[:at] + rnd.randbytes(rnd.choice([1, 100, 10_000, 1_000_000])) + raw[at:]
    if how == "huge-line":
        return how, _huge_line(raw, rnd)
    if how == "drop-lines":
        return how, b"\n".join(line for line in _lines(raw) if rnd.random() > 0.3)
    if how == "duplicate-lines":
        return how, b"\n".join(line for line in _lines(raw) for _ in range(rnd.choice((1, 1, 3))))
    if how == "deep-nesting":
        return how, _deep_html(raw, rnd)
    if how == "docx-xml":
        return how, _docx_xml(raw, rnd)
    text = raw.decode("utf-8", errors="replace")  # re-encode
    encoding = rnd.choice(["gb18030", "utf-16", "utf-8-sig", "big5"])
    return f"re-encode-{encoding}", text.encode(encoding, errors="replace")


def base_files(folder: Path, samples: list[Path], formats: tuple[str, ...]) -> list[Path]:
    """The samples as text, plus each rendered in ``formats`` (html, docx, pdf)."""
    from ingest.corpus.render import render_file
    from ingest.parse import parse_file

    suffix = {"html": ".html", "docx": ".docx", "pdf": ".pdf"}
    files: list[Path] = []
    for sample in samples:
        files.append(sample)
        report = parse_file(sample)
        for layout in formats:
            path = folder / f"{sample.stem}.{layout}{suffix.get(layout, '.txt')}"
            files.append(render_file(report, layout, path, random.Random(sample.stem)))
    return files


def fuzz_files(
    tmp: Path, bases: list[Path], count: int, seed: int, heavy: bool = True
) -> dict[str, Any]:
    """Parse ``count`` mutated files; every one must give a report or a clean error."""
    rnd = random.Random(seed)
    raws = [(p.suffix, p.read_bytes()) for p in bases]
    stats: dict[str, Any] = {"files": 0, "reports": 0, "errors": 0, "failures": [], "slowest": 0.0}
    formats: dict[str, int] = {}
    keep = Path(tempfile.gettempdir()) / f"nianbao-fuzz-failures-{seed}"  # failing inputs
    shutil.rmtree(keep, ignore_errors=True)
    worker = ParseWorker()
    start = time.perf_counter()
    try:
        for n in range(count):
            suffix, raw = rnd.choice(raws)
            how, data = mutate(raw, suffix, rnd, heavy)
            if rnd.random() < 0.3:  # mutations pile up, as in a badly damaged file
                how2, data = mutate(data, suffix, rnd, heavy)
                how = f"{how}+{how2}"
            path = tmp / f"fuzz{n:05d}{suffix}"
            path.write_bytes(data)
            result = worker.parse(path)
            stats["files"] += 1
            formats[suffix] = formats.get(suffix, 0) + 1
            if result["seconds"] > stats["slowest"]:
                stats["slowest"], stats["slowest_file"] = result["seconds"], f"{suffix} {how}"
            status = result["status"]
            if status == "report":
                stats["reports"] += 1
            elif status == "error" and result["names_file"]:
                stats["errors"] += 1
            else:
                keep.mkdir(exist_ok=True)
                shutil.copy(path, keep / path.name)
                stats["failures"].append(f"{keep / path.name} ({how}): {status}: {result}")
            path.unlink()
    finally:
        worker.close()
    stats["seconds"] = time.perf_counter() - start
    stats["formats"] = ", ".join(f"{n} {suffix}" for suffix, n in sorted(formats.items()))
    return stats


def fuzz_summary(stats: dict[str, Any]) -> str:
    return (
        f"FUZZ RESULTS: {stats['files']} files fuzzed ({stats['formats']}) "
        f"in {stats['seconds']:.0f}s: "
        f"{stats['reports']} reports, {stats['errors']} clean errors naming the file, "
        f"{len(stats['failures'])} failures; slowest file {stats['slowest']:.2f}s "
        f"({stats.get('slowest_file')}; limit {FILE_LIMIT:.0f}s)"
    )


@pytest.mark.parametrize("cell", [" 1", " -"], ids=["numbers", "blank-marks"])
def test_line_of_many_cells_parses_in_linear_time(cell: str) -> None:
    """A 400,000-cell line parses in bounded CPU time (a quadratic reader takes minutes).

    Blank marks too: a row's padding blanks were once dropped from the list's head one
    at a time (about 15 s for this line). Process CPU time, not wall time: a busy
    machine (CI neighbours, -n 2) does not fail it."""
    lines = TEXTS[0].split("\n")
    lines.insert(len(lines) // 3, cell * 400_000)
    start = time.process_time()
    try:
        report = parse_text("\n".join(lines))
    except ParseError:
        report = None
    seconds = time.process_time() - start
    assert seconds < 6.0, seconds
    assert report is None or report["applications"] is not None, report["year"]


def test_mutated_files_quick(tmp_path: Path) -> None:
    bases = base_files(tmp_path, SAMPLES[:1], ("html", "pdf"))
    stats = fuzz_files(tmp_path, bases, count=24, seed=1, heavy=False)
    assert stats["failures"] == [], stats["failures"]
    assert stats["files"] == 24


@pytest.mark.stress
def test_mutated_files_stress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bases = base_files(tmp_path, SAMPLES, ("html", "docx", "pdf", "run-together", "pdf-text"))
    stats = fuzz_files(tmp_path, bases, count=STRESS_FILES, seed=2024)
    with capsys.disabled():
        print(f"\n{fuzz_summary(stats)}")
    assert stats["failures"] == [], stats["failures"][:10]
