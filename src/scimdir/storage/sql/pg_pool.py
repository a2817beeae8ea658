"""PostgreSQL connections: a pool sized to the threads, no pre-ping, dead connections dropped at
checkout without a round trip, and read-only units of work in autocommit.

**No pre-ping.** SQLAlchemy's ``pool_pre_ping`` sends a statement (``;``) at every checkout: one
round trip per unit of work, a sixth of a lookup's. Instead, a pooled connection is checked with
one non-blocking ``select()`` of its socket: an idle connection has nothing to read unless the
server closed it (``pg_terminate_backend``, a restart, ``idle_session_timeout``), which sends an
``ErrorResponse`` and closes the socket. Such a connection is refused at checkout
(``DisconnectionError``) and the pool opens a new one, so the request never sees it
(tests/storage/test_postgres_connections.py). A connection that dies while in use raises; a
write's unit of work then runs again (``transient``) unless the connection died during
``COMMIT``, whose outcome is unknown.

**Reset on return is free.** The pool rolls a returned connection back; psycopg sends nothing
when the connection is idle (every unit of work ended with ``COMMIT``), so it costs no round
trip (the round-trip tests would count it).

**Read-only units of work in autocommit.** A read of one statement needs no ``BEGIN`` and
``COMMIT`` (two round trips of three): the statement is its own snapshot. A read that needs
several statements to agree (a list's total, generation and page) calls :func:`pin_snapshot`
before its first statement: from there to the end of the unit of work, statements share one
``REPEATABLE READ`` snapshot (a read-only transaction never gets a serialization failure).
"""

from __future__ import annotations

import select
from typing import Any

from psycopg import IsolationLevel
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DisconnectionError

__all__ = ["AUTOCOMMIT_READ", "install_liveness_check", "pin_snapshot", "read_in_autocommit"]

AUTOCOMMIT_READ = "scimdir_autocommit_read"
"""``Connection.info`` key: the read-only unit of work runs in autocommit until pinned."""


def _server_closed(dbapi_connection: Any) -> bool:
    """True when an idle connection's socket is readable: the server sent its goodbye."""
    try:
        fileno = dbapi_connection.pgconn.socket
    except Exception:  # a closed psycopg connection has no socket
        return True
    readable, _, _ = select.select([fileno], [], [], 0)
    return bool(readable)


def install_liveness_check(engine: Engine) -> None:
    """Refuse, at checkout, a pooled connection the server has closed (see the module)."""

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or _server_closed(dbapi_connection):
            raise DisconnectionError("the server closed this pooled connection")


def read_in_autocommit(conn: Connection) -> None:
    """Put a fresh connection in autocommit for a read-only unit of work."""
    conn.info[AUTOCOMMIT_READ] = True
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.autocommit = True


def end_autocommit(conn: Connection) -> None:
    """Give the connection back to the pool as it came: not in autocommit, default isolation."""
    conn.info.pop(AUTOCOMMIT_READ, None)
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.closed:
        dbapi.autocommit = False
        dbapi.isolation_level = None


def pin_snapshot(conn: Connection) -> None:
    """From the next statement on, read one snapshot until the unit of work ends (a no-op in a
    transaction, and on SQLite, whose read-only units of work are transactions already)."""
    if not conn.info.get(AUTOCOMMIT_READ):
        return
    conn.info[AUTOCOMMIT_READ] = False
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.autocommit = False
    dbapi.isolation_level = IsolationLevel.REPEATABLE_READ
