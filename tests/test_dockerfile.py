"""The image installs its pinned packages with --no-deps, so its list must hold every
package the project needs at run time: the image's ingest step failed on a missing
Protego (imported by `nianbao`'s fetch module) and it lacked datasette-block-robots
(which serves /robots.txt)."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement

from .helpers import ROOT

# What the base image (python:3.11-slim) brings; not pinned in the Dockerfile.
BASE_IMAGE = {"pip", "setuptools", "wheel"}


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_closure() -> set[str]:
    """The installed distributions `nianbao` needs without its extras (dev tools)."""
    seen: set[str] = set()
    todo = ["nianbao"]
    while todo:
        name = todo.pop()
        if _name(name) in seen:
            continue
        seen.add(_name(name))
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue  # a platform-only requirement not installed here
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen - {"nianbao"}


def test_the_image_pins_every_runtime_dependency() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    pinned = {_name(m[1]) for m in re.finditer(r"([A-Za-z0-9_.\-]+)==\S+", dockerfile)}
    needed = _runtime_closure() - BASE_IMAGE
    assert {"datasette", "protego", "httpx", "pypdfium2"} <= needed  # the walk found them
    assert sorted(needed - pinned) == []
