"""``scimdir api-key create|list|revoke``: keys of the management API (``/api/v1``).

A stable interface: ``create --json`` prints exactly one JSON object with ``id``, ``name``,
``role``, ``directory`` (null for an admin key) and ``key``; the key is shown only then.
"""

from __future__ import annotations

from datetime import datetime

import click

from scimdir.cli.output import echo_json, echo_table, service_errors
from scimdir.cli.state import CliState, pass_state
from scimdir.service.api_keys import ROLES
from scimdir.service.ports import ApiKeyRecord

__all__ = ["api_key"]


@click.group("api-key")
def api_key() -> None:
    """Manage API keys of the management API (/api/v1)."""


@api_key.command("create")
@click.option("--name", required=True, help="Who or what uses the key.")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="admin: every directory; reader: the one directory given with --directory.",
)
@click.option("--directory", "directory_id", default=None, help="A reader key's directory.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_state
def create(state: CliState, name: str, role: str, directory_id: str | None, as_json: bool) -> None:
    """Create an API key and print it (shown once: only its hash is stored)."""
    with service_errors():
        created = state.services.api_keys.create(name, role, directory_id)
    record = created.record
    if as_json:
        echo_json(
            {
                "id": record.id,
                "name": record.name,
                "role": record.role,
                "directory": record.directory_id,
                "key": created.key,
            }
        )
        return
    click.echo(f"API key:  {record.name} ({record.role}), id {record.id}")
    click.echo(f"Key:      {created.key}")
    click.echo("Copy the key now: it is stored only as a hash and cannot be shown again.")
    click.echo("Use it as: Authorization: Bearer <key>")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _key_json(record: ApiKeyRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "name": record.name,
        "role": record.role,
        "directory": record.directory_id,
        "created": _iso(record.created),
        "last_used": _iso(record.last_used),
        "revoked": _iso(record.revoked),
    }


@api_key.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@pass_state
def list_keys(state: CliState, as_json: bool) -> None:
    """List API keys (never the keys themselves)."""
    records = state.services.api_keys.list_all()
    if as_json:
        echo_json([_key_json(r) for r in records])
        return
    echo_table(
        ["ID", "NAME", "ROLE", "DIRECTORY", "CREATED", "LAST USED", "REVOKED"],
        [
            (r.id, r.name, r.role, r.directory_id, r.created, r.last_used, r.revoked)
            for r in records
        ],
    )


@api_key.command("revoke")
@click.argument("key_id")
@click.option("--json", "as_json", is_flag=True, help="Print the revoked key as JSON.")
@pass_state
def revoke(state: CliState, key_id: str, as_json: bool) -> None:
    """Revoke an API key: it stops working at once."""
    with service_errors():
        record = state.services.api_keys.revoke(key_id)
    if as_json:
        echo_json(_key_json(record))
    else:
        click.echo(f"Revoked API key {record.id} ({record.name}).")
