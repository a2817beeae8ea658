"""SQLite read-only units of work run beside a writer instead of queueing behind it."""

from __future__ import annotations

import threading
import time

from scimdir.storage.sql import SqlStorage


def test_reader_does_not_wait_for_an_open_writer(sqlite_storage: SqlStorage) -> None:
    """While a write transaction is open, a readonly transaction completes at once (WAL)."""
    writer_open = threading.Event()
    release = threading.Event()

    def hold_write_lock() -> None:
        with sqlite_storage.transaction() as tx:
            tx.list_directories()
            writer_open.set()
            release.wait(5)

    thread = threading.Thread(target=hold_write_lock)
    thread.start()
    try:
        assert writer_open.wait(5)
        started = time.monotonic()
        with sqlite_storage.transaction(readonly=True) as tx:
            assert tx.list_directories() == []
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert waited < 1.0
