"""``scimdir webhook ...`` (subscriptions and their delivery log) and ``scimdir worker`` (the
delivery worker), docs/events.md "Webhooks"."""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

import click
import httpx

from scimdir.cli.state import CliState, fail, pass_state
from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.ports import SubscriptionRecord
from scimdir.worker.delivery import DeliveryWorker

__all__ = ["webhook", "worker"]


def _subscription_json(record: SubscriptionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "directory_id": record.directory_id,
        "url": record.url,
        "event_types": None if record.event_types is None else list(record.event_types),
        "enabled": record.enabled,
        "disabled_reason": record.disabled_reason,
        "created": record.created.isoformat(),
    }


@click.group()
def webhook() -> None:
    """Manage a directory's webhook subscriptions."""


@webhook.command("create")
@click.option("--directory", "directory_id", required=True)
@click.option("--url", required=True, help="The receiver (http or https).")
@click.option("--types", default=None, help="Only these event types, comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_state
def webhook_create(
    state: CliState, directory_id: str, url: str, types: str | None, as_json: bool
) -> None:
    """Subscribe a URL; prints the signing secret once."""
    wanted = None if types is None else types.split(",")
    try:
        created = state.services.webhooks.subscribe(directory_id, url, wanted)
    except DirectoryNotFound:
        fail(f"No directory {directory_id!r}.")
    except AdminError as exc:
        fail(str(exc))
    out = {**_subscription_json(created.subscription), "secret": created.secret}
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(f"Subscription: {out['id']}")
    click.echo(f"Secret:       {created.secret}")
    click.echo("Copy the secret now: it is not shown again.")


@webhook.command("list")
@click.option("--directory", "directory_id", required=True)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def webhook_list(state: CliState, directory_id: str, as_json: bool) -> None:
    """List a directory's subscriptions (never their secrets)."""
    records = [_subscription_json(r) for r in state.services.webhooks.subscriptions(directory_id)]
    if as_json:
        click.echo(json.dumps(records))
        return
    for r in records:
        status = "enabled" if r["enabled"] else f"disabled ({r['disabled_reason']})"
        click.echo(f"{r['id']}  {status}  {r['url']}")


@webhook.command("delete")
@click.option("--directory", "directory_id", required=True)
@click.argument("subscription_id")
@pass_state
def webhook_delete(state: CliState, directory_id: str, subscription_id: str) -> None:
    """Delete a subscription and its delivery log."""
    try:
        state.services.webhooks.delete(directory_id, subscription_id)
    except AdminError as exc:
        fail(str(exc))


@webhook.command("redeliver")
@click.option("--directory", "directory_id", required=True)
@click.argument("subscription_id")
@click.option("--after", "cursor", required=True, help="Send again every event after this cursor.")
@pass_state
def webhook_redeliver(
    state: CliState, directory_id: str, subscription_id: str, cursor: str
) -> None:
    """Send events again, in order, from a cursor on (re-enables a disabled subscription)."""
    try:
        state.services.webhooks.redeliver(directory_id, subscription_id, cursor)
    except AdminError as exc:
        fail(str(exc))


@webhook.command("test")
@click.option("--directory", "directory_id", required=True)
@click.argument("subscription_id")
@pass_state
def webhook_test(state: CliState, directory_id: str, subscription_id: str) -> None:
    """POST a signed webhook.test event now and print the outcome."""
    try:
        sub = state.services.webhooks.get(directory_id, subscription_id)
    except AdminError as exc:
        fail(str(exc))
    with httpx.Client(follow_redirects=False) as client:
        worker = DeliveryWorker(state.services.storage, client, clock=state.services.runtime.clock)
        record = worker.send_test(sub)
    outcome = f"HTTP {record.status}" if record.status is not None else record.error
    click.echo(f"{outcome} in {record.latency_ms:.0f} ms")
    if record.status is None or not 200 <= record.status < 300:
        sys.exit(1)


@webhook.command("deliveries")
@click.argument("subscription_id")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@pass_state
def webhook_deliveries(state: CliState, subscription_id: str, limit: int) -> None:
    """The delivery log of a subscription, newest first."""
    for d in state.services.webhooks.deliveries(subscription_id, limit):
        outcome = d.status if d.status is not None else "-"
        click.echo(
            f"{d.created.isoformat()}  {d.event_type:<21} attempt {d.attempt}  {outcome}  "
            f"{d.latency_ms:.0f} ms  {d.error or ''}"
        )


@click.command("worker")
@click.option("--directory", "directory_id", default=None, help="Only this directory's webhooks.")
@pass_state
def worker(state: CliState, directory_id: str | None) -> None:
    """Deliver webhook events until interrupted (run one or several, on any host)."""
    stop = threading.Event()
    # Stop between two attempts, never inside a database call or a request.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with httpx.Client(follow_redirects=False) as client:
        delivery = DeliveryWorker(
            state.services.storage,
            client,
            clock=state.services.runtime.clock,
            directory_id=directory_id,
        )
        delivery.run_forever(stop)
