"""PostgreSQL connections: a pool sized to the threads, no pre-ping, dead connections dropped at
checkout without a round trip.

**No pre-ping.** SQLAlchemy's ``pool_pre_ping`` sends a statement (``;``) at every checkout: one
round trip per unit of work, a sixth of a lookup's. Instead, a pooled connection is checked with
one non-blocking ``poll()`` of its socket: an idle connection has nothing to read unless the
server closed it (``pg_terminate_backend``, a restart, ``idle_session_timeout``), which sends an
``ErrorResponse`` and closes the socket. Such a connection is refused at checkout
(``DisconnectionError``) and the pool opens a new one, so the request never sees it
(tests/storage/test_postgres_connections.py). A connection that dies while in use raises; a
write's unit of work then runs again (``transient``) unless the connection died during
``COMMIT``, whose outcome is unknown.

**Reset on return is free.** The pool rolls a returned connection back; psycopg sends nothing
when the connection is idle (every unit of work ended with ``COMMIT``), so it costs no round
trip (the round-trip tests would count it).

Read-only units of work run in autocommit until a read pins a snapshot: ``autocommit_reads.py``.
"""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

__all__ = ["install_liveness_check", "server_closed"]


def server_closed(dbapi_connection: Any) -> bool:
    """True when an idle connection's socket is readable: the server sent its goodbye."""
    try:
        fileno = dbapi_connection.pgconn.socket
    except Exception:  # a closed psycopg connection has no socket
        return True
    poller = select.poll()  # not select.select: it refuses descriptors numbered 1024 or more
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


def install_liveness_check(engine: Engine) -> None:
    """Refuse, at checkout, a pooled connection the server has closed (see the module)."""

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or server_closed(dbapi_connection):
            raise DisconnectionError("the server closed this pooled connection")
