"""Shared plumbing of the SQL transaction mixins: the connection and dialect-aware upserts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite

from scimdir.storage.sql.autocommit_reads import pin_snapshot
from scimdir.storage.sql.counters import CounterBuffer
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.lookups import Prefetched
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
    port's methods. ``prefetched``: lookup rows the authentication read ahead for this unit of
    work's search (``authentication.py``), never kept past it; ``users_ahead``: user rows by
    (directory id, user id) the authentication read ahead for a read by id, of this unit or
    adopted from another (``Transaction.adopt_read_ahead``)."""

    def __init__(self, conn: Connection, marks: PageMarks | None = None) -> None:
        self.conn = conn
        self.marks = marks
        self.counts = CounterBuffer()
        self.prefetched: Prefetched = {}
        self.users_ahead: dict[tuple[str, str], dict[str, Any]] = {}
        self.pinned = False
        self.committed_early = False  # the unit committed with its last statement (PostgreSQL)

    @property
    def postgres(self) -> bool:
        """True on PostgreSQL (statements that save round trips there: ``pg_writes.py``)."""
        return self.conn.dialect.name == "postgresql"

    @property
    def writing(self) -> bool:
        """True unless the unit of work promised to only read (locking reads are for writers)."""
        return self.conn.info.get(READONLY) is not True

    def pin_snapshot(self) -> None:
        """Read one snapshot from here to the end of the unit of work (``autocommit_reads.py``).
        Rows read ahead before it are dropped: the unit's reads from here on must agree."""
        self.prefetched.clear()
        self.users_ahead.clear()
        self.pinned = True
        pin_snapshot(self.conn)

    def flush_counts(self) -> None:
        """Write the buffered list-counter adjustments (see ``counters.py``)."""
        self.counts.flush(self.conn)

    def insert_ignoring_conflicts(self, table: Table, rows: Any) -> int:
        """``INSERT ... ON CONFLICT DO NOTHING``; returns how many rows were inserted.

        One statement on both dialects, and a conflict does not abort a PostgreSQL transaction
        (unlike a failed plain INSERT), so callers can report it and carry on.
        """
        rows = list(rows)
        if not rows:
            return 0
        stmt = _insert_ignoring(self.conn.dialect.name, table)
        if len(rows) == 1:
            # The statement is built once, compiled once per set of columns and run on the
            # driver (driver_statements.py): values are bound parameters.
            return stmt.execute(self.conn, rows[0])
        # Several rows: one multi-row VALUES statement, whose rowcount counts the inserted rows.
        many = cast(Insert, stmt.stmt).values(rows)
        return int(self.conn.execute(many, execution_options=_ROWCOUNT).rowcount)


# SQLAlchemy reports INSERT rowcounts only when asked to preserve them.
_ROWCOUNT = {"preserve_rowcount": True}
_INSERTS: dict[tuple[str, str], DriverStatement] = {}


def _insert_ignoring(dialect: str, table: Table) -> DriverStatement:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``table`` on ``dialect``, built once."""
    stmt = _INSERTS.get((dialect, table.name))
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = DriverStatement(insert(table).on_conflict_do_nothing(), keyed=True)
        _INSERTS[(dialect, table.name)] = stmt
    return stmt
