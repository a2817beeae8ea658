"""The event loop's PostgreSQL connections: their waits do not block the loop.

psycopg's synchronous connection does all its network work in generators that say what they
wait for (readable, writable), and one method, ``Connection.wait``, waits for them: blocking,
in ``psycopg.waiting.wait``. psycopg's own ``AsyncConnection`` waits with
``psycopg.waiting.wait_async`` on the event loop instead. :class:`LoopConnection` is the
synchronous connection whose ``wait`` does the latter when it runs inside a greenlet of
:func:`scimdir.greenlet_bridge.run_bridged`: every statement on it, SQLAlchemy's through the
cursor as well as ``pg_wire``'s, then waits for PostgreSQL while the loop serves other requests;
anywhere else it waits as psycopg does. ``pg_wire`` sends its statements with libpq's
non-blocking ``send_*`` calls on such a connection for the same reason (:func:`waits_on_loop`).

Only the event loop's own connections, for its reads and its small writes, are LoopConnections
(``storage.py``); the pool's connections for worker threads are psycopg's own.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import waiting
from psycopg.abc import RV, PQGen

from scimdir.greenlet_bridge import bridged, wait_for

__all__ = ["LoopConnection", "waits_on_loop"]

_WAIT_INTERVAL = 0.1  # psycopg's own: how often a wait wakes up to notice an interrupt


class LoopConnection(psycopg.Connection[Any]):
    """A psycopg connection that, in a bridged greenlet, awaits the socket on the event loop."""

    def wait(
        self, gen: PQGen[RV], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        if bridged():
            socket = self.pgconn.socket
            return wait_for(waiting.wait_async(gen, socket, interval=interval, timeout=timeout))
        return super().wait(gen, interval, timeout)


def waits_on_loop(driver: Any) -> bool:
    """Whether ``driver``'s next wait is an await on the event loop (a :class:`LoopConnection`
    inside a bridged greenlet)."""
    return isinstance(driver, LoopConnection) and bridged()
