"""``scimdir directory ...``: directory administration from the shell.

A stable interface: ``--json`` outputs are exactly one JSON value, errors (an unknown id among
them) exit non-zero with one line on stderr; settings print as JSON or as a table.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import click

from scimdir.cli.log_format import entry_json, entry_lines, printable, problem_json
from scimdir.cli.output import echo_pairs, echo_table
from scimdir.cli.state import CliState, fail, pass_state
from scimdir.service import durations
from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.directory_settings import IDPS, DirectorySettings, SettingError
from scimdir.service.ports import LogFilter
from scimdir.service.reachability import unreachable_reason
from scimdir.service.setup_guides import ENTRA_MAPPINGS, IDP_NAMES, setup_guide


@click.group()
def directory() -> None:
    """Manage directories."""


def _directory_json(state: CliState, record: Any) -> dict[str, Any]:
    try:
        settings: Any = DirectorySettings.from_json(record.settings).to_json()
    except SettingError as exc:  # shown with the fix, so the admin can repair it
        settings = {
            "stored": record.settings,
            "error": f"{exc} Fix it with `scimdir directory set {record.id} KEY VALUE`.",
        }
    return {
        "id": record.id,
        "name": record.name,
        "idp": record.idp,
        "tenant_url": state.tenant_url(record.id),
        "settings": settings,
        "created": record.created.isoformat(),
    }


@directory.command("create")
@click.option("--name", required=True, help="A name that points back to the application.")
@click.option("--idp", type=click.Choice(IDPS), default="entra", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_state
def directory_create(state: CliState, name: str, idp: str, as_json: bool) -> None:
    """Create a directory and print its tenant URL and secret (shown once)."""
    try:
        created = state.services.directories.create(name, idp)
    except AdminError as exc:
        fail(str(exc))
    record = created.directory
    warning = unreachable_reason(state.settings.base_url())
    if warning:
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "id": record.id,
                    "name": record.name,
                    "idp": record.idp,
                    "tenant_url": state.tenant_url(record.id),
                    "secret": created.secret,
                }
            )
        )
        return
    click.echo(f"Directory:  {record.name} ({record.idp})")
    click.echo(f"Tenant id:  {record.id}")
    click.echo(f"Tenant URL: {state.tenant_url(record.id)}")
    click.echo(f"Secret:     {created.secret}")
    click.echo("Copy the secret now: it is stored only as a hash and cannot be shown again.")


@directory.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def directory_list(state: CliState, as_json: bool) -> None:
    """List directories."""
    records = state.services.directories.list_all()
    if as_json:
        click.echo(json.dumps([_directory_json(state, r) for r in records]))
        return
    for r in records:
        click.echo(f"{r.id}  {r.idp:<9}  {r.name}")


@directory.command("show")
@click.argument("directory_id")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def directory_show(state: CliState, directory_id: str, as_json: bool) -> None:
    """Show one directory with its settings."""
    try:
        record = state.services.directories.get(directory_id)
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    data = _directory_json(state, record)
    data["live_secrets"] = len(state.services.directories.live_secrets(directory_id))
    if as_json:
        click.echo(json.dumps(data))
        return
    echo_pairs([(key, value) for key, value in data.items() if key != "settings"])
    click.echo("")
    _settings_table(data["settings"])


@directory.command("guide")
@click.argument("directory_id")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def directory_guide(state: CliState, directory_id: str, as_json: bool) -> None:
    """What to do in the directory's IdP to connect it: the steps with its tenant URL, and the
    IdP-side mappings that fill the attributes its settings require (the console shows the same
    after Add directory)."""
    try:
        record = state.services.directories.get(directory_id)
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    tenant_url = state.tenant_url(record.id)
    guide = setup_guide(record, tenant_url)
    required = DirectorySettings.of(record).required_attributes
    if guide is None:  # Entra: the README's steps, summed up, and its mapping table
        title = f"Set up provisioning in {IDP_NAMES['entra']}"
        steps = [
            "Enterprise applications -> New application -> Create your own application "
            f"(non-gallery); name it after the tenant id ({record.id}).",
            f"Provisioning -> Automatic: Tenant URL = {tenant_url}; Secret Token = the "
            "directory's secret; Test Connection; save.",
            "Settings -> Scope: sync only assigned users and groups.",
            "Mappings -> Provision Microsoft Entra ID Users: the mappings below.",
            "Provisioning status On; assign users and groups. Provision on demand tries one "
            "user now; otherwise Entra calls about every 40 minutes.",
            f"Every request and every refusal with its fix: scimdir directory log {record.id} "
            "--failures.",
        ]
        mappings = [(m.target, m.source, m.why) for m in ENTRA_MAPPINGS]
        source = "README.md, Connecting Microsoft Entra ID; docs/idp/entra.md"
        note = ""
    else:
        title, source, note = guide.title, guide.source, guide.note
        steps = [step.striptags() for step in guide.steps]
        mappings = [(m.target, m.source, m.why) for m in guide.mappings]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "idp": record.idp,
                    "title": title,
                    "tenant_url": tenant_url,
                    "steps": steps,
                    "mappings": [{"target": t, "source": s, "why": w} for t, s, w in mappings],
                    "required_attributes": list(required),
                    "note": note,
                    "source": source,
                }
            )
        )
        return
    click.echo(title)
    for number, step in enumerate(steps, 1):
        click.echo(f"{number}. {step}")
    click.echo("")
    click.echo(f"Required by this directory: {', '.join(required) or 'nothing'}")
    echo_table(["SCIM attribute", "IdP source", "why"], mappings)
    if note:
        click.echo(f"\nNote: {note}")
    click.echo(f"\nSource: {source}")


def _settings_table(settings: dict[str, Any]) -> None:
    echo_table(["SETTING", "VALUE"], sorted(settings.items()))


@directory.command("delete")
@click.argument("directory_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def directory_delete(state: CliState, directory_id: str, yes: bool) -> None:
    """Delete a directory and everything in it."""
    if not yes:
        click.confirm(f"Delete directory {directory_id} and all its users and groups?", abort=True)
    try:
        state.services.directories.delete(directory_id)
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    click.echo(f"Deleted {directory_id}.")


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``12h``, ``7d`` (:mod:`scimdir.service.durations`), as a CLI error."""
    try:
        return durations.parse_duration(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@directory.command("rotate-secret")
@click.argument("directory_id")
@click.option("--keep-old-for", default=None, help="Keep old secrets working this long (e.g. 1h).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def directory_rotate(
    state: CliState, directory_id: str, keep_old_for: str | None, as_json: bool
) -> None:
    """Issue a new secret; old ones stop now or after --keep-old-for."""
    overlap = parse_duration(keep_old_for) if keep_old_for else None
    try:
        secret = state.services.directories.rotate_secret(directory_id, overlap)
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    if as_json:
        click.echo(json.dumps({"id": directory_id, "secret": secret}))
        return
    click.echo(f"New secret: {secret}")
    click.echo(
        f"Old secrets stop working in {keep_old_for}." if keep_old_for else "Old secrets revoked."
    )


@directory.command("set")
@click.argument("directory_id")
@click.argument("key")
@click.argument("value")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON (the default).")
@pass_state
def directory_set(state: CliState, directory_id: str, key: str, value: str, as_json: bool) -> None:
    """Change an advanced setting: user_linking, deletion, required_attributes; or ``idp``.

    ``idp`` changes the directory's identity provider (its request dialect; the settings are
    kept). Prints the directory's settings as one JSON object (with ``idp`` for ``idp``)."""
    if key.strip().lower() == "idp":
        _set_idp(state, directory_id, value)
        return
    try:
        settings = state.services.directories.set_setting(directory_id, key, value)
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    except AdminError as exc:
        fail(str(exc))
    click.echo(json.dumps(settings.to_json()))


def _set_idp(state: CliState, directory_id: str, idp: str) -> None:
    """``directory set ID idp X``: the same change as the management API's PATCH ``idp``."""
    try:
        record = state.services.directories.update(directory_id, idp=idp.strip().lower())
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    except AdminError as exc:
        fail(str(exc))
    click.echo(
        json.dumps({"idp": record.idp, **DirectorySettings.from_json(record.settings).to_json()})
    )


@directory.command("reset")
@click.argument("directory_id")
@click.option("--yes", is_flag=True, help="Do not ask for the typed confirmation.")
@click.option("--unlink", is_flag=True, help="Keep users as unlinked accounts instead of deleting.")
@click.option("--json", "as_json", is_flag=True, help="Print what was reset as one JSON object.")
@pass_state
def directory_reset(
    state: CliState, directory_id: str, yes: bool, unlink: bool, as_json: bool
) -> None:
    """Remove the directory's provisioned users and groups; the IdP's next cycle rebuilds it."""
    if not yes:
        typed = click.prompt(f"Type the directory id ({directory_id}) to confirm the reset")
        if typed.strip() != directory_id:
            fail("confirmation did not match; nothing was reset")
    try:
        users, groups = state.services.directories.reset(directory_id, unlink_users=unlink)
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    if as_json:
        mode = "unlink" if unlink else "delete"
        click.echo(json.dumps({"id": directory_id, "mode": mode, "users": users, "groups": groups}))
        return
    verb = "unlinked" if unlink else "removed"
    click.echo(f"Reset: {users} users {verb}, {groups} groups removed.")


@directory.command("log")
@click.argument("directory_id")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--failures", is_flag=True, help="Only failed requests.")
@click.option("--user", "subject", default=None, help="Only this userName, group name or id.")
@click.option("--since", default=None, help="Only entries of the last 90s, 30m, 2h, 7d...")
@click.option("--problems", is_flag=True, help="Show the open problems instead of entries.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list.")
@pass_state
def directory_log(
    state: CliState,
    directory_id: str,
    limit: int,
    failures: bool,
    subject: str | None,
    since: str | None,
    problems: bool,
    as_json: bool,
) -> None:
    """Show the provisioning log, newest first: each request, its effect, and for a failure
    the explanation and the fix."""
    log = state.services.log
    try:
        if problems:
            found = log.problems(directory_id, limit=limit)
            if as_json:
                click.echo(json.dumps([problem_json(p) for p in found]))
                return
            for p in found:
                who = p.subject or p.resource_id or "the directory"
                click.echo(
                    printable(f"{who}: {p.kind}, {p.count}x, last {p.last_seen:%Y-%m-%d %H:%M}")
                )
                click.echo(f"    fix: {printable(p.fix or '-')}")
            return
        start = state.services.runtime.clock() - parse_duration(since) if since else None
        where = LogFilter(failures_only=failures, subject=subject, since=start)
        page = log.query(directory_id, where, limit=limit)
    except DirectoryNotFound:
        fail(f"no directory {directory_id}")
    if as_json:
        click.echo(json.dumps([entry_json(e) for e in page.entries]))
        return
    for entry in page.entries:
        for line in entry_lines(entry):
            click.echo(line)
