"""When each secret was last used: recorded off the request path, written in batches.

Every SCIM request authenticates with a secret, and the directory console shows when a secret was
last used (to the minute) so that an administrator can tell a forgotten secret from a live one.
Writing that time inside the request would make a read take the database's write lock (on
SQLite: the writer lock, ``flock`` and ``BEGIN IMMEDIATE``), and a GET served on the event loop
would stall the whole worker behind every queued writer. Instead :meth:`LastUseRecorder.record`
only notes the time in memory and a daemon thread writes the latest time of each secret every
``interval`` seconds, and once more on shutdown, in the way :mod:`scimdir.service.log_sink`
writes the provisioning log. Each write sets ``last_used`` alone and never moves it backwards
(``Transaction.touch_secret_last_used``), so a revocation that commits meanwhile stands.

A crash loses at most ``interval`` seconds of last-use times, never a revocation.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from scimdir.service.periodic import PeriodicThread
from scimdir.service.ports import Storage

__all__ = ["LastUseRecorder"]

logger = logging.getLogger(__name__)


class LastUseRecorder:
    """Remember the latest use of each secret and write them in batches from a daemon thread."""

    def __init__(self, storage: Storage, *, interval: float = 5.0) -> None:
        self.storage = storage
        self.interval = interval
        self._pending: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._thread = PeriodicThread("scimdir-last-use", self.flush)

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        self._thread.start(self.interval)

    def record(self, secret_id: str, when: datetime) -> None:
        """Note a use of ``secret_id`` at ``when``; never blocks on the database."""
        with self._lock:
            known = self._pending.get(secret_id)
            if known is None or when > known:
                self._pending[secret_id] = when

    def pending(self) -> int:
        """How many secrets have a use not written yet."""
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write every noted use now; returns how many secrets were written.

        When the database cannot be written (busy, unreachable) the uses are kept for the next
        flush, so a busy minute delays the record instead of losing it.
        """
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            if not batch:
                return 0
            try:
                with self.storage.transaction() as tx:
                    for secret_id, when in sorted(batch.items()):
                        tx.touch_secret_last_used(secret_id, when)
            except Exception:
                logger.exception("could not record the last use of %d secrets", len(batch))
                for secret_id, when in batch.items():
                    self.record(secret_id, when)
                return 0
            return len(batch)

    def close(self) -> None:
        """Stop the thread after a last flush."""
        self._thread.close()
        self.flush()
