"""The canned query pages of the watchdog queries: pick-lists, pages,
and a clear message when a parameter matches nothing.

Datasette 0.65 renders every canned-query parameter as a free-text box. Here:

- ``templates/query-nianbao.html`` adds, above the form, "显示第 a–b 个，共 M 个" with
  previous/next links for queries that return ``rank``/``total_rows`` (or
  ``total_rows`` and a ``page`` parameter), and a Chinese message for every parameter
  whose value is not one the database holds (``province=江苏`` → use 江苏省);
- a small script turns the year, province and agency-type boxes into ``<select>`` lists
  (values from plugins/choices.py), and the other parameters named under ``options`` in
  ``plugins: nianbao-query-pages`` of metadata.yml into lists of those options. Without
  script the boxes stay text boxes; the JSON and CSV are unchanged. (Chinese names of
  parameters and columns: ``nianbao-labels``, plugins/chrome.py.)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.app import Datasette
from datasette.utils.asgi import Request

PLUGIN = "nianbao-query-pages"
PICKED = {"year": "years", "province": "provinces", "agency_type": "agency_types"}
NAMES = {"year": "年度", "province": "省份", "agency_type": "机关类型"}


def _canned(datasette: Datasette, database: str | None, request: Request | None) -> str | None:
    """The canned query's name when this page is one of ``database``'s, else None."""
    if not database or request is None:
        return None
    name = request.url_vars.get("table")
    queries = (datasette.metadata("queries", database=database) or {}) if name else {}
    return name if name in queries else None


def _params(datasette: Datasette, database: str, name: str) -> list[str]:
    spec = (datasette.metadata("queries", database=database) or {}).get(name) or {}
    return list(spec.get("params") or [])


def param_problems(request: Request, params: list[str], choices: dict[str, list[Any]]) -> list[str]:
    """A Chinese sentence for each pick-list parameter whose value the database lacks."""
    out = []
    for key, source in PICKED.items():
        value = (request.args.get(key) or "").strip()
        if key not in params or not value:
            continue
        known = [str(v) for v in choices.get(source, [])]
        if value in known:
            continue
        hint = [v for v in known if v.startswith(value)] if key == "province" else []
        text = f"没有“{value}”这个{NAMES[key]}，所以没有结果。"
        if hint:
            text += f"省份要写全称，例如“{hint[0]}”。"
        text += "请从列表中选择。"
        out.append(text)
    return out


def page_url(request: Request, page: int) -> str:
    """This page's URL with ``page`` set (other parameters kept)."""
    pairs = [(k, v) for k in request.args.keys() for v in request.args.getlist(k) if k != "page"]
    return request.path + "?" + urlencode([*pairs, ("page", str(page))])


@hookimpl
def extra_template_vars(
    template: str, database: str | None, request: Request | None, datasette: Datasette
) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    name = _canned(datasette, database, request)
    if name is None or request is None or database is None:
        return None

    async def inner() -> dict[str, Any]:
        choices = await _choices(datasette, database)
        params = _params(datasette, database, name)
        raw = request.args.get("page") or "1"
        page = max(int(raw), 1) if raw.isdigit() else 1
        return {
            "nianbao_query": {
                "name": name,
                "problems": param_problems(request, params, choices),
                "page": page,
                "paged": "page" in params,
                "page_url": lambda n: page_url(request, n),
            }
        }

    return inner


async def _choices(datasette: Datasette, database: str) -> dict[str, list[Any]]:
    from datasette.plugins import pm

    plugin = pm.get_plugin("choices.py")
    if plugin is None:
        return {}
    return await plugin.choices(datasette.get_database(database))


@hookimpl
def extra_body_script(
    template: str, database: str | None, request: Request | None, datasette: Datasette
) -> Callable[[], Awaitable[str]] | None:
    name = _canned(datasette, database, request)
    if name is None or database is None:
        return None

    async def inner() -> str:
        config = datasette.plugin_config(PLUGIN) or {}
        choices = await _choices(datasette, database)
        params = _params(datasette, database, name)
        lists: dict[str, list[Any]] = {}
        for key in params:
            if key in PICKED:
                lists[key] = choices.get(PICKED[key], [])
            elif key in (config.get("options") or {}).get(name, {}):
                lists[key] = config["options"][name][key]
        data = {"lists": lists}
        return SCRIPT.replace("__DATA__", json.dumps(data, ensure_ascii=False))

    return inner


# Pick-lists, applied after the page has loaded; the values submitted
# are the same as a typed value would be.
SCRIPT = """
(function () {
  var data = __DATA__;
  var form = document.querySelector("form.sql");
  if (!form) { return; }
  Object.keys(data.lists).forEach(function (key) {
    var input = form.querySelector('input[name="' + key + '"]');
    if (!input) { return; }
    var select = document.createElement("select");
    select.name = key; select.id = input.id;
    var values = [""].concat(data.lists[key].map(String));
    if (input.value && values.indexOf(input.value) < 0) { values.push(input.value); }
    values.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value; option.textContent = value || "（默认）";
      if (value === input.value) { option.selected = true; }
      select.appendChild(option);
    });
    input.replaceWith(select);
  });
})();
"""
