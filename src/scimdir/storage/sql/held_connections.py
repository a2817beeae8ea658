"""Connections held outside the pool, instead of a pool checkout per unit of work: on SQLite
one per thread for its autocommit reads and its units of work with a transaction (writes,
snapshots); on PostgreSQL a shared set for the event loop's reads and another for the writes it
runs itself.

On SQLite a thread's writes use the connection its reads use because a connection's page cache
survives its own commits but not another connection's: a read after a write made on another
connection re-reads the pages it needs (the authentication's statement took 57 µs instead of
10 on a 1,000-user database), and a pool checkout rotates among connections, so every write
began with a cold cache too. A unit of work begun inside another of the same thread's gets a
connection of its own, closed at its end, as a pool would lend it a second one.

A GET authenticates and reads in one read-only unit of work without a snapshot
(``autocommit_reads.py``), which needs neither ``BEGIN`` nor ``COMMIT``. What remained
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
end. A PostgreSQL connection rests in autocommit between units (a unit then switches nothing:
each of psycopg's setters takes its lock and runs a generator). When the thread ends (the
thread pool retires idle threads), its connection is dropped and closes itself; the storage's
``dispose`` closes the others. Only for a database file: an
in-memory database exists in its one shared connection.

On PostgreSQL the same holds for the reads the event loop serves itself
(:data:`scimdir.service.ports.reads_on_event_loop`): a pool checkout there could wait behind
worker threads that hold every pooled connection, and the loop must never wait; the loop's
connection has a statement time limit (``storage.py``), and ``alive`` (the pool's liveness
check, ``pg_pool.py``) replaces one the server has closed before a unit of work uses it. When
the server cannot be reached, a connection attempt blocks the loop up to its connect timeout:
after a failed attempt, the readers answer :class:`~scimdir.service.ports.StorageBusy` at once
for ``unreachable_for`` seconds (503 with ``Retry-After``) instead of stalling every request.

The loop's PostgreSQL work waits for the server without blocking the loop
(``pg_loop_connection.py``), so several units are under way at once, each needing a connection
of its own: the loop's connections are ``shared`` (a unit of work takes a free connection and
gives it back at its end), at most ``shared`` of them open; a unit that finds them all in use
awaits one on the loop (a unit outside a bridged greenlet, which cannot await, opens one more
and closes it at its end). The loop's reads take theirs in autocommit (:meth:`unit`), its
writes outside autocommit, beginning and ending their own transaction (:meth:`held`).
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from scimdir.greenlet_bridge import blocking, bridged, wait_for
from scimdir.service.ports import StorageBusy
from scimdir.storage.sql.autocommit_reads import end_autocommit, read_in_autocommit
from scimdir.storage.sql.base import READONLY

__all__ = ["HeldConnections"]


class HeldConnections:
    """Connections outside the pool (see the module docstring): one per thread, or with
    ``shared`` a set of at most that many that units of work take and give back. ``engine`` is
    the storage's, ``connections`` the unpooled engine the DB-API connections come from,
    ``alive`` whether a held DB-API connection may still be used (None: always), ``info``
    entries every connection's ``Connection.info`` starts with, ``unreachable_for`` seconds
    without a new connection attempt after one failed (0: always try)."""

    def __init__(
        self,
        engine: Engine,
        connections: Engine,
        *,
        alive: Callable[[Any], bool] | None = None,
        info: dict[str, Any] | None = None,
        unreachable_for: float = 0.0,
        shared: int = 0,
    ) -> None:
        self.engine = engine
        self.connections = connections
        self.alive = alive
        self.info = info or {}
        self.unreachable_for = unreachable_for
        self.shared = shared
        self._retry_at = 0.0  # time.monotonic() before which no connection is attempted
        self._local = threading.local()
        self._held: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._free: list[_Slot] = []  # shared: open connections no unit uses
        self._open = 0  # shared: open connections, free or in use
        self._waiters: deque[asyncio.Future[None]] = deque()  # shared: units awaiting one

    @contextmanager
    def unit(self) -> Iterator[Connection]:
        """A connection in autocommit for one read-only unit of work."""
        slot = self._take()
        conn = slot.conn
        conn.info[READONLY] = True
        read_in_autocommit(conn)
        # No ``begin()``: a unit that runs only driver statements (a lookup) then costs no
        # SQLAlchemy transaction at all; pinning a snapshot begins one (autocommit_reads.py).
        try:
            yield conn
        except BaseException:
            self._end(slot, commit=False)
            raise
        self._end(slot, commit=True)

    @contextmanager
    def held(self) -> Iterator[Connection]:
        """A connection outside autocommit, as the pool lends one, for a unit of work that
        begins and ends its own transaction (``storage.py``); the connection is given back
        with no transaction open."""
        slot = self._take()
        try:
            yield slot.conn
        finally:
            self._end(slot, commit=False, resting=False)

    @property
    def open_connections(self) -> int:
        """Shared: the connections open now, in use or free (for tests)."""
        return self._open

    def _take(self) -> _Slot:
        slot = self._take_shared() if self.shared else self._take_own()
        slot.busy = True
        return slot

    def _take_own(self) -> _Slot:
        """The thread's connection, or for a unit begun inside another of this thread's a
        connection of its own, closed at its end (as a pool would lend it a second one)."""
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is not None and slot.busy:
            extra = self._new_slot()
            extra.extra = True
            return extra
        if slot is not None:
            if self._usable(slot.conn):
                return slot
            self._drop(slot)  # the server closed it (a restart, a terminated backend)
        slot = self._local.slot = self._new_slot()
        return slot

    def _take_shared(self) -> _Slot:
        while True:
            with self._lock:
                slot = self._free.pop() if self._free else None
                opening = slot is None and (self._open < self.shared or not bridged())
                if opening:
                    self._open += 1
            if slot is not None:
                if self._usable(slot.conn):
                    return slot
                self._drop(slot)
                continue
            if opening:
                try:
                    return self._new_slot()
                except BaseException:
                    with self._lock:
                        self._open -= 1
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                wait_for(waiter)
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # the connection it was woken for goes to the next waiter
                waiter.cancel()
                raise

    def _usable(self, held: Connection) -> bool:
        if held.closed or held.invalidated:
            return False
        return self.alive is None or self.alive(held.connection.dbapi_connection)

    def _new_slot(self) -> _Slot:
        # A connection of ``engine`` (its events, its dialect) over a DB-API connection of
        # the unpooled ``connections`` engine, detached from its pool: no pool bookkeeping runs
        # (or complains) when the thread ends and its slot closes the connection.
        raw = self._connect()
        raw.detach()
        held = Connection(self.engine, connection=raw)
        held.info.update(self.info)
        with self._lock:
            self._held.add(held)
        return _Slot(held)

    def _connect(self) -> Any:
        if self.unreachable_for and time.monotonic() < self._retry_at:
            raise StorageBusy("the database could not be reached moments ago")
        # The pool's connect raises the driver's own error (SQLAlchemy wraps it only inside a
        # Connection), or SQLAlchemy's for a failure in its own connect handling.
        failures = (DBAPIError, self.connections.dialect.loaded_dbapi.Error)
        try:
            # Connecting blocks (SQLAlchemy's connect hooks run under a thread lock, which
            # another unit on this thread would wait for if this one switched away).
            with blocking():
                return self.connections.raw_connection()
        except failures as exc:
            if not self.unreachable_for:
                raise
            self._retry_at = time.monotonic() + self.unreachable_for
            raise StorageBusy(f"the database could not be reached: {exc}".strip()) from exc

    def _end(self, slot: _Slot, *, commit: bool, resting: bool = True) -> None:
        conn = slot.conn
        try:
            if conn.in_transaction():
                if commit:
                    conn.commit()  # a pinned snapshot's BEGIN; otherwise nothing to send
                else:
                    conn.rollback()
            driver = conn.connection.dbapi_connection
            if driver is not None and _holds_transaction(driver):
                driver.rollback()  # never leave the connection holding a snapshot
        except BaseException:
            self._drop(slot)
            raise
        finally:
            slot.busy = False
            if not conn.closed:
                end_autocommit(conn, resting=resting)
        if conn.invalidated or slot.extra:
            self._drop(slot)
        elif self.shared:
            self._give(slot)

    def _give(self, slot: _Slot) -> None:
        """A shared connection back to the free ones, or closed past the limit; the first
        waiting unit is woken to take it."""
        with self._lock:
            if self._open > self.shared:
                self._open -= 1
                keep = False
            else:
                self._free.append(slot)
                keep = True
        if not keep:
            slot.close()
        self._wake()

    def _drop(self, slot: _Slot) -> None:
        if self.shared:
            with self._lock:
                self._open -= 1
            slot.close()
            self._wake()
            return
        if getattr(self._local, "slot", None) is slot:
            self._local.slot = None
        slot.close()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def close(self) -> None:
        """Close every connection (the storage is being disposed of)."""
        with self._lock:
            held = list(self._held)
            self._free.clear()
            self._open = 0
        for conn in held:
            if not conn.closed:
                conn.close()
        self.connections.dispose()


class _Slot:
    """A held connection, closed when dropped, when a thread's ends (its ``threading.local``
    drops the slot) or when the storage is disposed of, rather than left to the garbage
    collector: psycopg warns about a connection deleted while open, and the server would keep
    its backend until the socket closed."""

    __slots__ = ("__weakref__", "_closer", "busy", "conn", "extra")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.busy = False  # a unit of work uses it now
        self.extra = False  # opened for a unit nested in another of its thread's; closed after
        self._closer = weakref.finalize(self, _close, conn)

    def close(self) -> None:
        self._closer()


def _close(conn: Connection) -> None:
    if not conn.closed:
        conn.close()


def _holds_transaction(driver: Any) -> bool:
    """Whether a DB-API connection (pysqlite's or psycopg's) is inside a transaction."""
    info = getattr(driver, "info", None)
    if info is not None and hasattr(info, "transaction_status"):  # psycopg
        return bool(info.transaction_status != TransactionStatus.IDLE and not driver.closed)
    return bool(getattr(driver, "in_transaction", False))
