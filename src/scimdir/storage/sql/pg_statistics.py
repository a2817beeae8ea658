"""PostgreSQL statistics kept in step with the tables' growth, so that cached plans stay right.

The hot statements are prepared (``pg_wire.py``), and a prepared statement gets *generic* plans
from its sixth execution when PostgreSQL judges them no dearer than the custom ones: one plan
for any parameters, costed from the table's statistics and kept until an ``ANALYZE`` (or DDL)
invalidates it. Statistics taken while a table was nearly empty make a sequential scan, or the
wrong index, look as cheap as the right probe. Measured (docs/performance.md, "Fifth pass"):
with ``users`` analysed at two rows and 300,000 rows inserted since, a ``userName`` lookup took
85-89 ms instead of 1.5 and a GET by id 30-65 ms (the generic plan walked the directory's
``(directory_id, linked, created, id)`` index), until an ``ANALYZE``; earlier, removing one
member of a 100,000-member group scanned every member row. Autovacuum's autoanalyze refreshes
statistics only once a minute at most (``autovacuum_naptime``), and not at all where autovacuum
is off; an Entra initial sync grows ``users`` and ``memberships`` from nothing in that time.

A server therefore checks, every ``interval`` seconds, which of its schema's tables changed by
more rows since their last ``ANALYZE`` than they held then (``pg_stat_user_tables``'s
``n_mod_since_analyze`` against ``pg_class.reltuples``, at least :data:`MIN_CHANGES`), and
analyses those. A table is thus analysed each time it doubles: about twenty times on the way
to a million rows, each a sample of at most 30,000 rows. ``ANALYZE`` invalidates the cached
plans that read the table, and the next executions are planned from the new statistics. A
generic plan can then be stale by at most one doubling of its table and one interval, and at
the sizes where a scan looks cheap it is cheap. Planning every execution instead
(``plan_cache_mode = force_custom_plan``) was measured: 86-240 µs of the server's CPU per hot
statement against 16-41 µs for executing it, a quarter of the lookups of a one-worker server
on two cores. With several processes, the one that takes the advisory lock :data:`LOCK` does
the turn; the others skip it.
"""

from __future__ import annotations

import logging
from typing import Final

from sqlalchemy import Engine, text

from scimdir.service.periodic import PeriodicThread

__all__ = ["LOCK", "MIN_CHANGES", "StatisticsKeeper"]

logger = logging.getLogger(__name__)

MIN_CHANGES: Final = 500
"""Rows changed since the last ``ANALYZE`` below which a table is never analysed for growth:
at that size any plan is cheap."""

LOCK: Final = 0x5C1_D1_0002
"""Advisory lock of a statistics turn (the migration lock is ``0x5C1_D1_0001``)."""

_GROWN = text(
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
    " WHERE s.schemaname = current_schema()"
    " AND s.n_mod_since_analyze > greatest(:min_changes, c.reltuples)"
    " ORDER BY s.relname"
)


class StatisticsKeeper:
    """Analyse the tables of ``engine``'s schema that doubled since their last ``ANALYZE``,
    every ``interval`` seconds from :meth:`start` to :meth:`close` (see the module)."""

    def __init__(self, engine: Engine, *, interval: float = 1.0) -> None:
        self.engine = engine
        self.interval = interval
        self._thread = PeriodicThread("scimdir-pg-statistics", self._turn)

    @property
    def running(self) -> bool:
        """Whether the thread runs."""
        return self._thread.running

    def start(self) -> None:
        """Start the thread (idempotent)."""
        self._thread.start(self.interval)

    def check(self) -> list[str]:
        """One turn now: the tables analysed (none when another process holds the turn)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK}).scalar():
                return []
            try:
                grown = list(conn.execute(_GROWN, {"min_changes": MIN_CHANGES}).scalars())
                for table in grown:
                    quoted = conn.dialect.identifier_preparer.quote(table)
                    conn.execute(text(f"ANALYZE {quoted}"))
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK})
        if grown:
            logger.info("analysed %s: grown since their last statistics", ", ".join(grown))
        return grown

    def _turn(self) -> None:
        try:
            self.check()
        except Exception:  # the server restarting, a lock held by DDL: the next turn
            logger.warning("refreshing PostgreSQL statistics failed", exc_info=True)

    def close(self) -> None:
        """Stop the thread."""
        self._thread.close()
