"""The change feed (service/event_feed.py): paging after a cursor, type filters, the start of the
feed, retention, long-polling and refusals (docs/events.md)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from scimdir.service.directories import DirectoryNotFound
from scimdir.service.event_feed import EventFeed, FeedPage, InvalidFeedRequest
from scimdir.service.event_retention import EventRetention
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_user


def _types(page: FeedPage) -> list[str]:
    return [e.type for e in page.events]


def _names(page: FeedPage) -> list[str]:
    return [e.data.get("userName", e.data["id"]) for e in page.events]


def _users(t: Tenant, count: int, prefix: str = "u") -> list[str]:
    return [create_user(t, f"{prefix}{n}@contoso.com")["id"] for n in range(count)]


def test_pages_follow_each_other_without_gap_or_repeat(entra: Tenant) -> None:
    """Reading with limit 2 and each page's next_cursor returns every event once, in order."""
    _users(entra, 5)
    feed = entra.services.events
    seen: list[str] = []
    cursor = None
    for _ in range(4):
        page = feed.read(entra.id, after=cursor, limit=2)
        seen += _names(page)
        cursor = page.next_cursor
    assert seen == [f"u{n}@contoso.com" for n in range(5)]
    assert feed.read(entra.id, after=cursor).events == []
    assert feed.read(entra.id, after=cursor).next_cursor == cursor


def test_cursor_resumes_where_a_restarted_consumer_stopped(entra: Tenant) -> None:
    """A stored cursor returns exactly the events written after it, even from a new feed object
    (a consumer that restarted)."""
    _users(entra, 2, "old")
    cursor = entra.services.events.read(entra.id).next_cursor
    _users(entra, 2, "new")
    page = EventFeed(entra.services.storage).read(entra.id, after=cursor)
    assert _names(page) == ["new0@contoso.com", "new1@contoso.com"]


def test_type_filter_returns_only_those_types_and_moves_past_the_rest(entra: Tenant) -> None:
    """types=user.deleted returns only deletions; its next_cursor moves past the filtered-out
    events, so a read from it returns only events written afterwards."""
    uids = _users(entra, 3)
    entra.delete(f"/Users/{uids[1]}")
    create_user(entra, "filtered@contoso.com")
    feed = entra.services.events
    page = feed.read(entra.id, types=["user.deleted"])
    assert [(e.type, e.data) for e in page.events] == [("user.deleted", {"id": uids[1]})]
    create_user(entra, "later@contoso.com")
    assert _names(feed.read(entra.id, after=page.next_cursor)) == ["later@contoso.com"]
    both = feed.read(entra.id, types=["user.deleted", "user.created"], limit=10)
    assert _types(both) == ["user.created"] * 3 + ["user.deleted"] + ["user.created"] * 2


def test_full_filtered_page_stops_at_its_last_event(entra: Tenant) -> None:
    """A filtered page that is full ends at its last event, not beyond (nothing is skipped)."""
    _users(entra, 4)
    feed = entra.services.events
    first = feed.read(entra.id, types=["user.created"], limit=2)
    second = feed.read(entra.id, after=first.next_cursor, types=["user.created"], limit=2)
    assert _names(first) + _names(second) == [f"u{n}@contoso.com" for n in range(4)]


def test_without_cursor_the_feed_starts_at_the_oldest_retained_event(entra: Tenant) -> None:
    """After retention pruned old events, a read without cursor starts at the oldest one left,
    and an old cursor still works (it continues after the pruned ones)."""
    _users(entra, 2, "old")
    old_cursor = "0"
    services = entra.services
    now = services.runtime.clock()
    EventRetention(
        services.storage, timedelta(days=1), clock=lambda: now + timedelta(days=2)
    ).prune(entra.id)
    _users(entra, 1, "kept")
    assert _names(services.events.read(entra.id)) == ["kept0@contoso.com"]
    assert _names(services.events.read(entra.id, after=old_cursor)) == ["kept0@contoso.com"]


def test_retention_keeps_recent_events(entra: Tenant) -> None:
    """Pruning deletes only events older than the retention period."""
    _users(entra, 2)
    services = entra.services
    EventRetention(services.storage, timedelta(days=30), clock=services.runtime.clock).prune(
        entra.id
    )
    assert len(services.events.read(entra.id).events) == 2


def test_long_poll_returns_an_event_written_while_waiting(entra: Tenant) -> None:
    """A read with wait and nothing new returns as soon as an event commits meanwhile."""
    feed = EventFeed(entra.services.storage, poll_interval=0.05)
    cursor = feed.read(entra.id).next_cursor
    writer = threading.Timer(0.3, lambda: create_user(entra, "late@contoso.com"))
    writer.start()
    try:
        page = feed.read(entra.id, after=cursor, wait_seconds=30)
    finally:
        writer.join()
    assert _names(page) == ["late@contoso.com"]


def test_async_long_poll_returns_an_event_written_while_waiting(entra: Tenant) -> None:
    """read_async waits on the event loop and returns the event committed meanwhile."""
    feed = EventFeed(entra.services.storage, poll_interval=0.05)
    cursor = feed.read(entra.id).next_cursor

    async def follow() -> FeedPage:
        waiting = asyncio.create_task(feed.read_async(entra.id, after=cursor, wait_seconds=30))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(create_user, entra, "async@contoso.com")
        return await waiting

    assert _names(asyncio.run(follow())) == ["async@contoso.com"]


def test_long_poll_with_nothing_new_returns_an_empty_page(entra: Tenant) -> None:
    """When nothing commits during the wait the answer is empty, with the same cursor."""
    feed = EventFeed(entra.services.storage, poll_interval=0.05)
    _users(entra, 1)
    cursor = feed.read(entra.id).next_cursor
    page = feed.read(entra.id, after=cursor, wait_seconds=0.2)
    assert (page.events, page.next_cursor) == ([], cursor)


def test_page_json_shape(entra: Tenant) -> None:
    """to_json answers {"data": [events], "next_cursor": "..."} with the public event form."""
    _users(entra, 1)
    body = entra.services.events.read(entra.id).to_json()
    assert sorted(body) == ["data", "next_cursor"]
    assert body["data"][0]["type"] == "user.created"
    assert body["next_cursor"] == body["data"][0]["cursor"]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"after": "abc"}, "after"),
        ({"after": "-1"}, "after"),
        ({"after": "9" * 40}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"types": ["user.created", "user.exploded"]}, "types"),
        ({"wait_seconds": -1}, "wait"),
        ({"wait_seconds": 3600}, "wait"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    entra: Tenant, kwargs: dict[str, object], parameter: str
) -> None:
    """A bad cursor, limit, type or wait raises InvalidFeedRequest naming the parameter."""
    with pytest.raises(InvalidFeedRequest) as caught:
        entra.services.events.read(entra.id, **kwargs)  # type: ignore[arg-type]
    assert caught.value.parameter == parameter


def test_unknown_directory_is_not_found(entra: Tenant) -> None:
    """Reading the feed of a directory that does not exist raises DirectoryNotFound."""
    with pytest.raises(DirectoryNotFound):
        entra.services.events.read("no-such-directory")
