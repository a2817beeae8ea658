"""Replay of every documented IdP request shape in tests/fixtures/idp/ over the ASGI app.

Each fixture is sent to a fresh directory set to its IdP, on SQLite and PostgreSQL, and the
outcome its provider page documents (docs/idp/<provider>.md) is asserted. A fixture without an
expected outcome here fails the suite, so a new fixture cannot be left out of the replay.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scimdir.composition import Services

from .conftest import Tenant, make_tenant

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "idp"
FILES = sorted(p for p in FIXTURES.glob("*/*.json"))


@dataclass
class Replay:
    """A directory of the fixture's IdP, with a user and a group of two members to act on."""

    tenant: Tenant
    user_id: str
    other_id: str
    group_id: str
    response: Any = None

    def members(self) -> set[str]:
        group = self.tenant.get(f"/Groups/{self.group_id}").json()
        return {m["value"] for m in group.get("members", [])}


def _user(t: Tenant, name: str) -> str:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "displayName": name,
        "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}],
    }
    response = t.post("/Users", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _setup(app: tuple[TestClient, Services], idp: str) -> Replay:
    t = make_tenant(*app, idp=idp)
    user_id, other_id = _user(t, "onelogin-test-user01"), _user(t, "other")
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Before",
        "members": [{"value": user_id}, {"value": other_id}],
    }
    response = t.post("/Groups", group)
    assert response.status_code == 201, response.text
    return Replay(t, user_id, other_id, str(response.json()["id"]))


def _send(r: Replay, fixture: dict[str, Any]) -> Any:
    path: str = fixture["path"]
    target = r.group_id if path.startswith("/Groups/") else r.user_id
    text = json.dumps(fixture.get("body")).replace("{userId}", r.user_id).replace("{id}", target)
    path = path.replace("{id}", target)
    method = fixture["method"]
    if method == "GET":
        return r.tenant.get(path)
    if method == "POST":
        return r.tenant.post(path, json.loads(text))
    if method == "PUT":
        return r.tenant.put(path, json.loads(text))
    if method == "DELETE":
        return r.tenant.delete(path)
    assert method == "PATCH", method
    return r.tenant.patch(path, json.loads(text))


def _created(r: Replay) -> dict[str, Any]:
    assert r.response.status_code == 201, r.response.text
    doc: dict[str, Any] = r.response.json()
    stored = r.tenant.get(f"/{'Groups' if 'members' in doc else 'Users'}/{doc['id']}")
    assert stored.status_code == 200
    return doc


def _only_user_removed(r: Replay) -> None:
    assert r.response.status_code in (200, 204), r.response.text
    assert r.members() == {r.other_id}


def _emails_object(r: Replay) -> None:
    doc = _created(r)
    assert doc["emails"] == [{"value": "alan.turing@example.com", "primary": True}]


def _enterprise_template(r: Replay) -> None:
    doc = _created(r)
    ent = doc["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert doc["userName"] == "ada.lovelace@example.com" and ent["department"] == "Engineering"


def _string_active(r: Replay) -> None:
    doc = _created(r)
    assert doc["active"] is True and doc["id"] and doc["meta"]["resourceType"] == "User"


def _lookup(r: Replay) -> None:
    assert r.response.status_code == 200, r.response.text
    found = r.response.json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == r.user_id


def _legacy_put(r: Replay) -> None:
    assert r.response.status_code == 200, r.response.text
    doc = r.tenant.get(f"/Users/{r.user_id}").json()
    assert doc["name"]["givenName"] == "AAA Test" and doc["userName"] == "onelogin-test-user01"


def _authentik_user(r: Replay) -> None:
    doc = _created(r)
    assert doc["userName"] == "ada" and doc["active"] is True and doc["externalId"]


def _deactivated(r: Replay) -> None:
    assert r.response.status_code == 200, r.response.text
    assert r.tenant.get(f"/Users/{r.user_id}").json()["active"] is False


def _group_created(r: Replay) -> None:
    assert r.response.status_code == 201, r.response.text
    assert r.response.json()["displayName"] == "Engineering"


def _member_added(r: Replay) -> None:
    assert r.response.status_code in (200, 204), r.response.text
    assert r.members() == {r.user_id, r.other_id}


def _renamed_members_kept(r: Replay) -> None:
    assert r.response.status_code in (200, 204), r.response.text
    group = r.tenant.get(f"/Groups/{r.group_id}").json()
    assert group["displayName"] == "Engineering" and group["id"] == r.group_id
    assert r.members() == {r.user_id, r.other_id}


def _rippling_user(r: Replay) -> None:
    """The rippling preset requires no displayName: the documented attributes suffice."""
    doc = _created(r)
    assert doc["emails"] == [{"value": "grace.hopper@example.com", "primary": True}]
    assert (doc["externalId"], doc["name"]["familyName"]) == ("rippling-emp-0042", "Hopper")
    assert "displayName" not in doc


def _deactivated_on_delete(r: Replay) -> None:
    """The rippling preset keeps a deprovisioned user, inactive (deletion=deactivate)."""
    assert r.response.status_code == 204, r.response.text
    user = r.tenant.get(f"/Users/{r.user_id}")
    assert user.status_code == 200 and user.json()["active"] is False


def _unquoted_filter_read_as_string(r: Replay) -> None:
    """authentik.unquoted-filter-value: ``userName eq akadmin`` finds the user "akadmin"."""
    assert r.response.status_code == 200, r.response.text
    assert r.response.json()["totalResults"] == 0
    akadmin = _user(r.tenant, "akadmin")
    found = r.tenant.get("/Users?filter=userName+eq+akadmin").json()
    assert [u["id"] for u in found["Resources"]] == [akadmin]


EXPECTED: dict[str, Callable[[Replay], None]] = {
    "authentik/create_group.json": _group_created,
    "authentik/create_user_default_mapping.json": _authentik_user,
    "authentik/deactivate_user_put.json": _deactivated,
    "authentik/group_add_member.json": _member_added,
    "authentik/group_pathless_replace.json": _renamed_members_kept,
    "authentik/group_remove_member_by_value.json": _only_user_removed,
    "authentik/lookup_user_unquoted_filter.json": _unquoted_filter_read_as_string,
    "jumpcloud/group_remove_member_by_value.json": _only_user_removed,
    "rippling/create_user_documented_attributes.json": _rippling_user,
    "rippling/deprovision_user_delete.json": _deactivated_on_delete,
    "onelogin/create_user_emails_object.json": _emails_object,
    "onelogin/create_user_enterprise_template.json": _enterprise_template,
    "onelogin/create_user_string_active_with_readonly.json": _string_active,
    "onelogin/lookup_user_by_username.json": _lookup,
    "onelogin/update_user_put_legacy_urns.json": _legacy_put,
}


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_fixture_has_an_expected_outcome() -> None:
    """Each fixture file is replayed: none is missing from EXPECTED, none is stale."""
    assert {_name(p) for p in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_replay_is_accepted_with_the_documented_outcome(
    app_services: tuple[TestClient, Services], path: Path
) -> None:
    """The IdP's documented request, sent to a directory of that IdP, has its documented result."""
    fixture = json.loads(path.read_text())
    assert fixture["provider"] == path.parent.name
    replay = _setup(app_services, fixture["provider"])
    replay.response = _send(replay, fixture)
    EXPECTED[_name(path)](replay)


def test_an_unquoted_filter_value_is_invalid_filter_outside_authentik(
    app_services: tuple[TestClient, Services],
) -> None:
    """authentik's bare-word filter is a 400 invalidFilter for a generic directory, with a detail
    that shows the quoted form (RFC 7644 §3.4.2.2)."""
    fixture = json.loads((FIXTURES / "authentik" / "lookup_user_unquoted_filter.json").read_text())
    replay = _setup(app_services, "generic")
    response = _send(replay, fixture)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["scimType"] == "invalidFilter"
    assert "not valid SCIM filter syntax" in error["detail"]
    assert 'userName eq "alice@example.com"' in error["detail"]
