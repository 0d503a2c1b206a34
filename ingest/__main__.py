"""`python -m ingest` runs the `nianbao` command line."""

from .cli import cli

cli(prog_name="nianbao")
