"""Where a SCIM request's database work runs: on the event loop, on the one writer thread, or in
the thread pool with a time limit.

SQLite admits one writer at a time (and :class:`scimdir.storage.sql.storage.WriterLock` queues
the writers of every process on a file), so a pool of 40 threads for writes buys nothing but
coordination: under load the event loop spent more CPU handing POSTs to anyio's pool than the
POSTs cost (docs/performance.md). On SQLite, therefore:

- an **index-probe read** (a GET by id, a ``attr eq "value"`` lookup, a first page of at most
  :data:`INLINE_PAGE_SIZE`) runs on the event loop: a few hundred microseconds of CPU, no hop;
- a **small write** (a user's create, replace, PATCH or delete, or a group PATCH that only
  adds or removes the members it names, with a body of at most :data:`SMALL_WRITE_BYTES`; not
  another group write, whose short body may touch 500,000 members) runs on the event loop
  when the
  writer lock is free at that moment and WAL checkpoints run on their own thread
  (:meth:`DatabaseThreads.small_write`, ``Storage.writer_now``): it then neither waits for
  another writer nor syncs the disk in its commit. On a writer thread, each of a write's
  statements released the GIL and had to win it back from the loop (up to the interpreter's
  5 ms switch interval each time), and the hand-over cost its own CPU: a server under user
  PATCHes served 1.4-1.5x as many with its writes on the loop (docs/performance.md);
- any other **write**, and a small one that would wait, runs on ONE dedicated thread
  (:meth:`DatabaseThreads.write`), a ``ThreadPoolExecutor(max_workers=1)``, where waiting is
  harmless: the writer lock across processes still applies (503 with ``Retry-After`` past its
  timeout);
- a **read that may scan** (``co``/``sw``/``ew``/``gt``/``lt``/``ne``/``pr``/``not``/``or`` filters,
  ``sortBy``, large or deep pages, a group with its members, ``.search``) runs in the thread
  pool under a time limit (:meth:`DatabaseThreads.scan`): SQLite's progress handler interrupts
  it past ``SCIMDIR_REQUEST_TIMEOUT_SECONDS`` (:data:`scimdir.service.ports.read_deadline`), by
  when the overload guard has answered 503 anyway. The loop keeps serving other requests.

On PostgreSQL, a small write (as above, whatever the writer lock) runs on the event loop in a
greenlet that awaits the server (:meth:`DatabaseThreads.small_write`): no thread hop, and no
GIL hand-over between its statements while it holds row locks (the directory's counters row
among them, which every write of the directory takes); other writes keep the thread pool (the
server admits concurrent writers). Index-probe reads run on the event loop too
(``inline_reads``' default), on the loop's own connections with a statement time limit
(``storage/sql/storage.py``), where the hop to a worker thread and back would cost about 190 µs
of CPU (docs/performance.md). With ``awaiting_reads`` (the default for a server on another
host) a read runs in a greenlet whose waits for PostgreSQL are awaited on the loop
(``greenlet_bridge.py``, ``storage/sql/pg_loop_connection.py``): the loop serves other requests
during its round trip. Without (a server on this host), the read blocks the loop for its
loopback round trip, which costs less CPU than awaiting once the cores are busy.

A request cancelled at its deadline while its write is still queued drops the write (it never
runs); one whose write already runs keeps its in-flight slot until the write has finished
(``web/overload.py``), as with anyio's thread hop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from scimdir.greenlet_bridge import run_bridged
from scimdir.scim.fast_filter import is_membership_check, is_simple_equality
from scimdir.service.ports import Storage, reads_on_event_loop
from scimdir.service.unit_of_work import time_limited

__all__ = [
    "INLINE_PAGE_SIZE",
    "SMALL_WRITE_BYTES",
    "SMALL_WRITE_WAIT",
    "WRITER_THREAD_NAME",
    "DatabaseThreads",
    "may_scan",
]

P = ParamSpec("P")
T = TypeVar("T")

WRITER_THREAD_NAME = "scimdir-writer"
INLINE_PAGE_SIZE = 100
"""The largest page a GET list may ask for and still be served on the event loop."""
_INLINE_MAX_START = 1_000  # an offset past this skips index entries (deep paging)
SMALL_WRITE_WAIT = 0.1
"""Seconds a small write waits on the loop (without blocking it) for a busy writer lock."""
_RETRY_MIN, _RETRY_MAX = 0.0005, 0.005
SMALL_WRITE_BYTES = 16 * 1024
"""The largest body of a write the event loop may run itself (Entra's user is about 1 KB, its
member PATCH of 50 members about 3 KB)."""


def may_scan(resource_type: str | None, has_id: bool, query: QueryParams) -> bool:
    """Whether a GET may read more than an index probe's worth of rows."""
    given = dict(query.items())  # a plain dict: a Mapping's get of an absent key raises inside
    excluded = (given.get("excludedAttributes") or "").lower()
    if resource_type == "Group" and "members" not in excluded:
        return True  # a group's members may number 100,000
    if has_id:
        return False
    text = given.get("filter")
    if text is not None and not is_simple_equality(text) and not is_membership_check(text):
        return True
    if "sortBy" in given:
        return True
    try:
        count = int(given.get("count") or INLINE_PAGE_SIZE)
        start = int(given.get("startIndex") or 1)
    except ValueError:
        return False  # refused with 400 before any statement runs
    return count > INLINE_PAGE_SIZE or start > _INLINE_MAX_START


class DatabaseThreads:
    """The writer thread (one, when ``single_writer``) and the time-limited scanning reads.

    :param storage: lets :meth:`small_write` ask whether a write may run on the loop now
        (``Storage.writer_now``); None: every write goes to the writer thread.
    :param awaiting_reads: :meth:`inline` reads await the database on the loop when the storage
        can (PostgreSQL); False: they block the loop for their round trip.
    """

    def __init__(
        self,
        *,
        single_writer: bool,
        read_time_limit: float | None,
        storage: Storage | None = None,
        awaiting_reads: bool = True,
    ) -> None:
        self.single_writer = single_writer
        self.read_time_limit = read_time_limit
        self.storage = storage
        self.awaiting_reads = awaiting_reads
        self._writer: ThreadPoolExecutor | None = None

    async def small_write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a write whose work is bounded (see the module docstring) on the event loop: on
        PostgreSQL in a bridged greenlet that awaits the server (shielded from cancellation, as
        a thread's write is); on SQLite when the storage says it can start without waiting and
        commit without a checkpoint. While
        another writer holds the lock (the log writer's batch, another process), the loop
        keeps serving and tries again, for up to :data:`SMALL_WRITE_WAIT` seconds; then, or
        when the storage never writes on the loop, as :meth:`write` does. (Handing it to the
        writer thread at once would keep that thread busy, and every later write queued behind
        it, for as long as writes keep coming.)"""
        if self.storage is not None and self.storage.awaits_on_loop:
            return await _awaiting(fn, *args, **kwargs)  # PostgreSQL: on the loop
        if self.single_writer and self.storage is not None:
            delay, deadline = _RETRY_MIN, time.monotonic() + SMALL_WRITE_WAIT
            while True:
                with self.storage.writer_now() as now:
                    if now:
                        return fn(*args, **kwargs)
                if now is None or time.monotonic() >= deadline:
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)
        return await self.write(fn, *args, **kwargs)

    async def write(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` on the writer thread (or in the pool when there is no single writer)."""
        if not self.single_writer:
            return await run_in_threadpool(fn, *args, **kwargs)
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WRITER_THREAD_NAME)
        context = contextvars.copy_context()
        work = self._writer.submit(functools.partial(context.run, fn, *args, **kwargs))
        try:
            return await asyncio.wrap_future(work)
        except BaseException:
            # Cancelled (the request's deadline): a write still queued never runs (wrap_future
            # cancelled it); one already running finishes before the request lets go of its
            # in-flight slot, as with anyio's shielded thread hop.
            if not work.cancelled():
                with anyio.CancelScope(shield=True):
                    await asyncio.wait([asyncio.wrap_future(work)])
            raise

    async def inline(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` here, on the event loop, its reads on the loop's own connections
        (:data:`~scimdir.service.ports.reads_on_event_loop`). With ``awaiting_reads``, when the
        storage can await on the loop (PostgreSQL), ``fn`` runs in a bridged greenlet
        (``greenlet_bridge.py``) and the loop serves other requests during its round trips;
        shielded from cancellation, as a thread's work is: a request past its deadline still
        waits for its read (which the loop connection's statement time limit bounds)."""
        token = reads_on_event_loop.set(True)
        try:
            if not self.awaiting_reads or self.storage is None or not self.storage.awaits_on_loop:
                return fn(*args, **kwargs)
            return await _awaiting(fn, *args, **kwargs)
        finally:
            reads_on_event_loop.reset(token)

    async def scan(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a read that may scan in the thread pool, interrupted past the time limit."""
        return await run_in_threadpool(self._limited, functools.partial(fn, *args, **kwargs))

    def _limited(self, call: Callable[[], T]) -> T:
        with time_limited(self.read_time_limit):
            return call()

    def close(self) -> None:
        """Let the writer thread finish its queue and stop."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None


async def _awaiting(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn`` on the loop in a bridged greenlet that awaits the database
    (``greenlet_bridge.py``), shielded from cancellation as a thread's work is: a request past
    its deadline still waits for work already under way."""
    with anyio.CancelScope(shield=True):
        result = await run_bridged(fn, *args, **kwargs)
    return result
