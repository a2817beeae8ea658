"""The storage package's public surface is exactly what composition roots need."""

from __future__ import annotations

import scimdir.storage
import scimdir.storage.sql


def test_storage_exports() -> None:
    """scimdir.storage exports open_storage only."""
    assert scimdir.storage.__all__ == ["open_storage"]


def test_sql_exports() -> None:
    """scimdir.storage.sql exports the storage and transaction classes."""
    assert scimdir.storage.sql.__all__ == ["SqlStorage", "SqlTransaction"]
