"""A daemon thread that runs one turn every ``interval`` seconds between ``start`` and ``close``.

A server's background work has this shape: the provisioning log writer, the last-use recorder,
event retention, SQLite's WAL checkpoints, PostgreSQL's statistics. The thread's life (a start
that may be called twice, a stop event that also paces the turns, a bounded join at close) is
written here once; each owner keeps its own turn, its own error handling and what it does after
the thread has stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["PeriodicThread"]


class PeriodicThread:
    """Run ``turn`` every ``interval`` seconds (given at :meth:`start`) on a daemon thread
    named ``name``; ``first_turn_now``: one turn as soon as the thread starts, before the first
    wait; ``at_end``: run on the thread once it was asked to stop (a last flush, a connection
    to close). ``turn`` handles its own errors: one that escapes ends the thread."""

    def __init__(
        self,
        name: str,
        turn: Callable[[], object],
        *,
        first_turn_now: bool = False,
        at_end: Callable[[], object] | None = None,
    ) -> None:
        self.name = name
        self.turn = turn
        self.first_turn_now = first_turn_now
        self.at_end = at_end
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread was started and not closed."""
        return self._thread is not None

    def start(self, interval: float) -> None:
        """Start the thread (idempotent: a running thread keeps its interval)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, args=(interval,), name=self.name, daemon=True
            )
            self._thread.start()

    def _run(self, interval: float) -> None:
        if self.first_turn_now:
            self.turn()
        while not self._stop.wait(interval):
            self.turn()
        if self.at_end is not None:
            self.at_end()

    def close(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait for it up to ``timeout`` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None
