"""The overload guard (web/overload.py): a bounded number of SCIM requests in flight, a deadline,
503 + Retry-After with a SCIM error body, health checks never guarded; and the thread and
database pools sized to each other.

In process, around stand-in ASGI apps whose requests wait on events the test controls, so no
assertion depends on timing.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
from sqlalchemy.pool import QueuePool
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from scimdir.settings import Settings
from scimdir.storage.sql import SqlStorage
from scimdir.web.app import create_app
from scimdir.web.overload import OverloadGuard

Handler = Callable[[], Awaitable[None]]


def stand_in(handler: Handler) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app that runs ``handler`` and answers 200 ``ok``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await handler()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def client_for(guard: OverloadGuard) -> httpx.AsyncClient:
    """An HTTP client calling ``guard`` in process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://t")


def assert_scim_503(response: httpx.Response, words: str) -> None:
    """A 503 SCIM error (RFC 7644 §3.12) with Retry-After and a detail containing ``words``."""
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "503"
    assert words in body["detail"]


def test_beyond_max_in_flight_is_shed_then_admitted_again() -> None:
    """With the process at its in-flight bound, a SCIM request gets 503 at once, and once the
    work drains requests are admitted again."""
    results: list[httpx.Response] = []

    async def main() -> None:
        release = anyio.Event()
        guard = OverloadGuard(stand_in(release.wait), max_in_flight=2, timeout=3600)
        async with client_for(guard) as client, anyio.create_task_group() as tasks:

            async def call() -> None:
                results.append(await client.get("/scim/t/v2/Users"))

            tasks.start_soon(call)
            tasks.start_soon(call)
            while guard.in_flight < 2:
                await anyio.sleep(0)
            assert_scim_503(await client.get("/scim/t/v2/Users"), "maximum of 2 requests")
            assert guard.in_flight == 2
            release.set()
        assert [r.status_code for r in results] == [200, 200]
        async with client_for(guard) as client:
            assert (await client.get("/scim/t/v2/Users")).status_code == 200
        assert guard.in_flight == 0

    anyio.run(main)


def test_health_is_never_shed() -> None:
    """Paths outside /scim/ pass the guard even when it is full."""

    async def main() -> None:
        release = anyio.Event()
        held = anyio.Event()

        async def hold_scim_only() -> None:
            if not held.is_set():  # the first request (SCIM) waits; the health check does not
                held.set()
                await release.wait()

        guard = OverloadGuard(stand_in(hold_scim_only), max_in_flight=1, timeout=3600)
        async with client_for(guard) as client, anyio.create_task_group() as tasks:
            tasks.start_soon(client.get, "/scim/t/v2/Users")
            await held.wait()
            assert guard.in_flight == 1
            assert_scim_503(await client.get("/scim/t/v2/Groups"), "maximum of 1 requests")
            response = await client.get("/healthz")
            assert (response.status_code, response.text) == (200, "ok")
            release.set()

    anyio.run(main)


def test_deadline_answers_503_and_cancels_waiting_work() -> None:
    """A request still waiting at its deadline gets 503 and its waiting is cancelled."""

    async def main() -> None:
        cancelled = anyio.Event()

        async def forever() -> None:
            try:
                await anyio.sleep(3600)
            finally:
                cancelled.set()

        guard = OverloadGuard(stand_in(forever), max_in_flight=4, timeout=0.05)
        async with client_for(guard) as client:
            assert_scim_503(await client.get("/scim/t/v2/Users"), "did not complete within")
        assert cancelled.is_set()
        assert guard.in_flight == 0

    anyio.run(main)


def test_work_in_a_thread_still_counts_after_its_deadline() -> None:
    """A timed-out request whose database work still runs in a thread is answered 503 at its
    deadline but keeps its in-flight slot until the thread is done: the bound is on work, not
    on open responses."""
    gate = threading.Event()

    async def work_in_thread() -> None:
        await anyio.to_thread.run_sync(gate.wait)

    guard = OverloadGuard(stand_in(work_in_thread), max_in_flight=1, timeout=0.05)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/scim/t/v2/Users", "method": "GET", "headers": []}

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(guard, scope, receive, send)
            while not any(m["type"] == "http.response.body" for m in sent):
                await anyio.sleep(0.01)
            assert sent[0]["status"] == 503  # answered while the thread still works
            assert guard.in_flight == 1
            async with client_for(guard) as client:
                assert_scim_503(await client.get("/scim/t/v2/Users"), "maximum of 1 requests")
            gate.set()
        assert guard.in_flight == 0
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]

    anyio.run(main)


def test_a_started_response_is_not_cut() -> None:
    """Once the response has started, the deadline no longer applies: the body arrives whole."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await anyio.sleep(0.1)
        await send({"type": "http.response.body", "body": b"whole"})

    guard = OverloadGuard(app, max_in_flight=1, timeout=0.01)

    async def main() -> None:
        async with client_for(guard) as client:
            response = await client.get("/scim/t/v2/Users")
        assert (response.status_code, response.text) == (200, "whole")

    anyio.run(main)


def test_thread_pool_and_database_pool_are_aligned(tmp_path: Path) -> None:
    """The server's thread limiter is the `threads` setting, and the database pool can hand a
    connection to every thread plus the event loop and the log writer at once."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", threads=7, db_pool_size=2)
    app = create_app(settings)
    storage: Any = app.state.services.storage
    assert isinstance(storage, SqlStorage)
    pool = storage.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() + pool._max_overflow >= settings.threads + 2
    with TestClient(app) as client:
        tokens = client.portal.call(
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens
        )
    assert tokens == 7
    storage.dispose()


def test_pool_overflow_default_and_override() -> None:
    """By default pool plus overflow is threads + 2; an explicit overflow is kept as given."""
    assert Settings(threads=16, db_pool_size=5).db_overflow() == 13
    assert Settings(threads=2, db_pool_size=5).db_overflow() == 0
    assert Settings(threads=16, db_pool_size=5, db_max_overflow=3).db_overflow() == 3


def test_the_apps_own_error_reaches_the_error_handler_unwrapped() -> None:
    """An unexpected error inside a guarded request reaches the server's handler as itself (the
    guard's task group must not hide it in an exception group)."""

    async def fail() -> None:
        raise LookupError("boom")

    guard = OverloadGuard(stand_in(fail), max_in_flight=1, timeout=3600)

    async def main() -> None:
        try:
            await guard({"type": "http", "path": "/scim/t/v2/Users"}, _no_body, _discard)
        except LookupError as exc:
            assert str(exc) == "boom"
        else:
            raise AssertionError("the error was swallowed")
        assert guard.in_flight == 0

    anyio.run(main)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _discard(message: Message) -> None:
    return None
