"""The feed client and the example sync application against the real app, in process."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from examples.sync_app import SyncApp

from scimdir.client import FeedClient
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
