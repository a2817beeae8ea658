"""SQLite's per-thread read connections (``storage/sql/held_connections.py``): one connection per
thread for autocommit reads, never left inside a transaction, dropped with its thread, closed by
``dispose``; the checkpointer is never blocked by an idle reader."""

from __future__ import annotations

import gc
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from scimdir.storage.sql import SqlStorage
from tests.storage.helpers import create_directory


def _driver(tx: Any) -> sqlite3.Connection:
    driver = tx.conn.connection.dbapi_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def test_a_thread_reuses_its_connection_and_leaves_no_transaction_open(
    sqlite_storage: SqlStorage,
) -> None:
    directory = create_directory(sqlite_storage)
    drivers = []
    for pin in (False, True, False):
        with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
            if pin:
                tx.pin_snapshot()
            assert tx.get_directory(directory) is not None
            drivers.append(_driver(tx))
    assert drivers[0] is drivers[1] is drivers[2]
    assert not drivers[0].in_transaction
    with (
        pytest.raises(RuntimeError),
        sqlite_storage.transaction(readonly=True, snapshot=False) as tx,
    ):
        tx.pin_snapshot()
        tx.get_directory(directory)
        raise RuntimeError("the unit fails inside its snapshot")
    assert not drivers[0].in_transaction  # rolled back
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        assert _driver(tx) is drivers[0]


def test_an_idle_reader_never_blocks_a_checkpoint(sqlite_storage: SqlStorage) -> None:
    """With a reader thread idle between units, a TRUNCATE checkpoint completes (busy = 0)."""
    directory = create_directory(sqlite_storage)
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        tx.pin_snapshot()
        tx.get_directory(directory)
    create_directory(sqlite_storage)  # something in the WAL to checkpoint
    checkpointer = sqlite3.connect(sqlite_storage.engine.url.database or "", isolation_level=None)
    try:
        busy, _, _ = checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        checkpointer.close()
    assert busy == 0


def _tracked(sqlite_storage: SqlStorage) -> int:
    """How many thread connections the storage still tracks (weakly: dropped ones vanish)."""
    readers = sqlite_storage._readers
    assert readers is not None
    return len(readers._held)


def test_other_threads_get_their_own_connection_dropped_when_they_end(
    sqlite_storage: SqlStorage,
) -> None:
    """SQLite itself keeps a closed connection's file descriptor while others of the process
    hold locks on the file (POSIX lock semantics), so what is checked is that nothing keeps
    the ended thread's connection."""
    directory = create_directory(sqlite_storage)
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        mine = _driver(tx)
    before = _tracked(sqlite_storage)
    seen: list[object] = []

    def read() -> None:
        with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
            seen.append(tx.get_directory(directory) is not None)
            seen.append(_driver(tx) is not mine)
        seen.append(_tracked(sqlite_storage))

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    gc.collect()
    assert seen == [True, True, before + 1]  # its own connection while it lives
    assert _tracked(sqlite_storage) == before  # dropped with its thread


def test_dispose_closes_the_readers(sqlite_storage: SqlStorage) -> None:
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        driver = _driver(tx)
    sqlite_storage.dispose()
    with pytest.raises(sqlite3.ProgrammingError):
        driver.execute("SELECT 1")


def test_a_pinned_unit_of_driver_statements_only_ends_its_snapshot(
    sqlite_storage: SqlStorage,
) -> None:
    """A unit that pins a snapshot and then runs only driver statements (authentication)
    commits it at its end: the connection is left outside any transaction."""
    directory = create_directory(sqlite_storage)
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        tx.pin_snapshot()
        assert tx.authenticate(directory, "sha256$nothing", datetime.now(UTC)) is None
        driver = _driver(tx)
        assert driver.in_transaction  # the snapshot is held inside the unit
    assert not driver.in_transaction
