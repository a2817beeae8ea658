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
from .contract_search import SearchContract


class TestSqlite(
    StorageContract,
    SearchContract,
    CountContract,
    MembershipContract,
    BrowseContract,
    ApiKeyContract,
    ExtensionContract,
    PrefetchContract,
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
