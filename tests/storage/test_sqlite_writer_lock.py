"""SQLite writers queue on the writer lock, across threads and across storages (processes)."""

from __future__ import annotations

import os
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scimdir.composition import build_services
from scimdir.service.ports import DirectoryRecord, StorageBusy
from scimdir.settings import Settings
from scimdir.storage.sql import SqlStorage

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def test_a_second_writer_waits_for_the_first_and_then_succeeds(tmp_path: Path) -> None:
    """Two storages on one file (as two processes): the second write starts after the first
    commits, and both land."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first, second = SqlStorage(url), SqlStorage(url)
    first.migrate()
    inside = threading.Event()
    order: list[str] = []

    def slow_writer() -> None:
        with first.transaction() as tx:
            tx.insert_directory(DirectoryRecord("a", "A", "entra", {}, NOW, NOW))
            inside.set()
            time.sleep(0.3)
            order.append("first commits")

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inside.wait(5)
    with second.transaction() as tx:
        order.append("second starts")
        tx.insert_directory(DirectoryRecord("b", "B", "entra", {}, NOW, NOW))
    thread.join()
    with second.transaction(readonly=True) as tx:
        names = sorted(d.id for d in tx.list_directories())
    first.dispose()
    second.dispose()
    assert order == ["first commits", "second starts"]
    assert names == ["a", "b"]
    assert (tmp_path / "w.db.writer-lock").exists()


def test_database_wal_shm_and_lock_files_are_created_0600(tmp_path: Path) -> None:
    """A new SQLite database, its WAL, shared-memory and writer-lock files are owner-only."""
    old_umask = os.umask(0o022)
    try:
        storage = SqlStorage(f"sqlite:///{tmp_path / 'private.db'}")
        storage.migrate()
        with storage.transaction() as tx:
            tx.insert_directory(DirectoryRecord("a", "A", "entra", {}, NOW, NOW))
        with storage.transaction(readonly=True) as tx:
            modes = {
                name: stat.S_IMODE((tmp_path / name).stat().st_mode)
                for name in ("private.db", "private.db-wal", "private.db-shm")
            }
        modes["lock"] = stat.S_IMODE((tmp_path / "private.db.writer-lock").stat().st_mode)
        storage.dispose()
    finally:
        os.umask(old_umask)
    assert modes == {name: 0o600 for name in modes}


def test_a_writer_that_cannot_get_the_lock_in_time_gets_storage_busy(tmp_path: Path) -> None:
    """A writer waits at most its timeout for a writer in another process, then StorageBusy;
    it writes normally once the lock is free."""
    url = f"sqlite:///{tmp_path / 'w.db'}"
    holder, waiter = SqlStorage(url), SqlStorage(url, writer_timeout=0.05)
    holder.migrate()
    release, inside = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.transaction():
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=hold)
    thread.start()
    assert inside.wait(5)
    try:
        with pytest.raises(StorageBusy), waiter.transaction() as tx:
            tx.insert_directory(DirectoryRecord("b", "B", "entra", {}, NOW, NOW))
    finally:
        release.set()
        thread.join()
    with waiter.transaction() as tx:
        tx.insert_directory(DirectoryRecord("b", "B", "entra", {}, NOW, NOW))
    holder.dispose()
    waiter.dispose()


def test_the_writer_timeout_is_the_setting(tmp_path: Path) -> None:
    """SCIMDIR_WRITER_LOCK_TIMEOUT is the writer lock's timeout in the services' storage."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", writer_lock_timeout=0.5)
    storage = build_services(settings).storage
    assert isinstance(storage, SqlStorage)
    assert storage._writer is not None and storage._writer.timeout == 0.5
    storage.dispose()
