"""The provisioning log writer: requests are queued and written in batches by one thread.

Writing one log row per request inside the request would turn every read (Entra's lookups are most
of its traffic) into a write transaction and serialise readers on SQLite's single writer. A
batched writer keeps the request path read-only; the cost is that a crash can lose the last
``interval`` seconds of log rows (never data: the log is not the outbox).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from scimdir.service.ports import LogRecord, Storage
from scimdir.service.runtime import utc_now

logger = logging.getLogger(__name__)
_PRUNE_EVERY_SECONDS = 3600.0


class LogSink:
    """Queue log records and write them in batches from a daemon thread."""

    def __init__(
        self,
        storage: Storage,
        *,
        interval: float = 0.5,
        max_queue: int = 100_000,
        retention: timedelta = timedelta(days=30),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.storage = storage
        self.interval = interval
        self.retention = retention
        self.clock = clock
        self._next_prune = 0.0
        self._queue: queue.Queue[LogRecord] = queue.Queue(maxsize=max_queue)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="scimdir-log", daemon=True)
            self._thread.start()

    def record(self, entry: LogRecord) -> None:
        """Queue one entry; when the queue is full the entry is dropped and counted in the log."""
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            logger.warning("provisioning log queue full; dropping an entry")

    def flush(self) -> int:
        """Write everything queued now; returns how many rows were written."""
        with self._lock:
            batch: list[LogRecord] = []
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not batch:
                return 0
            try:
                with self.storage.transaction() as tx:
                    tx.append_logs(batch)
            except Exception:
                logger.exception("could not write %d provisioning log rows", len(batch))
                return 0
            return len(batch)

    def prune(self) -> int:
        """Delete log rows older than the retention period; returns how many."""
        with self.storage.transaction() as tx:
            return tx.prune_log(self.clock() - self.retention)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + _PRUNE_EVERY_SECONDS
                try:
                    self.prune()
                except Exception:
                    logger.exception("could not prune the provisioning log")
        self.flush()

    def close(self) -> None:
        """Stop the thread after a last flush."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()
