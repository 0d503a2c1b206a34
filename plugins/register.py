"""The reports table as a register: a default column set and order that fit a screen,
with short Chinese headers, for the HTML page only.

Datasette 0.65 has no "default columns" setting, and adding ``_col`` to the request would
change the JSON and CSV links the page offers. So the HTML page alone shows the columns
named under ``plugins: nianbao-register: columns`` of the table in metadata.yml (key →
short header, in order) when the visitor chose none (no ``_col``/``_nocol``);
``templates/_table-nianbao-reports.html`` renders them. ``.json``/``.csv`` are unchanged.
A visitor's own ``_col``/``_nocol`` shows Datasette's column set, with the same Chinese
headers where one is configured. The column glossary (metadata ``columns``) moves behind
a 列说明 link below the table.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import Request

PLUGIN = "nianbao-register"


def register_config(datasette: Datasette, database: str, table: str) -> dict[str, str]:
    """The table's register columns (key → header) from metadata.yml, or {}."""
    config = datasette.plugin_config(PLUGIN, database=database, table=table) or {}
    return dict(config.get("columns") or {})


def visitor_chose_columns(request: Request | None) -> bool:
    return request is not None and any(k in request.args for k in ("_col", "_nocol"))


@hookimpl
def extra_template_vars(
    template: str, database: str | None, table: str | None, request: Request, datasette: Datasette
) -> dict[str, Any] | None:
    if template != "table.html" or not database or not table:
        return None
    columns = register_config(datasette, database, table)
    if not columns:
        return None
    return {
        "nianbao_register": {
            "columns": list(columns),
            "labels": columns,
            "active": not visitor_chose_columns(request),
        }
    }
