"""SQLite's per-thread read connections (``storage/sql/thread_readers.py``): one connection per
thread for autocommit reads, never left inside a transaction, dropped with its thread, closed by
``dispose``; the checkpointer is never blocked by an idle reader."""

from __future__ import annotations

import gc
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scimdir.service.ports import DirectoryRecord
from scimdir.storage.sql import SqlStorage


@pytest.fixture
def storage(tmp_path: Path) -> Any:
    storage = SqlStorage(f"sqlite:///{tmp_path / 'readers.db'}")
    storage.migrate()
    yield storage
    storage.dispose()


def _driver(tx: Any) -> sqlite3.Connection:
    driver = tx.conn.connection.dbapi_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def _directory(storage: SqlStorage) -> str:
    directory_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    with storage.transaction() as tx:
        tx.insert_directory(DirectoryRecord(directory_id, "d", "entra", {}, now, now))
    return directory_id


def test_a_thread_reuses_its_connection_and_leaves_no_transaction_open(
    storage: SqlStorage,
) -> None:
    directory = _directory(storage)
    drivers = []
    for pin in (False, True, False):
        with storage.transaction(readonly=True, snapshot=False) as tx:
            if pin:
                tx.pin_snapshot()
            assert tx.get_directory(directory) is not None
            drivers.append(_driver(tx))
    assert drivers[0] is drivers[1] is drivers[2]
    assert not drivers[0].in_transaction
    with pytest.raises(RuntimeError), storage.transaction(readonly=True, snapshot=False) as tx:
        tx.pin_snapshot()
        tx.get_directory(directory)
        raise RuntimeError("the unit fails inside its snapshot")
    assert not drivers[0].in_transaction  # rolled back
    with storage.transaction(readonly=True, snapshot=False) as tx:
        assert _driver(tx) is drivers[0]


def test_an_idle_reader_never_blocks_a_checkpoint(storage: SqlStorage) -> None:
    """With a reader thread idle between units, a TRUNCATE checkpoint completes (busy = 0)."""
    directory = _directory(storage)
    with storage.transaction(readonly=True, snapshot=False) as tx:
        tx.pin_snapshot()
        tx.get_directory(directory)
    _directory(storage)  # something in the WAL to checkpoint
    checkpointer = sqlite3.connect(storage.engine.url.database or "", isolation_level=None)
    try:
        busy, _, _ = checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        checkpointer.close()
    assert busy == 0


def _tracked(storage: SqlStorage) -> int:
    """How many thread connections the storage still tracks (weakly: dropped ones vanish)."""
    readers = storage._readers
    assert readers is not None
    return len(readers._held)


def test_other_threads_get_their_own_connection_dropped_when_they_end(
    storage: SqlStorage,
) -> None:
    """SQLite itself keeps a closed connection's file descriptor while others of the process
    hold locks on the file (POSIX lock semantics), so what is checked is that nothing keeps
    the ended thread's connection."""
    directory = _directory(storage)
    with storage.transaction(readonly=True, snapshot=False) as tx:
        mine = _driver(tx)
    before = _tracked(storage)
    seen: list[object] = []

    def read() -> None:
        with storage.transaction(readonly=True, snapshot=False) as tx:
            seen.append(tx.get_directory(directory) is not None)
            seen.append(_driver(tx) is not mine)
        seen.append(_tracked(storage))

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    gc.collect()
    assert seen == [True, True, before + 1]  # its own connection while it lives
    assert _tracked(storage) == before  # dropped with its thread


def test_dispose_closes_the_readers(storage: SqlStorage) -> None:
    with storage.transaction(readonly=True, snapshot=False) as tx:
        driver = _driver(tx)
    storage.dispose()
    with pytest.raises(sqlite3.ProgrammingError):
        driver.execute("SELECT 1")


def test_a_pinned_unit_of_driver_statements_only_ends_its_snapshot(storage: SqlStorage) -> None:
    """A unit that pins a snapshot and then runs only driver statements (authentication)
    commits it at its end: the connection is left outside any transaction."""
    directory = _directory(storage)
    with storage.transaction(readonly=True, snapshot=False) as tx:
        tx.pin_snapshot()
        assert tx.authenticate(directory, "sha256$nothing", datetime.now(UTC)) is None
        driver = _driver(tx)
        assert driver.in_transaction  # the snapshot is held inside the unit
    assert not driver.in_transaction
