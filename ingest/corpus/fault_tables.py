"""Tables written the way damaged copies print them (the field cases' layouts).

Each writer takes a :class:`~ingest.corpus.render.Grid` (the renderer's cells with spans)
and returns the table's text lines. They follow ``shared/field-cases/make_cases.py``:
run-together rows (``render_glued``), a row per line with spaces (``render_spaced``),
pipe rows with every grid column (``render_pipe`` in its docx mode), one cell per line
(``render_cell_lines``), cells closed by pipes (``render_pipe_end``) and Markdown
(``render_markdown``). :func:`row_keys` maps a grid's rows to the model's row keys, so a
fault can find the line of a given row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingest import model
from ingest.corpus.render import Cell, Grid, application_rows


def cell_text(cell: Cell) -> str:
    """A cell's text on one line (a wrapped header's parts joined)."""
    return "".join(cell.parts) if cell.parts else cell.text


def row_keys(grid: Grid, report: Mapping[str, Any]) -> dict[int, str]:
    """Grid row → the model's row key, for the rows that hold values."""
    value_rows = sorted({c.row for c in grid.cells if c.kind == "value"})
    if grid.name == "applications":
        keys = [r.key for r in application_rows(report.get("applications") or {})]
    elif grid.name == "proactive":
        present = report.get("proactive") or {}
        keys = [it.key for it in model.PROACTIVE_ITEMS[report["format"]] if it.key in present]
    else:
        keys = ["review_litigation"]
    return dict(zip(value_rows, keys, strict=True))


def values_of(grid: Grid, row: int) -> list[Cell]:
    """The value cells starting in ``row``, left to right."""
    return [c for c in grid.starting(row) if c.kind == "value"]


def labels_of(grid: Grid, row: int) -> list[Cell]:
    """The label and header cells starting in ``row``, left to right."""
    return [c for c in grid.starting(row) if c.kind != "value"]


def glued_rows(grid: Grid) -> list[str]:
    """A row per line, every cell run into the next (an HTML page's text, borders lost)."""
    return ["".join(cell_text(c) for c in grid.starting(r)) for r in range(grid.nrows)]


def spaced_rows(grid: Grid, respaced: Mapping[int, str] | None = None) -> list[str]:
    """A row per line: the labels, then the numbers separated by spaces (PDF text).
    ``respaced``: grid row → the number part to print instead (irregular spaces)."""
    out = []
    for r in range(grid.nrows):
        labels = "".join(cell_text(c) for c in labels_of(grid, r))
        numbers = " ".join(c.text for c in values_of(grid, r))
        if respaced and r in respaced:
            numbers = respaced[r]
        out.append(" ".join(x for x in (labels, numbers) if x))
    return out


def word_cells(grid: Grid, row: int) -> list[str]:
    """A row's cells as Word holds them: a cell merged from above is an empty cell, a cell
    spanning columns is printed once, a blank cell is empty."""
    cells: list[str] = []
    for c in range(grid.ncols):
        owner = grid.owner(row, c)
        if owner is None:
            cells.append("")
        elif owner.col == c:  # else covered from the left: printed once
            cells.append(cell_text(owner) if owner.row == row else "")
    return cells


def pipe_rows(grid: Grid, border: bool) -> list[str]:
    """Pipe rows with every Word cell: empty leading cells under merged labels, blank cells
    empty, a row may end in empty cells (a Word table pasted as text)."""
    out = []
    for r in range(grid.nrows):
        text = " | ".join(word_cells(grid, r))
        out.append(f"| {text} |" if border else text)
    return out


def tab_rows(grid: Grid) -> list[str]:
    """One Word cell per line, tab-indented, an empty line after each row."""
    out: list[str] = []
    for r in range(grid.nrows):
        out += ["\t" + c for c in word_cells(grid, r)]
        out.append("")
    return out


def cell_lines(grid: Grid) -> list[str]:
    """One cell per line, each followed by an empty line; a blank cell is one empty line
    (every ``<td>`` a paragraph). Merged cells appear once."""
    out: list[str] = []
    for r in range(grid.nrows):
        for c in grid.starting(r):
            text = cell_text(c)
            out += [text, ""] if text else [""]
    return out


def pipe_ended(grid: Grid) -> list[str]:
    """A line ``|`` opens each row, each cell on its own line closed by `` |``, a blank cell
    a line ``|``; a table-二 cell spanning n columns carries n-1 more pipes."""
    out: list[str] = []
    for r in range(grid.nrows):
        out.append("|")
        for c in grid.starting(r):
            text = cell_text(c)
            extra = (
                " " + "|" * (c.colspan - 1) if grid.name == "proactive" and c.colspan > 1 else ""
            )
            out.append((f"{text} |" if text else "|") + extra)
    return out


def markdown_rows(grid: Grid) -> list[list[str]]:
    """The table as Markdown rows: a row's own label (the last label cell), then its values."""
    rows = []
    for r in range(grid.nrows):
        labels = [cell_text(c) for c in labels_of(grid, r)]
        values = [c.text for c in values_of(grid, r)]
        if values:
            rows.append([labels[-1], *values] if labels else values)
        elif labels:
            rows.append(labels)
    return rows


def markdown_lines(rows: Sequence[Sequence[str]], width: int | None = None) -> list[str]:
    """Rows as a Markdown table (the first row is the header), padded to ``width`` cells."""
    width = width or max(len(r) for r in rows)
    out = []
    for i, r in enumerate(rows):
        cells = [*r, *[""] * (width - len(r))]
        out.append("| " + " | ".join(cells) + " |")
        if i == 0:
            out.append("|" + "---|" * width)
    return out
