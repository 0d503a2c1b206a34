"""Serve the database under the name the site is built for, whatever its file is called.

metadata.yml describes the database `nianbao` (titles, column descriptions, facets,
the default sort, canned queries) and the site's links say /nianbao/…; Datasette names
a database after its file, so `datasette serve reports-2024.db` used to serve a site
without any of that, silently. At startup, when exactly one database is served and it
is not called `nianbao`, it is served as `nianbao` (its inspect data follows it).
Several databases none of which is `nianbao`: the server refuses to start and says
what to do. Tested in tests/test_database_name.py.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from datasette import hookimpl

from ingest.db.schema import SITE_DATABASE


def _served(datasette: Any) -> list[str]:
    return [
        name for name, db in datasette.databases.items() if name != "_internal" and not db.is_memory
    ]


@hookimpl
def startup(datasette: Any) -> None:
    described = (datasette.metadata() or {}).get("databases") or {}
    if SITE_DATABASE not in described:
        return  # not our metadata: leave the names alone
    served = _served(datasette)
    if SITE_DATABASE in served or not served:
        return
    if len(served) > 1:
        raise click.ClickException(
            f"metadata.yml describes the database {SITE_DATABASE!r}, but the databases served "
            f"are {', '.join(served)}: serve one database (it is then served as "
            f"{SITE_DATABASE!r}), or name the site's file {SITE_DATABASE}.db"
        )
    old = served[0]
    db = datasette.databases[old]
    datasette.remove_database(old)
    if datasette.inspect_data and old in datasette.inspect_data:
        datasette.inspect_data[SITE_DATABASE] = datasette.inspect_data[old]
    datasette.add_database(db, name=SITE_DATABASE)
    print(
        f"nianbao: serving {db.path or old} as database {SITE_DATABASE!r} "
        f"(the name metadata.yml and the site's links use)",
        file=sys.stderr,
    )
