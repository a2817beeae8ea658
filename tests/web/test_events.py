"""Every change writes its outbox event in the same transaction (port rule 7,
``service/ports.py``)."""

from __future__ import annotations

from tests.web.conftest import Tenant, entra_user
from tests.web.test_entra_conformance import create_group, create_user, patch_body


def _events(t: Tenant) -> list[tuple[str, str]]:
    with t.services.storage.transaction(readonly=True) as tx:
        return [(e.type, e.resource_id) for e in tx.list_events(t.id, after=0, limit=100)]


def test_user_lifecycle_events_in_order(entra: Tenant) -> None:
    """Create, update, deactivate, reactivate and delete each leave one event, in order."""
    uid = create_user(entra, "ev@contoso.com")["id"]
    entra.patch(f"/Users/{uid}", patch_body({"op": "Replace", "path": "title", "value": "CTO"}))
    entra.patch(f"/Users/{uid}", patch_body({"op": "Replace", "path": "active", "value": "False"}))
    entra.patch(f"/Users/{uid}", patch_body({"op": "Replace", "path": "active", "value": "True"}))
    entra.delete(f"/Users/{uid}")
    assert _events(entra) == [
        ("user.created", uid),
        ("user.updated", uid),
        ("user.deactivated", uid),
        ("user.reactivated", uid),
        ("user.deleted", uid),
    ]


def test_refused_request_writes_no_event(entra: Tenant) -> None:
    """A refused create (409) leaves no event behind: the outbox shares the transaction."""
    create_user(entra, "dup@contoso.com")
    assert entra.post("/Users", entra_user("dup@contoso.com")).status_code == 409
    assert [kind for kind, _ in _events(entra)] == ["user.created"]


def test_unchanged_patch_writes_no_event(entra: Tenant) -> None:
    """A PATCH that changes nothing (Entra re-sends values) writes no event, keeps the version."""
    user = create_user(entra, "same@contoso.com")
    response = entra.patch(
        f"/Users/{user['id']}",
        patch_body({"op": "Replace", "path": "displayName", "value": user["displayName"]}),
    )
    assert response.json()["meta"]["version"] == user["meta"]["version"]
    assert [kind for kind, _ in _events(entra)] == ["user.created"]


def test_membership_change_event(entra: Tenant) -> None:
    """Adding members writes one group.members_changed event counting them."""
    uid = create_user(entra, "m@contoso.com")["id"]
    gid = create_group(entra, "Evented")
    entra.patch(
        f"/Groups/{gid}", patch_body({"op": "Add", "path": "members", "value": [{"value": uid}]})
    )
    with entra.services.storage.transaction(readonly=True) as tx:
        last = tx.list_events(entra.id, after=0, limit=100)[-1]
    assert (last.type, last.resource_id, last.data) == (
        "group.members_changed",
        gid,
        {"added": 1, "removed": 0},
    )
