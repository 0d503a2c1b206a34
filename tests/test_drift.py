"""metadata.yml and the code say the same thing: every column it describes exists, every
facet it asks for is precomputed, no query types a label the lookup tables hold, and the
format's facts are kept once (in ingest.model)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ingest import model
from ingest.corpus import render, synth
from ingest.db.derived import FACETED

from .conftest import load_metadata

META = load_metadata()
TABLES: dict[str, dict[str, Any]] = META["databases"]["nianbao"]["tables"]
QUERIES: dict[str, dict[str, Any]] = META["databases"]["nianbao"]["queries"]
CHARTS: dict[str, dict[str, Any]] = {
    f"{dashboard}/{name}": chart
    for dashboard, spec in META["plugins"]["datasette-dashboards"].items()
    for name, chart in spec["charts"].items()
}


def _columns(db: Path) -> dict[str, set[str]]:
    with sqlite3.connect(db) as conn:
        names = [
            r[0]
            for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")
        ]
        return {n: {r[1] for r in conn.execute(f"pragma table_info([{n}])")} for n in names}


def test_every_table_and_column_metadata_names_exists(sample_db: Path) -> None:
    have = _columns(sample_db)
    missing = [
        f"{table}.{column}"
        for table, spec in TABLES.items()
        for column in ((spec.get("columns") or {}) if table in have else ["<table>"])
        if table not in have or column not in have[table]
    ]
    assert missing == []


def test_every_facet_metadata_names_is_precomputed(sample_db: Path) -> None:
    """plugins/facet_counts.py answers from summary_facets: a facet metadata.yml asks for
    that ingest.db.derived.FACETED does not count would be counted live (or go stale)."""
    have = _columns(sample_db)
    facets = {table: tuple(spec["facets"]) for table, spec in TABLES.items() if spec.get("facets")}
    assert facets == FACETED
    for table, columns in facets.items():
        assert set(columns) <= have[table], table


def _labels() -> set[str]:
    """Every label the lookup tables hold (the site's queries join them instead)."""
    labels = {r.label for r in model.APPLICATION_ROWS_ALL}
    labels |= {label for _, label in model.APPLICATION_GROUPS}
    labels |= {label for _, label in (*model.APPLICANT_COLUMNS, *model.REVIEW_GROUPS)}
    labels |= set(model.PROACTIVE_LABELS.values()) | {s.title for s in model.SECTIONS}
    labels |= {i.description for i in model.IDENTITIES}
    return labels


@pytest.mark.parametrize("name", sorted({**QUERIES, **CHARTS}))
def test_no_query_types_a_label_of_the_model(name: str) -> None:
    spec = {**QUERIES, **CHARTS}[name]
    sql = spec.get("sql") or spec.get("query") or ""
    literals = set(re.findall(r"'([^']*)'", sql))
    assert literals & _labels() == set()


def test_charts_that_show_a_canned_query_share_its_sql() -> None:
    """The outcome and refusal charts are those canned queries (YAML aliases), not copies."""
    assert CHARTS["trends/outcomes"]["query"] == QUERIES["outcome_composition"]["sql"]
    assert CHARTS["trends/refusals"]["query"] == QUERIES["refusal_grounds"]["sql"]


def test_layouts_are_named_once() -> None:
    keys = list(model.RENDERED_LAYOUTS)
    assert render.LAYOUTS == tuple(k for k in keys if k not in ("pdf", "doc"))
    assert render.TEXT_LAYOUTS == model.TEXT_LAYOUTS
    assert set(synth.LAYOUT_WEIGHTS) == set(keys)


def test_table_three_variant_is_chosen_by_the_model() -> None:
    single = {"other_processing": {}}
    split = {"other_no_fee": {}}
    assert model.application_rows(single) == model.APPLICATION_ROWS_SINGLE
    assert model.application_rows(split) == model.APPLICATION_ROWS_SPLIT
    assert len(model.APPLICATION_ROWS_SINGLE) == 23 and len(model.APPLICATION_ROWS_SPLIT) == 25
    # the renderer prints the rows present, in the order of that variant
    assert render.application_rows(single) == (model.APPLICATION_ROW_BY_KEY["other_processing"],)
