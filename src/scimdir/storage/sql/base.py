"""Shared plumbing of the SQL transaction mixins: the connection and dialect-aware upserts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from scimdir.storage.sql.page_marks import PageMarks

__all__ = ["CHUNK", "READONLY", "SqlBase", "chunks"]

T = TypeVar("T")

# Rows per multi-row statement: stays under SQLite's bound-parameter limit (32766) with room.
CHUNK = 500

# ``Connection.info`` key: the unit of work promised to only read (one snapshot, see storage.py).
READONLY = "scimdir_readonly"


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlBase:
    """Holds the transaction's connection and the storage's page marks; the mixins add the
    port's methods."""

    def __init__(self, conn: Connection, marks: PageMarks | None = None) -> None:
        self.conn = conn
        self.marks = marks

    def insert_ignoring_conflicts(self, table: Table, rows: Any) -> int:
        """``INSERT ... ON CONFLICT DO NOTHING``; returns how many rows were inserted.

        One statement on both dialects, and a conflict does not abort a PostgreSQL transaction
        (unlike a failed plain INSERT), so callers can report it and carry on.
        """
        stmt: Insert
        if self.conn.dialect.name == "postgresql":
            stmt = postgresql.insert(table).values(rows).on_conflict_do_nothing()
        else:
            stmt = sqlite.insert(table).values(rows).on_conflict_do_nothing()
        # SQLAlchemy reports INSERT rowcounts only when asked to preserve them.
        return self.conn.execute(stmt, execution_options={"preserve_rowcount": True}).rowcount
