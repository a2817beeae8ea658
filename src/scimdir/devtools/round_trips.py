"""Count the PostgreSQL round trips a piece of work costs, in process, from libpq's own trace.

A round trip is one wait for the server: a simple-protocol ``Query`` message (psycopg sends
``BEGIN``, ``COMMIT``, ``ROLLBACK`` and ``SAVEPOINT`` this way) or an extended-protocol batch
ending in ``Sync`` (a statement with parameters; preparing a statement is a batch of its own).
Counting what the client *sends* catches everything SQLAlchemy's events do not see: the pool's
pre-ping, the driver's implicit ``BEGIN``, the reset on return and a statement's preparation.

libpq writes the trace (``PQtrace``, libpq 14+) of every connection the engines open while the
counter is installed into one file; the counter reads it between two marks. The engines' pooled
connections are closed when it is installed, so that every connection is traced from its first
message: install it before the first request. Use it on engines no other thread is using, e.g.
an app driven through ``httpx.ASGITransport`` (which does not start the app's background
threads). A storage's ``engines`` are the pool's and the event loop's read connections'::

    counter = RoundTrips.install(*storage.engines)
    with counter.window() as trips:
        ...                                # one request
    assert trips.count <= 2, trips.messages

Developer tool for tests and ``bench/pg_hot_path.py``; never used by the server.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg import pq
from sqlalchemy import Engine, event

__all__ = ["RoundTrips", "Window", "sync_points"]


def sync_points(trace: str) -> list[str]:
    """The frontend messages of a libpq trace that each wait for the server: simple queries
    (with their text) and the ``Parse`` texts of extended batches (or ``Sync`` alone)."""
    points: list[str] = []
    pending: str | None = None
    for line in trace.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or parts[0] != "F":
            continue
        kind = parts[2]
        detail = parts[3].strip() if len(parts) > 3 else ""
        if kind == "Query":
            points.append(detail)
        elif kind == "Parse" and pending is None:
            pending = detail
        elif kind == "Bind" and pending is None:
            pending = "(prepared) " + detail
        elif kind == "Sync":
            points.append(pending or "Sync")
            pending = None
    return points


@dataclass
class Window:
    """What one :meth:`RoundTrips.window` saw: ``messages`` holds one entry per round trip."""

    messages: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Round trips in the window."""
        return len(self.messages)


class RoundTrips:
    """Traces every connection of some engines into a temporary file (see the module
    docstring)."""

    def __init__(self, *engines: Engine) -> None:
        self.engines = engines
        self._fd, self._path = tempfile.mkstemp(prefix="scimdir-pq-trace-")
        os.close(self._fd)
        # O_APPEND: every connection's FILE* writes at the end, whatever its own offset.
        self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
        for engine in engines:
            event.listen(engine, "connect", self._trace)

    @classmethod
    def install(cls, *engines: Engine) -> RoundTrips:
        """Start tracing the engines' connections; the pooled ones are closed first."""
        for engine in engines:
            engine.dispose()
        return cls(*engines)

    def _trace(self, dbapi_connection: Any, _record: Any) -> None:
        pgconn = dbapi_connection.pgconn
        pgconn.trace(self._fd)
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def _size(self) -> int:
        return os.path.getsize(self._path)

    @contextmanager
    def window(self) -> Iterator[Window]:
        """Count the round trips made while the block runs."""
        seen = Window()
        start = self._size()
        yield seen
        with open(self._path, encoding="utf-8", errors="replace") as trace:
            trace.seek(start)
            seen.messages = sync_points(trace.read())

    def close(self) -> None:
        """Stop tracing: close the engines' connections and remove the trace file."""
        for engine in self.engines:
            event.remove(engine, "connect", self._trace)
            engine.dispose()
        os.close(self._fd)
        os.unlink(self._path)
