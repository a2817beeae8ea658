"""``scimdir health [ID] [--json]``: is each identity provider reaching its directory?

Without an id, one line per directory, then the latest requests that named a tenant that does
not exist (a mistyped tenant URL); with one, its counts, quirks and open problems. The states
and their rules are in ``service/health.py``. An unknown id exits non-zero.
"""

from __future__ import annotations

import json
from datetime import timedelta

import click

from scimdir.cli.log_format import health_json, health_lines, printable
from scimdir.cli.state import CliState, fail, pass_state
from scimdir.service.directories import DirectoryNotFound
from scimdir.service.ports import LogFilter

__all__ = ["health"]


@click.command()
@click.argument("directory_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object, or a list).")
@pass_state
def health(state: CliState, directory_id: str | None, as_json: bool) -> None:
    """Show directory health: never_connected, healthy, failing or silent."""
    service = state.services.health
    if directory_id is not None:
        try:
            one = service.directory_health(directory_id)
        except DirectoryNotFound:
            fail(f"no directory {directory_id}")
        if as_json:
            click.echo(json.dumps(health_json(one)))
            return
        for line in health_lines(one, detailed=True):
            click.echo(line)
        return
    every = service.summary()
    if as_json:
        click.echo(json.dumps([health_json(h) for h in every]))
        return
    for item in every:
        for line in health_lines(item, detailed=False):
            click.echo(line)
    # A mistyped tenant URL reaches no directory: show who called one that does not exist.
    since = state.services.runtime.clock() - timedelta(days=1)
    strays = state.services.log.query(None, LogFilter(since=since), limit=5).entries
    if strays:
        click.echo("Requests naming a tenant that does not exist (last day, newest first):")
        for entry in strays:
            click.echo(
                printable(f"    {entry.created:%Y-%m-%d %H:%M} {entry.path} from {entry.client}")
            )
