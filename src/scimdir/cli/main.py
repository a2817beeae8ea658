"""The ``scimdir`` command line: a thin adapter over the service layer (a stable interface that
other tools script against; ``--json`` outputs are exactly one JSON object)."""

from __future__ import annotations

import json
import os
import sys

import click
import uvicorn

from scimdir.cli.admin_commands import admin, announce_sign_in_link
from scimdir.cli.api_key_commands import api_key
from scimdir.cli.dev_commands import dev
from scimdir.cli.directory_commands import directory
from scimdir.cli.entra_commands import entra
from scimdir.cli.event_commands import events
from scimdir.cli.group_commands import group
from scimdir.cli.health_commands import health
from scimdir.cli.mapping_commands import mapping
from scimdir.cli.schema_commands import schema
from scimdir.cli.secret_file import write_private_file
from scimdir.cli.state import CliState, load_settings, pass_state
from scimdir.cli.user_commands import user
from scimdir.cli.webhook_commands import webhook, worker
from scimdir.scim.dialects import DIALECTS
from scimdir.scim.quirks import CORE_BEHAVIOURS, QUIRKS
from scimdir.service.directory_settings import IDPS
from scimdir.service.reachability import unreachable_reason
from scimdir.web.metrics import multiprocess_metrics

# A response's head and body in one write (web/http_protocol.py).
HTTP_PROTOCOL = "scimdir.web.http_protocol:CoalescingHttpToolsProtocol"


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """scimdir: SCIM directories that identity providers provision users and groups into."""
    ctx.ensure_object(CliState)


@cli.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option(
    "--bootstrap",
    is_flag=True,
    help="On an empty database, create a first directory and print its tenant URL and secret "
    "(the secret only to a terminal; otherwise into a new file readable only by you).",
)
@pass_state
def serve(
    state: CliState, host: str | None, port: int | None, workers: int, bootstrap: bool
) -> None:
    """Run the SCIM server (migrates the database first)."""
    if host:
        os.environ["SCIMDIR_HOST"] = host
    if port:
        os.environ["SCIMDIR_PORT"] = str(port)
    os.environ["SCIMDIR_WORKERS"] = str(workers)
    state.settings = load_settings()
    services = state.services
    if bootstrap and not services.directories.list_all():
        created = services.directories.create("Default directory", "entra")
        click.echo("Created a first directory. Paste these into Entra's provisioning settings:")
        click.echo(f"  Tenant URL:   {state.tenant_url(created.directory.id)}")
        if _stdout_is_terminal():
            click.echo(f"  Secret Token: {created.secret}")
            click.echo(
                "The secret is shown only now; rotate it with `scimdir directory rotate-secret`."
            )
        else:
            # Output that is not a terminal ends up in log files and CI logs: the secret goes
            # to a file only its owner can read instead.
            path = write_private_file("scimdir-secret-", created.secret + "\n")
            click.echo(f"  Secret Token: in {path} (readable only by you; delete it once used)")
        warning = unreachable_reason(state.settings.base_url())
        if warning:
            click.echo(f"Warning: {warning}", err=True)
    if bootstrap:
        announce_sign_in_link(state, _stdout_is_terminal())
    services.storage.dispose()
    with multiprocess_metrics(workers):  # one set of counters over all workers
        uvicorn.run(
            "scimdir.web.asgi:app_factory",
            factory=True,
            host=state.settings.host,
            port=state.settings.port,
            workers=workers,
            log_level="info",
            access_log=False,
            http=HTTP_PROTOCOL,
            proxy_headers=True,
            forwarded_allow_ips=state.settings.forwarded_allow_ips,
        )


@cli.command()
@pass_state
def migrate(state: CliState) -> None:
    """Bring the database schema up to date (concurrent runs are safe; see docs/deployment.md
    for the migrations that need the old servers drained)."""
    state.services  # noqa: B018 - building services migrates
    click.echo("Database is up to date.")


cli.add_command(admin)
cli.add_command(directory)
cli.add_command(user)
cli.add_command(group)
cli.add_command(api_key)
cli.add_command(mapping)
cli.add_command(schema)
cli.add_command(dev)
cli.add_command(entra)
cli.add_command(health)
cli.add_command(events)
cli.add_command(webhook)
cli.add_command(worker)


@cli.command()
@click.option("--idp", type=click.Choice(IDPS), default=None, help="Only this IdP's dialect.")
@click.option("--json", "as_json", is_flag=True)
def quirks(idp: str | None, as_json: bool) -> None:
    """List every IdP quirk scimdir accepts: its name, what it does, its source.

    With ``--idp`` only what that IdP's dialect accepts: its rewriting quirks (kind ``rewrite``),
    then the RFC-compatible behaviours the core has for every IdP (kind ``core``)."""
    rows = []
    for quirk in (*QUIRKS, *CORE_BEHAVIOURS):
        core = quirk in CORE_BEHAVIOURS
        dialects = (
            list(DIALECTS) if core else [d for d, ds in DIALECTS.items() if quirk in ds.quirks]
        )
        if idp is None or idp in dialects:
            rows.append(
                {
                    "name": quirk.name,
                    "kind": "core" if core else "rewrite",
                    "summary": quirk.summary,
                    "source": quirk.source,
                    "dialects": dialects,
                }
            )
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['name']}  [{', '.join(row['dialects'])}]")
        click.echo(f"    {row['summary']}")
        click.echo(f"    {row['source']}")


def _stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (a person), not a pipe or a log file."""
    return sys.stdout.isatty()


def main() -> None:
    """Console-script entry point."""
    cli(obj=CliState())
