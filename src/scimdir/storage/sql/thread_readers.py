"""SQLite: each thread keeps one connection for its autocommit reads, instead of a pool checkout
per unit of work.

A GET authenticates and reads in one read-only unit of work without a snapshot
(``autocommit_reads.py``), which needs neither ``BEGIN`` nor ``COMMIT`` on SQLite. What remained
of the unit's cost was SQLAlchemy's: a pool checkout and check-in and a new ``Connection`` per
unit, about 80 µs of CPU, an eighth of a lookup (docs/performance.md). A thread that reads keeps
its connection instead, and a unit of work on it only resets the connection's state at its end.

The DB-API connections come from an engine of their own without a pool limit (``NullPool``),
built with the same listeners as the storage's (PRAGMAs, the read-deadline progress handler),
so they never take a slot a writer or the log writer waits for; each is wrapped in a
``Connection`` of the storage's engine, so that engine's events (error translation, statement
observers) apply as on any other connection. An idle one holds
no lock: between units of work it has no open statement and no transaction, so it never
blocks a WAL checkpoint. A unit that pinned a snapshot (``BEGIN``) commits or rolls back at its
end. When the thread ends (the thread pool retires idle threads), its connection is dropped and
closes itself; the storage's ``dispose`` closes the others. Only for a database file: an
in-memory database exists in its one shared connection.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from scimdir.storage.sql.autocommit_reads import end_autocommit, read_in_autocommit
from scimdir.storage.sql.base import READONLY

__all__ = ["ThreadReaders"]


class ThreadReaders:
    """One autocommit read connection per thread (see the module docstring): ``engine`` is the
    storage's, ``connections`` the unpooled engine the DB-API connections come from."""

    def __init__(self, engine: Engine, connections: Engine) -> None:
        self.engine = engine
        self.connections = connections
        self._local = threading.local()
        self._held: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._lock = threading.Lock()

    @contextmanager
    def unit(self) -> Iterator[Connection]:
        """The thread's connection in autocommit for one read-only unit of work."""
        conn = self._connection()
        conn.info[READONLY] = True
        read_in_autocommit(conn)
        # No ``begin()``: a unit that runs only driver statements (a lookup) then costs no
        # SQLAlchemy transaction at all; pinning a snapshot begins one (autocommit_reads.py).
        try:
            yield conn
        except BaseException:
            self._end(conn, commit=False)
            raise
        self._end(conn, commit=True)

    def _connection(self) -> Connection:
        held: Connection | None = getattr(self._local, "held", None)
        if held is not None and not held.closed and not held.invalidated:
            return held
        # A connection of ``engine`` (its events, its dialect) over a DB-API connection of
        # the unpooled ``connections`` engine.
        # Detached from its pool: when the thread ends and drops it, the DB-API connection
        # closes itself, with no pool bookkeeping to run (or to complain) at that moment.
        raw = self.connections.raw_connection()
        raw.detach()
        held = Connection(self.engine, connection=raw)
        self._local.held = held
        with self._lock:
            self._held.add(held)
        return held

    def _end(self, conn: Connection, *, commit: bool) -> None:
        try:
            if conn.in_transaction():
                if commit:
                    conn.commit()  # a pinned snapshot's BEGIN; otherwise nothing to send
                else:
                    conn.rollback()
            driver = conn.connection.dbapi_connection
            if driver is not None and getattr(driver, "in_transaction", False):
                driver.rollback()  # never leave the thread's connection holding a snapshot
        except BaseException:
            self._drop()
            raise
        finally:
            end_autocommit(conn)
        if conn.invalidated:
            self._drop()

    def _drop(self) -> None:
        held: Connection | None = getattr(self._local, "held", None)
        self._local.held = None
        if held is not None and not held.closed:
            held.close()

    def close(self) -> None:
        """Close every thread's connection (the storage is being disposed of)."""
        with self._lock:
            held = list(self._held)
        for conn in held:
            if not conn.closed:
                conn.close()
        self.connections.dispose()
