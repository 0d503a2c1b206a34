"""One cell per line: a web page whose every ``<td>`` became a paragraph.

Two copies of it are common. In one, each cell's text is followed by one empty line and
a blank cell is an empty line of its own, so k + 1 empty lines after a cell hold k blank
cells (field cases 22a, 22b, 27). In the other, each cell's line ends with `` |`` and a
blank cell is a line ``|`` (23). Either way a blank keeps its place, and the format's row
widths (3, 2 or 1 cells in table 二, 7 in table 三, 15 in table 四) say where a row ends.
"""

from __future__ import annotations

import itertools
import re

from .cells import Cell, RawRow, _rows_from_cells, classify, is_page_mark

# A cell's line in the piped copy: its text, then the closing pipe (and span marks).
_PIPED_CELL = re.compile(r"^\s*[^|\s][^|]*\|[\s|]*$")
_NUMBERS_IN_LINE = re.compile(r"\d+\s+\d+")


def is_cell_lines(lines: list[str]) -> bool:
    """Do these table lines hold one cell per line (either copy)?"""
    body = [s for s in lines if s.strip()]
    if len(body) < 30 or any(s.startswith("\t") for s in body):
        return False
    if sum(1 for s in body if _NUMBERS_IN_LINE.search(s)) > 0.05 * len(body):
        return False  # several numbers on a line: rows, not cells
    piped = sum(1 for s in body if _PIPED_CELL.match(s))
    bare = sum(1 for s in body if not s.replace("|", "").strip())
    if piped >= 0.25 * len(body):
        return piped + bare >= 0.95 * len(body)  # every line a cell 'text |' or a blank '|'
    if any("|" in s for s in body):
        return False
    followed = sum(1 for a, b in itertools.pairwise(lines) if a.strip() and not b.strip())
    return followed >= 0.8 * len(body)


def cell_line_rows(lines: list[tuple[int, str]]) -> list[RawRow]:
    """The region's cells as one stream, blanks in place, grouped into rows by their labels."""
    cells: list[Cell] = []
    empties = 0
    last_line = 0
    for n, s in lines:
        text = s.strip()
        if not text or is_page_mark(s):
            empties += 1 if not text else 0
            continue
        if cells and empties > 1:
            cells.extend(Cell("blank", "", last_line) for _ in range(empties - 1))
        empties = 0
        last_line = n
        if text.strip("|").strip() == "":
            cells.append(Cell("blank", "", n))  # a line '|': a blank cell (or a row's opener)
            continue
        cells.extend(classify(text.split("|")[0].strip(), n))
    if cells and empties > 1:
        cells.extend(Cell("blank", "", last_line) for _ in range(empties - 1))
    return _rows_from_cells(cells)
