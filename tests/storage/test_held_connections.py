"""SQLite's per-thread connections (``storage/sql/held_connections.py``): one connection per
thread for its autocommit reads and its units of work with a transaction (writes, snapshots),
never left inside a transaction, dropped with its thread, closed by ``dispose``; a unit nested
in another of its thread's gets a connection of its own; the checkpointer is never blocked by
an idle reader."""

from __future__ import annotations

import gc
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.storage import SQLITE_WAL_PAGES
from scimdir.storage.sql.wal_checkpoints import SAFETY_PAGES
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


def test_writes_and_reads_of_a_thread_share_its_connection(sqlite_storage: SqlStorage) -> None:
    """A write keeps the page cache its thread's reads use: SQLite drops a connection's cache
    when another connection has written, so a read after a write elsewhere re-reads its pages."""
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        reads = _driver(tx)
    directory = create_directory(sqlite_storage)  # a write unit
    with sqlite_storage.transaction() as tx:
        assert tx.get_directory(directory) is not None
        assert _driver(tx) is reads
        assert reads.in_transaction  # BEGIN IMMEDIATE, as on a pooled connection
    with sqlite_storage.transaction(readonly=True) as tx:  # a snapshot
        assert _driver(tx) is reads
    assert not reads.in_transaction


def test_a_unit_nested_in_another_of_its_thread_gets_a_connection_of_its_own(
    sqlite_storage: SqlStorage,
) -> None:
    """A unit begun inside another of the same thread's neither joins nor ends the outer one's
    transaction; its extra connection is closed at its end."""
    directory = create_directory(sqlite_storage)
    with sqlite_storage.transaction() as outer:
        outer_driver = _driver(outer)
        with sqlite_storage.transaction(readonly=True, snapshot=False) as inner:
            inner_driver = _driver(inner)
            assert inner_driver is not outer_driver
            assert inner.get_directory(directory) is not None
        assert outer_driver.in_transaction  # the inner unit's end left it alone
        outer.delete_directory(directory)
    with pytest.raises(sqlite3.ProgrammingError):
        inner_driver.execute("SELECT 1")  # closed
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        assert _driver(tx) is outer_driver
        assert tx.get_directory(directory) is None  # the outer unit committed


def _automatic_checkpoint(sqlite_storage: SqlStorage) -> int:
    with sqlite_storage.transaction() as tx:
        row = _driver(tx).execute("PRAGMA wal_autocheckpoint").fetchone()
    return int(row[0])


def test_a_threads_writes_checkpoint_as_the_background_checkpoints_say(
    sqlite_storage: SqlStorage,
) -> None:
    """The thread's connection may predate the checkpoint thread's start or stop: a write
    unit sets its automatic checkpoint as the pool's new connections have it."""
    assert _automatic_checkpoint(sqlite_storage) == SQLITE_WAL_PAGES
    sqlite_storage.start_background()
    try:
        assert _automatic_checkpoint(sqlite_storage) == SAFETY_PAGES
    finally:
        sqlite_storage.stop_background()
    assert _automatic_checkpoint(sqlite_storage) == SQLITE_WAL_PAGES
