"""Where PostgreSQL requests run (``web/db_threads.py``): index probes and small writes on the
event loop, on the loop's own connections, awaiting PostgreSQL without blocking the loop; other
writes in worker threads; a read the database cannot answer in time (a table locked by a schema
change) answers 503 at the loop's time limit instead of stalling every request."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import anyio
import httpx
import pytest
from sqlalchemy import create_engine, event, text

from scimdir.devtools.entra_bodies import entra_user
from scimdir.settings import Settings
from scimdir.storage.sql import SqlStorage
from scimdir.web.app import create_app
from tests.web.conftest import served

pytestmark = pytest.mark.postgres

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@asynccontextmanager
async def _served(
    postgres_url: str, limit: float = 0.3, *, awaiting: bool | None = None
) -> AsyncIterator[tuple[Any, httpx.AsyncClient, str]]:
    """The app with its lifespan on a PostgreSQL storage whose loop reads stop after
    ``limit`` seconds; ``awaiting``: ``loop_reads_await``."""
    storage = SqlStorage(postgres_url, loop_read_timeout=limit)
    settings = Settings(database_url=postgres_url, log_enabled=False, loop_reads_await=awaiting)
    app = create_app(settings, storage=storage)
    assert app.state.services.storage is storage
    try:
        async with served(app, "loop reads") as (client, base):
            yield app, client, base
    finally:
        storage.dispose()


def test_index_probes_and_small_writes_run_on_the_loop_others_in_worker_threads(
    postgres_url: str,
) -> None:
    """A lookup, a GET by id, a user's POST and PATCH run every statement on the event loop's
    thread (awaiting PostgreSQL there); a group's POST (whose members may be many) runs its
    write in a worker thread."""
    statements: list[tuple[int, str]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append((threading.get_ident(), statement.upper()))

    async def main() -> None:
        async with _served(postgres_url) as (app, client, base):
            created = await client.post(f"{base}/Users", json=entra_user("loop@example.test"))
            assert created.status_code == 201, created.text
            user_id = created.json()["id"]
            loop_thread = threading.get_ident()
            engines = app.state.services.storage.engines
            for engine in engines:
                event.listen(engine, "before_cursor_execute", record)
            try:
                lookup = quote('userName eq "loop@example.test"')
                found = await client.get(f"{base}/Users?filter={lookup}")
                assert found.json()["totalResults"] == 1
                assert (await client.get(f"{base}/Users/{user_id}")).status_code == 200
                made = await client.post(f"{base}/Users", json=entra_user("w@example.test"))
                assert made.status_code == 201
                rename = {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "Replace", "path": "displayName", "value": "L"}],
                }
                patched = await client.patch(f"{base}/Users/{user_id}", json=rename)
                assert patched.status_code == 200, patched.text
                on_loop = list(statements)
                statements.clear()
                group = {"schemas": [GROUP], "displayName": "threads"}
                assert (await client.post(f"{base}/Groups", json=group)).status_code == 201
            finally:
                for engine in engines:
                    event.remove(engine, "before_cursor_execute", record)
            writes = [text for _, text in on_loop if "INSERT INTO" in text or "UPDATE " in text]
            assert len(writes) >= 2, on_loop  # the create and the PATCH wrote
            assert {ident for ident, _ in on_loop} == {loop_thread}
            # The group's POST authenticates on the loop; its write, in a worker thread.
            assert any(ident != loop_thread for ident, _ in statements), statements

    anyio.run(main)


def test_an_awaiting_lookup_leaves_the_loop_serving(postgres_url: str) -> None:
    """With ``loop_reads_await`` (a server on another host), while a group lookup waits in
    PostgreSQL (its table locked by a schema change), a user lookup, also served on the loop,
    is answered; once the lock goes, the group lookup is too. With a blocking wait the user
    lookup would have waited for the group lookup's end. (``groups``: no other test locks it.)"""
    locker = create_engine(postgres_url)

    async def main() -> None:
        async with _served(postgres_url, limit=10, awaiting=True) as (_app, client, base):
            users = f"{base}/Users?filter=" + quote('userName eq "nobody@example.test"')
            groups = f"{base}/Groups?excludedAttributes=members&filter=" + quote(
                'displayName eq "nobody"'
            )
            assert (await client.get(groups)).status_code == 200  # connections opened, warm
            with locker.connect() as conn:
                conn.execute(text("LOCK TABLE groups IN ACCESS EXCLUSIVE MODE"))
                waiting = asyncio.ensure_future(client.get(groups))
                await asyncio.sleep(0.1)
                answered = await client.get(users)
                assert answered.status_code == 200, answered.text
                assert not waiting.done()
                conn.rollback()
            assert (await waiting).status_code == 200

    try:
        anyio.run(main)
    finally:
        locker.dispose()


@pytest.mark.parametrize("table", ["users", "secrets"])
def test_a_locked_table_answers_503_at_the_loop_time_limit(postgres_url: str, table: str) -> None:
    """While a schema change holds a table locked (``users``: the lookup, read with the
    authentication; ``secrets``: every authentication, a POST's too), the request answers 503
    with Retry-After after the loop's 0.3 s limit, naming the limit, instead of stalling the
    loop; once the lock is gone, the same requests succeed."""
    locker = create_engine(postgres_url)

    async def main() -> None:
        async with _served(postgres_url) as (_app, client, base):
            lookup = f"{base}/Users?filter=" + quote('userName eq "nobody@example.test"')
            sent: list[Callable[[], Awaitable[httpx.Response]]] = [lambda: client.get(lookup)]
            if table == "secrets":
                sent.append(lambda: client.post(f"{base}/Users", json=entra_user("p@x.test")))
            with locker.connect() as conn:
                conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
                for send in sent:
                    started = time.monotonic()
                    refused = await send()
                    assert time.monotonic() - started < 3
                    assert refused.status_code == 503, refused.text
                    assert refused.headers["retry-after"] == "5"
                    assert "time limit of 0.3 seconds" in refused.json()["detail"]
                conn.rollback()
            assert [(await send()).status_code for send in sent] == [200, 201][: len(sent)]

    try:
        anyio.run(main)
    finally:
        locker.dispose()


def test_an_unreachable_database_answers_503_at_once() -> None:
    """With PostgreSQL down, a lookup answers 503 with Retry-After (not 500), and the next one
    answers at once: the loop does not try to connect again during the back-off."""
    url = "postgresql+psycopg://postgres@127.0.0.1:1/unreachable"
    app = create_app(Settings(database_url=url, log_enabled=False), migrate=False)

    async def main() -> None:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": "Bearer some-secret"},
        )
        lookup = "/scim/t1/v2/Users?filter=" + quote('userName eq "a@example.test"')
        try:
            for _ in range(2):
                refused = await client.get(lookup)
                assert refused.status_code == 503, refused.text
                assert refused.headers["retry-after"] == "5"
                assert "could not be reached" in refused.json()["detail"]
        finally:
            await client.aclose()
            app.state.services.storage.dispose()

    anyio.run(main)
