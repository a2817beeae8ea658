"""A group's ETag and meta.lastModified cover its membership (RFC 7644 §3.14, port rule 4)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from scimdir.devtools.entra_bodies import entra_user
from scimdir.service.ports import StaleVersion
from scimdir.storage.sql.transaction import SqlTransaction
from scimdir.storage.sql.user_ops import UserOps
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_group, create_user, patch_body
from tests.web.test_okta_conformance import make_group, make_user

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _add(t: Tenant, group_id: str, *user_ids: str, **headers: str) -> Any:
    body = patch_body({"op": "add", "path": "members", "value": [{"value": u} for u in user_ids]})
    return t.patch(f"/Groups/{group_id}", body, headers=headers)


def _events(t: Tenant) -> list[str]:
    with t.services.storage.transaction(readonly=True) as tx:
        return [e.type for e in tx.list_events(t.id, after=0, limit=100)]


def test_member_patch_changes_etag_and_last_modified(entra: Tenant) -> None:
    """Adding a member gives the group a new ETag and lastModified: If-None-Match with the old
    ETag gets the new members (200), not 304."""
    uid = create_user(entra, "m@contoso.com")["id"]
    gid = create_group(entra, "Versioned")
    before = entra.get(f"/Groups/{gid}")
    time.sleep(0.002)  # lastModified has millisecond precision
    assert _add(entra, gid, uid).status_code == 204
    after = entra.get(f"/Groups/{gid}", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert [m["value"] for m in after.json()["members"]] == [uid]
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["meta"]["lastModified"] > before.json()["meta"]["lastModified"]


def test_last_modified_filter_sees_membership_changes(entra: Tenant) -> None:
    """meta.lastModified gt <the group's last read> finds a group whose members changed."""
    uid = create_user(entra, "f@contoso.com")["id"]
    gid = create_group(entra, "Filtered")
    seen = entra.get(f"/Groups/{gid}").json()["meta"]["lastModified"]
    time.sleep(0.002)
    _add(entra, gid, uid)
    found = entra.get(f'/Groups?filter=meta.lastModified gt "{seen}"&excludedAttributes=members')
    assert [r["id"] for r in found.json()["Resources"]] == [gid]


def test_put_with_an_etag_older_than_a_member_add_is_412(okta: Tenant) -> None:
    """A PUT whose If-Match predates a member add is refused 412 and the added member stays:
    no lost update (RFC 7644 §3.14)."""
    uid = make_user(okta, "kept.user@example.com")["id"]
    gid = make_group(okta, "Guarded")
    old = okta.get(f"/Groups/{gid}").headers["etag"]
    assert _add(okta, gid, uid).status_code == 204
    stale_put = okta.put(
        f"/Groups/{gid}",
        {"schemas": [GROUP], "displayName": "Guarded", "members": []},
        headers={"If-Match": old},
    )
    assert stale_put.status_code == 412
    assert [m["value"] for m in okta.get(f"/Groups/{gid}").json()["members"]] == [uid]


def test_member_patch_with_current_etag_succeeds_and_old_one_fails(entra: Tenant) -> None:
    """Member PATCHes honour If-Match: the current ETag works once, then it is stale."""
    a, b = (create_user(entra, f"{n}@contoso.com")["id"] for n in ("a", "b"))
    gid = create_group(entra, "Precise")
    tag = entra.get(f"/Groups/{gid}").headers["etag"]
    first = _add(entra, gid, a, **{"If-Match": tag})
    assert first.status_code == 204
    assert first.headers["etag"] != tag
    assert _add(entra, gid, b, **{"If-Match": tag}).status_code == 412


def test_unchanged_membership_keeps_the_version(entra: Tenant) -> None:
    """Adding a member that is already there changes nothing: same ETag, no event."""
    uid = create_user(entra, "same@contoso.com")["id"]
    gid = create_group(entra, "Stable")
    tag = _add(entra, gid, uid).headers["etag"]
    assert _add(entra, gid, uid).headers["etag"] == tag
    assert _events(entra).count("group.member_added") == 1


def test_deleting_a_member_changes_the_group_etag(entra: Tenant) -> None:
    """DELETE of a user removes it from its groups and gives those groups a new ETag."""
    uid = create_user(entra, "gone@contoso.com")["id"]
    gid = create_group(entra, "Losing")
    tag = _add(entra, gid, uid).headers["etag"]
    assert entra.delete(f"/Users/{uid}").status_code == 204
    after = entra.get(f"/Groups/{gid}")
    assert (after.headers["etag"] != tag, after.json().get("members", [])) == (True, [])


def test_member_that_vanished_after_the_check_is_a_clean_400(
    entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member the service believed to exist but the database does not have (a delete that won
    the race) is refused 400 invalidValue by the foreign key, and nothing is applied."""
    gid = create_group(entra, "Raced")
    monkeypatch.setattr(UserOps, "existing_user_ids", lambda self, d, ids: set(ids))
    response = _add(entra, gid, "deleted-meanwhile")
    monkeypatch.undo()
    assert (response.status_code, response.json()["scimType"]) == (400, "invalidValue")
    assert "deleted-meanwhile" in response.json()["detail"]
    assert entra.get(f"/Groups/{gid}").json().get("members", []) == []


def test_patch_with_bogus_attributes_writes_nothing(entra: Tenant) -> None:
    """PATCH ?attributes=bogus is refused 400 before anything is written (no commit, no event)."""
    uid = create_user(entra, "p@contoso.com")["id"]
    gid = create_group(entra, "Untouched")
    tag = entra.get(f"/Groups/{gid}").headers["etag"]
    refused = entra.client.patch(
        entra.url(f"/Groups/{gid}?attributes=bogus"),
        json=patch_body({"op": "add", "path": "members", "value": [{"value": uid}]}),
        headers={"Authorization": f"Bearer {entra.secret}"},
    )
    assert refused.status_code == 400
    after = entra.get(f"/Groups/{gid}")
    assert (after.headers["etag"], after.json().get("members", [])) == (tag, [])
    assert "group.members_changed" not in _events(entra)


def test_patch_with_attributes_answers_its_own_result(entra: Tenant) -> None:
    """PATCH ?attributes=members answers 200 with the members and the ETag this write made."""
    uid = create_user(entra, "r@contoso.com")["id"]
    gid = create_group(entra, "Answered")
    response = entra.client.patch(
        entra.url(f"/Groups/{gid}?attributes=members"),
        json=patch_body({"op": "add", "path": "members", "value": [{"value": uid}]}),
        headers={"Authorization": f"Bearer {entra.secret}"},
    )
    assert response.status_code == 200
    assert [m["value"] for m in response.json()["members"]] == [uid]
    assert response.headers["etag"] == entra.get(f"/Groups/{gid}").headers["etag"]


def test_lost_races_without_if_match_are_never_412(
    entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PATCH that keeps losing the version race answers 409 with a detail without If-Match,
    412 only with it."""
    user = create_user(entra, "race@contoso.com")
    tag = entra.get(f"/Users/{user['id']}").headers["etag"]

    def always_stale(
        self: SqlTransaction, record: Any, expected_version: int, *_: Any, **__: Any
    ) -> int:
        raise StaleVersion("changed")

    # The write of a user PATCH: it raises as update_user would (a lost race every time).
    monkeypatch.setattr(SqlTransaction, "update_user_with_event", always_stale)
    body = patch_body({"op": "replace", "path": "displayName", "value": "New"})
    plain = entra.patch(f"/Users/{user['id']}", body)
    guarded = entra.patch(f"/Users/{user['id']}", body, headers={"If-Match": tag})
    assert (plain.status_code, "scimType" in plain.json()) == (409, False)
    assert "send it again" in plain.json()["detail"]
    assert guarded.status_code == 412


def test_linking_that_loses_a_race_is_retried(
    entra: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """User linking whose account changed under it (StaleVersion) runs again: 201, not 500."""
    entra.set("user_linking", True)
    local = entra.services.directories.create_local_user(entra.id, "link@contoso.com", None, None)
    real = UserOps.update_user
    calls: list[int] = []

    def stale_once(self: UserOps, record: Any, expected_version: int) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise StaleVersion("changed meanwhile")
        real(self, record, expected_version)

    monkeypatch.setattr(UserOps, "update_user", stale_once)
    response = entra.post("/Users", entra_user("link@contoso.com"))
    assert (response.status_code, response.json()["id"], len(calls)) == (201, local.id, 2)
