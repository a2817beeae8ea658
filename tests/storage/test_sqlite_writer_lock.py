"""SQLite writers queue on the writer lock, across threads and across storages (processes)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scimdir.composition import build_services
from scimdir.service.ports import DirectoryRecord, StorageBusy
from scimdir.settings import Settings
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.storage import WriterLock

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


def test_try_acquire_never_waits_and_the_holder_may_enter_again(tmp_path: Path) -> None:
    """``try_acquire`` takes a free lock at once and refuses at once while another thread holds
    it; the holding thread enters it again without waiting (a unit of work inside a write the
    event loop took the lock for), and only the outermost exit releases it."""
    lock = WriterLock(str(tmp_path / "lock"), timeout=0.2)
    assert lock.try_acquire()
    with lock:  # re-entered by the holder
        pass
    other: list[bool] = []
    probe = threading.Thread(target=lambda: other.append(lock.try_acquire()))
    probe.start()
    probe.join()
    assert other == [False]  # still held after the inner exit
    lock.__exit__(None, None, None)

    def take_and_release() -> None:
        other.append(lock.try_acquire())
        lock.__exit__(None, None, None)

    probe = threading.Thread(target=take_and_release)
    probe.start()
    probe.join()
    assert other == [False, True]
    lock.close()


def test_try_acquire_refuses_while_another_process_holds_the_file(tmp_path: Path) -> None:
    """A writer of another process (here a child holding ``flock`` on the lock file) makes
    ``try_acquire`` answer False at once; once it exits, True."""
    path = tmp_path / "lock"
    path.touch()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'r+'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        lock = WriterLock(str(path), timeout=0.2)
        started = time.monotonic()
        assert not lock.try_acquire()
        assert time.monotonic() - started < 0.1
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert lock.try_acquire()
    lock.__exit__(None, None, None)
    lock.close()
