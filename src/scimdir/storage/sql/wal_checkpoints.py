"""SQLite WAL checkpoints on a background thread, off the writers' commits.

In WAL mode every commit appends the pages it changed to the ``-wal`` file; a checkpoint copies
them back into the database file and syncs it. By default SQLite checkpoints inside the commit
that takes the WAL past 1,000 pages (https://www.sqlite.org/wal.html#automatic_checkpoint), so
one write request in every few dozen also copies a thousand pages and waits for two
``fdatasync`` calls, while the one writer (``web/db_threads.py``) and every writer queued behind
it wait. Under Entra's initial sync a create writes about twenty pages (the user, its indexes,
its e-mails, its event): a checkpoint every 25-50 users (strace of a server under ``wrk``,
docs/performance.md).

A long-running server therefore checkpoints on a thread of its own: every ``interval`` seconds a
``PASSIVE`` checkpoint, which copies what no reader still needs and never blocks a reader or a
writer (https://www.sqlite.org/pragma.html#pragma_wal_checkpoint); the next writer then starts
the WAL over from its beginning, so it stays as large as one interval's writes. The server's
own connections raise their automatic checkpoint to :data:`SAFETY_PAGES`, a bound that only a
stalled checkpoint thread lets the WAL reach; other processes (the CLI) keep SQLite's default.
With several worker processes each runs its thread; a checkpoint already running in another
returns busy and the next turn tries again.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from scimdir.service.periodic import PeriodicThread

__all__ = ["SAFETY_PAGES", "WalCheckpointer"]

logger = logging.getLogger(__name__)

SAFETY_PAGES = 20_000
"""The server's connections' automatic checkpoint (pages of 4 KiB: 80 MB of WAL)."""


class WalCheckpointer:
    """Checkpoint the database of ``engine`` (unpooled: the thread keeps one connection of its
    own) every ``interval`` seconds, from :meth:`start` to :meth:`close`."""

    def __init__(self, engine: Engine, *, interval: float = 0.25) -> None:
        self.engine = engine
        self.interval = interval
        self.last: tuple[int, int, int] | None = None
        """The latest checkpoint's (busy, WAL frames, frames checkpointed), SQLite's answer."""
        self._conn: Any = None
        self._thread = PeriodicThread(
            "scimdir-wal-checkpoints", self._turn, at_end=self._drop_connection
        )

    @property
    def running(self) -> bool:
        """Whether the thread runs."""
        return self._thread.running

    def start(self) -> None:
        """Start the thread (idempotent)."""
        self._thread.start(self.interval)

    def checkpoint(self) -> tuple[int, int, int]:
        """One ``PASSIVE`` checkpoint now: SQLite's (busy, WAL frames, frames checkpointed)."""
        if self._conn is None:
            self._conn = self.engine.raw_connection()
        cursor = self._conn.cursor()
        try:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            busy, frames, done = cursor.fetchone()
        finally:
            cursor.close()
        self.last = (int(busy), int(frames), int(done))
        return self.last

    def _turn(self) -> None:
        try:
            self.checkpoint()
        except Exception:  # a locked or vanished file: the next turn tries again
            logger.warning("a WAL checkpoint failed", exc_info=True)
            self._drop_connection()

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                logger.debug("closing the checkpoint connection failed", exc_info=True)

    def close(self) -> None:
        """Stop the thread (its connection closes with it)."""
        self._thread.close()
