"""Okta's provisioning traffic, replayed (`docs/idp/okta.md` §0 and §3-§5)."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import patch_body

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def okta_user(login: str) -> dict[str, Any]:
    """A create as Okta sends it: password placeholder, groups [], Okta id as externalId."""
    first, last = login.split("@", maxsplit=1)[0].split(".")
    return {
        "schemas": [USER],
        "userName": login,
        "name": {"givenName": first.title(), "familyName": last.title()},
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "displayName": f"{first.title()} {last.title()}",
        "locale": "en-US",
        "externalId": f"00u{first}",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def make_user(t: Tenant, login: str) -> dict[str, Any]:
    response = t.post("/Users", okta_user(login))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def make_group(t: Tenant, name: str) -> str:
    response = t.post("/Groups", {"schemas": [GROUP], "displayName": name, "members": []})
    assert response.status_code == 201, response.text
    group_id: str = response.json()["id"]
    return group_id


def member_ids(t: Tenant, group: str) -> list[str]:
    return sorted(m["value"] for m in t.get(f"/Groups/{group}").json()["members"])


def test_test_api_credentials(okta: Tenant) -> None:
    """Okta's credential test reads both lists with constant paging parameters."""
    users = okta.get("/Users?startIndex=1&count=2")
    groups = okta.get("/Groups?startIndex=1&count=100")
    assert (users.status_code, groups.status_code) == (200, 200)
    assert isinstance(users.json()["totalResults"], int)
    assert groups.json()["Resources"] == []


def test_existence_check_with_percent_encoding_and_caps(okta: Tenant) -> None:
    """The existence check arrives %20-encoded with paging, in other case; it finds the user."""
    user = make_user(okta, "jane.doe@example.com")
    response = okta.client.get(
        okta.url(
            "/Users?filter=userName%20eq%20%22JANE.DOE%40example.com%22&startIndex=1&count=100"
        ),
        headers={"Authorization": f"Bearer {okta.secret}"},
    )
    assert [r["id"] for r in response.json()["Resources"]] == [user["id"]]


def test_create_answers_full_user_without_password(okta: Tenant) -> None:
    """201 carries the full user; the placeholder password is never returned."""
    user = make_user(okta, "max.mustermann@example.com")
    assert user["externalId"] == "00umax"
    assert user["name"] == {"givenName": "Max", "familyName": "Mustermann"}
    assert "password" not in user


def test_profile_put_echoing_groups_keeps_memberships(okta: Tenant) -> None:
    """GET-then-PUT with id, meta and "groups": [] updates the profile and keeps memberships."""
    user = make_user(okta, "pat.lee@example.com")
    group = make_group(okta, "Staff")
    okta.patch(
        f"/Groups/{group}",
        patch_body({"op": "add", "path": "members", "value": [{"value": user["id"]}]}),
    )
    current = okta.get(f"/Users/{user['id']}").json()
    current["groups"] = []
    current["name"]["familyName"] = "Leigh"
    response = okta.put(f"/Users/{user['id']}", current)
    assert response.status_code == 200, response.text
    assert response.json()["name"]["familyName"] == "Leigh"
    assert member_ids(okta, group) == [user["id"]]
    assert [g["value"] for g in okta.get(f"/Users/{user['id']}").json()["groups"]] == [group]


def test_pathless_deactivate_changes_only_active(okta: Tenant) -> None:
    """{"op": "replace", "value": {"active": false}} deactivates and changes nothing else."""
    user = make_user(okta, "sam.roe@example.com")
    response = okta.patch(
        f"/Users/{user['id']}", patch_body({"op": "replace", "value": {"active": False}})
    )
    assert response.status_code == 200
    after = response.json()
    assert after["active"] is False
    assert {k: v for k, v in after.items() if k not in ("active", "meta")} == {
        k: v for k, v in user.items() if k not in ("active", "meta")
    }
    assert okta.get('/Users?filter=userName eq "sam.roe@example.com"').json()["totalResults"] == 1


def test_group_push_membership_forms(okta: Tenant) -> None:
    """Group Push: add, remove by filter, full replace, name PATCH keeps members, [] empties."""
    a, b, c = (make_user(okta, f"u.{n}@example.com")["id"] for n in "abc")
    group = make_group(okta, "Pushed")
    okta.patch(
        f"/Groups/{group}",
        patch_body(
            {"op": "add", "path": "members", "value": [{"value": a, "display": "A"}, {"value": b}]}
        ),
    )
    assert member_ids(okta, group) == sorted([a, b])
    okta.patch(f"/Groups/{group}", patch_body({"op": "remove", "path": f'members[value eq "{a}"]'}))
    assert member_ids(okta, group) == [b]
    okta.patch(
        f"/Groups/{group}",
        patch_body({"op": "replace", "path": "members", "value": [{"value": a}, {"value": c}]}),
    )
    assert member_ids(okta, group) == sorted([a, c])
    renamed = okta.patch(
        f"/Groups/{group}",
        patch_body({"op": "replace", "value": {"id": group, "displayName": "Pushed 2"}}),
    )
    assert renamed.status_code == 204
    assert member_ids(okta, group) == sorted([a, c])
    okta.patch(f"/Groups/{group}", patch_body({"op": "replace", "path": "members", "value": []}))
    assert member_ids(okta, group) == []
    assert okta.get(f"/Groups/{group}").json()["displayName"] == "Pushed 2"


def test_aiw_put_of_the_whole_group_replaces_membership(okta: Tenant) -> None:
    """App Integration Wizard apps PUT the whole group, members included."""
    a, b = (make_user(okta, f"w.{n}@example.com")["id"] for n in "ab")
    group = make_group(okta, "Wizard")
    body = {"schemas": [GROUP], "id": group, "displayName": "Wizard", "members": [{"value": a}]}
    assert okta.put(f"/Groups/{group}", body).status_code == 200
    assert member_ids(okta, group) == [a]
    body["members"] = [{"value": b}]
    okta.put(f"/Groups/{group}", body)
    assert member_ids(okta, group) == [b]


def test_import_pages_are_full_pages_of_100(okta: Tenant) -> None:
    """Paging by 100 returns full pages while more remain, with integer counters and no repeats."""
    for i in range(150):
        response = okta.post("/Users", okta_user(f"bulk.u{i:03d}@example.com"))
        assert response.status_code == 201
    first = okta.get("/Users?startIndex=1&count=100").json()
    second = okta.get("/Users?startIndex=101&count=100").json()
    assert (first["itemsPerPage"], second["itemsPerPage"]) == (100, 50)
    assert first["totalResults"] == 150
    ids = [r["id"] for r in first["Resources"] + second["Resources"]]
    assert len(set(ids)) == 150
