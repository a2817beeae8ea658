"""Every SCIM change becomes one event in the same transaction, carrying the resource as it is
after the change (docs/events.md); failed or rolled-back requests leave none."""

from __future__ import annotations

import re
from typing import Any

from scimdir.devtools.entra_bodies import entra_user
from scimdir.service.event_feed import event_json
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_group, create_user, patch_body
from tests.web.test_okta_conformance import make_group, make_user


def _events(t: Tenant) -> list[dict[str, Any]]:
    with t.services.storage.transaction(readonly=True) as tx:
        return [event_json(e) for e in tx.list_events(t.id, after=0, limit=1000)]


def _kinds(t: Tenant) -> list[tuple[str, str]]:
    out = []
    for e in _events(t):
        data = e["data"]
        out.append((e["type"], data["group"]["id"] if "group" in data else data["id"]))
    return out


def _without(doc: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in keys}


def _add_members(t: Tenant, gid: str, uids: list[str]) -> Any:
    return t.patch(
        f"/Groups/{gid}",
        patch_body({"op": "Add", "path": "members", "value": [{"value": u} for u in uids]}),
    )


def test_user_lifecycle_events_carry_the_user_after_each_change(entra: Tenant) -> None:
    """Create, update, deactivate, reactivate, delete: one event each, in order, each with the
    User a GET returned right after the change (the id alone once deleted)."""
    uid = create_user(entra, "ev@contoso.com")["id"]
    seen = [entra.get(f"/Users/{uid}").json()]
    for op in (
        {"op": "Replace", "path": "title", "value": "CTO"},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": "active", "value": "True"},
    ):
        assert entra.patch(f"/Users/{uid}", patch_body(op)).status_code == 200
        seen.append(entra.get(f"/Users/{uid}").json())
    assert entra.delete(f"/Users/{uid}").status_code == 204
    events = _events(entra)
    assert [e["type"] for e in events] == [
        "user.created",
        "user.updated",
        "user.deactivated",
        "user.reactivated",
        "user.deleted",
    ]
    assert [e["data"] for e in events[:4]] == seen
    assert events[4]["data"] == {"id": uid}
    assert events[1]["changed_attributes"] == ["title"]
    assert events[2]["changed_attributes"] == ["active"]
    assert "changed_attributes" not in events[0]


def test_event_envelope_has_stable_ids_and_increasing_cursors(entra: Tenant) -> None:
    """Each event has a unique evt_ id, a cursor that grows, a type, occurred_at and data."""
    for n in range(3):
        create_user(entra, f"env{n}@contoso.com")
    events = _events(entra)
    assert sorted(events[0]) == ["cursor", "data", "directory_id", "id", "occurred_at", "type"]
    assert len({e["id"] for e in events}) == 3
    assert all(re.fullmatch(r"evt_[0-9a-f]{32}", e["id"]) for e in events)
    cursors = [int(e["cursor"]) for e in events]
    assert cursors == sorted(cursors) and len(set(cursors)) == 3
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["occurred_at"]) for e in events
    )
    assert {e["directory_id"] for e in events} == {entra.id}
    assert _events(entra) == events  # reading again gives the same ids


def test_update_names_changed_attributes_including_the_enterprise_extension(entra: Tenant) -> None:
    """user.updated lists each changed attribute, extension ones as URN:attribute."""
    uid = create_user(entra, "chg@contoso.com")["id"]
    entra.patch(
        f"/Users/{uid}",
        patch_body(
            {"op": "Replace", "path": "displayName", "value": "Changed"},
            {
                "op": "Add",
                "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "value": "Sales",
            },
        ),
    )
    last = _events(entra)[-1]
    assert last["type"] == "user.updated"
    assert last["changed_attributes"] == [
        "displayName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ]


def test_delete_with_deactivate_setting_is_a_deactivation(entra: Tenant) -> None:
    """With deletion=deactivate a DELETE emits user.deactivated with the inactive user."""
    entra.set("deletion", "deactivate")
    uid = create_user(entra, "soft@contoso.com")["id"]
    assert entra.delete(f"/Users/{uid}").status_code == 204
    last = _events(entra)[-1]
    assert (last["type"], last["data"]["id"], last["data"]["active"]) == (
        "user.deactivated",
        uid,
        False,
    )


def test_linking_emits_user_linked(entra: Tenant) -> None:
    """A POST that links an existing local account emits user.linked with the linked user."""
    entra.set("user_linking", True)
    local = entra.services.directories.create_local_user(entra.id, "link@contoso.com", None, None)
    response = entra.post("/Users", entra_user("link@contoso.com"))
    assert response.status_code == 201
    events = _events(entra)
    assert [e["type"] for e in events] == ["user.linked"]
    assert events[0]["data"]["id"] == local.id
    assert _without(events[0]["data"], "groups") == _without(response.json(), "groups")


def test_group_lifecycle_events(entra: Tenant) -> None:
    """group.created, group.updated (rename) and group.deleted, with the Group (no members)."""
    gid = create_group(entra, "Team")
    created = entra.get(f"/Groups/{gid}?excludedAttributes=members").json()
    entra.patch(
        f"/Groups/{gid}",
        patch_body({"op": "Replace", "path": "displayName", "value": "Team 2"}),
    )
    renamed = entra.get(f"/Groups/{gid}?excludedAttributes=members").json()
    assert entra.delete(f"/Groups/{gid}").status_code == 204
    events = _events(entra)
    assert [e["type"] for e in events] == ["group.created", "group.updated", "group.deleted"]
    assert [e["data"] for e in events] == [created, renamed, {"id": gid}]


def test_entra_patch_of_50_members_gives_50_member_added_events(entra: Tenant) -> None:
    """One Entra PATCH adding 50 members emits 50 group.member_added events, one per user,
    each naming the group and the user; re-adding them emits nothing."""
    uids = [create_user(entra, f"m{n}@contoso.com")["id"] for n in range(50)]
    gid = create_group(entra, "Fifty")
    assert _add_members(entra, gid, uids).status_code == 204
    added = [e for e in _events(entra) if e["type"] == "group.member_added"]
    assert len(added) == 50
    cursors = [int(e["cursor"]) for e in added]
    assert cursors == list(range(cursors[0], cursors[0] + 50))
    assert sorted(e["data"]["member"]["value"] for e in added) == sorted(uids)
    assert {e["data"]["group"]["id"] for e in added} == {gid}
    assert {e["data"]["group"]["displayName"] for e in added} == {"Fifty"}
    assert {e["data"]["member"]["type"] for e in added} == {"User"}
    first = added[0]["data"]["member"]
    assert first["$ref"].endswith(f"/Users/{first['value']}")
    before = len(_events(entra))
    assert _add_members(entra, gid, uids[:10]).status_code == 204
    assert len(_events(entra)) == before


def test_member_removals_one_event_per_member(entra: Tenant) -> None:
    """Removing three members (Entra's remove with value list) emits three member_removed;
    removing an absent member emits none."""
    uids = [create_user(entra, f"r{n}@contoso.com")["id"] for n in range(5)]
    gid = create_group(entra, "Removals")
    _add_members(entra, gid, uids)
    response = entra.patch(
        f"/Groups/{gid}",
        patch_body(
            {"op": "Remove", "path": "members", "value": [{"value": u} for u in uids[:3]]},
        ),
    )
    assert response.status_code == 204
    removed = [e for e in _events(entra) if e["type"] == "group.member_removed"]
    assert sorted(e["data"]["member"]["value"] for e in removed) == sorted(uids[:3])
    before = len(_events(entra))
    entra.patch(
        f"/Groups/{gid}",
        patch_body({"op": "Remove", "path": f'members[value eq "{uids[0]}"]'}),
    )
    assert len(_events(entra)) == before


def test_okta_put_of_the_whole_group_emits_the_membership_diff(okta: Tenant) -> None:
    """An Okta PUT replacing membership emits an event per member added and per member removed,
    none for members it keeps."""
    a, b, c = (make_user(okta, f"{n}.x@example.com")["id"] for n in "abc")
    gid = make_group(okta, "Pushed")
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": gid,
        "displayName": "Pushed",
    }
    okta.put(f"/Groups/{gid}", {**body, "members": [{"value": a}, {"value": b}]})
    start = len(_events(okta))
    assert (
        okta.put(f"/Groups/{gid}", {**body, "members": [{"value": b}, {"value": c}]}).status_code
        == 200
    )
    changes = [
        (e["type"], e["data"]["member"]["value"])
        for e in _events(okta)[start:]
        if e["type"].startswith("group.member_")
    ]
    assert sorted(changes) == [("group.member_added", c), ("group.member_removed", a)]


def test_directory_reset_event(entra: Tenant) -> None:
    """A reset emits directory.reset naming the directory and what it removed."""
    create_user(entra, "gone@contoso.com")
    entra.services.directories.reset(entra.id)
    last = _events(entra)[-1]
    assert (last["type"], last["data"]) == (
        "directory.reset",
        {"id": entra.id, "users": 1, "groups": 0, "unlinked": False},
    )


def test_refused_requests_write_no_event(entra: Tenant) -> None:
    """A 409 create, a 400 PATCH and a 404 leave no event: the outbox shares the transaction."""
    uid = create_user(entra, "dup@contoso.com")["id"]
    assert entra.post("/Users", entra_user("dup@contoso.com")).status_code == 409
    refused = entra.patch(f"/Users/{uid}", patch_body({"op": "Remove", "path": "userName"}))
    assert refused.status_code == 400
    assert entra.delete("/Users/00000000-0000-0000-0000-000000000000").status_code == 404
    assert [e["type"] for e in _events(entra)] == ["user.created"]


def test_rolled_back_membership_patch_writes_no_event(entra: Tenant) -> None:
    """A PATCH whose first operation adds members and whose second names an unknown member is
    refused whole (400): the rows of the first are rolled back and so are their events."""
    uids = [create_user(entra, f"rb{n}@contoso.com")["id"] for n in range(3)]
    gid = create_group(entra, "Rollback")
    before = _events(entra)
    response = entra.patch(
        f"/Groups/{gid}",
        patch_body(
            {"op": "Add", "path": "members", "value": [{"value": u} for u in uids]},
            {"op": "Add", "path": "members", "value": [{"value": "no-such-user"}]},
        ),
    )
    assert response.status_code == 400
    assert _events(entra) == before


def test_unchanged_patch_writes_no_event(entra: Tenant) -> None:
    """A PATCH that changes nothing (Entra re-sends values) writes no event, keeps the version."""
    user = create_user(entra, "same@contoso.com")
    response = entra.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "Replace", "path": "displayName", "value": user["displayName"]}),
    )
    assert response.json()["meta"]["version"] == user["meta"]["version"]
    assert [e["type"] for e in _events(entra)] == ["user.created"]


def test_events_of_one_directory_never_show_in_another(entra: Tenant, okta: Tenant) -> None:
    """Events are per directory (tenancy): each directory's feed holds only its own changes."""
    create_user(entra, "mine@contoso.com")
    make_user(okta, "their.s@example.com")
    assert {e["directory_id"] for e in _events(entra)} == {entra.id}
    assert len(_events(okta)) == 1
    assert _kinds(entra)[0][0] == "user.created"
