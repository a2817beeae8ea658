"""The feed client and the example sync application against the real app, in process."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from examples.sync_app import SyncApp

from scimdir.client import FeedClient, FeedError
from tests.api.conftest import Directory

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def patch(directory: Directory, path: str, *operations: dict[str, Any]) -> None:
    """An Entra-style PATCH (capitalised ``op``), which must succeed."""
    response = directory.scim("PATCH", path, {"schemas": [PATCH], "Operations": list(operations)})
    assert response.status_code in (200, 204), response.text


def directory_state(directory: Directory, group_ids: list[str]) -> tuple[dict[str, bool], set[Any]]:
    """``{user id: active}`` and ``{(group id, member id)}`` as the directory's SCIM API says."""
    users = directory.scim("GET", "/Users?count=1000").json()["Resources"]
    members = set()
    for group_id in group_ids:
        group = directory.scim("GET", f"/Groups/{group_id}").json()
        members |= {(group_id, m["value"]) for m in group.get("members", [])}
    return {u["id"]: u["active"] for u in users}, members


def test_sync_app_mirrors_the_directory_after_entra_provisioning(directory: Directory) -> None:
    """Applying the feed gives the app exactly the directory's users, active flags and members."""
    api = directory.api
    feed = FeedClient("http://testserver", api.key, directory.id, http=api.client)
    alice, bob, carol = (directory.add_user(f"{n}@example.com") for n in ("alice", "bob", "carol"))
    group = directory.add_group("Engineering")
    patch(
        directory,
        f"/Groups/{group}",
        {"op": "Add", "path": "members", "value": [{"value": alice}, {"value": bob}]},
    )
    patch(directory, f"/Users/{bob}", {"op": "Replace", "path": "active", "value": "False"})
    app = SyncApp(feed)
    assert app.sync_once() > 0
    assert (app.users(), app.memberships()) == directory_state(directory, [group])
    assert app.users()[bob] is False

    patch(directory, f"/Groups/{group}", {"op": "Remove", "path": f'members[value eq "{alice}"]'})
    assert directory.scim("DELETE", f"/Users/{carol}").status_code == 204
    cursor = app.cursor
    assert app.sync_once() == 2
    assert app.cursor != cursor
    assert (app.users(), app.memberships()) == directory_state(directory, [group])
    assert set(app.users()) == {alice, bob} and app.memberships() == {(group, bob)}


def test_read_returns_typed_events_filtered_by_type(directory: Directory) -> None:
    """``read`` parses events (datetime, cursor) and passes ``types`` to the server."""
    feed = FeedClient(
        "http://testserver", directory.api.key, directory.id, http=directory.api.client
    )
    user = directory.add_user("dave@example.com")
    directory.add_group("Ops", [user])
    events, cursor = feed.read(types=["group.member_added"])
    assert [e.type for e in events] == ["group.member_added"]
    assert events[0].data["member"]["value"] == user
    assert isinstance(events[0].occurred_at, datetime) and events[0].occurred_at.tzinfo == UTC
    assert feed.read(after=cursor) == ([], cursor)


def test_sync_app_applies_group_deletion_and_directory_reset(directory: Directory) -> None:
    """group.deleted drops the group's rows; directory.reset empties both tables."""
    api = directory.api
    app = SyncApp(FeedClient("http://testserver", api.key, directory.id, http=api.client))
    erin, frank = directory.add_user("erin@example.com"), directory.add_user("frank@example.com")
    kept, dropped = directory.add_group("Kept", [erin]), directory.add_group("Dropped", [frank])
    app.sync_once()
    assert app.memberships() == {(kept, erin), (dropped, frank)}
    assert directory.scim("DELETE", f"/Groups/{dropped}").status_code == 204
    app.sync_once()
    assert app.memberships() == directory_state(directory, [kept])[1] == {(kept, erin)}
    assert api.post(directory.url("/reset"), {"mode": "delete"}).status_code == 200
    app.sync_once()
    assert (app.users(), app.memberships()) == ({}, set())


def test_follow_yields_the_backlog_in_order_with_a_reader_key(directory: Directory) -> None:
    """``follow`` with a reader key bound to the directory yields every event, oldest first."""
    api = directory.api
    reader = api.services.api_keys.create("app", "reader", directory.id).key
    feed = FeedClient("http://testserver", reader, directory.id, http=api.client)
    directory.add_user("gina@example.com")
    directory.add_group("Sales")
    events = list(itertools.islice(feed.follow(wait=1), 2))
    assert [e.type for e in events] == ["user.created", "group.created"]
    assert int(events[0].cursor) < int(events[1].cursor)


def test_read_raises_feed_error_for_a_refused_key(directory: Directory) -> None:
    """A key the server refuses raises FeedError with the status and the problem's detail."""
    feed = FeedClient("http://testserver", "not-a-key", directory.id, http=directory.api.client)
    with pytest.raises(FeedError) as raised:
        feed.read()
    assert raised.value.status == 401 and raised.value.detail
