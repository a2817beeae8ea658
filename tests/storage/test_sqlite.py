"""The storage contract on SQLite (a temporary file per test; WAL, foreign keys on)."""

from __future__ import annotations

import pytest

from scimdir.service.ports import Storage
from scimdir.storage.sql import SqlStorage

from .contract import StorageContract
from .contract_api_keys import ApiKeyContract
from .contract_browse import BrowseContract
from .contract_counts import CountContract
from .contract_extensions import ExtensionContract
from .contract_memberships import MembershipContract
from .contract_prefetch import PrefetchContract
from .contract_read_ahead import ReadAheadContract
from .contract_search import SearchContract
from .contract_user_updates import UserUpdateContract


class TestSqlite(
    StorageContract,
    SearchContract,
    CountContract,
    MembershipContract,
    BrowseContract,
    ApiKeyContract,
    ExtensionContract,
    PrefetchContract,
    ReadAheadContract,
    UserUpdateContract,
):
    """Every contract rule on SQLite."""

    @pytest.fixture
    def storage(self, sqlite_storage: SqlStorage) -> Storage:
        """SQLite in a temporary file."""
        return sqlite_storage


class TestSqliteMemory(SearchContract):
    """``sqlite://`` (one shared in-memory connection) works for tests."""

    @pytest.fixture
    def storage(self) -> Storage:
        """An in-memory database, migrated."""
        storage = SqlStorage("sqlite://")
        storage.migrate()
        return storage


def test_a_file_database_is_read_through_a_memory_map(sqlite_storage: SqlStorage) -> None:
    """Every connection to a database file (pooled, and a thread's own reader) maps the file,
    so index probes read pages without a system call each; WAL and NORMAL sync as before."""
    with sqlite_storage.transaction() as tx:
        pooled = tx.conn.exec_driver_sql("PRAGMA mmap_size").scalar_one()
        journal = tx.conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        sync = tx.conn.exec_driver_sql("PRAGMA synchronous").scalar_one()
    with sqlite_storage.transaction(readonly=True, snapshot=False) as tx:
        reader = tx.conn.exec_driver_sql("PRAGMA mmap_size").scalar_one()
    assert pooled == reader == 256 * 1024 * 1024
    assert (journal, sync) == ("wal", 1)
