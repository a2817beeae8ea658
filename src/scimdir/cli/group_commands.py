"""``scimdir group list|show``: a directory's groups from the shell.

With ``--json`` they print the management API's own models (``GroupPageOut``,
``GroupDetailOut``); an unknown directory or group exits 1.
"""

from __future__ import annotations

import click

from scimdir.api.resource_models import GroupDetailOut, GroupPageOut
from scimdir.cli.output import (
    directory_option,
    echo_json,
    echo_pairs,
    echo_table,
    json_option,
    service_errors,
)
from scimdir.cli.state import CliState, pass_state
from scimdir.service.browsing import DEFAULT_LIMIT, MAX_LIMIT

__all__ = ["group"]


@click.group()
def group() -> None:
    """A directory's groups: list, show."""


@group.command("list")
@directory_option
@click.option("--search", default=None, help="A prefix of the displayName.")
@click.option(
    "--limit", type=click.IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT, show_default=True
)
@click.option("--cursor", default=None, help="next_cursor of the previous page.")
@json_option
@pass_state
def group_list(
    state: CliState,
    directory_id: str,
    search: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List groups by displayName, a page at a time."""
    with service_errors():
        page = GroupPageOut.of(
            state.services.admin_groups.browse(
                directory_id, search=search, cursor=cursor, limit=limit
            )
        )
    if as_json:
        echo_json(page)
        return
    echo_table(
        ["DISPLAY NAME", "EXTERNAL ID", "ID"],
        [(g.display_name, g.external_id, g.id) for g in page.data],
    )
    if page.next_cursor:
        click.echo(f"More: --cursor {page.next_cursor}")


@group.command("show")
@click.argument("group_id")
@directory_option
@json_option
@pass_state
def group_show(state: CliState, group_id: str, directory_id: str, as_json: bool) -> None:
    """Show one group: its member count and first 100 members."""
    with service_errors():
        out = GroupDetailOut.of_detail(state.services.admin_groups.show(directory_id, group_id))
    if as_json:
        echo_json(out)
        return
    echo_pairs(
        [
            ("id", out.id),
            ("displayName", out.display_name),
            ("externalId", out.external_id),
            ("created", out.created),
            ("lastModified", out.last_modified),
            ("members", out.member_count),
        ]
    )
    if out.members:
        click.echo("")
        echo_table(["MEMBER", "TYPE", "ID"], [(m.display, m.type, m.id) for m in out.members])
