"""The SQL backend: SQLAlchemy 2 Core on SQLite and PostgreSQL, Alembic migrations."""

from __future__ import annotations

from scimdir.storage.sql.storage import SqlStorage
from scimdir.storage.sql.transaction import SqlTransaction

__all__ = ["SqlStorage", "SqlTransaction"]
