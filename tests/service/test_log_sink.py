"""The provisioning log writer: batched writes, bounded fields, row-by-row fallback, retention."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from scimdir.service.log_sink import LogSink
from scimdir.service.ports import DirectoryRecord, LogRecord, Storage
from scimdir.storage.sql import SqlStorage

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _directory(storage: Storage) -> str:
    did = uuid.uuid4().hex
    with storage.transaction() as tx:
        tx.insert_directory(DirectoryRecord(did, "D", "entra", {}, NOW, NOW))
    return did


def _entry(directory_id: str | None, created: datetime, status: int = 200) -> LogRecord:
    return LogRecord(directory_id, "GET", "/Users", status, created, 1.0)


def _dropped(reason: str) -> float:
    return REGISTRY.get_sample_value("scimdir_log_rows_dropped_total", {"reason": reason}) or 0.0


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


def test_long_and_hostile_fields_are_stored_bounded(storage: Storage) -> None:
    """A 65+ character resource id, NUL and a lone surrogate no longer fail the insert."""
    did = _directory(storage)
    sink = LogSink(storage, clock=lambda: NOW)
    hostile = LogRecord(
        did, "PATCH", "/Users/\x00\ud800", 400, NOW, 1.0, resource_id="x" * 200, subject="a\x00"
    )
    sink.record(hostile)
    assert sink.flush() == 1
    with storage.transaction(readonly=True) as tx:
        (row,) = tx.list_log(did)
    assert len(row.resource_id or "") == 64
    assert row.path == "/Users/\\0\ufffd"


def test_one_bad_entry_does_not_drop_the_batch(storage: Storage) -> None:
    """A batch that fails is written row by row: only the row that cannot be stored is
    dropped, and the drop is counted."""
    did = _directory(storage)
    before = _dropped("refused")
    sink = LogSink(storage, clock=lambda: NOW)
    sink.record(_entry(did, NOW, 201))
    sink.record(_entry(uuid.uuid4().hex, NOW, 500))  # a directory that does not exist
    sink.record(_entry(did, NOW, 204))
    assert sink.flush() == 2
    with storage.transaction(readonly=True) as tx:
        assert [r.status for r in tx.list_log(did)] == [204, 201]
    assert _dropped("refused") == before + 1


def test_a_full_queue_drops_and_counts(sqlite_storage: SqlStorage) -> None:
    """Past the queue size, entries are dropped and counted, never blocking the request."""
    did = _directory(sqlite_storage)
    before = _dropped("queue_full")
    sink = LogSink(sqlite_storage, max_queue=2, clock=lambda: NOW)
    for _ in range(5):
        sink.record(_entry(did, NOW))
    assert _dropped("queue_full") == before + 3
    assert sink.flush() == 2


def test_disabled_sink_records_nothing(sqlite_storage: SqlStorage) -> None:
    """With the log off (benchmarks), nothing is queued."""
    did = _directory(sqlite_storage)
    sink = LogSink(sqlite_storage, enabled=False)
    sink.record(_entry(did, NOW))
    assert sink.flush() == 0


# Retention deletes across all directories, so it runs on a private SQLite file only: on the
# shared PostgreSQL test database it would prune the rows of tests running beside it.
def test_prune_deletes_only_rows_older_than_the_retention(sqlite_storage: SqlStorage) -> None:
    """Retention by age removes rows older than the period and keeps the recent ones."""
    storage = sqlite_storage
    did = _directory(storage)
    sink = LogSink(storage, retention=timedelta(days=30), clock=lambda: NOW)
    sink.record(_entry(did, NOW - timedelta(days=31), 500))
    sink.record(_entry(did, NOW - timedelta(days=29), 200))
    sink.flush()
    sink.prune()
    with storage.transaction(readonly=True) as tx:
        assert [r.status for r in tx.list_log(did)] == [200]


def test_prune_keeps_the_newest_rows_of_each_directory(sqlite_storage: SqlStorage) -> None:
    """Retention by rows keeps each directory's newest N entries, whatever the others hold."""
    storage = sqlite_storage
    busy, quiet = _directory(storage), _directory(storage)
    sink = LogSink(storage, max_rows_per_directory=3, clock=lambda: NOW)
    for status in range(200, 210):
        sink.record(_entry(busy, NOW, status))
    sink.record(_entry(quiet, NOW, 201))
    sink.flush()
    sink.prune()
    with storage.transaction(readonly=True) as tx:
        assert [r.status for r in tx.list_log(busy)] == [209, 208, 207]
        assert [r.status for r in tx.list_log(quiet)] == [201]


def test_a_prune_caps_every_directory_once_then_those_it_wrote_since(
    sqlite_storage: SqlStorage,
) -> None:
    """The first prune of a sink caps every directory (another process may have left any over
    the cap); the next ones only the directories this sink wrote entries of since, so a turn
    costs a probe per active directory, not a read of the whole log. A new sink (a restarted
    process) covers every directory again."""
    storage = sqlite_storage
    a, b = _directory(storage), _directory(storage)
    elsewhere = LogSink(storage, max_rows_per_directory=100, clock=lambda: NOW)
    sink = LogSink(storage, max_rows_per_directory=3, clock=lambda: NOW)

    def statuses(directory_id: str) -> list[int]:
        with storage.transaction(readonly=True) as tx:
            return [r.status for r in tx.list_log(directory_id)]

    for status in range(200, 206):
        elsewhere.record(_entry(a, NOW, status))
    elsewhere.flush()
    sink.prune()
    assert statuses(a) == [205, 204, 203]
    for status in range(210, 215):
        elsewhere.record(_entry(a, NOW, status))
        sink.record(_entry(b, NOW, status))
    elsewhere.flush()
    sink.flush()
    sink.prune()
    assert statuses(b) == [214, 213, 212]
    assert len(statuses(a)) == 8  # not written by this sink since its last cap
    LogSink(storage, max_rows_per_directory=3, clock=lambda: NOW).prune()
    assert statuses(a) == [214, 213, 212]
