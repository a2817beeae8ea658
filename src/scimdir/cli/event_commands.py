"""``scimdir events ID``: a directory's change feed for people (docs/events.md).

One line per event (cursor, time, type, what changed), or with ``--json`` one JSON object per
line, exactly the feed's public event form. ``--follow`` keeps polling until Ctrl-C; without
it the command prints every event after ``--after`` and exits. Following polls the feed every
0.3 s while nothing is new. The last cursor printed is the one
to pass as ``--after`` next time.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

import click

from scimdir.cli.state import CliState, fail, pass_state
from scimdir.service.directories import DirectoryNotFound
from scimdir.service.event_feed import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    EventFeed,
    InvalidFeedRequest,
    event_json,
)

__all__ = ["events"]

_FOLLOW_POLL_SECONDS = 0.3


def _summary(event: dict[str, Any]) -> str:
    data = event["data"]
    if "member" in data:
        group = data["group"].get("displayName", data["group"]["id"])
        return f"{data['member']['type']} {data['member']['value']} / group {group}"
    name = data.get("userName") or data.get("displayName")
    changed = event.get("changed_attributes")
    detail = f" [{', '.join(changed)}]" if changed else ""
    return f"{data['id']}" + (f" {name}" if name else "") + detail


def _line(event: dict[str, Any]) -> str:
    return f"{event['cursor']:>8}  {event['occurred_at']}  {event['type']:<21} {_summary(event)}"


@click.command("events")
@click.argument("directory_id")
@click.option("--after", "cursor", default=None, help="Start after this cursor (default: oldest).")
@click.option("--follow", is_flag=True, help="Keep waiting for new events until Ctrl-C.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--types", default=None, help="Only these event types, comma-separated.")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Events per read of the feed.",
)
@pass_state
def events(
    state: CliState,
    directory_id: str,
    cursor: str | None,
    follow: bool,
    as_json: bool,
    types: str | None,
    limit: int,
) -> None:
    """Print a directory's change events (user, group, membership and reset events)."""
    feed: EventFeed = state.services.events
    wanted = None if types is None else types.split(",")
    stop = threading.Event()
    if follow:
        # Ctrl-C and SIGTERM end the loop between two reads, never in the middle of a database
        # call (an interrupt there would surface as a driver error).
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            page = feed.read(directory_id, cursor, limit, wanted)
            for record in page.events:
                event = event_json(record)
                click.echo(json.dumps(event) if as_json else _line(event))
            sys.stdout.flush()
            cursor = page.next_cursor
            if not follow and len(page.events) < limit:
                return
            if not page.events:
                stop.wait(_FOLLOW_POLL_SECONDS)
    except DirectoryNotFound:
        fail(f"No directory {directory_id!r}; `scimdir directory list` shows them.")
    except InvalidFeedRequest as exc:
        fail(str(exc))
