"""A server's SQLite WAL is checkpointed by a thread of its own, not inside writers' commits
(``storage/sql/wal_checkpoints.py``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import text

from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.wal_checkpoints import SAFETY_PAGES

PAGE = 4096


def _write_pages(storage: SqlStorage, pages: int) -> None:
    """Commit about ``pages`` pages of WAL, in small transactions (as requests do)."""
    with storage.transaction() as tx:
        tx.conn.execute(text("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, b BLOB)"))
    for _ in range(pages // 2):
        with storage.transaction() as tx:
            tx.conn.execute(text("INSERT INTO filler (b) VALUES (randomblob(6000))"))


def _wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_writers_checkpoint_as_sqlite_does_without_the_background_work(tmp_path: Path) -> None:
    """Without the server's background work a commit past 1,000 pages checkpoints: the WAL
    file is reused from its start and stays near 1,000 pages."""
    path = tmp_path / "plain.db"
    storage = SqlStorage(f"sqlite:///{path}")
    try:
        _write_pages(storage, 3_000)
        assert _wal_bytes(path) < 1_300 * PAGE
    finally:
        storage.dispose()


def test_the_background_thread_checkpoints_and_commits_do_not(tmp_path: Path) -> None:
    """With the background work on, connections checkpoint only past SAFETY_PAGES, and the
    thread copies the WAL into the database file on its own."""
    path = tmp_path / "server.db"
    storage = SqlStorage(f"sqlite:///{path}")
    checkpoints = storage._checkpoints
    assert checkpoints is not None
    checkpoints.interval = 3600.0  # the thread is started but does not run a turn here
    storage.start_background()
    try:
        with storage.transaction() as tx:
            pages = tx.conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
        assert pages == SAFETY_PAGES
        _write_pages(storage, 3_000)
        assert _wal_bytes(path) > 2_500 * PAGE  # no commit checkpointed
        size_before = os.path.getsize(path)
        busy, frames, done = checkpoints.checkpoint()
        assert busy == 0 and frames > 2_500 and done == frames
        assert os.path.getsize(path) > size_before + 2_000 * PAGE  # the pages are in the file
    finally:
        storage.dispose()
    assert not checkpoints.running


def test_the_thread_runs_a_checkpoint_every_interval(tmp_path: Path) -> None:
    """Left alone, the thread checkpoints what was written within a few intervals."""
    path = tmp_path / "turns.db"
    storage = SqlStorage(f"sqlite:///{path}")
    checkpoints = storage._checkpoints
    assert checkpoints is not None
    checkpoints.interval = 0.05
    storage.start_background()
    try:
        _write_pages(storage, 200)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            last = checkpoints.last
            if last is not None and last[1] > 0 and last[2] == last[1]:
                break
            time.sleep(0.05)
        assert checkpoints.last is not None
        assert checkpoints.last[1] > 0 and checkpoints.last[2] == checkpoints.last[1]
    finally:
        storage.stop_background()
        assert not checkpoints.running
        with storage.transaction() as tx:  # the pool's new connections: SQLite's default
            assert tx.conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 1_000
        storage.dispose()
