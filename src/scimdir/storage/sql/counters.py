"""The directory row's list counters: exact ``totalResults`` of unfiltered lists in O(1).

RFC 7644 §3.4.2.4 makes ``totalResults`` the exact number of matches. Counting index entries
costs time proportional to the directory (70 ms at 1,000,000 users on SQLite), on every page.
So ``directories`` keeps ``user_count`` (linked users: the ones ``GET /Users`` lists) and
``group_count``, and each storage write that changes either adjusts it in the same transaction,
together with the matching *generation* (see :mod:`scimdir.storage.sql.search`). PostgreSQL's
row estimates (``reltuples``) are not exact, so they are not used.

Locking: the adjustment is an ``UPDATE`` of the directory row, the row every write of the
directory already locks to take its outbox seq (``append_event``), so counters add no new
contention. The service appends the event *after* its resource writes, and the storage adjusts
the counter right after the rows it wrote, so every transaction takes resource rows first and
the directory row last: the same order everywhere, hence no lock-order deadlock. (Taking the
directory row first would serialise whole requests, reads included, behind each other.)
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Connection, bindparam, select, update

from scimdir.storage.sql.tables import directories

__all__ = ["Kind", "adjust_count", "read_count", "set_count"]

Kind = Literal["users", "groups"]

_COLUMNS = {
    "users": (directories.c.user_count, directories.c.user_generation),
    "groups": (directories.c.group_count, directories.c.group_generation),
}


_ADJUST = {
    kind: update(directories)
    .where(directories.c.id == bindparam("directory_id"))
    .values({count: count + bindparam("delta"), generation: generation + 1})
    for kind, (count, generation) in _COLUMNS.items()
}
"""Built once: every create and delete runs one (docs/performance.md)."""


def adjust_count(conn: Connection, directory_id: str, kind: Kind, delta: int) -> None:
    """Add ``delta`` to the directory's count of ``kind`` and bump its generation."""
    conn.execute(_ADJUST[kind], {"directory_id": directory_id, "delta": delta})


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
