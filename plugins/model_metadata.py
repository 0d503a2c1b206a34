"""Column descriptions for the value columns of tables 二, 三 and 四, read from the one
model (ingest.model) so the labels and units are never typed twice."""

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


@hookimpl
def get_metadata(
    datasette: Datasette, key: str, database: str | None, table: str | None
) -> dict[str, Any]:
    tables = {name: {"columns": cols} for name, cols in COLUMNS.items()}
    names = [name for name in datasette.databases if not name.startswith("_")]
    return {"databases": {name: {"tables": tables} for name in names}}
