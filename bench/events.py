"""Event benchmarks (not timed tests): ``python -m bench.events [--db URL] [--events N]``.

In one process, over the real services (SQLite file by default, or ``--db`` a PostgreSQL URL):

1. the cost of writing events on the SCIM create and the 50-member PATCH paths: the same
   requests through the ASGI app with event writing on and switched off (the services' event
   helpers replaced by no-ops), as a ratio;
2. feed read throughput: pages of 1000 over N events (events/s);
3. webhook delivery throughput to an in-process receiver (``httpx.MockTransport``), one
   subscription, N events (deliveries/s; signing and the per-event settle included).

Numbers go to stdout; docs/events.md quotes a run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from scimdir.service.groups import GroupService
from scimdir.service.users import UserService
from scimdir.settings import Settings
from scimdir.web.app import create_app
from scimdir.worker.delivery import DeliveryWorker

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@contextmanager
def _events_off() -> Iterator[None]:
    saved = (UserService._event, GroupService._event, GroupService._members_event)
    UserService._event = lambda *a, **k: None  # type: ignore[method-assign]
    GroupService._event = lambda *a, **k: None  # type: ignore[method-assign]
    GroupService._members_event = lambda *a, **k: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        UserService._event, GroupService._event, GroupService._members_event = saved  # type: ignore[method-assign]


def _user(name: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "displayName": name,
        "emails": [{"value": name, "type": "work", "primary": True}],
    }


def _time(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _measure(client: TestClient, services: Any, label: str, rounds: int) -> dict[str, float]:
    """Seconds per create and per 50-member PATCH in a fresh directory."""
    created = services.directories.create(f"bench {label}", "entra")
    auth = {"Authorization": f"Bearer {created.secret}"}
    base = f"/scim/{created.directory.id}/v2"
    ids: list[str] = []

    def creates() -> None:
        for i in range(rounds):
            response = client.post(f"{base}/Users", json=_user(f"{label}{i}@b.io"), headers=auth)
            ids.append(response.json()["id"])

    create = _time(creates) / rounds
    group = client.post(
        f"{base}/Groups",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"},
        headers=auth,
    ).json()["id"]
    batches = [ids[i : i + 50] for i in range(0, len(ids) - 49, 50)]

    def patches() -> None:
        for batch in batches:
            operation = {"op": "Add", "path": "members", "value": [{"value": u} for u in batch]}
            body = {"schemas": [PATCH], "Operations": [operation]}
            response = client.patch(f"{base}/Groups/{group}", json=body, headers=auth)
            assert response.status_code in (200, 204)

    patch = _time(patches) / max(1, len(batches))
    return {f"create_{label}": create, f"patch50_{label}": patch}


def write_cost(client: TestClient, services: Any, rounds: int) -> dict[str, float]:
    """Seconds per create and per 50-member PATCH, event writing off then on (the membership
    journal's read stays on in both: it is part of the storage)."""
    with _events_off():
        out = _measure(client, services, "off", rounds)
    out.update(_measure(client, services, "on", rounds))
    return out


def feed_throughput(services: Any, directory_id: str) -> tuple[int, float]:
    """(events read, events/s) reading the whole feed in pages of 1000."""
    count, cursor = 0, None

    def read_all() -> None:
        nonlocal count, cursor
        while True:
            page = services.events.read(directory_id, after=cursor, limit=1000)
            count += len(page.events)
            cursor = page.next_cursor
            if len(page.events) < 1000:
                return

    seconds = _time(read_all)
    return count, count / seconds


def delivery_throughput(services: Any, directory_id: str, events: int) -> float:
    """Deliveries/s to an in-process receiver, one subscription from the start of the feed."""
    sub = services.webhooks.subscribe(directory_id, "https://receiver.bench/hook").subscription
    services.webhooks.redeliver(directory_id, sub.id, "0")
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    worker = DeliveryWorker(services.storage, client, directory_id=directory_id)
    sent = 0

    def deliver() -> None:
        nonlocal sent
        while sent < events:
            made = worker.run_once()
            if made == 0:
                return
            sent += made

    seconds = _time(deliver)
    return sent / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: a temporary SQLite file)"
    )
    parser.add_argument("--rounds", type=int, default=500, help="creates per side (PATCHes: /50)")
    parser.add_argument("--events", type=int, default=2000, help="events to deliver")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app(Settings(database_url=url, public_url="https://bench.test"))
        with TestClient(app) as client:
            services = app.state.services
            cost = write_cost(client, services, args.rounds)
            directory = services.directories.list_all()
            on = next(d for d in directory if d.name == "bench on")
            count, rate = feed_throughput(services, on.id)
            delivered = delivery_throughput(services, on.id, args.events)
        services.storage.dispose()
    print(f"database: {url.split('://')[0]}")
    for name, key in (("create", "create"), ("50-member PATCH", "patch50")):
        on, off = cost[f"{key}_on"], cost[f"{key}_off"]
        print(
            f"{name}: {on * 1000:.2f} ms with events, {off * 1000:.2f} ms without (x{on / off:.2f})"
        )
    print(f"feed read: {count} events at {rate:,.0f} events/s")
    print(f"webhook delivery: {delivered:,.0f} deliveries/s (in-process receiver)")


if __name__ == "__main__":
    main()
