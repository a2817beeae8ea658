"""Writers that take the same rows in different requests, across server processes on PostgreSQL.

Port rule 8 (``scimdir.service.ports``) fixes one lock order: groups, users, membership rows, the
directory row. A whole-group PUT (group row, then its members' user rows, then membership rows)
racing DELETEs of those users (the containing groups, then the user) must therefore queue, not
deadlock into a 500, and the foreign key from memberships to users must leave no membership of a
deleted user. Member PATCHes without If-Match stay conflict-free while each bumps the group's
version once (rule 4).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from scimdir.composition import Services
from scimdir.storage.sql import SqlStorage

from .conftest import Tenant, patch_body, race, user_body

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

USERS = 16
ROUNDS = 4


def _group(t: Tenant, name: str, members: list[str]) -> dict[str, Any]:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
        "members": [{"value": m} for m in members],
    }
    response = t.request(0, "POST", "/Groups", body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _orphans(services: Services, directory_id: str) -> int:
    storage = services.storage
    assert isinstance(storage, SqlStorage)
    with storage.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM memberships m WHERE m.directory_id = :d AND "
                    "m.member_type = 'User' AND NOT EXISTS (SELECT 1 FROM users u WHERE "
                    "u.directory_id = m.directory_id AND u.id = m.member_id)"
                ),
                {"d": directory_id},
            ).scalar_one()
        )


def _put_against_deletes(t: Tenant, services: Services, round_: int) -> None:
    ids = [
        t.request(0, "POST", "/Users", user_body(f"p{round_}.{i}@c.io")).json()["id"]
        for i in range(USERS)
    ]
    doomed, kept = ids[: USERS // 2], ids[USERS // 2 :]
    # The PUTs add the doomed users (not members yet) while the DELETEs remove them.
    group_id = _group(t, f"Whole {round_}", kept)["id"]
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": f"Whole {round_}",
        "members": [{"value": m} for m in ids],
    }

    def act(i: int) -> tuple[str, int]:
        if i % 2:
            return "DELETE", t.request(i, "DELETE", f"/Users/{doomed[i // 2]}").status_code
        return "PUT", t.request(i, "PUT", f"/Groups/{group_id}", body).status_code

    results = race(USERS, act)
    assert {status for kind, status in results if kind == "DELETE"} == {204}
    # A PUT naming a user that a DELETE removed first is refused 400 (nothing applied).
    assert {status for kind, status in results if kind == "PUT"} <= {200, 400}
    assert _orphans(services, t.id) == 0
    with services.storage.transaction(readonly=True) as tx:
        assert tx.member_ids(t.id, group_id) == set(kept)


def test_whole_group_puts_race_user_deletes(pg_tenant: Tenant, pg_services: Services) -> None:
    """PUTs of a group with all users race DELETEs of half of them over three processes: no
    5xx, no membership of a deleted user, and the group ends with exactly the users left."""
    for round_ in range(ROUNDS):
        _put_against_deletes(pg_tenant, pg_services, round_)


def test_member_patches_queue_and_each_bumps_the_version(
    pg_tenant: Tenant, pg_services: Services
) -> None:
    """Racing member adds without If-Match over three processes all succeed, and the group's
    version counts every one of them (no lost bump)."""
    ids = [
        pg_tenant.request(0, "POST", "/Users", user_body(f"v{i}@c.io")).json()["id"]
        for i in range(USERS)
    ]
    group_id = _group(pg_tenant, "Counted", [])["id"]

    def add(i: int) -> int:
        body = patch_body({"op": "add", "path": "members", "value": [{"value": ids[i]}]})
        return pg_tenant.request(i, "PATCH", f"/Groups/{group_id}", body).status_code

    assert set(race(USERS, add)) == {204}
    with pg_services.storage.transaction(readonly=True) as tx:
        group = tx.get_group(pg_tenant.id, group_id)
        members = tx.member_ids(pg_tenant.id, group_id)
    assert (group.version if group else None, members) == (1 + USERS, set(ids))
