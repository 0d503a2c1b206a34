"""The synthetic corpus: written with its truth, deterministic, and parsed back.

Accuracy on a small fixed corpus is pinned at what the parser reaches today; a
miss without a warning (a "silent miss") is a parser bug.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import cli
from ingest.corpus.accuracy import corpus_files, evaluate

N = 60
SEED = 7
TEXT = "tab-cells,pipe-rows,run-together,pdf-text,markdown-ocr,html"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    result = CliRunner().invoke(
        cli,
        [
            "synth",
            str(out),
            "-n",
            str(N),
            "--seed",
            str(SEED),
            "--formats",
            TEXT,
            "--kinds",
            "none",
            "-s",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_files_and_truth_written(corpus: Path) -> None:
    docs = corpus_files(corpus)
    assert len(docs) == N
    for doc in docs:
        truth = json.loads(Path(doc).with_suffix(".truth.json").read_text(encoding="utf-8"))
        assert truth["schema"] == "nianbao.report/2"
        assert truth["agency"] and 2019 <= truth["year"] <= 2025
        assert truth["format"] in ("2019", "2021")
        assert truth["source"]["path"] == str(Path(doc).relative_to(corpus))


def test_same_seed_same_corpus(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "synth",
            str(tmp_path),
            "-n",
            str(N),
            "--seed",
            str(SEED),
            "--formats",
            TEXT,
            "--kinds",
            "none",
            "-s",
            "-j",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    for a in sorted(corpus.rglob("*.*")):
        b = tmp_path / a.relative_to(corpus)
        assert a.read_bytes() == b.read_bytes(), a.name


def test_identities_hold_except_broken_share(corpus: Path) -> None:
    from ingest import validate as checks

    for doc in corpus_files(corpus):
        truth = json.loads(Path(doc).with_suffix(".truth.json").read_text(encoding="utf-8"))
        failed = checks.failed(checks.hard_checks(truth), "hard")
        assert bool(failed) == bool(truth["synthetic"]["broken"]), (doc, failed)


def test_carried_forward_continues(tmp_path: Path) -> None:
    from ingest.corpus.synth import truths

    reports = list(truths(400, 3))
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(reports)
        if a["agency"] == b["agency"] and b["year"] == a["year"] + 1
    ]
    assert len(pairs) > 100
    clean = [(a, b) for a, b in pairs if not (a["synthetic"]["broken"] or b["synthetic"]["broken"])]
    same = sum(
        a["applications"]["carried_forward"]["total"] == b["applications"]["carried_over"]["total"]
        for a, b in clean
    )
    assert same / len(clean) > 0.85


def test_parsing_reproduces_the_truth(corpus: Path) -> None:
    outcomes = evaluate(corpus_files(corpus))
    right = sum(o.status == "exact" for o in outcomes)
    assert right / len(outcomes) >= 0.75, [
        (o.path, o.notes[:2]) for o in outcomes if o.status != "exact"
    ]


def test_no_silent_misses(corpus: Path) -> None:
    outcomes = evaluate(corpus_files(corpus))
    silent = [(o.path, o.notes[:3]) for o in outcomes if o.status == "miss" and not o.warnings]
    errors = [(o.path, o.notes[:1]) for o in outcomes if o.status == "error"]
    assert silent == [] and errors == []


def test_synth_without_reportlab_says_what_to_install(tmp_path: Path) -> None:
    """Without the dev extra (reportlab), one line saying what to install; no traceback."""
    code = (
        "import sys; sys.modules['reportlab'] = None; "  # as if not installed
        "from ingest.cli import cli; cli(['synth', sys.argv[1], '-n', '2'])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "c")], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        "Error: writing PDF reports needs reportlab (a dev extra): pip install 'nianbao[dev]'"
        " (or choose --formats without pdf)\n"
    )
