"""What a write answers: PUT of a large group, and PUTs that change nothing (RFC 7644 §3.5.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from scimdir.settings import Settings
from scimdir.web.app import create_app
from tests.web.conftest import Tenant, make_tenant
from tests.web.test_okta_conformance import GROUP, make_group, make_user, okta_user


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def small(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tenant]:
    """An Okta directory on a server whose responses carry at most 2 members."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'small.db'}"
    app = create_app(Settings(database_url=url, max_members_per_response=2, db_pool_size=2))
    with TestClient(app) as client:
        yield make_tenant(client, app.state.services, idp="okta")
    app.state.services.storage.dispose()


def _group_body(name: str, members: list[str]) -> dict[str, Any]:
    return {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}


def _events(t: Tenant) -> list[str]:
    with t.services.storage.transaction(readonly=True) as tx:
        return [e.type for e in tx.list_events(t.id, after=0, limit=100)]


def test_put_on_a_group_above_the_member_limit_succeeds(small: Tenant) -> None:
    """A PUT of a group with more members than a response carries is applied (200) and answers
    without members; a later GET without members shows it."""
    ids = [make_user(small, f"big.u{i}@example.com")["id"] for i in range(3)]
    gid = make_group(small, "Big")
    put = small.put(f"/Groups/{gid}", _group_body("Bigger", ids))
    assert put.status_code == 200, put.text
    assert ("members" in put.json(), put.json()["displayName"]) == (False, "Bigger")
    assert put.headers["etag"] == put.json()["meta"]["version"]
    read = small.get(f"/Groups/{gid}?excludedAttributes=members")
    assert (read.json()["displayName"], read.headers["etag"]) == ("Bigger", put.headers["etag"])
    with small.services.storage.transaction(readonly=True) as tx:
        assert tx.member_ids(small.id, gid) == set(ids)
    again = small.put(f"/Groups/{gid}", {"schemas": [GROUP], "displayName": "Biggest"})
    assert again.status_code == 200


def test_put_below_the_member_limit_answers_with_members(small: Tenant) -> None:
    """Within the limit, a PUT answers with the members it set."""
    ids = [make_user(small, f"two.u{i}@example.com")["id"] for i in range(2)]
    gid = make_group(small, "Pair")
    put = small.put(f"/Groups/{gid}", _group_body("Pair", ids))
    assert sorted(m["value"] for m in put.json()["members"]) == sorted(ids)


def test_unchanged_group_put_keeps_the_version(okta: Tenant) -> None:
    """Okta's PUT of an unchanged group (same name, same members) keeps the ETag and writes no
    event."""
    uid = make_user(okta, "same.member@example.com")["id"]
    gid = make_group(okta, "Same")
    first = okta.put(f"/Groups/{gid}", _group_body("Same", [uid]))
    events = _events(okta)
    second = okta.put(f"/Groups/{gid}", _group_body("Same", [uid]))
    assert second.status_code == 200
    assert second.headers["etag"] == first.headers["etag"]
    assert _events(okta) == events


def test_unchanged_user_put_keeps_the_version(okta: Tenant) -> None:
    """A PUT of a user with the values it already has keeps the ETag and writes no event."""
    user = make_user(okta, "same.user@example.com")
    events = _events(okta)
    put = okta.put(f"/Users/{user['id']}", okta_user("same.user@example.com"))
    assert put.status_code == 200
    assert (put.headers["etag"], put.json()["meta"]["version"]) == (
        user["meta"]["version"],
        user["meta"]["version"],
    )
    assert _events(okta) == events


def test_changed_user_put_bumps_the_version(okta: Tenant) -> None:
    """A PUT that changes a value still bumps the version and writes user.updated."""
    user = make_user(okta, "moved.user@example.com")
    body = okta_user("moved.user@example.com")
    body["title"] = "Changed"
    put = okta.put(f"/Users/{user['id']}", body)
    assert put.headers["etag"] != user["meta"]["version"]
    assert _events(okta)[-1] == "user.updated"
