"""PostgreSQL reads on the event loop (``storage/sql/storage.py``, ``held_connections.py``): while
:data:`~scimdir.service.ports.reads_on_event_loop` is set, an autocommit read runs on one of the
loop's own connections (never a pooled one worker threads may hold), bounded by its
``statement_timeout``, replaced when the server closed it; run by the greenlet bridge, it waits
for PostgreSQL without blocking the loop, on a connection of its own, at most ``shared`` open;
a write run by the bridge takes one of the loop's write connections, outside autocommit."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, text

from scimdir.greenlet_bridge import run_bridged
from scimdir.service.ports import ReadTimeLimit, StorageBusy, reads_on_event_loop
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.pg_loop_connection import LoopConnection
from tests.storage.helpers import create_directory

pytestmark = pytest.mark.postgres

T = TypeVar("T")


@pytest.fixture
def storage(postgres_url: str) -> Iterator[SqlStorage]:
    """A storage whose pool holds one connection and whose loop reads stop after 0.3 s."""
    made = SqlStorage(postgres_url, pool_size=1, max_overflow=0, loop_read_timeout=0.3)
    yield made
    made.dispose()


def _backend(storage: SqlStorage, *, on_loop: bool) -> int:
    token = reads_on_event_loop.set(on_loop)
    try:
        with storage.transaction(readonly=True, snapshot=False) as tx:
            return int(tx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
    finally:
        reads_on_event_loop.reset(token)


def _backends(postgres_url: str, pids: set[int]) -> set[int]:
    """Which of ``pids`` still have a server backend."""
    admin = create_engine(postgres_url)
    try:
        with admin.connect() as conn:
            alive = conn.execute(text("SELECT pid FROM pg_stat_activity")).scalars()
            return pids & {int(pid) for pid in alive}
    finally:
        admin.dispose()


def test_loop_reads_use_their_own_connection_not_the_pool(storage: SqlStorage) -> None:
    """The loop's reads keep one connection of their own; other reads use the pool's."""
    loop = {_backend(storage, on_loop=True) for _ in range(3)}
    pooled = {_backend(storage, on_loop=False) for _ in range(3)}
    assert len(loop) == 1 and len(pooled) == 1
    assert loop != pooled
    # The pool's one connection is busy in another unit of work: a loop read never waits for it.
    with storage.transaction() as writing:
        writing.get_directory("none")
        assert _backend(storage, on_loop=True) in loop


def test_a_loop_read_past_its_time_limit_is_cancelled(storage: SqlStorage) -> None:
    """A statement on the loop's connection stops at ``loop_read_timeout`` (a stalled loop is
    bounded) and leaves as ReadTimeLimit naming the limit; the next read works."""
    directory_id = create_directory(storage)
    token = reads_on_event_loop.set(True)
    try:
        started = time.monotonic()
        with (
            pytest.raises(ReadTimeLimit) as stopped,
            storage.transaction(readonly=True, snapshot=False) as tx,
        ):
            tx.conn.exec_driver_sql("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 3
        assert stopped.value.limit_seconds == 0.3
        with storage.transaction(readonly=True, snapshot=False) as tx:
            assert tx.get_directory(directory_id) is not None
    finally:
        reads_on_event_loop.reset(token)


def test_a_lock_held_by_a_schema_change_stalls_a_loop_read_only_until_the_limit(
    storage: SqlStorage, postgres_url: str
) -> None:
    """An ACCESS EXCLUSIVE lock (ALTER TABLE, a migration) blocks every read of the table; the
    loop's read gives up at its time limit instead of stalling the loop until the lock goes."""
    directory_id = create_directory(storage)
    locker = create_engine(postgres_url)
    try:
        with locker.connect() as conn:
            conn.execute(text("LOCK TABLE directories IN ACCESS EXCLUSIVE MODE"))
            token = reads_on_event_loop.set(True)
            try:
                with (
                    pytest.raises(ReadTimeLimit),
                    storage.transaction(readonly=True, snapshot=False) as tx,
                ):
                    tx.get_directory(directory_id)
            finally:
                reads_on_event_loop.reset(token)
            conn.rollback()
    finally:
        locker.dispose()


def test_a_loop_connection_the_server_closed_is_replaced_before_use(
    storage: SqlStorage, postgres_url: str
) -> None:
    """After pg_terminate_backend of the loop's connection, the next loop read gets a new one
    and reads normally (the pool's liveness check, without a round trip)."""
    directory_id = create_directory(storage)
    first = _backend(storage, on_loop=True)
    admin = create_engine(postgres_url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        conn.commit()
    admin.dispose()
    deadline = time.monotonic() + 10
    while _backends(postgres_url, {first}) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.05)  # the server's goodbye reaches the socket
    second = _backend(storage, on_loop=True)
    assert second != first
    token = reads_on_event_loop.set(True)
    try:
        with storage.transaction(readonly=True, snapshot=False) as tx:
            assert tx.get_directory(directory_id) is not None
    finally:
        reads_on_event_loop.reset(token)


def test_a_pinned_loop_read_ends_its_transaction(storage: SqlStorage) -> None:
    """A loop read that pins a snapshot (REPEATABLE READ) never leaves its connection inside
    the transaction, whether it ends normally or fails."""
    directory_id = create_directory(storage)
    token = reads_on_event_loop.set(True)
    drivers: list[Any] = []
    try:
        for fail in (False, True):
            with (
                contextlib.suppress(RuntimeError),
                storage.transaction(readonly=True, snapshot=False) as tx,
            ):
                tx.pin_snapshot()
                assert tx.get_directory(directory_id) is not None
                driver: Any = tx.conn.connection.dbapi_connection
                assert driver.info.transaction_status == TransactionStatus.INTRANS
                drivers.append(driver)
                if fail:
                    raise RuntimeError("the unit fails inside its snapshot")
            assert drivers[-1].info.transaction_status == TransactionStatus.IDLE
    finally:
        reads_on_event_loop.reset(token)
    assert drivers[0] is drivers[1]  # the same connection, kept


def _bridged_read(storage: SqlStorage, sql: str) -> tuple[int, Any]:
    """A loop read run by the greenlet bridge, as the server runs it: its backend and result."""
    token = reads_on_event_loop.set(True)
    try:
        with storage.transaction(readonly=True, snapshot=False) as tx:
            pid = int(tx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            return pid, tx.conn.exec_driver_sql(sql).scalar_one()
    finally:
        reads_on_event_loop.reset(token)


def _holding_lock(postgres_url: str, key: int) -> Callable[[], None]:
    """Take advisory lock ``key`` on a connection of its own; returns what releases it."""
    engine = create_engine(postgres_url)
    conn = engine.connect()
    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})

    def release() -> None:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        conn.close()
        engine.dispose()

    return release


async def _overtaken(
    storage: SqlStorage, work: Callable[[], T], release: Callable[[], None]
) -> tuple[T, tuple[int, Any]]:
    """Run ``work`` bridged; while it waits in PostgreSQL, run a bridged loop read to its end
    (possible only if the wait left the loop free), then ``release`` what ``work`` waits for.
    ``work``'s result and the read's (backend, value)."""
    waiting = asyncio.ensure_future(run_bridged(work))
    await asyncio.sleep(0.05)  # ``work`` is now waiting
    read = await run_bridged(_bridged_read, storage, "SELECT 'read'")
    assert not waiting.done()
    release()
    return await waiting, read


def test_a_bridged_loop_read_waits_for_postgresql_without_blocking_the_loop(
    storage: SqlStorage, postgres_url: str
) -> None:
    """While one loop read waits in PostgreSQL (for a lock another session holds), a second
    loop read runs and finishes on its own connection: the loop was free. A blocking wait would
    have held the loop until the first read's time limit, finishing it (with an error) first."""
    key = 0x5C1D_7E57
    release = _holding_lock(postgres_url, key)
    lock = f"SELECT pg_advisory_xact_lock({key})::text"
    try:
        first, second = asyncio.run(
            _overtaken(storage, functools.partial(_bridged_read, storage, lock), release)
        )
    finally:
        with contextlib.suppress(Exception):
            release()
    assert second[1] == "read" and first[1] == ""
    assert first[0] != second[0]  # two connections, one per read under way


def test_loop_reads_share_at_most_their_limit_of_connections(
    postgres_url: str,
) -> None:
    """With every shared connection in use, a further loop read awaits one (without blocking
    the loop) and runs on the first one given back; no more are opened, and later reads reuse
    them."""
    storage = SqlStorage(postgres_url, pool_size=1, max_overflow=0, loop_read_timeout=5)
    readers = storage._loop_readers
    assert readers is not None
    readers.shared = 2
    key = 0x5C1D_7E58
    release = _holding_lock(postgres_url, key)

    async def main() -> list[tuple[int, Any]]:
        lock = f"SELECT pg_advisory_xact_lock({key})::text"
        blocked = [asyncio.ensure_future(run_bridged(_bridged_read, storage, lock)) for _ in "ab"]
        await asyncio.sleep(0.05)
        third = asyncio.ensure_future(run_bridged(_bridged_read, storage, "SELECT 'third'"))
        await asyncio.sleep(0.05)
        assert not third.done() and readers.open_connections == 2
        release()
        return [*await asyncio.gather(*blocked), await third]

    try:
        results = asyncio.run(main())
        assert [value for _, value in results] == ["", "", "third"]
        assert results[2][0] in {results[0][0], results[1][0]}  # a connection given back
        assert readers.open_connections == 2
        assert _backend(storage, on_loop=True) in {pid for pid, _ in results}
    finally:
        with contextlib.suppress(Exception):
            release()
        storage.dispose()


def test_an_unreachable_server_is_not_tried_again_on_every_loop_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the loop's connection cannot be opened (the server is down), the read answers
    StorageBusy (503), and the next reads do too, at once, without another connection attempt
    that would block the loop, until the back-off has passed."""
    storage = SqlStorage("postgresql+psycopg://postgres@127.0.0.1:1/unreachable")
    attempts: list[int] = []
    connect = LoopConnection.connect

    def counted(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        return connect(*args, **kwargs)

    monkeypatch.setattr(LoopConnection, "connect", counted)
    token = reads_on_event_loop.set(True)
    try:
        for _ in range(3):
            with (
                pytest.raises(StorageBusy, match="could not be reached"),
                storage.transaction(readonly=True, snapshot=False),
            ):
                pass
    finally:
        reads_on_event_loop.reset(token)
        storage.dispose()
    assert len(attempts) == 1


def test_the_loop_connection_rests_in_autocommit_between_units(storage: SqlStorage) -> None:
    """Between units the loop's connection is in autocommit with the default isolation level,
    idle, also after a unit that pinned a snapshot (a REPEATABLE READ transaction): the next
    autocommit read switches nothing, and a pinned unit still reads one snapshot."""
    directory_id = create_directory(storage)
    token = reads_on_event_loop.set(True)
    try:
        with storage.transaction(readonly=True, snapshot=False) as tx:
            tx.get_directory(directory_id)
            driver: Any = tx.conn.connection.dbapi_connection
        assert driver.autocommit is True and driver.isolation_level is None
        with storage.transaction(readonly=True, snapshot=False) as tx:
            tx.pin_snapshot()
            tx.get_directory(directory_id)
            assert tx.conn.connection.dbapi_connection is driver
            assert driver.autocommit is False
            assert driver.info.transaction_status == TransactionStatus.INTRANS
            level = tx.conn.exec_driver_sql("SHOW transaction_isolation").scalar_one()
            assert level == "repeatable read"
        assert driver.autocommit is True and driver.isolation_level is None
        assert driver.info.transaction_status == TransactionStatus.IDLE
    finally:
        reads_on_event_loop.reset(token)


def test_a_bridged_write_awaits_a_row_lock_on_a_loop_connection_and_commits(
    storage: SqlStorage, postgres_url: str
) -> None:
    """A write run by the greenlet bridge takes one of the loop's write connections (never the
    pool's), and while it waits for a row another session holds, the loop runs a read to its
    end; once the row is free the write commits, and its connection goes back with no
    transaction open."""
    directory_id = create_directory(storage)
    locker = create_engine(postgres_url)
    pool_backend = _backend(storage, on_loop=False)

    def rename(name: str) -> int:
        with storage.transaction() as tx:
            record = tx.get_directory(directory_id)
            assert record is not None
            tx.update_directory(replace(record, name=name))
            return int(tx.conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())

    async def main() -> tuple[int, tuple[int, Any]]:
        with locker.connect() as conn:
            conn.execute(
                text("SELECT 1 FROM directories WHERE id = :id FOR UPDATE"), {"id": directory_id}
            )
            return await _overtaken(storage, functools.partial(rename, "renamed"), conn.rollback)

    try:
        writer, read = asyncio.run(main())
    finally:
        locker.dispose()
    assert read[1] == "read"
    assert writer not in {pool_backend, read[0]}
    with storage.transaction(readonly=True) as tx:
        found = tx.get_directory(directory_id)
        assert found is not None and found.name == "renamed"
    writers = storage._loop_writers
    assert writers is not None and writers.open_connections == 1
    held: Any = writers._free[0].conn.connection.dbapi_connection
    assert held.info.transaction_status == TransactionStatus.IDLE and held.autocommit is False


def test_a_bridged_write_that_fails_rolls_back_and_leaves_its_connection_usable(
    storage: SqlStorage,
) -> None:
    directory_id = create_directory(storage)

    def fails() -> None:
        with storage.transaction() as tx:
            record = tx.get_directory(directory_id)
            assert record is not None
            tx.update_directory(replace(record, name="never"))
            raise RuntimeError("the use case failed")

    def name() -> str:
        with storage.transaction() as tx:
            record = tx.get_directory(directory_id)
            assert record is not None
            return record.name

    with pytest.raises(RuntimeError, match="use case failed"):
        asyncio.run(run_bridged(fails))
    assert asyncio.run(run_bridged(name)) == "test"


def test_a_snapshot_read_gives_its_connection_back_at_the_default_isolation_level(
    storage: SqlStorage,
) -> None:
    """A read-only unit with a snapshot reads REPEATABLE READ; the next unit on the same
    connection (the pool's one, or the loop's own write connection under the bridge) is back
    at READ COMMITTED."""

    def levels() -> tuple[str, str, int, int]:
        with storage.transaction(readonly=True) as tx:
            pinned = tx.conn.exec_driver_sql("SHOW transaction_isolation").scalar_one()
            first = id(tx.conn.connection.dbapi_connection)
        with storage.transaction() as tx:
            after = tx.conn.exec_driver_sql("SHOW transaction_isolation").scalar_one()
            second = id(tx.conn.connection.dbapi_connection)
        return pinned, after, first, second

    for pinned, after, first, second in (levels(), asyncio.run(run_bridged(levels))):
        assert (pinned, after) == ("repeatable read", "read committed")
        assert first == second  # one connection: the pool's only one, the loop's one free
