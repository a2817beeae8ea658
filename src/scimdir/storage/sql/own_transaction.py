"""A PostgreSQL unit of work's statement sent as a transaction of its own.

Under ``READ COMMITTED`` (every scimdir write runs at it) each statement reads its own
snapshot, inside a transaction or not; what a transaction adds is that its writes commit
together and its row locks last until its end. So while a writing unit of work has sent
nothing (psycopg has not begun its transaction: the session is idle), two kinds of statement
need no ``BEGIN`` and no ``COMMIT``:

- an unlocked read: it reads what a first statement after ``BEGIN`` would read. A unit that
  reads a resource unlocked and then writes it at the version read (port rule 4) costs its
  read one round trip, not a ``BEGIN`` too;
- the unit's only write, one statement (a create or an update with its event,
  ``pg_writes.py``): the statement is the whole transaction, and the row lock it takes for the
  event's seq is still held until it commits (port rule 7).

The connection is switched to psycopg's autocommit for the one statement (0.6 µs a switch on
the test machine) and back; the storage's commit then finds the session idle and sends nothing
(``pg_pool.py``). Where a transaction is already open, or the unit reads in autocommit anyway
(a read-only unit, ``autocommit_reads.py``), the statement joins it as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from scimdir.service.ports import StorageError

__all__ = ["committing", "own_transaction"]


@contextmanager
def own_transaction(conn: Connection, *, writes: bool) -> Iterator[None]:
    """Run the block's one statement as a transaction of its own when ``conn`` (PostgreSQL)
    has none open (see the module). ``writes``: a connection lost during the statement leaves
    an unknown outcome, as during a ``COMMIT``: a ``StorageError``, never run again (a read is
    left to the usual retry of a lost connection)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if dbapi.autocommit or dbapi.info.transaction_status != TransactionStatus.IDLE:
        yield
        return
    dbapi.autocommit = True
    try:
        if writes:
            with committing():
                yield
        else:
            yield
    finally:
        if not dbapi.closed:
            dbapi.autocommit = False


@contextmanager
def committing() -> Iterator[None]:
    """A block whose statement commits: a connection lost during it leaves the outcome unknown,
    raised as ``StorageError`` (never a transient conflict, which would run the write again)."""
    try:
        yield
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StorageError(
                "The database connection was lost while the write committed; whether it was "
                "applied is unknown."
            ) from exc
        raise
