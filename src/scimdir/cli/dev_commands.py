"""``scimdir dev``: developer commands (bulk seeding for benchmarks and demos).

``scimdir dev seed --directory ID --users 1000000 --group-sizes 500000,10`` writes synthetic users
and groups straight into the SQL tables (see :mod:`scimdir.devtools.seed`); with ``--create`` it
first creates the directory and prints its tenant URL and secret, like ``directory create``.
"""

from __future__ import annotations

import json

import click

from scimdir.cli.state import CliState
from scimdir.devtools.seed import seed_directory
from scimdir.service.directories import DirectoryNotFound


def _sizes(_ctx: click.Context, _param: click.Parameter, value: str) -> list[int]:
    if not value.strip():
        return []
    try:
        sizes = [int(part) for part in value.split(",")]
    except ValueError as exc:
        raise click.BadParameter("give comma-separated member counts, e.g. 500000,10") from exc
    if any(size < 0 for size in sizes):
        raise click.BadParameter("member counts cannot be negative")
    return sizes


@click.group()
def dev() -> None:
    """Developer tools (not for production directories)."""


@dev.command("seed")
@click.option("--directory", "directory_id", default=None, help="Directory to fill.")
@click.option("--create", is_flag=True, help="Create a new directory and fill it.")
@click.option("--users", type=click.IntRange(min=0), required=True, help="Users to add.")
@click.option(
    "--group-sizes",
    default="",
    callback=_sizes,
    help="Member counts of the groups to add (group-0, group-1, ...): first k users each.",
)
@click.option("--batch", type=click.IntRange(min=1), default=5000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def seed(
    ctx: click.Context,
    directory_id: str | None,
    create: bool,
    users: int,
    group_sizes: list[int],
    batch: int,
    as_json: bool,
) -> None:
    """Bulk-add synthetic users (user0000000@example.test, ...) and groups to a directory."""
    state = ctx.ensure_object(CliState)
    services = state.services
    secret: str | None = None
    if create == (directory_id is not None):
        raise click.UsageError("give either --directory ID or --create")
    if directory_id is None:
        created = services.directories.create("Seeded directory", "entra")
        directory_id, secret = created.directory.id, created.secret
    else:
        try:
            services.directories.get(directory_id)
        except DirectoryNotFound as exc:
            raise click.UsageError(f"no directory {directory_id}; use --create") from exc
    if any(size > users for size in group_sizes):
        raise click.UsageError("a group cannot have more members than --users")
    result = seed_directory(
        services.storage, directory_id, users=users, group_sizes=group_sizes, batch=batch
    )
    tenant_url = state.tenant_url(directory_id)
    out: dict[str, object] = {
        "id": directory_id,
        "tenant_url": tenant_url,
        "users": result.users,
        "groups": dict(zip(result.group_ids, result.group_sizes, strict=True)),
        "seconds": round(result.seconds, 1),
    }
    if secret is not None:
        out["secret"] = secret
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"Seeded {users} users and {len(group_sizes)} groups in {result.seconds:.1f} s.")
    for key, value in out.items():
        click.echo(f"  {key}: {value}")
