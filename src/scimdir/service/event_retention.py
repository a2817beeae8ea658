"""Event retention: events older than ``SCIMDIR_EVENT_RETENTION_DAYS`` are deleted (docs/events.md).

A consumer must read the feed at least once per retention period; one that falls further behind
continues from the oldest retained event (its cursor stays valid: the feed skips pruned numbers).
A daemon thread prunes once an hour in each server process (started by the app's lifespan);
pruning is one indexed ``DELETE`` and concurrent prunes in several processes are harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from scimdir.service.periodic import PeriodicThread
from scimdir.service.ports import Storage
from scimdir.service.runtime import utc_now

__all__ = ["EventRetention"]

logger = logging.getLogger(__name__)


class EventRetention:
    """Deletes events older than ``retention``, on demand or hourly from a thread."""

    def __init__(
        self,
        storage: Storage,
        retention: timedelta,
        *,
        clock: Callable[[], datetime] = utc_now,
        interval: float = 3600.0,
    ) -> None:
        self.storage = storage
        self.retention = retention
        self.clock = clock
        self.interval = interval
        self._thread = PeriodicThread("scimdir-events", self._turn, first_turn_now=True)

    def prune(self, directory_id: str | None = None) -> int:
        """Delete events older than the retention period now (of one directory, or all);
        returns how many. Events an enabled webhook subscription still has to receive stay."""
        with self.storage.transaction() as tx:
            return tx.prune_events(self.clock() - self.retention, directory_id)

    def start(self) -> None:
        """Start the hourly pruning thread (idempotent): it prunes at once, then every hour."""
        self._thread.start(self.interval)

    def _turn(self) -> None:
        try:
            self.prune()
        except Exception:
            logger.exception("could not prune events")

    def close(self) -> None:
        """Stop the thread."""
        self._thread.close()
