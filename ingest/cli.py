"""The `nianbao` command line."""

from __future__ import annotations

import click


@click.group()
@click.version_option()
def cli() -> None:
    """nianbao: parse government information-disclosure annual reports into SQLite."""
