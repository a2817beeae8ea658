"""Webhook retries against a real HTTP receiver on 127.0.0.1 (worker/delivery.py): a receiver
that answers 500, then drops the connection, then is too slow, then recovers. The event arrives
exactly once after recovery, the next one only after it, and the delivery log records every
attempt. The in-process worker runs on the clock tests control (retries are minutes apart); the
real ``scimdir worker`` process is proved on the first, 5-second, retry."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from scimdir.worker.delivery import DeliveryWorker
from tests.api.conftest import Api, Directory
from tests.real_servers import SCIMDIR, server_env

SLOW_S = 2.0  # the "slow" answer comes after this; the worker's timeout is shorter


@dataclass
class Script:
    """How the receiver answers each request in turn (``500``, ``close``, ``slow``), then 200;
    what it got (behaviour, webhook-id, headers, body)."""

    steps: list[str]
    got: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    def accepted(self) -> list[str]:
        """The webhook-ids answered with a 2xx, in arrival order."""
        with self.lock:
            return [hook_id for step, hook_id, _, _ in self.got if step == "ok"]


@pytest.fixture
def receiver() -> Iterator[tuple[str, Script]]:
    """A ThreadingHTTPServer on a free local port following a :class:`Script`."""
    script = Script([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            with script.lock:
                step = script.steps.pop(0) if script.steps else "ok"
                script.got.append((step, self.headers["webhook-id"], dict(self.headers), body))
            if step == "close":  # read the request, answer nothing, drop the connection
                self.close_connection = True
                return
            if step == "slow":
                script.release.wait(SLOW_S)  # the worker has given up by then
            status, text = {"500": (500, "receiver down"), "slow": (503, "late")}.get(
                step, (200, "ok")
            )
            self.send_response(status)
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", script
    finally:
        script.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Clock:
    """A settable clock for the worker."""

    def __init__(self, api: Api) -> None:
        self.now = api.services.runtime.clock()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def test_retries_with_backoff_until_the_receiver_recovers(
    directory: Directory, receiver: tuple[str, Script]
) -> None:
    """500, a dropped connection and a timeout are retried after 5 s, 5 min and 30 min; then the
    first event arrives once, the second after it, and the log has each attempt's status,
    latency and response excerpt or error."""
    url, script = receiver
    api = directory.api
    created = api.services.webhooks.subscribe(directory.id, url)
    first, second = (directory.add_user(f"{n}@contoso.com") for n in ("first", "second"))
    script.steps[:] = ["500", "close", "slow"]
    clock = Clock(api)
    with httpx.Client() as client:
        worker = DeliveryWorker(
            api.services.storage,
            client,
            clock=clock,
            timeout=0.5,
            lease=timedelta(seconds=30),
            directory_id=directory.id,
        )
        assert worker.run_once() == 1  # 500
        for wait, attempts in (
            (timedelta(seconds=4), 0),
            (timedelta(seconds=1), 1),  # 5 s after the 1st failure: the connection is dropped
            (timedelta(minutes=4), 0),
            (timedelta(minutes=1), 1),  # 5 min after the 2nd: too slow
            (timedelta(minutes=29), 0),
            (timedelta(minutes=1), 2),  # 30 min after the 3rd: both events, in order
        ):
            clock.advance(wait)
            assert worker.run_once() == attempts
        assert worker.run_once() == 0

    events = [json.loads(body) for _, _, _, body in script.got]
    assert [e["data"]["id"] for e in events] == [first] * 4 + [second]
    first_id, second_id = events[0]["id"], events[4]["id"]
    assert script.accepted() == [first_id, second_id]  # each exactly once, in order
    for _, hook_id, headers, body in script.got:  # every attempt signed, same id on retries
        stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
        assert (
            Webhook(created.secret).sign(hook_id, stamp, body.decode())
            == (headers["webhook-signature"])
        )
    log = list(reversed(api.services.webhooks.deliveries(created.subscription.id)))
    assert [(d.event_id, d.attempt, d.status) for d in log] == [
        (first_id, 1, 500),
        (first_id, 2, None),
        (first_id, 3, None),
        (first_id, 4, 200),
        (second_id, 1, 200),
    ]
    assert (log[0].response_excerpt, log[3].response_excerpt) == ("receiver down", "ok")
    assert log[1].error is not None and log[1].error.startswith("RemoteProtocolError")
    assert log[2].error is not None and log[2].error.startswith("ReadTimeout")
    assert log[2].latency_ms >= 450  # the worker waited for its 0.5 s timeout
    assert all(d.latency_ms > 0 for d in log)
    assert [d.created for d in log[:4]] == [
        log[0].created,
        log[0].created + timedelta(seconds=5),
        log[0].created + timedelta(seconds=5, minutes=5),
        log[0].created + timedelta(seconds=5, minutes=35),
    ]


@pytest.mark.slow
def test_the_worker_process_retries_a_dropped_connection_after_5_seconds(
    api: Api, receiver: tuple[str, Script], tmp_path: Path
) -> None:
    """A real ``scimdir worker`` process: the receiver drops the first attempt, the retry comes
    about 5 s later (the first step of the schedule) and is the only accepted delivery."""
    database = tmp_path / "scimdir.db"  # the api fixture's SQLite file
    if not database.exists():
        pytest.skip("one database is enough for a process test: SQLite")
    url, script = receiver
    directory = api.directory()
    created = api.services.webhooks.subscribe(directory.id, url)
    user = directory.add_user("process@contoso.com")
    script.steps[:] = ["close"]
    database_url = f"sqlite:///{database}"
    command = [*SCIMDIR, "worker", "--directory", directory.id]
    log_file = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(command, env=server_env(database_url), stderr=log_file)
    try:
        deadline = time.monotonic() + 60
        while not script.accepted() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # room for a duplicate to show up
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log_file.close()
    assert [step for step, _, _, _ in script.got] == ["close", "ok"], (
        tmp_path / "worker.log"
    ).read_text()
    (event_id,) = script.accepted()
    assert json.loads(script.got[1][3])["data"]["id"] == user
    log = list(reversed(api.services.webhooks.deliveries(created.subscription.id)))
    assert [(d.event_id, d.attempt, d.status) for d in log] == [
        (event_id, 1, None),
        (event_id, 2, 200),
    ]
    assert log[1].created - log[0].created >= timedelta(seconds=5)
