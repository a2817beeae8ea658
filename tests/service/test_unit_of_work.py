"""Request-scoped read units of work."""

from __future__ import annotations

import pytest

from scimdir.service.unit_of_work import read_scope, transaction
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
