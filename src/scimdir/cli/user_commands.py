"""``scimdir user create|list|show|unlink|delete``: a directory's users from the shell.

``list``, ``show`` and ``unlink`` print with ``--json`` the management API's own models
(``UserPageOut``, ``UserDetailOut``); an unknown directory or user exits 1.
"""

from __future__ import annotations

import click

from scimdir.api.resource_models import UserDetailOut, UserPageOut
from scimdir.cli.output import (
    directory_option,
    echo_json,
    echo_pairs,
    echo_table,
    json_option,
    service_errors,
)
from scimdir.cli.state import CliState, pass_state
from scimdir.service.admin_users import UserDetail
from scimdir.service.browsing import DEFAULT_LIMIT, MAX_LIMIT

__all__ = ["user"]


@click.group()
def user() -> None:
    """A directory's users: list, show, unlink, delete; create local accounts."""


@user.command("create")
@directory_option
@click.option("--user-name", required=True)
@click.option("--display-name", default=None)
@click.option("--email", default=None)
@json_option
@pass_state
def user_create(
    state: CliState,
    directory_id: str,
    user_name: str,
    display_name: str | None,
    email: str | None,
    as_json: bool,
) -> None:
    """Create a local account the IdP can link to on creation (with user_linking on)."""
    with service_errors():
        record = state.services.directories.create_local_user(
            directory_id, user_name, display_name, email
        )
    if as_json:
        echo_json({"id": record.id, "userName": record.user_name})
    else:
        click.echo(f"Created local user {record.user_name} ({record.id}).")


@user.command("list")
@directory_option
@click.option("--search", default=None, help="A prefix of the userName, displayName or e-mail.")
@click.option(
    "--limit", type=click.IntRange(1, MAX_LIMIT), default=DEFAULT_LIMIT, show_default=True
)
@click.option("--cursor", default=None, help="next_cursor of the previous page.")
@json_option
@pass_state
def user_list(
    state: CliState,
    directory_id: str,
    search: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List users by userName, a page at a time (unlinked accounts too)."""
    with service_errors():
        page = UserPageOut.of(
            state.services.admin_users.browse(
                directory_id, search=search, cursor=cursor, limit=limit
            )
        )
    if as_json:
        echo_json(page)
        return
    echo_table(
        ["USERNAME", "DISPLAY NAME", "E-MAIL", "ACTIVE", "LINKED", "ID"],
        [(u.user_name, u.display_name, u.email, u.active, u.linked, u.id) for u in page.data],
    )
    if page.next_cursor:
        click.echo(f"More: --cursor {page.next_cursor}")


def _show(state: CliState, directory_id: str, detail: UserDetail, as_json: bool) -> None:
    out = UserDetailOut.of_detail(detail, state.tenant_url(directory_id))
    if as_json:
        echo_json(out)
        return
    echo_pairs(
        [
            ("id", out.id),
            ("userName", out.user_name),
            ("displayName", out.display_name),
            ("e-mail", out.email),
            ("externalId", out.external_id),
            ("active", out.active),
            ("source", out.source),
            ("linked", out.linked),
            ("created", out.created),
            ("lastModified", out.last_modified),
            ("groups", [f"{g.display_name} ({g.id})" for g in out.groups]),
        ]
    )


@user.command("show")
@click.argument("user_id")
@directory_option
@json_option
@pass_state
def user_show(state: CliState, user_id: str, directory_id: str, as_json: bool) -> None:
    """Show one user with its groups (--json adds its SCIM resource)."""
    with service_errors():
        detail = state.services.admin_users.show(directory_id, user_id)
    _show(state, directory_id, detail, as_json)


@user.command("unlink")
@click.argument("user_id")
@directory_option
@json_option
@pass_state
def user_unlink(state: CliState, user_id: str, directory_id: str, as_json: bool) -> None:
    """Hand a user back to user linking: the IdP's next POST for it links to it again."""
    with service_errors():
        detail = state.services.admin_users.unlink(directory_id, user_id)
    _show(state, directory_id, detail, as_json)


@user.command("delete")
@click.argument("user_id")
@directory_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@pass_state
def user_delete(state: CliState, user_id: str, directory_id: str, yes: bool, as_json: bool) -> None:
    """Delete a user and its memberships (whatever the directory's deletion setting)."""
    if not yes:
        click.confirm(f"Delete user {user_id} from directory {directory_id}?", abort=True)
    with service_errors():
        state.services.admin_users.delete(directory_id, user_id)
    if as_json:
        echo_json({"id": user_id, "deleted": True})
    else:
        click.echo(f"Deleted user {user_id}.")
