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
    if any("|" in s for s in body):
        # Cheap first: a cell line 'text |' starts with text and ends with a pipe, so
        # with few such lines there are too few piped cells.
        ends = sum(1 for s in body if s.rstrip().endswith("|") and not s.lstrip().startswith("|"))
        if ends < 0.25 * len(body):
            return False
        piped = sum(1 for s in body if _PIPED_CELL.match(s))
        bare = sum(1 for s in body if not s.replace("|", "").strip())
        # every line a cell 'text |' or a blank '|'
        if piped < 0.25 * len(body) or piped + bare < 0.95 * len(body):
            return False
    else:
        if len(lines) - len(body) < 0.8 * len(body):
            return False  # each line followed by an empty one needs an empty line of its own
        followed = sum(1 for a, b in itertools.pairwise(lines) if a.strip() and not b.strip())
        if followed < 0.8 * len(body):
            return False
    # several numbers on a line: rows, not cells
    return sum(1 for s in body if _NUMBERS_IN_LINE.search(s)) <= 0.05 * len(body)


def cell_line_rows(lines: list[tuple[int, str]], unlabelled_values: bool = False) -> list[RawRow]:
    """The region's cells as one stream, blanks in place, grouped into rows by their labels.

    `unlabelled_values`: the table's value row has no label of its own (table 四: fifteen
    cells under three header rows). In the piped copy every row opens with a line ``|``;
    for a labelled row the label follows, but here the opener of the value row stands
    between the last header cell and the first value, where it would read as a blank
    cell and shift the row by one. So a ``|`` line right after a header cell, before any
    number, opens a row and is not a cell (a second ``|`` after it is a blank cell)."""
    cells: list[Cell] = []
    empties = 0
    last_line = 0
    after_header_text = False
    seen_number = False
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
            if unlabelled_values and after_header_text and not seen_number:
                after_header_text = False  # the value row's (or a header row's) opener
                continue
            after_header_text = False
            cells.append(Cell("blank", "", n))  # a line '|': a blank cell (or a row's opener)
            continue
        new = classify(text.split("|")[0].strip(), n)
        seen_number = seen_number or any(c.kind in ("number", "digits") for c in new)
        after_header_text = not seen_number
        cells.extend(new)
    if cells and empties > 1:
        cells.extend(Cell("blank", "", last_line) for _ in range(empties - 1))
    return _rows_from_cells(cells)
