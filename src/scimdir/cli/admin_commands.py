"""``scimdir admin create``: accounts of the admin console at ``/admin`` (docs/console.md).

The password comes from a hidden prompt (asked twice), or with ``--password-stdin`` from the first
line of standard input, so it never appears in the shell history or the process list.
"""

from __future__ import annotations

import sys

import click

from scimdir.cli.output import echo_json, service_errors
from scimdir.cli.secret_file import write_private_file
from scimdir.cli.state import CliState, pass_state

__all__ = ["admin", "announce_sign_in_link"]


@click.group("admin")
def admin() -> None:
    """Manage admin console accounts (/admin)."""


@admin.command("create")
@click.option("--email", required=True, help="The account's e-mail, used to sign in.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of a prompt.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_state
def create(state: CliState, email: str, password_stdin: bool, as_json: bool) -> None:
    """Create an admin console account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with service_errors():
        record = state.services.admin_accounts.create(email, password)
    if as_json:
        echo_json({"id": record.id, "email": record.email})
        return
    click.echo(f"Created admin {record.email}; sign in at {state.settings.base_url()}/admin")


def announce_sign_in_link(state: CliState, to_terminal: bool) -> None:
    """On a database without console accounts, print a one-time link that creates the first one
    (``serve --bootstrap``): valid once, for 15 minutes. Like the first secret, it goes only to a
    terminal; otherwise into a new file readable only by its owner."""
    accounts = state.services.admin_accounts
    if accounts.any_exist():
        return
    link = f"{state.settings.base_url()}/admin/setup/{accounts.issue_link_token()}"
    click.echo("No admin console account yet. Open this one-time link (valid 15 minutes) to")
    click.echo("create yours, or run `scimdir admin create --email EMAIL`:")
    if to_terminal:
        click.echo(f"  {link}")
    else:
        path = write_private_file("scimdir-admin-link-", link + "\n")
        click.echo(f"  in {path} (readable only by you; delete it once used)")
