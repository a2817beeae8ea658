"""PostgreSQL reads on the event loop (``storage/sql/storage.py``, ``thread_readers.py``): while
:data:`~scimdir.service.ports.reads_on_event_loop` is set, an autocommit read runs on the loop
thread's own connection (never a pooled one worker threads may hold), bounded by its
``statement_timeout``, replaced when the server closed it, and closed when its thread ends."""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, event, text

from scimdir.service.ports import ReadTimeLimit, StorageBusy, reads_on_event_loop
from scimdir.storage.sql import SqlStorage
from tests.storage.helpers import create_directory

pytestmark = pytest.mark.postgres


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


def test_a_thread_that_ends_closes_its_loop_connection(
    storage: SqlStorage, postgres_url: str
) -> None:
    """A thread's read connection closes when the thread ends (its backend goes away), not
    when the garbage collector gets to it."""
    pids: list[int] = []
    worker = threading.Thread(target=lambda: pids.append(_backend(storage, on_loop=True)))
    worker.start()
    worker.join()
    del worker
    gc.collect()
    deadline = time.monotonic() + 10
    while _backends(postgres_url, set(pids)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pids and not _backends(postgres_url, set(pids))


def test_an_unreachable_server_is_not_tried_again_on_every_loop_read() -> None:
    """When the loop's connection cannot be opened (the server is down), the read answers
    StorageBusy (503), and the next reads do too, at once, without another connection attempt
    that would block the loop, until the back-off has passed."""
    storage = SqlStorage("postgresql+psycopg://postgres@127.0.0.1:1/unreachable")
    attempts: list[int] = []
    loop_engine = storage.engines[-1]
    event.listen(loop_engine, "do_connect", lambda *args: attempts.append(1))
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
