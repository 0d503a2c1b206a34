"""Chinese labels for Datasette's own pages (templates/*.html): table titles, column
headings, facet titles and coded values, and human names for checks.

Nothing here is typed twice:

- a column's short label is the head of its description in metadata.yml (or of the
  value-column descriptions that plugins/model_metadata.py builds from ingest.model):
  ``"本年新收政府信息公开申请数量（表三总计列，件）"`` → ``"本年新收政府信息公开申请数量"``;
  columns that only canned queries produce are labelled under
  ``plugins: nianbao-labels: columns:`` in metadata.yml;
- coded values (``scope: organ`` → 机关) come from ``plugins: nianbao-labels: values:``
  in metadata.yml, and the format's own codes (table 三 rows, table 四 groups, table 二
  items, sections, identities) from ingest.model;
- a check name (``row_sum.denied_state_secret``) is shown as the part of the form it
  covers and the identity's description, both from ingest.model.

Templates reach these through Jinja globals and filters (``zh_column``, ``zh_value``,
``zh_table``, ``zh_check``) added in ``prepare_jinja2_environment``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import datasette
from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils import append_querystring
from markupsafe import Markup, escape

from ingest import model
from ingest.db.schema import site_database

LABELS_PLUGIN = "nianbao-labels"
BLANK = "未知"  # the facet bucket and label of a blank (NULL or empty) value
# A description's head ends at the first bracket, colon, equals sign or semicolon.
_HEAD_END = re.compile(r"[（(：:＝=；;，,。]")
# Datasette's filter operators (datasette.filters), as the filter form shows them.
OPERATORS = {
    "exact": "等于",
    "not": "不等于",
    "contains": "包含",
    "endswith": "结尾是",
    "startswith": "开头是",
    "gt": "大于",
    "gte": "大于等于",
    "lt": "小于",
    "lte": "小于等于",
    "like": "匹配（like）",
    "notlike": "不匹配（like）",
    "glob": "匹配（glob）",
    "in": "属于",
    "notin": "不属于",
    "arraycontains": "数组包含",
    "arraynotcontains": "数组不包含",
    "date": "日期为",
    "isnull": "为空（NULL）",
    "notnull": "不为空（NULL）",
    "isblank": "为空白",
    "notblank": "不为空白",
}
# Tables whose column descriptions win when two tables describe the same column name
# (a canned query's "year" is a report's year).
PREFERRED_TABLES = ("reports", "checks", "agencies", "sections")


def short_label(description: str | None) -> str | None:
    """The head of a column description, or None when it has no Chinese head.

    ``"报告年度（取自统计期限或标题）"`` → ``"报告年度"``; ``"ok"`` → None.
    """
    if not description:
        return None
    head = _HEAD_END.split(description.strip(), maxsplit=1)[0].strip()
    if not head or not re.search(r"[\u4e00-\u9fff]", head):
        return None
    return head


def _model_values() -> dict[str, dict[str, str]]:
    """Codes of the format that appear as column values, with their printed labels."""
    rows = {r.key: r.label for r in model.APPLICATION_ROWS_ALL}
    return {
        "row_key": rows,
        "grp": dict(model.REVIEW_GROUPS),
        "item": dict(model.PROACTIVE_LABELS),
        "section": {s.key: s.title for s in model.SECTIONS},
        "identity": {i.name: i.description for i in model.IDENTITIES},
        "layout": dict(model.LAYOUTS),
    }


def check_part(name: str) -> str | None:
    """The part of the form a check covers, as printed: ``"row_sum.denied_state_secret"``
    → ``"（三）不予公开 1.属于国家秘密"``, ``"balance.natural_person"`` → ``"自然人列"``,
    ``"review_total.review"`` → ``"行政复议"``; None for a check of the whole report."""
    _, _, part = name.partition(".")
    if not part:
        return None
    row = model.APPLICATION_ROW_BY_KEY.get(part)
    applicants = dict(model.APPLICANT_COLUMNS)
    groups = dict(model.REVIEW_GROUPS)
    if row is not None:
        return f"{row.group} {row.label}" if row.group and row.label[0].isdigit() else row.label
    if part in applicants:
        return f"{applicants[part]}列"
    if part in groups:
        return groups[part]
    return model.PROACTIVE_LABELS.get(part, part)


def check_label(name: str) -> str:
    """A check name as a person reads it: what part of the form, and which identity.

    ``"row_sum.denied_state_secret"`` → ``"（三）不予公开 1.属于国家秘密：各类申请人之和 = 总计（每行）"``;
    an unknown identity is shown as it is.
    """
    identity = model.IDENTITY_BY_NAME.get(name.partition(".")[0])
    if identity is None:
        return name
    part = check_part(name)
    return f"{part}：{identity.description}" if part else identity.description


class Labels:
    """Chinese names for one site's tables, columns and values, read from its metadata
    once (the metadata does not change while the site is served)."""

    def __init__(self, datasette: Datasette) -> None:
        self.datasette = datasette
        self._built = False
        self.tables: dict[tuple[str, str], str] = {}
        self.databases: dict[str, str] = {}
        self.table_columns: dict[tuple[str, str], str] = {}
        self.columns: dict[str, str] = {}
        self.values: dict[str, dict[str, str]] = {}
        # Columns whose codes are shown by their label in table cells too (the metadata's
        # ``values``: scope, severity, ok, fee_charged), not only in facets.
        self.cell_coded: frozenset[str] = frozenset()

    def _build(self) -> None:
        if self._built:
            return
        ds = self.datasette
        config = ds.plugin_config(LABELS_PLUGIN) or {}
        per_column: dict[str, dict[str, str]] = {}
        for name in ds.databases:
            if name.startswith("_"):
                continue
            db_meta = (ds.metadata("databases") or {}).get(name, {})
            if db_meta.get("title"):
                self.databases[name] = db_meta["title"]
            tables = db_meta.get("tables", {})
            for table, meta in tables.items():
                if meta.get("title"):
                    self.tables[(name, table)] = meta["title"]
                for column, description in (meta.get("columns") or {}).items():
                    label = short_label(description)
                    if label:
                        self.table_columns[(table, column)] = label
                        per_column.setdefault(column, {})[table] = label
        for column, by_table in per_column.items():
            preferred = [by_table[t] for t in PREFERRED_TABLES if t in by_table]
            self.columns[column] = preferred[0] if preferred else next(iter(by_table.values()))
        self.columns.update(config.get("columns") or {})
        self.values = _model_values()
        for column, mapping in (config.get("values") or {}).items():
            self.values.setdefault(column, {}).update({str(k): v for k, v in mapping.items()})
        # and the format's own codes (a layout, a table 三 row key…): never raw in a cell
        self.cell_coded = frozenset(config.get("values") or {}) | frozenset(self.values)
        self._built = True

    def table(self, database: str | None, table: str | None) -> str:
        """The table's Chinese title (metadata ``title``), else its name."""
        self._build()
        if table is None:
            return self.databases.get(database or "", database or "")
        return self.tables.get((database or "", table), table)

    def column(self, name: str, table: str | None = None) -> str:
        """A column's short Chinese label, else its name."""
        self._build()
        if table and (table, name) in self.table_columns:
            return self.table_columns[(table, name)]
        return self.columns.get(name, name)

    def value(self, column: str, value: Any) -> str:
        """A coded value's label; blanks (None, "") are 未知; other values as they are."""
        self._build()
        if value is None or value == "":
            return BLANK
        text = str(value)
        return self.values.get(column, {}).get(text, text)

    def coded(self, column: str) -> bool:
        self._build()
        return column in self.values

    def coded_in_cells(self, column: str) -> bool:
        """Whether a table cell of this column shows its code's label (metadata ``values``)."""
        self._build()
        return column in self.cell_coded


_LABELS: dict[int, Labels] = {}


def labels_for(datasette: Datasette) -> Labels:
    """The one Labels object of a Datasette instance."""
    key = id(datasette)
    if key not in _LABELS:
        _LABELS[key] = Labels(datasette)
    return _LABELS[key]


def format_size(size: int | None) -> str:
    """Bytes as people read them, counted in thousands as downloads and disks are:
    ``999`` → ``"999 字节"``, ``312_400`` → ``"312 KB"``, ``30_300_000`` → ``"30.3 MB"``,
    ``1_040_384`` → ``"1.0 MB"`` (never ``"1016.0 KB"``). KB whole, MB and GB with one
    decimal; '' for None."""
    if size is None:
        return ""
    if size < 1000:
        return f"{size} 字节"
    if size < 999_500:
        return f"{size / 1000:.0f} KB"
    if size < 999_950_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000_000_000:,.1f} GB"


def database_size(datasette: Datasette, database: str) -> int | None:
    """The size in bytes of a database file (None for in-memory databases)."""
    db = datasette.databases.get(database)
    if db is None or not db.path:
        return None
    try:
        return os.path.getsize(db.path)
    except OSError:
        return None


def main_database(datasette: Datasette) -> str:
    """The site's database: ``nianbao`` when served under that name, else the first."""
    return site_database(datasette.databases)


STYLESHEETS = (  # Datasette's own, then the site's: the order of the <link>s they replace
    Path(datasette.__file__).parent / "static" / "app.css",
    Path(__file__).resolve().parent.parent / "static" / "site.css",
)


def inline_css() -> Markup:
    """app.css and static/site.css as one ``<style>`` body (about 6 KB gzipped).

    Inlined rather than linked: on a slow phone connection each stylesheet the first
    paint waits for costs a round trip (150 ms at 4G latency, more with a new TCP
    connection); the pages are otherwise small. Read per call so an edited site.css
    shows at once in development; the bytes are in the response cache after that.
    """
    css = "\n".join(path.read_text(encoding="utf-8") for path in STYLESHEETS)
    return Markup(css.replace("</", "<\\/"))


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Datasette) -> None:
    labels = labels_for(datasette)
    env.globals["zh_table"] = labels.table
    env.globals["zh_column"] = labels.column
    env.globals["zh_value"] = labels.value
    env.globals["zh_check"] = check_label
    env.globals["zh_inline_css"] = inline_css
    env.globals["zh_check_part"] = lambda name: check_part(name) or "整份报告"
    env.filters["zh_check"] = check_label
    env.globals["zh_add_query"] = append_querystring
    env.globals["zh_db"] = lambda: main_database(datasette)
    env.globals["zh_op"] = lambda key: OPERATORS.get(key.removesuffix("__1"), key)
    env.globals["zh_bytes"] = lambda database: database_size(datasette, database)
    env.globals["zh_size"] = lambda database: format_size(database_size(datasette, database))
    env.filters["zh_size"] = format_size


@hookimpl
def render_cell(value: Any, column: str, table: str | None, datasette: Datasette) -> Any:
    """Check names as human names (the key on hover); coded values by their label."""
    if column == "check_name" and isinstance(value, str) and value:
        return Markup(f'<span title="{escape(value)}">{escape(check_label(value))}</span>')
    labels = labels_for(datasette)
    if value not in (None, "") and labels.coded_in_cells(column):
        label = labels.value(column, value)
        if label != str(value):
            return Markup(f'<span title="{escape(value)}">{escape(label)}</span>')
    return None
