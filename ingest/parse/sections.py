"""Where the six sections are: headings found by their words, tables by their own words."""

from __future__ import annotations

import re
from typing import Any

from .. import model
from .cells import nfkc

_HEADING = re.compile(r"^[\s#*>\-|•·]*([一二三四五六])\s*[、.．,，]\s*(.{1,40}?)\s*[|]*\s*$")
# What a heading line can start with before NFKC (一/二 also as Kangxi radicals ⼀ ⼆).
_HEADING_HINT = re.compile(r"^\W{0,12}[一二三四五六\u2f00\u2f06]")


def find_sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Map section key → (first line index after the heading, end index), in text order."""
    starts: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if len(line) > 120 or not _HEADING_HINT.match(line):
            continue  # cheap pre-filter: NFKC only the lines that may be headings
        m = _HEADING.match(nfkc(line))
        if not m:
            continue
        body = m.group(2)
        for sec in model.SECTIONS:
            if sec.key in seen:
                continue
            if any(k in body for k in sec.keywords) and (
                sec.number == m.group(1) or sec.key in ("overview", "other_matters")
            ):
                if starts and i <= starts[-1][0]:
                    continue
                starts.append((i, sec.key))
                seen.add(sec.key)
                break
    out: dict[str, tuple[int, int]] = {}
    for n, (i, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        out[key] = (i + 1, end)
    return out


def _fallback_regions(
    lines: list[str], found: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    """Where a table heading is missing, find its table by its own words."""

    def first(pred: Any, start: int = 0) -> int | None:
        for i in range(start, len(lines)):
            if pred(nfkc(lines[i])):
                return i
        return None

    regions = dict(found)
    if "applications" not in regions:
        i = first(lambda s: "本年新收" in s or "申请人情况" in s)
        if i is not None:
            end = first(lambda s: "行政复议" in s and "结果" not in s, i + 1) or len(lines)
            regions["applications"] = (i, end)
    if "proactive" not in regions:
        i = first(lambda s: "第二十条" in s)
        if i is not None:
            end = regions.get("applications", (len(lines), 0))[0]
            regions["proactive"] = (i, max(end, i + 1))
    if "review_litigation" not in regions and "applications" in regions:
        i = first(lambda s: "行政复议" in s, regions["applications"][1])
        if i is not None:
            end = regions.get("problems", (len(lines), 0))[0]
            regions["review_litigation"] = (i, max(end, i + 1))
    return regions
