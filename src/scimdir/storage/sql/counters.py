"""The directory row's list counters: exact ``totalResults`` of unfiltered lists in O(1).

RFC 7644 §3.4.2.4 makes ``totalResults`` the exact number of matches. Counting index entries
costs time proportional to the directory (70 ms at 1,000,000 users on SQLite), on every page.
So ``directories`` keeps ``user_count`` (linked users: the ones ``GET /Users`` lists) and
``group_count``, and each storage write that changes either adjusts it in the same transaction,
together with the matching *generation* (see :mod:`scimdir.storage.sql.search`). PostgreSQL's
row estimates (``reltuples``) are not exact, so they are not used.

Locking: the adjustment is an ``UPDATE`` of the directory row, the row every write of the
directory already locks to take its outbox seq (``append_event``), so counters add no new
contention. The directory row comes last in the lock order of port rule 8
(``scimdir.service.ports``): a unit of work buffers its adjustments in a :class:`CounterBuffer`
and writes them when it ends (or before it appends an event or reads a count), so no write
takes a resource row while holding the directory row. (Taking the directory row first would
serialise whole requests behind each other.)
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Connection, bindparam, select, update

from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.tables import directories

__all__ = ["CounterBuffer", "Kind", "adjust_count", "read_count", "set_count"]

Kind = Literal["users", "groups"]

_COLUMNS = {
    "users": (directories.c.user_count, directories.c.user_generation),
    "groups": (directories.c.group_count, directories.c.group_generation),
}


_ADJUST = {
    kind: DriverStatement(
        update(directories)
        .where(directories.c.id == bindparam("directory_id"))
        .values({count: count + bindparam("delta"), generation: generation + 1})
    )
    for kind, (count, generation) in _COLUMNS.items()
}
"""Built once, run on the driver: every create and delete runs one (docs/performance.md)."""


def adjust_count(conn: Connection, directory_id: str, kind: Kind, delta: int) -> None:
    """Add ``delta`` to the directory's count of ``kind`` and bump its generation."""
    _ADJUST[kind].execute(conn, {"directory_id": directory_id, "delta": delta})


def set_count(conn: Connection, directory_id: str, kind: Kind, value: int) -> None:
    """Set the directory's count of ``kind`` (after a bulk change) and bump its generation."""
    count, generation = _COLUMNS[kind]
    conn.execute(
        update(directories)
        .where(directories.c.id == directory_id)
        .values({count: value, generation: generation + 1})
    )


def read_count(conn: Connection, directory_id: str, kind: Kind) -> tuple[int, int]:
    """``(count, generation)`` of ``kind``; ``(0, -1)`` for a directory that does not exist."""
    count, generation = _COLUMNS[kind]
    row = conn.execute(select(count, generation).where(directories.c.id == directory_id)).first()
    return (0, -1) if row is None else (int(row[0]), int(row[1]))


class CounterBuffer:
    """The counter adjustments of one unit of work, written at its end (directory row last)."""

    def __init__(self) -> None:
        self._deltas: dict[tuple[str, Kind], int] = {}

    def __bool__(self) -> bool:
        """Whether anything is buffered."""
        return bool(self._deltas)

    def add(self, directory_id: str, kind: Kind, delta: int) -> None:
        """Remember ``delta`` for the directory's count of ``kind`` (its generation bumps too,
        even when the deltas cancel out: the set of rows changed)."""
        key = (directory_id, kind)
        self._deltas[key] = self._deltas.get(key, 0) + delta

    def discard(self, directory_id: str, kind: Kind) -> None:
        """Forget what is buffered for ``kind`` (a :func:`set_count` replaces it)."""
        self._deltas.pop((directory_id, kind), None)

    def take(self, directory_id: str) -> tuple[int, int, int, int] | None:
        """``(user delta, user generation bump, group delta, group generation bump)`` of
        ``directory_id``, removed from the buffer, when it holds nothing for another directory
        (then the caller writes them in the statement that takes the directory row); else None
        and the buffer is left as it is."""
        if any(d != directory_id for d, _ in self._deltas):
            return None
        users = self._deltas.pop((directory_id, "users"), None)
        groups = self._deltas.pop((directory_id, "groups"), None)
        return (users or 0, int(users is not None), groups or 0, int(groups is not None))

    def flush(self, conn: Connection) -> None:
        """Write every buffered adjustment, directories in id order."""
        for (directory_id, kind), delta in sorted(self._deltas.items()):
            adjust_count(conn, directory_id, kind, delta)
        self._deltas.clear()
