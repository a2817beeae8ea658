"""Read-only units of work in autocommit, on both databases, until a read pins a snapshot.

A read of one statement needs no ``BEGIN`` and ``COMMIT``: the statement is its own snapshot.
Authenticating a request and an identity provider's matching query are one statement each, so
a read-only unit of work that does not ask for a snapshot (``Storage.transaction(readonly=True,
snapshot=False)``) starts in autocommit:

- on PostgreSQL the connection is switched to psycopg's autocommit, which saves two of a
  lookup's three round trips (docs/performance.md, "PostgreSQL round trips");
- on SQLite (whose connections run with pysqlite's implicit transactions off, ``storage.py``)
  no ``BEGIN`` is sent; each statement reads the latest committed state in WAL mode. Sending
  ``BEGIN`` and ``COMMIT`` through SQLAlchemy cost about 100 µs of CPU per request, a sixth of
  a lookup's.

A read whose statements must agree (a list's total, its generation and its page; a page and
its users' groups) calls :func:`pin_snapshot` before its first statement: from there to the end
of the unit of work, the statements share one snapshot (PostgreSQL: a ``REPEATABLE READ``
transaction, which a read-only transaction never sees fail; SQLite: a deferred ``BEGIN``,
whose snapshot is taken by the next statement).
"""

from __future__ import annotations

from psycopg import IsolationLevel
from sqlalchemy import Connection

from scimdir.storage.sql.driver_statements import run_driver_sql

__all__ = [
    "AUTOCOMMIT_READ",
    "end_autocommit",
    "in_autocommit",
    "pin_snapshot",
    "read_in_autocommit",
]

AUTOCOMMIT_READ = "scimdir_autocommit_read"
"""``Connection.info`` key: the read-only unit of work runs in autocommit until pinned."""


def in_autocommit(conn: Connection) -> bool:
    """Whether ``conn`` reads in autocommit (no snapshot pinned yet)."""
    return bool(conn.info.get(AUTOCOMMIT_READ))


def read_in_autocommit(conn: Connection) -> None:
    """Put a fresh connection in autocommit for a read-only unit of work (before ``begin``)."""
    conn.info[AUTOCOMMIT_READ] = True
    if conn.dialect.name == "postgresql":
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        if not dbapi.autocommit:  # psycopg's setters take its lock and run a generator
            dbapi.autocommit = True


def end_autocommit(conn: Connection, *, resting: bool = False) -> None:
    """Give the connection back as it came: to the pool not in autocommit, or (``resting``:
    a connection kept for reads only, ``held_connections.py``) in autocommit, where the next unit
    finds it without a switch; either way with the default isolation level."""
    conn.info.pop(AUTOCOMMIT_READ, None)
    if conn.dialect.name != "postgresql":
        return
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.closed:
        if dbapi.autocommit != resting:
            dbapi.autocommit = resting
        if dbapi.isolation_level is not None:
            dbapi.isolation_level = None


def pin_snapshot(conn: Connection) -> None:
    """From the next statement on, read one snapshot until the unit of work ends (a no-op in a
    transaction that has one already)."""
    if not conn.info.get(AUTOCOMMIT_READ):
        return
    conn.info[AUTOCOMMIT_READ] = False
    if conn.dialect.name != "postgresql":
        if conn.in_transaction():
            run_driver_sql(conn, "BEGIN")  # committed with the unit of work (pysqlite's commit)
        else:
            conn.begin()  # the storage's begin hook sends BEGIN now that autocommit is over
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.autocommit = False
    dbapi.isolation_level = IsolationLevel.REPEATABLE_READ
