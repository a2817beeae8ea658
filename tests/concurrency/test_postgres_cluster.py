"""Correctness across server processes, enforced by PostgreSQL (docs/deployment.md).

Three ``scimdir serve`` processes share one database; racing clients are spread over them, so
nothing held in one process's memory can be what keeps the rules: RFC 7643 §4.1.1 uniqueness
(port rule 3), membership rows (rule 6, no lost update), RFC 7644 §3.14 ETags with If-Match
(rule 4), and secrets read from the database on every request.
"""

from __future__ import annotations

import json

import pytest

from scimdir.composition import Services
from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import SearchQuery
from tests.real_servers import run_cli

from .conftest import Tenant, patch_body, race, user_body

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RACERS = 24


def test_same_user_name_created_once(pg_tenant: Tenant, pg_services: Services) -> None:
    """Racing POSTs of one userName over three processes: one 201, the rest 409 uniqueness."""
    responses = race(RACERS, lambda i: pg_tenant.request(i, "POST", "/Users", user_body("x@c.io")))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1)
    assert {r.json()["scimType"] for r in responses if r.status_code == 409} == {"uniqueness"}
    with pg_services.storage.transaction() as tx:
        assert tx.search_users(pg_tenant.id, SearchQuery(count=0)).total == 1


def test_concurrent_member_patches_lose_nothing(pg_tenant: Tenant, pg_services: Services) -> None:
    """Racing adds and removes of different members of one group give exactly the expected set."""
    ids = [
        pg_tenant.request(0, "POST", "/Users", user_body(f"m{i}@c.io")).json()["id"]
        for i in range(RACERS + 4)
    ]
    keep, gone, new = ids[:4], ids[4 : 4 + RACERS // 2], ids[4 + RACERS // 2 :]
    group = pg_tenant.request(
        0,
        "POST",
        "/Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Racers",
            "members": [{"value": i} for i in keep + gone],
        },
    )
    assert group.status_code == 201
    group_id = group.json()["id"]

    def change(i: int) -> int:
        op = "add" if i % 2 else "remove"
        member = new[i // 2] if i % 2 else gone[i // 2]
        body = patch_body({"op": op, "path": "members", "value": [{"value": member}]})
        return pg_tenant.request(i, "PATCH", f"/Groups/{group_id}", body).status_code

    statuses = race(RACERS, change)
    assert set(statuses) <= {200, 204}
    with pg_services.storage.transaction() as tx:
        assert tx.member_ids(pg_tenant.id, group_id) == set(keep + new)


def test_concurrent_patches_of_one_user_lose_nothing(
    pg_tenant: Tenant, pg_services: Services
) -> None:
    """Racing PATCHes of one user, each adding its own e-mail, without If-Match: every one is
    applied (200) and none is lost, though each first reads the user unlocked (a lost race runs
    again reading it locked: ``service/versions.py``); the events count one change each."""
    created = pg_tenant.request(0, "POST", "/Users", user_body("many@c.io"))
    user_id = created.json()["id"]

    def add_email(i: int) -> int:
        value = [{"value": f"racer{i}@c.io", "type": "other"}]
        body = patch_body({"op": "add", "path": "emails", "value": value})
        return pg_tenant.request(i, "PATCH", f"/Users/{user_id}", body).status_code

    assert race(RACERS, add_email) == [200] * RACERS
    final = pg_tenant.request(1, "GET", f"/Users/{user_id}")
    emails = {e["value"] for e in final.json()["emails"]}
    assert emails == {"many@c.io"} | {f"racer{i}@c.io" for i in range(RACERS)}
    assert final.headers["etag"] == f'W/"{RACERS + 1}"'
    with pg_services.storage.transaction() as tx:
        events = tx.list_events(pg_tenant.id, 0, 100)
        found = tx.search_users(
            pg_tenant.id, SearchQuery(filter=parse_filter(USER_TYPE, 'emails eq "racer7@c.io"'))
        )
    assert [e.type for e in events] == ["user.created"] + ["user.updated"] * RACERS
    assert [u.id for u in found.items] == [user_id]


def test_same_if_match_one_winner(pg_tenant: Tenant) -> None:
    """Racing PATCHes of one user with the same If-Match: exactly one 200, every other 412."""
    created = pg_tenant.request(0, "POST", "/Users", user_body("etag@c.io"))
    user_id, tag = created.json()["id"], created.headers["etag"]

    def rename(i: int) -> int:
        body = patch_body({"op": "replace", "path": "displayName", "value": f"Racer {i}"})
        response = pg_tenant.request(i, "PATCH", f"/Users/{user_id}", body, **{"If-Match": tag})
        return response.status_code

    statuses = sorted(race(RACERS // 2, rename))
    assert statuses == [200] + [412] * (RACERS // 2 - 1)
    final = pg_tenant.request(1, "GET", f"/Users/{user_id}")
    assert (tag, final.headers["etag"]) == ('W/"1"', 'W/"2"')


def test_secret_rotation_seen_by_every_process_at_once(
    pg_tenant: Tenant, postgres_url: str
) -> None:
    """After a rotation by another process, the old secret is 401 on every server at once."""
    servers = range(len(pg_tenant.servers))
    assert [pg_tenant.request(n, "GET", "/Users?count=0").status_code for n in servers] == [200] * 3
    rotated = run_cli(postgres_url, "directory", "rotate-secret", pg_tenant.id, "--json")
    old, pg_tenant.secret = pg_tenant.secret, json.loads(rotated.stdout)["secret"]
    assert [pg_tenant.request(n, "GET", "/Users?count=0").status_code for n in servers] == [200] * 3
    pg_tenant.secret = old
    assert [pg_tenant.request(n, "GET", "/Users?count=0").status_code for n in servers] == [401] * 3
