"""Column descriptions for the value columns of tables 二, 三 and 四, read from the one
model (ingest.model) so the labels and units are never typed twice.

Datasette merges every ``get_metadata`` answer into the local metadata on each
``datasette.metadata(key)`` call, which Datasette and plugins make many times per page
(datasette-render-markdown made one per string cell until plugins/links.py stopped
loading it). The columns are only returned for the keys that can reach them, so those
lookups stay cheap: with them, a 600-row query page spent most of its time merging
metadata.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.app import Datasette

from ingest import model


def _value_columns() -> dict[str, dict[str, str]]:
    applicant = {key: f"{label}（件）" for key, label in model.APPLICANT_COLUMNS}
    review = {key: f"{label}（件）" for key, label in model.REVIEW_COLUMNS}
    proactive = {c.key: f"{c.label}（{c.unit}）" for c in model.PROACTIVE_COLUMNS}
    return {"applications": applicant, "review_litigation": review, "proactive": proactive}


COLUMNS = _value_columns()
# The metadata keys under which table column descriptions are looked up (table pages
# ask for "databases"; "tables", asked once per table on every permission check, only
# needs the local metadata).
COLUMN_KEYS = {None, "databases"}


@hookimpl
def get_metadata(
    datasette: Datasette, key: str, database: str | None, table: str | None
) -> dict[str, Any]:
    if key not in COLUMN_KEYS:
        return {}
    # Fresh dicts: Datasette merges the local metadata into what this returns.
    tables = {name: {"columns": dict(cols)} for name, cols in COLUMNS.items()}
    names = [name for name in datasette.databases if not name.startswith("_")]
    return {"databases": {name: {"tables": tables} for name in names}}
