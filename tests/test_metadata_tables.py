"""Every table and view the site serves is described in metadata.yml (a Chinese title),
or hidden: /-/api and the table pages showed 'disagreements disagreements' and a bare
'unreadable_cells' among Chinese titles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .conftest import load_metadata


def test_every_served_table_has_a_chinese_title_or_is_hidden(sample_db: Path) -> None:
    tables = load_metadata()["databases"]["nianbao"]["tables"]
    with sqlite3.connect(sample_db) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "select name from sqlite_master where type in ('table', 'view')"
                " and name not like 'sqlite_%' and name not like '%_fts%'"
            )
        ]
    assert {"reports", "unreadable_cells", "disagreements"} <= set(names)
    undescribed = [
        n
        for n in names
        if not tables.get(n, {}).get("hidden")
        and not any("\u4e00" <= ch <= "\u9fff" for ch in tables.get(n, {}).get("title", ""))
    ]
    assert undescribed == []
