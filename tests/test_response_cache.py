"""The in-process response cache of plugins/cache_headers.py on an immutable database."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from datasette.app import Datasette

from .conftest import ROOT, load_metadata

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def immutable_app(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Datasette:
    inspect = tmp_path_factory.mktemp("inspect") / "inspect.json"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "datasette"),  # the running environment's
            "inspect",
            str(sample_db),
            "--inspect-file",
            str(inspect),
        ],
        check=True,
    )
    return Datasette(
        immutables=[str(sample_db)],
        inspect_data=json.loads(inspect.read_text()),
        metadata=load_metadata(),
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
        static_mounts=[("static", str(ROOT / "static"))],
    )


async def _get(app: Datasette, path: str, **headers: str) -> tuple[httpx.Response, httpx.Response]:
    transport = httpx.ASGITransport(app=app.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
        # One ASGI app (and cache) per client: ask twice on the same one.
        first = await client.get(path, headers=headers)
        second = await client.get(path, headers=headers)
    return first, second


def test_a_repeated_page_is_served_from_the_cache_byte_for_byte(immutable_app: Datasette) -> None:
    first, second = asyncio.run(_get(immutable_app, "/nianbao/reports?_facet=year"))
    assert first.status_code == second.status_code == 200
    assert "x-nianbao-cache" not in first.headers
    assert second.headers["x-nianbao-cache"] == "hit"
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"] == first.headers["cache-control"]


def test_errors_are_not_cached(immutable_app: Datasette) -> None:
    first, second = asyncio.run(_get(immutable_app, "/nianbao/no_such_table"))
    assert first.status_code == second.status_code == 404
    assert "x-nianbao-cache" not in second.headers


def test_requests_with_cookies_bypass_the_cache(immutable_app: Datasette) -> None:
    first, second = asyncio.run(_get(immutable_app, "/nianbao/reports", cookie="ds_actor=x"))
    assert first.status_code == 200
    assert "x-nianbao-cache" not in second.headers


def test_cache_is_bounded_in_bytes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "cache_headers", ROOT / "plugins" / "cache_headers.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cache = module.ResponseCache(max_bytes=1000, max_entry=400)
    for i in range(10):
        cache.put(f"k{i}".encode(), 200, [], b"x" * 300)
    assert cache.size <= 1000
    assert cache.get(b"k9") is not None and cache.get(b"k0") is None
    cache.put(b"big", 200, [], b"x" * 401)  # larger than one entry may be
    assert cache.get(b"big") is None
