"""datasette-vega's chart builder only where a chart can be drawn, loaded after first paint.

datasette-vega adds its script (944 KB raw, 289 KB gzipped, React + Vega 3 + Vega-Lite 2)
to the ``<head>`` of every page, without ``defer``: it blocked the first paint of the home
page, the report page and the dashboard (which loads its own Vega 5 as well). Here its
``extra_js_urls``/``extra_css_urls`` answer nothing (its own cache of file names is
filled with empty lists), and table and query pages get a small script instead
(static/vega-on-demand.js) that loads the builder:

- at once, without blocking the page, when the URL fragment asks for a chart
  (``#g.mark=bar&…``, the links of the canned queries), or
- when the visitor presses 「显示图表」;

and then puts its English controls into Chinese, and draws the chart with the columns'
Chinese labels (``labels`` below: axis and legend titles, tooltips, the column pickers)
at a readable size. The plugin's static files stay served
at ``/-/static-plugins/datasette_vega/`` (the plugin stays registered).
"""

from __future__ import annotations

import glob
import json
import os
from typing import Any

import datasette_vega
from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm

CHART_VIEWS = {"table", "query", "database"}  # the views whose rows datasette-vega can draw


def _bundle_files() -> dict[str, str]:
    """The file names of datasette-vega's script and stylesheet (hashed by its build)."""
    found = {}
    for ext in ("js", "css"):
        paths = sorted(glob.glob(os.path.join(datasette_vega.static_dir, f"*.{ext}")))
        found[ext] = os.path.basename(paths[0]) if paths else ""
    return found


BUNDLE = _bundle_files()
# datasette-vega answers its hooks from this cache of glob results: empty lists stop it
# adding the bundle to every page.
for _ext in ("js", "css"):
    datasette_vega.cache[os.path.join(datasette_vega.static_dir, f"*.{_ext}")] = []


def column_labels(
    datasette: Datasette, columns: list[str] | None, table: str | None
) -> dict[str, str]:
    """The page's columns that have a Chinese label: ``{"new_received": "本年新收…"}``
    (the table headers' labels: ``zh_column`` from plugins/chrome.py)."""
    zh_column = datasette.jinja_env.globals.get("zh_column")
    found: dict[str, str] = {}
    if zh_column is None:
        return found
    for name in columns or []:
        label = zh_column(name, table)
        if label != name:
            found[name] = label
    return found


@hookimpl
def extra_body_script(
    view_name: str, datasette: Datasette, columns: list[str] | None, table: str | None
) -> dict[str, Any] | None:
    if view_name not in CHART_VIEWS or not BUNDLE["js"]:
        return None
    urls: dict[str, Any] = {
        ext: datasette.urls.static_plugins("datasette_vega", name) for ext, name in BUNDLE.items()
    }
    urls["labels"] = column_labels(datasette, columns, table)
    loader = datasette.urls.path("/static/vega-on-demand.js")
    # "</" inside a label would end the <script> element
    config = json.dumps(urls, ensure_ascii=False).replace("</", "<\\/")
    script = (
        f"window.NIANBAO_VEGA = {config};"
        "(function(){var s=document.createElement('script');"
        f"s.src={json.dumps(loader)};s.async=true;document.body.appendChild(s);}})();"
    )
    return {"script": script}


# datasette-leaflet (a dependency of datasette-dashboards, for map charts) adds a script
# to every page; the site draws no maps, and templates/dashboard_*.html no longer load it.
pm.set_blocked("leaflet")
