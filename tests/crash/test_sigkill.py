"""Crash safety: a server SIGKILLed in the middle of a provisioning load loses nothing it
acknowledged and leaves nothing half-written, on SQLite and on PostgreSQL.

A real ``scimdir serve`` process takes a load of user creations, group member PATCHes and
user DELETEs from several client threads (``load.py``); it is killed with SIGKILL (no shutdown
code runs) while requests are in flight, and a new server is started on the same database. Then:

- every request answered 2xx is there: the users with their attributes, the members;
- nothing that failed or was cut left a partial write: e-mail rows match the documents, the list
  counters match the rows, memberships reference existing users and groups, a refused PATCH
  added nothing;
- the outbox holds an event for every committed change and none for a rolled-back one, with no
  gap in its sequence;
- the database passes its own integrity check;
- and the restarted server serves normally.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, func, select

from scimdir.composition import build_services
from scimdir.settings import Settings
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.tables import memberships, users
from tests.real_servers import running_servers

from .consistency import (
    integrity_problems,
    members_added_by_events,
    outbox_by_resource,
    outbox_matches_users,
    row_invariants,
)
from .load import KEPT, Journal, LoadClient, user_body

pytestmark = pytest.mark.slow

THREADS = 6
MIN_CREATED = 40  # users created before the kill may come
MAX_LOAD_S = 10.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite file, or the PostgreSQL test database (the test uses a fresh directory)."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'crash.db'}"


def scim(
    http: httpx.Client, base: str, secret: str, method: str, path: str, body: Any = None
) -> Any:
    """One SCIM request with the directory's secret."""
    return http.request(
        method, f"{base}{path}", json=body, headers={"Authorization": f"Bearer {secret}"}
    )


def load_then_kill(
    http: httpx.Client, url: str, workdir: Path, tenant: str, secret: str
) -> tuple[Journal, dict[str, str]]:
    """Run the load against a fresh server and SIGKILL it mid-load; return what clients saw."""
    journal = Journal()
    workdir.mkdir()
    with running_servers(url, 1, workdir) as (server,):
        base = f"{server.url}/scim/{tenant}/v2"
        groups = {}
        for name in ("A", "B"):
            group = {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": name,
            }
            created = scim(http, base, secret, "POST", "/Groups", group)
            assert created.status_code == 201, created.text
            groups[name] = created.json()["id"]
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=LoadClient(http, base, secret, groups, journal).run, args=(n, stop)
            )
            for n in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + MAX_LOAD_S
        while len(journal.created) < MIN_CREATED and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(random.uniform(0, 0.1))
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return journal, groups


def test_sigkill_mid_load_keeps_every_acknowledged_write_and_no_partial_one(
    database_url: str, tmp_path: Path
) -> None:
    """After a SIGKILL mid-load and a restart, 2xx writes are all there, nothing is half-written,
    the outbox matches the data, and the database passes its integrity check."""
    services = build_services(Settings(database_url=database_url, db_pool_size=2))
    services.storage.migrate()
    directory = services.directories.create("crash test", "entra")
    tenant, secret = directory.directory.id, directory.secret
    services.storage.dispose()
    limits = httpx.Limits(max_connections=THREADS + 4, max_keepalive_connections=THREADS + 4)
    with httpx.Client(timeout=30, limits=limits) as http:
        journal, groups = load_then_kill(http, database_url, tmp_path / "before", tenant, secret)
        assert not journal.unexpected, journal.unexpected
        assert len(journal.created) >= MIN_CREATED, "the load was too slow to mean anything"
        assert journal.cut >= 1 and journal.conflicts >= 1 and journal.refused_adds
        (tmp_path / "after").mkdir()
        with running_servers(database_url, 1, tmp_path / "after") as (server,):
            base = f"{server.url}/scim/{tenant}/v2"
            check_acknowledged_writes(http, base, secret, journal, groups)
            later = scim(http, base, secret, "POST", "/Users", user_body("after@crash.test"))
            assert later.status_code == 201, later.text
            listed = scim(http, base, secret, "GET", "/Users?count=0").json()["totalResults"]

    storage = SqlStorage(database_url, pool_size=1)
    try:
        assert integrity_problems(storage.engine, tenant) == []
        with storage.engine.connect() as conn:
            assert row_invariants(conn, tenant) == []
            assert outbox_matches_users(conn, tenant) == []
            history = outbox_by_resource(conn, tenant)
            for user_id in journal.created:
                assert history[user_id][0]["type"] == "user.created"
            for user_id in journal.deleted:
                assert history[user_id][-1]["type"] == "user.deleted"
            members = {name: member_ids(conn, tenant, gid) for name, gid in groups.items()}
            # Group A only ever gains kept users: its events add up to its rows exactly.
            assert members_added_by_events(conn, tenant, groups["A"]) == len(members["A"])
            for name in ("A", "B"):
                added = members_added_by_events(conn, tenant, groups[name])
                assert len(journal.added[name]) <= added <= journal.add_attempts[name]
            linked = linked_users(conn, tenant)
        assert listed == linked
    finally:
        storage.dispose()


def member_ids(conn: Connection, tenant: str, group_id: str) -> set[str]:
    """The member ids of one group, from its rows."""
    m = memberships.c
    query = select(m.member_id).where(m.directory_id == tenant, m.group_id == group_id)
    return set(conn.scalars(query))


def linked_users(conn: Connection, tenant: str) -> int:
    """Linked users of the directory, counted."""
    query = select(func.count()).select_from(users)
    return conn.scalar(query.where(users.c.directory_id == tenant, users.c.linked)) or 0


def check_acknowledged_writes(
    http: httpx.Client, base: str, secret: str, journal: Journal, groups: dict[str, str]
) -> None:
    """Through the restarted server: every 2xx write is visible with what was sent."""
    for user_id, body in journal.created.items():
        response = scim(http, base, secret, "GET", f"/Users/{user_id}")
        if user_id in journal.deleted:
            assert response.status_code == 404, user_id
            continue
        if user_id in journal.delete_unknown:
            assert response.status_code in (200, 404), user_id
            continue
        assert response.status_code == 200, (user_id, response.text)
        got = response.json()
        assert got["userName"] == body["userName"]
        assert got["displayName"] == body["displayName"]
        assert got["name"]["familyName"] == body["name"]["familyName"]
        assert {e["value"] for e in got["emails"]} == {e["value"] for e in body["emails"]}
    members = {}
    for name, group_id in groups.items():
        group = scim(http, base, secret, "GET", f"/Groups/{group_id}").json()
        members[name] = {m["value"] for m in group.get("members", [])}
    assert journal.added["A"] <= members["A"]
    assert journal.added["B"] - journal.deleted - journal.delete_unknown <= members["B"]
    assert not members["B"] & journal.deleted  # a deleted user's memberships went with it
    assert all(journal.kind.get(m, KEPT) == KEPT for m in members["A"])
    assert not members["B"] & journal.refused_adds  # a refused PATCH added nothing
    # Requests answered 5xx (none are expected, but they must leave nothing either).
    assert not (members["A"] | members["B"]) & journal.failed_adds
    for user_name in journal.failed_posts:
        found = scim(http, base, secret, "GET", f'/Users?filter=userName eq "{user_name}"')
        assert found.json()["totalResults"] == 0, user_name
    for user_id in journal.failed_deletes:
        assert scim(http, base, secret, "GET", f"/Users/{user_id}").status_code == 200
