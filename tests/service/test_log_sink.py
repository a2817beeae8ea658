"""The provisioning log writer: batched writes and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scimdir.service.log_sink import LogSink
from scimdir.service.ports import DirectoryRecord, LogRecord
from scimdir.storage.sql import SqlStorage

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _directory(storage: SqlStorage) -> str:
    with storage.transaction() as tx:
        tx.insert_directory(DirectoryRecord("d1", "D", "entra", {}, NOW, NOW))
    return "d1"


def _entry(directory_id: str, created: datetime, status: int = 200) -> LogRecord:
    return LogRecord(directory_id, "GET", "/Users", status, created, 1.0)


def test_flush_writes_every_queued_entry_in_order(sqlite_storage: SqlStorage) -> None:
    """Queued entries are written by one flush and read back newest first."""
    did = _directory(sqlite_storage)
    sink = LogSink(sqlite_storage, clock=lambda: NOW)
    for status in (200, 201, 409):
        sink.record(_entry(did, NOW, status))
    assert sink.flush() == 3
    assert sink.flush() == 0
    with sqlite_storage.transaction(readonly=True) as tx:
        assert [r.status for r in tx.list_log(did)] == [409, 201, 200]


def test_prune_deletes_only_rows_older_than_the_retention(sqlite_storage: SqlStorage) -> None:
    """Retention removes rows older than the period and keeps the recent ones."""
    did = _directory(sqlite_storage)
    sink = LogSink(sqlite_storage, retention=timedelta(days=30), clock=lambda: NOW)
    sink.record(_entry(did, NOW - timedelta(days=31), 500))
    sink.record(_entry(did, NOW - timedelta(days=29), 200))
    sink.flush()
    assert sink.prune() == 1
    with sqlite_storage.transaction(readonly=True) as tx:
        assert [r.status for r in tx.list_log(did)] == [200]
