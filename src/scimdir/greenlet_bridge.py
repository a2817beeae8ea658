"""Synchronous code on the event loop that waits for the network without blocking the loop.

The service layer and the storage port are synchronous (a unit of work is a ``with`` block);
the reads the server runs on its event loop (an identity provider's lookups, ``web/db_threads``)
are too. On PostgreSQL such a read blocks the loop for its round trip, so the loop and the
database take turns instead of overlapping (docs/performance.md, "Sixth pass"). A greenlet
bridge lets that same synchronous code wait asynchronously: :func:`run_bridged` runs a function
in a greenlet of its own; when the code deep inside it must wait for a socket, it calls
:func:`wait_for` with an awaitable, which switches back to the coroutine that spawned it; that
coroutine awaits it on the loop (other requests run meanwhile) and switches back with the
result, or throws the exception in.

This is the technique SQLAlchemy's asyncio extension is built on
(``sqlalchemy.util.concurrency.greenlet_spawn`` and ``await_``, after the gist
https://gist.github.com/snaury/202bf4f22c41ca34e56297bae5f33fef); those functions are not
SQLAlchemy's public API, so the thirty lines live here, on the ``greenlet`` package itself
(https://greenlet.readthedocs.io/en/latest/contextvars.html for the context rule below).

The greenlet runs in the spawning task's ``contextvars`` context (the same ``Context`` object,
as SQLAlchemy does): a context variable set before the spawn is seen inside, and one the
function sets is seen by the task after it. Outside a bridged greenlet, :func:`bridged` is
False and callers wait the blocking way, so the same code runs unchanged in a worker thread.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, cast

from greenlet import getcurrent, greenlet

__all__ = ["blocking", "bridged", "run_bridged", "sleep", "wait_for"]

P = ParamSpec("P")
T = TypeVar("T")


class _Bridged(greenlet):  # type: ignore[misc]  # greenlet ships no type for subclassing
    """A greenlet running synchronous code for :func:`run_bridged`."""

    def __init__(self, fn: Callable[..., Any], parent: greenlet) -> None:
        super().__init__(fn, parent)
        self.gr_context = parent.gr_context
        self.blocking = 0  # > 0 inside blocking(): waits block instead of switching


def bridged() -> bool:
    """Whether the caller runs inside :func:`run_bridged` (and so may call :func:`wait_for`),
    outside a :func:`blocking` block."""
    current = getcurrent()
    return isinstance(current, _Bridged) and not current.blocking


@contextmanager
def blocking() -> Iterator[None]:
    """Inside the block, :func:`bridged` is False: code that must not switch away waits the
    blocking way. For code holding a thread lock, which another greenlet of the same thread
    would then wait for forever (SQLAlchemy runs a new connection's first-connect hooks, which
    send statements, under a lock)."""
    current = getcurrent()
    if not isinstance(current, _Bridged):
        yield
        return
    current.blocking += 1
    try:
        yield
    finally:
        current.blocking -= 1


async def run_bridged(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn`` in a greenlet, awaiting on the loop every awaitable it hands to
    :func:`wait_for`; its result, or its exception. A function that never waits runs straight
    through, at the cost of one greenlet switch each way."""
    child = _Bridged(fn, getcurrent())
    result: Any = child.switch(*args, **kwargs)
    while not child.dead:
        try:
            value = await cast(Awaitable[Any], result)
        except BaseException:  # cancellation included: the code inside decides what it means
            result = child.throw(*sys.exc_info())
        else:
            result = child.switch(value)
    return cast(T, result)


def wait_for(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` on the event loop from synchronous code run by :func:`run_bridged`;
    its result (or its exception, raised here)."""
    current = getcurrent()
    if not isinstance(current, _Bridged):
        raise RuntimeError("wait_for() needs a greenlet started by run_bridged()")
    return cast(T, current.parent.switch(awaitable))


def sleep(seconds: float) -> None:
    """Sleep without blocking the loop when bridged (a retry's back-off), else ``time.sleep``."""
    if bridged():
        wait_for(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)
