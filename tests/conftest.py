"""Shared site fixtures: one sample database per session, and a Datasette over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from ingest.cli import cli
from scripts.chromium import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
# The shared test material (real reports, their sources and gold, field cases) lives in
# ../shared beside the repository and is never committed; tests that need it carry the
# one marker below and skip, saying why, in a clone without it.
SHARED = ROOT.parent / "shared"
HUAIAN = ("huaian_hongzequ_2023.pdf.txt", "huaian_hongzequ_2024.pdf.txt", "huaian_shi_2024.pdf.txt")
HAS_SHARED = all((SHARED / "reports" / name).exists() for name in HUAIAN) and all(
    (SHARED / d).is_dir() for d in ("spec/gold", "sources")
)
NO_SHARED = f"needs the shared test material at {SHARED} (clone it as ../shared beside the repo)"
NO_SHARED_REASON = NO_SHARED
needs_shared = pytest.mark.skipif(not HAS_SHARED, reason=NO_SHARED)


def sample_paths() -> list[str]:
    """The five bundled samples, plus the three Huai'an reports when ../shared exists."""
    paths = [str(SAMPLES)]
    if HAS_SHARED:
        paths += [str(SHARED / "reports" / name) for name in HUAIAN]
    return paths


def build_db(path: Path) -> Path:
    result = CliRunner().invoke(cli, ["ingest", str(path), "--silent", *sample_paths()])
    assert result.exit_code == 0, result.output
    return path


def load_metadata() -> dict[str, Any]:
    with (ROOT / "metadata.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """nianbao.db built from the samples (the database name the metadata uses)."""
    return build_db(tmp_path_factory.mktemp("site") / "nianbao.db")


@pytest.fixture(scope="module")
def datasette_app(sample_db: Path) -> Datasette:
    return Datasette(
        [str(sample_db)],
        metadata=load_metadata(),
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
        static_mounts=[("static", str(ROOT / "static"))],
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's headless chromium through Playwright, with the project's flags
    (scripts/chromium.py); the test skips, saying how to install it, where it is absent."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install chromium, or make browser)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
