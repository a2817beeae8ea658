"""The provisioning log writer: entries are queued and written in batches by one thread.

Writing one log row per request inside the request would turn every read (Entra's lookups are most
of its traffic) into a write transaction and serialise readers on SQLite's single writer. A
batched writer keeps the request path read-only; the cost is that a crash can lose the last
``interval`` seconds of log rows (never data: the log is not the outbox).

Recording never breaks a provisioning write and one bad entry never costs the others: every
field is bounded before insert (:mod:`scimdir.service.log_bounds`), and a batch that still
fails is written again row by row, so only the rows that cannot be stored are dropped. Drops
(queue full, row refused) are counted in ``scimdir_log_rows_dropped_total``. The same batch
counts and resolves open problems (:mod:`scimdir.service.problems`). Retention runs in this
thread too: by age and by rows per directory, the latter only for the directories this sink
wrote entries of since its previous cap (every directory at its first), so that a turn costs
a probe per active directory, not a read of the whole log.

The writer runs in the requests' process, so every microsecond it spends per entry is taken
from them, and while it builds a batch it holds the GIL the event loop needs: a turn every
:data:`INTERVAL` (0.1 s) keeps each batch small (about 5 ms of CPU at 2,500 requests/s where a
half-second turn took 25 ms, during which requests waited: a lookup's p99 under load fell from
14-18 to 8.6-11 ms on SQLite, docs/performance.md).

A served request queues a small tuple of facts and the function that turns them into a
positional row (:meth:`LogSink.defer_row`); the batch is bounded, folded into problems and
stored as rows (``LogRow``, ``Transaction.append_log_rows``), never as a ``LogRecord`` and a
dict per entry. Entries queued as records (:meth:`LogSink.record`, :meth:`LogSink.defer`)
become rows of the same batch, in queue order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter

from scimdir.service.log_bounds import bound_row
from scimdir.service.periodic import PeriodicThread
from scimdir.service.ports import LogRecord, LogRow, Storage, log_row
from scimdir.service.problems import ProblemFold
from scimdir.service.runtime import utc_now

logger = logging.getLogger(__name__)
Deferred = Callable[[], LogRecord]
RowBuilder = Callable[..., LogRow]
_Queued = LogRecord | Deferred | tuple[RowBuilder, tuple[Any, ...]]
_PRUNE_EVERY_SECONDS = 600.0

DROPPED = Counter(
    "scimdir_log_rows_dropped_total",
    "Provisioning-log entries that were not stored: queue_full (the writer fell behind), "
    "refused (the database rejected the row even alone) or error (the entry could not be built).",
    ["reason"],
)


INTERVAL = 0.1
"""Seconds between the writer's turns (see the module docstring)."""


class LogSink:
    """Queue log entries and write them in batches from a daemon thread.

    :param enabled: False records nothing (benchmarks measure the log's cost with it).
    """

    def __init__(
        self,
        storage: Storage,
        *,
        interval: float = INTERVAL,
        max_queue: int = 100_000,
        retention: timedelta = timedelta(days=30),
        max_rows_per_directory: int = 100_000,
        clock: Callable[[], datetime] = utc_now,
        enabled: bool = True,
    ) -> None:
        self.storage = storage
        self.interval = interval
        self.retention = retention
        self.max_rows_per_directory = max_rows_per_directory
        self.clock = clock
        self.enabled = enabled
        self._next_prune = 0.0
        # The log's owners (directory ids, None for unknown tenants) this sink wrote entries of
        # since its last cap: only those can have grown past the cap since. None until the
        # first cap, which covers every directory (another process, or an earlier run of this
        # one with a larger cap, may have left any of them over it).
        self._grown: set[str | None] | None = None
        self.max_queue = max_queue
        # A deque: append and popleft are atomic, and cheaper on the request path than
        # queue.Queue's lock and condition (the writer polls every ``interval`` anyway).
        self._queue: deque[_Queued] = deque()
        self._lock = threading.Lock()
        self._thread = PeriodicThread("scimdir-log", self._turn, at_end=self.flush)

    def start(self) -> None:
        """Start the writer thread (idempotent)."""
        if self.enabled:
            self._thread.start(self.interval)

    def record(self, entry: LogRecord) -> None:
        """Queue one entry; when the queue is full the entry is dropped and counted."""
        if not self.enabled:
            return
        if len(self._queue) >= self.max_queue:
            DROPPED.labels("queue_full").inc()
            return
        self._queue.append(entry)

    def defer(self, build: Deferred) -> None:
        """Queue an entry to be built by the writer thread, off the request path: for entries
        whose facts need the database (why an authentication failed), so that building them
        neither slows the request nor makes its timing depend on what was found."""
        if not self.enabled:
            return
        if len(self._queue) >= self.max_queue:
            DROPPED.labels("queue_full").inc()
            return
        self._queue.append(build)

    def defer_row(self, build: RowBuilder, *facts: Any) -> None:
        """Queue an entry whose row the writer thread builds as ``build(*facts)``: the request
        path keeps only a tuple of facts (no record, no closure, nothing it no longer needs,
        such as a request's bodies, kept alive until the next batch)."""
        if not self.enabled:
            return
        if len(self._queue) >= self.max_queue:
            DROPPED.labels("queue_full").inc()
            return
        self._queue.append((build, facts))

    def flush(self) -> int:
        """Write everything queued now; returns how many entries were stored."""
        with self._lock:
            queue = self._queue
            rows: list[LogRow] = []
            for _ in range(len(queue)):
                item = queue.popleft()
                try:
                    if type(item) is tuple:
                        build, facts = item
                        row = build(*facts)
                    elif isinstance(item, LogRecord):
                        row = log_row(item)
                    else:
                        row = log_row(item())  # type: ignore[operator]
                    rows.append(bound_row(row))
                except Exception:
                    DROPPED.labels("error").inc()
                    logger.exception("could not build a deferred provisioning log entry")
            if not rows:
                return 0
            try:
                self._write(rows)
                return len(rows)
            except Exception:
                logger.warning(
                    "a batch of %d log entries failed; writing them one by one", len(rows)
                )
            stored = 0
            for row in rows:
                try:
                    self._write([row])
                    stored += 1
                except Exception as exc:
                    DROPPED.labels("refused").inc()
                    logger.warning("dropped a provisioning log entry: %s", type(exc).__name__)
            return stored

    def _write(self, rows: Sequence[LogRow]) -> None:
        fold = ProblemFold()
        for row in rows:
            fold.add(row)
        changes = fold.changes()
        with self.storage.transaction() as tx:
            tx.append_log_rows(rows)
            now = self.clock()
            for directory_id, keys in changes.resolved.items():
                tx.resolve_problems(directory_id, keys, now)
            tx.upsert_problems(changes.hits)
        grown = self._grown
        if grown is not None:
            grown.update(row[0] for row in rows)

    def prune(self) -> int:
        """Enforce retention: delete entries older than the retention period, then the oldest
        entries of each directory beyond ``max_rows_per_directory``; returns how many."""
        with self.storage.transaction() as tx:
            removed = tx.prune_log(self.clock() - self.retention)
        # Owners written from here on are capped next time; these, now (see ``_grown``). Under
        # the lock a batch is written with, so no owner of a batch falls between the two.
        with self._lock:
            owners, self._grown = self._grown, set()
        try:
            with self.storage.transaction() as tx:
                removed += tx.cap_log(self.max_rows_per_directory, owners)
        except BaseException:
            with self._lock:
                self._grown = None  # not capped: the next turn covers every directory again
            raise
        return removed

    def _turn(self) -> None:
        self.flush()
        if time.monotonic() >= self._next_prune:
            self._next_prune = time.monotonic() + _PRUNE_EVERY_SECONDS
            try:
                self.prune()
            except Exception:
                logger.exception("could not prune the provisioning log")

    def close(self) -> None:
        """Stop the thread after a last flush."""
        self._thread.close()
        self.flush()
