"""The storage contract on PostgreSQL (``SCIMDIR_TEST_POSTGRES_URL``; see tests/conftest.py).

One database migrated once per session; each test isolates itself in fresh directories.
"""

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


@pytest.mark.postgres
class TestPostgres(
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
    """Every contract rule on PostgreSQL."""

    @pytest.fixture
    def storage(self, postgres_storage: SqlStorage) -> Storage:
        """The session's PostgreSQL database."""
        return postgres_storage
