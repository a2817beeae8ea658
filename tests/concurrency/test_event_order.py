"""The change feed never skips or reorders an event while several server processes write at
once, on PostgreSQL and on SQLite (port rule 7, docs/events.md).

Three ``scimdir serve`` processes take racing SCIM writes of every kind (user creates and
updates, membership-only PATCHes that add and remove members, group renames). Meanwhile two
followers read the feed: ``scimdir events --follow --json`` in its own process, and a tight loop
over :class:`~scimdir.service.event_feed.EventFeed` with tiny pages. When the writers are done,
each follower must have seen exactly the events table, in ``seq`` order, once each: a cursor that
had passed an event committing later would show up as a missing id.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from scimdir.composition import Services, build_services
from scimdir.service.event_feed import EventFeed
from scimdir.settings import Settings
from tests.real_servers import SCIMDIR, running_servers, server_env

from .conftest import SERVERS, Tenant, patch_body, user_body

pytestmark = pytest.mark.slow

WRITERS = 8
ROUNDS = 25
USERS = 12
GROUPS = 3
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def _table(services: Services, directory_id: str) -> list[str]:
    with services.storage.transaction(readonly=True) as tx:
        return [e.event_id for e in tx.list_events(directory_id, 0, 100_000)]


def _write(tenant: Tenant, worker: int, users: list[str], groups: list[str]) -> None:
    """One writer's mix of changes, spread over the three servers."""
    for n in range(ROUNDS):
        target = worker + n
        group = groups[target % len(groups)]
        member = users[(worker * 7 + n) % len(users)]
        kind = n % 5
        if kind in (0, 1):  # membership only: add, then remove
            op = "add" if kind == 0 else "remove"
            body = patch_body({"op": op, "path": "members", "value": [{"value": member}]})
            response = tenant.request(target, "PATCH", f"/Groups/{group}", body)
        elif kind == 2:
            body = patch_body({"op": "replace", "path": "title", "value": f"t{worker}-{n}"})
            response = tenant.request(target, "PATCH", f"/Users/{member}", body)
        elif kind == 3:
            response = tenant.request(target, "POST", "/Users", user_body(f"w{worker}-{n}@c.io"))
        else:
            body = patch_body({"op": "replace", "path": "displayName", "value": f"G{group}{n}"})
            response = tenant.request(target, "PATCH", f"/Groups/{group}", body)
        assert response.status_code in (200, 201, 204), response.text


@pytest.mark.postgres
def test_followers_see_every_event_once_in_order(
    pg_tenant: Tenant, pg_services: Services, postgres_url: str
) -> None:
    """Two followers reading while three servers write see exactly the final events table."""
    _follow_while_writing(pg_tenant, pg_services, postgres_url)


def test_followers_see_every_event_once_in_order_on_sqlite(
    tmp_path: Path, http: httpx.Client
) -> None:
    """The same on three SQLite processes sharing one database file."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    services = build_services(Settings(database_url=url))
    services.storage.migrate()
    created = services.directories.create("sqlite feed", "entra")
    try:
        with running_servers(url, SERVERS, tmp_path) as servers:
            tenant = Tenant(created.directory.id, created.secret, servers, http)
            _follow_while_writing(tenant, services, url)
    finally:
        services.storage.dispose()


def _follow_while_writing(tenant: Tenant, services: Services, database_url: str) -> None:
    """Race writers over the servers while two followers read; compare with the table."""
    command = [*SCIMDIR, "events", tenant.id, "--follow", "--json", "--limit", "5"]
    lines: queue.Queue[str] = queue.Queue()
    stop = threading.Event()
    looped: list[str] = []

    def loop() -> None:
        feed = EventFeed(services.storage)
        cursor = None
        while not stop.is_set():
            page = feed.read(tenant.id, after=cursor, limit=3)
            looped.extend(e.event_id for e in page.events)
            cursor = page.next_cursor

    with subprocess.Popen(
        command, env=server_env(database_url), stdout=subprocess.PIPE, text=True
    ) as follower:
        assert follower.stdout is not None
        stdout = follower.stdout
        threading.Thread(target=lambda: [lines.put(x) for x in stdout], daemon=True).start()
        looper = threading.Thread(target=loop)
        looper.start()
        try:
            users = [
                tenant.request(0, "POST", "/Users", user_body(f"u{i}@c.io")).json()["id"]
                for i in range(USERS)
            ]
            groups = [
                tenant.request(
                    i, "POST", "/Groups", {"schemas": [GROUP], "displayName": f"Group {i}"}
                ).json()["id"]
                for i in range(GROUPS)
            ]
            with ThreadPoolExecutor(max_workers=WRITERS) as pool:
                for done in [pool.submit(_write, tenant, w, users, groups) for w in range(WRITERS)]:
                    done.result()
            table = _table(services, tenant.id)
            seen: list[dict[str, Any]] = []
            while len(seen) < len(table):
                seen.append(json.loads(lines.get(timeout=60)))
            follower.send_signal(signal.SIGINT)
            assert follower.wait(timeout=30) == 0
        finally:
            stop.set()
            looper.join(timeout=60)
            if follower.poll() is None:
                os.kill(follower.pid, signal.SIGKILL)
    assert len(table) > USERS + GROUPS + WRITERS * ROUNDS // 2
    assert [e["id"] for e in seen] == table
    cursors = [int(e["cursor"]) for e in seen]
    assert cursors == sorted(set(cursors))
    assert looped == table
