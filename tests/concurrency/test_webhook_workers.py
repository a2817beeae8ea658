"""Two ``scimdir worker`` processes on one PostgreSQL database never deliver one event to one
subscription twice (leases claimed with ``FOR UPDATE SKIP LOCKED``, worker/delivery.py), and
each subscription receives its events in order."""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scimdir.composition import Services
from tests.real_servers import SCIMDIR, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SUBSCRIPTIONS = 4
EVENTS = 15


class Received:
    """What the local receiver got: (path, webhook-id) in arrival order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[str, str]] = []


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            time.sleep(0.02)  # a receiver that takes a moment widens any race
            with received.lock:
                received.items.append((self.path, self.headers["webhook-id"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_two_worker_processes_deliver_each_event_once_in_order(
    pg_services: Services, postgres_url: str, receiver: tuple[str, Received]
) -> None:
    """Every (subscription, event) pair arrives exactly once, in event order per subscription."""
    base, received = receiver
    directory = pg_services.directories.create("webhook workers", "entra").directory.id
    for n in range(SUBSCRIPTIONS):
        pg_services.webhooks.subscribe(directory, f"{base}/s{n}")
    for _ in range(EVENTS):
        pg_services.directories.reset(directory)  # one directory.reset event each
    with pg_services.storage.transaction(readonly=True) as tx:
        order = [e.event_id for e in tx.list_events(directory, 0, 1000)]
    command = [*SCIMDIR, "worker", "--directory", directory]
    workers = [subprocess.Popen(command, env=server_env(postgres_url)) for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while len(received.items) < SUBSCRIPTIONS * EVENTS and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # room for a duplicate to show up
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    counts = Counter(received.items)
    assert len(counts) == SUBSCRIPTIONS * EVENTS
    assert set(counts.values()) == {1}
    per_subscription: defaultdict[str, list[str]] = defaultdict(list)
    for path, event_id in received.items:
        per_subscription[path].append(event_id)
    assert all(ids == order for ids in per_subscription.values())
