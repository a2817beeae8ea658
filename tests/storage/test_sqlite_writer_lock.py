"""SQLite writers queue on the writer lock, across threads and across storages (processes)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from scimdir.service.ports import DirectoryRecord
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
