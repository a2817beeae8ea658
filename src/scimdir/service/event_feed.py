"""The change feed: a directory's events read after a cursor, with long-polling (docs/events.md).

Entry point for adapters (the management API's ``GET /api/v1/directories/{id}/events`` and
``scimdir events``): :meth:`EventFeed.read` (blocking; waits with ``time.sleep``) and
:meth:`EventFeed.read_async` (the same, for an event loop: the database is read in a worker
thread and the wait is an ``asyncio.sleep``, so a long-poll holds no thread and no connection).

**Why a cursor never passes a late event.** ``seq`` is taken under the directory row's lock,
held until commit, so seq order is commit order and a snapshot that sees event N sees every event
below N (port rule 7, ``storage/sql/transaction.py``). A page first reads the directory's
committed counter ``H`` and then the events ``cursor < seq <= H``: every such event is already
committed, and a later commit can only get a number above ``H``. So ``next_cursor`` may jump over
events filtered out by ``types`` or pruned by retention (up to ``H``) without ever jumping over an
event that is still to come. The cursor is the last ``seq`` read, written as an opaque string.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from scimdir.service.directories import DirectoryNotFound
from scimdir.service.event_data import EVENT_TYPES
from scimdir.service.ports import EventRecord, Storage
from scimdir.service.render import iso
from scimdir.service.unit_of_work import transaction

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_WAIT_SECONDS",
    "EventFeed",
    "FeedPage",
    "InvalidFeedRequest",
    "event_json",
    "parse_cursor",
]

DEFAULT_LIMIT: Final = 100
MAX_LIMIT: Final = 1000
MAX_WAIT_SECONDS: Final = 60.0
_MAX_CURSOR_DIGITS: Final = 18


class InvalidFeedRequest(ValueError):
    """A feed request the service refuses (bad cursor, limit, wait or type); adapters answer it
    with a 400 naming the parameter (``parameter``)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def parse_cursor(cursor: str | None) -> int:
    """The ``seq`` a cursor stands for; ``None`` (no cursor) is the start of the feed."""
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > _MAX_CURSOR_DIGITS:
        raise InvalidFeedRequest(
            "after", "The cursor is not one this feed handed out; pass a next_cursor unchanged."
        )
    return int(cursor)


def _cursor(seq: int) -> str:
    return str(seq)


def event_json(event: EventRecord) -> dict[str, Any]:
    """The public form of one event (docs/events.md)."""
    out: dict[str, Any] = {
        "id": event.event_id,
        "cursor": _cursor(event.seq),
        "type": event.type,
        "occurred_at": iso(event.created),
        "directory_id": event.directory_id,
        "data": event.data,
    }
    if event.changed is not None:
        out["changed_attributes"] = list(event.changed)
    return out


@dataclass(frozen=True)
class FeedPage:
    """Events after a cursor, oldest first, and the cursor to read the next page from."""

    events: list[EventRecord]
    next_cursor: str

    def to_json(self) -> dict[str, Any]:
        """``{"data": [events...], "next_cursor": "..."}``."""
        return {"data": [event_json(e) for e in self.events], "next_cursor": self.next_cursor}


def _check(limit: int, types: Sequence[str] | None, wait_seconds: float) -> tuple[str, ...] | None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidFeedRequest("limit", f"limit must be between 1 and {MAX_LIMIT}.")
    if not 0 <= wait_seconds <= MAX_WAIT_SECONDS:
        raise InvalidFeedRequest(
            "wait", f"wait must be between 0 and {MAX_WAIT_SECONDS:g} seconds."
        )
    if types is None:
        return None
    wanted = tuple(dict.fromkeys(t.strip() for t in types if t.strip()))
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown:
        shown = ", ".join(repr(t[:64]) for t in unknown[:5])
        raise InvalidFeedRequest(
            "types", f"Unknown event type(s) {shown}; known: {', '.join(EVENT_TYPES)}."
        )
    return wanted or None


class EventFeed:
    """Reads a directory's change feed (see the module docstring)."""

    def __init__(
        self,
        storage: Storage,
        *,
        poll_interval: float = 0.2,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.poll_interval = poll_interval
        self.monotonic = monotonic

    def read_once(
        self,
        directory_id: str,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
        types: Sequence[str] | None = None,
    ) -> FeedPage:
        """One page without waiting. Raises ``DirectoryNotFound`` or ``InvalidFeedRequest``."""
        start = parse_cursor(after)
        wanted = _check(limit, types, 0)
        with transaction(self.storage, readonly=True) as tx:
            high = tx.event_high_water(directory_id)
            if high is None:
                raise DirectoryNotFound(directory_id)
            events = tx.list_events(directory_id, start, limit, types=wanted, upto=high)
        if len(events) == limit:
            return FeedPage(events, _cursor(events[-1].seq))
        # Everything in (start, high] was read (or filtered out, or pruned): skip to ``high``.
        return FeedPage(events, _cursor(max(start, high)))

    def read(
        self,
        directory_id: str,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
        types: Sequence[str] | None = None,
        wait_seconds: float = 0,
    ) -> FeedPage:
        """A page, waiting up to ``wait_seconds`` (polling) while there is nothing new."""
        _check(limit, types, wait_seconds)
        deadline = self.monotonic() + wait_seconds
        while True:
            page = self.read_once(directory_id, after, limit, types)
            remaining = deadline - self.monotonic()
            if page.events or remaining <= 0:
                return page
            time.sleep(min(self.poll_interval, remaining))

    async def read_async(
        self,
        directory_id: str,
        after: str | None = None,
        limit: int = DEFAULT_LIMIT,
        types: Sequence[str] | None = None,
        wait_seconds: float = 0,
    ) -> FeedPage:
        """:meth:`read` for an event loop: reads in a worker thread, waits with asyncio."""
        _check(limit, types, wait_seconds)
        deadline = self.monotonic() + wait_seconds
        while True:
            page = await asyncio.to_thread(self.read_once, directory_id, after, limit, types)
            remaining = deadline - self.monotonic()
            if page.events or remaining <= 0:
                return page
            await asyncio.sleep(min(self.poll_interval, remaining))
