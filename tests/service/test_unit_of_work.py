"""Units of work: request-scoped read snapshots, and writes run again after a transient conflict."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import cast

import pytest

from scimdir.scim.errors import SCIMException
from scimdir.service.ports import DirectoryRecord, Storage, Transaction, TransientConflict
from scimdir.service.unit_of_work import WRITE_ATTEMPTS, read_scope, transaction, write
from scimdir.storage.sql import SqlStorage


def test_reads_inside_a_scope_share_its_transaction(sqlite_storage: SqlStorage) -> None:
    """Every read transaction opened inside a read scope is the scope's own."""
    with read_scope(sqlite_storage) as outer:
        with transaction(sqlite_storage, readonly=True) as first:
            pass
        with transaction(sqlite_storage, readonly=True) as second:
            pass
    assert first is outer
    assert second is outer


def test_a_write_inside_a_read_scope_is_refused(sqlite_storage: SqlStorage) -> None:
    """A write never runs in a read snapshot: asking for one inside a scope raises."""
    with (
        read_scope(sqlite_storage),
        pytest.raises(RuntimeError, match="read scope"),
        transaction(sqlite_storage),
    ):
        pass


def test_outside_a_scope_each_call_opens_its_own(sqlite_storage: SqlStorage) -> None:
    """Without a scope, each unit of work is a new transaction."""
    with transaction(sqlite_storage, readonly=True) as first:
        pass
    with transaction(sqlite_storage, readonly=True) as second:
        pass
    assert first is not second


class _FlakyStorage:
    """A storage whose first ``failures`` transactions are rolled back as transient conflicts."""

    def __init__(self, inner: SqlStorage, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.opened = 0

    @contextmanager
    def transaction(
        self, *, readonly: bool = False, snapshot: bool = True
    ) -> Iterator[Transaction]:
        self.opened += 1
        with self.inner.transaction(readonly=readonly, snapshot=snapshot) as tx:
            yield tx
            if self.opened <= self.failures:
                raise TransientConflict("deadlock detected")


def test_write_runs_a_rolled_back_unit_again(sqlite_storage: SqlStorage) -> None:
    """A unit of work rolled back as a transient conflict runs again and its result is returned."""
    flaky = _FlakyStorage(sqlite_storage, failures=2)
    assert write(cast(Storage, flaky), lambda tx: len(tx.list_directories())) == 0
    assert flaky.opened == 3


def test_write_gives_up_with_409_after_its_attempts(sqlite_storage: SqlStorage) -> None:
    """After WRITE_ATTEMPTS transient conflicts the answer is a 409 asking to resend, not a 500."""
    flaky = _FlakyStorage(sqlite_storage, failures=WRITE_ATTEMPTS)
    with pytest.raises(SCIMException) as caught:
        write(cast(Storage, flaky), lambda tx: None)
    assert (caught.value.status, flaky.opened) == (409, WRITE_ATTEMPTS)
    assert "send it again" in caught.value.detail


@pytest.mark.postgres
def test_a_real_deadlock_is_retried(postgres_storage: SqlStorage) -> None:
    """Two writers locking two rows in opposite orders deadlock once on PostgreSQL; write()
    runs the loser again and both succeed."""
    now = datetime.now(UTC)
    ids = [uuid.uuid4().hex, uuid.uuid4().hex]
    with postgres_storage.transaction() as tx:
        for directory_id in ids:
            tx.insert_directory(DirectoryRecord(directory_id, "d", "entra", {}, now, now))
    barrier = threading.Barrier(2)
    runs: list[int] = []

    def work(first: str, second: str, tx: Transaction) -> None:
        runs.append(1)
        tx.append_event(first, "t", "User", "x", {}, now)
        if len(runs) <= 2:
            barrier.wait(timeout=10)  # both hold their first row: the next lock closes the cycle
        tx.append_event(second, "t", "User", "x", {}, now)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = [
            pool.submit(write, postgres_storage, partial(work, ids[0], ids[1])),
            pool.submit(write, postgres_storage, partial(work, ids[1], ids[0])),
        ]
        for future in done:
            future.result(timeout=60)
    with postgres_storage.transaction(readonly=True) as tx:
        seqs = [[e.seq for e in tx.list_events(d, 0, 10)] for d in ids]
    assert (seqs, len(runs)) == ([[1, 2], [1, 2]], 3)
