"""``scimdir entra simulate``: rehearse Microsoft Entra provisioning against any SCIM endpoint.

The command reads source users (JSON or Entra's user-export CSV), optional groups and changes,
turns users into SCIM payloads with a mappings file or preset (default ``entra-recommended``),
runs :class:`scimdir.simulator.Simulator` over HTTP and prints an Entra-style provisioning report
(``--json``: the machine form, one JSON object). The exit code is 1 when any object failed.

The HTTP client is built here with httpx; a caller (a test) may instead put an HTTP client as
the root click context object (``CliRunner().invoke(entra, args, obj=client)``). A progress bar
goes to stderr when it is a terminal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
import httpx

from scimdir.mapping import EvalContext
from scimdir.mapping.mappings import PRESETS, load_mappings, preset_text
from scimdir.mapping.preview import load_users
from scimdir.simulator import (
    EntraClient,
    Simulator,
    load_changes,
    load_groups,
    source_users,
)
from scimdir.simulator.client import HttpClient

__all__ = ["SECRET_ENV", "entra"]

SECRET_ENV = "SCIMDIR_SIMULATE_SECRET"

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def entra() -> None:
    """Tools that behave like Microsoft Entra ID's provisioning service."""


def _mappings_text(name: str) -> str:
    if name in PRESETS:
        return preset_text(name)
    try:
        return Path(name).read_text("utf-8")
    except OSError as exc:
        raise click.BadParameter(f"cannot read {name}: {exc.strerror}") from None


@entra.command("simulate")
@click.option("--tenant-url", required=True, help="The SCIM base URL, as typed into Entra.")
@click.option("--secret", "secret_argument", hidden=True, help="Refused: see SECRET_ENV.")
@click.option("--users", "users_path", required=True, type=_FILE, help="Users: JSON list or CSV.")
@click.option("--groups", "groups_path", type=_FILE, help="Groups: JSON list of groups.")
@click.option(
    "--mappings",
    "mappings_name",
    default="entra-recommended",
    show_default=True,
    help=f"Mappings file (JSON or YAML), or a preset: {', '.join(PRESETS)}.",
)
@click.option(
    "--changes",
    "changes_path",
    type=_FILE,
    help='Incremental cycle: a users file, or {"users": [...], "groups": [...]}.',
)
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--batch-size", default=50, show_default=True, type=click.IntRange(1), help="Members/PATCH."
)
@click.option(
    "--rfc-flag",
    is_flag=True,
    help="Send the aadOptscim062020 forms (lower-case ops, boolean active, filtered removals).",
)
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per request.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.pass_context
def simulate(
    ctx: click.Context,
    tenant_url: str,
    secret_argument: str | None,
    users_path: Path,
    groups_path: Path | None,
    mappings_name: str,
    changes_path: Path | None,
    concurrency: int,
    batch_size: int,
    rfc_flag: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Provision USERS (and GROUPS) into the SCIM endpoint at TENANT-URL as Entra would.

    The Secret Token is read from the environment variable SCIMDIR_SIMULATE_SECRET, else asked
    for without echo (or read from standard input). Never from the command line: other users of
    the machine can read it in the process list, and shells keep it in their history.
    """
    secret = _secret(secret_argument)
    try:
        mappings = load_mappings(_mappings_text(mappings_name))
        users = source_users(load_users(users_path))
        groups = load_groups(groups_path) if groups_path else []
        changes = load_changes(changes_path) if changes_path else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    total = Simulator.workload(len(users), len(groups), changes)
    with contextlib.ExitStack() as stack:
        http: HttpClient = _injected_client(ctx) or stack.enter_context(
            httpx.Client(timeout=timeout)
        )
        with _Progress(total) as advance:
            simulator = Simulator(
                EntraClient(http, tenant_url, secret, rfc_flag=rfc_flag),
                mappings,
                context=EvalContext(now=datetime.now(UTC)),
                concurrency=concurrency,
                batch_size=batch_size,
                progress=advance,
            )
            report = simulator.run(users, groups, changes)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        click.echo(report.to_text())
    if not report.ok:
        ctx.exit(1)


def _secret(argument: str | None) -> str:
    """The Secret Token: from ``SCIMDIR_SIMULATE_SECRET``, else a hidden prompt."""
    if argument is not None:
        raise click.UsageError(
            f"--secret is no longer accepted: a command line is visible to every user of the "
            f"machine. Set {SECRET_ENV} or type the secret at the prompt."
        )
    secret = os.environ.get(SECRET_ENV, "").strip()
    if secret:
        return secret
    # Without a terminal the prompt reads one line of standard input, so
    # ``scimdir entra simulate ... < secret-file`` works too; end of input aborts.
    typed: str = click.prompt("Secret Token", hide_input=True)
    return typed.strip()


def _injected_client(ctx: click.Context) -> HttpClient | None:
    """An HTTP client a caller put in the root context object (tests), else None."""
    obj = ctx.find_root().obj
    if obj is not None and callable(getattr(obj, "request", None)):
        client: HttpClient = obj
        return client
    return None


class _Progress:
    """A click progress bar on stderr when it is a terminal, else a no-op."""

    def __init__(self, total: int) -> None:
        self._bar = (
            click.progressbar(length=total, label="Provisioning", file=sys.stderr)
            if total and sys.stderr.isatty()
            else None
        )

    def __enter__(self) -> Callable[[int], None]:
        if self._bar is None:
            return lambda _n: None
        bar = self._bar.__enter__()
        return bar.update

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
