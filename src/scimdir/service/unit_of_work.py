"""Units of work: one snapshot for everything a read request does, and writes run again when the
database rolled them back to break a deadlock.

A GET authenticates the directory and then reads; each step asking the storage for its own
read-only transaction would cost a BEGIN/COMMIT pair and a connection checkout apiece, which the
benchmarks showed to be a fifth of a lookup's time (docs/performance.md). Inside
:func:`read_scope`, every :func:`transaction` call with ``readonly=True`` reuses the scope's
transaction; a write inside a read scope is a programming error and raises, so writes always get
a transaction of their own (rule 1 of ``ports.py``).

The scope lives in a :class:`contextvars.ContextVar`, so it follows the request across the
worker-thread hop and never leaks into another request.

:func:`write` runs a writing unit of work. The storage keeps one lock order (rule 8 of
``ports.py``), so writers queue rather than deadlock; what the order cannot rule out (a cycle of
nested groups, a reset against live traffic) and PostgreSQL's serialization failures or a busy
SQLite database roll the transaction back with :class:`~scimdir.service.ports.TransientConflict`.
Nothing of it was committed, so :func:`write` runs the whole unit of work again, up to
:data:`WRITE_ATTEMPTS` times, and only then answers 409 with a detail asking to resend.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from scim2_models.exceptions import ConflictException

from scimdir import greenlet_bridge
from scimdir.scim.errors import SCIMException
from scimdir.service.ports import Storage, Transaction, TransientConflict, read_deadline

__all__ = ["WRITE_ATTEMPTS", "busy", "read_scope", "time_limited", "transaction", "write"]

T = TypeVar("T")
logger = logging.getLogger("scimdir.storage")

WRITE_ATTEMPTS = 5
"""How many times :func:`write` runs a unit of work the database rolled back."""

_BACKOFF_S = 0.02  # up to this many seconds times the attempt number, at random, between runs

_scope: ContextVar[Transaction | None] = ContextVar("scimdir_read_scope", default=None)


@contextmanager
def read_scope(storage: Storage) -> Iterator[Transaction]:
    """Open one read-only unit of work that nested read transactions reuse.

    It reads without a snapshot (``snapshot=False``): authenticating and a lookup are one
    statement each (or one together, when the authentication was given the lookup as a hint:
    :meth:`Transaction.authenticate`), which on PostgreSQL then cost no ``BEGIN``/``COMMIT``
    round trips; reads whose statements must agree pin a snapshot
    (:meth:`Transaction.pin_snapshot`). Whatever the storage reads ahead for the unit lives
    and dies with it.
    """
    with storage.transaction(readonly=True, snapshot=False) as tx:
        token = _scope.set(tx)
        try:
            yield tx
        finally:
            _scope.reset(token)


@contextmanager
def time_limited(seconds: float | None) -> Iterator[None]:
    """Interrupt the statements run inside the block once ``seconds`` have passed (a read that
    may scan); None: no limit. See :data:`scimdir.service.ports.read_deadline`."""
    if seconds is None:
        yield
        return
    token = read_deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        read_deadline.reset(token)


@contextmanager
def transaction(
    storage: Storage, *, readonly: bool = False, snapshot: bool = True
) -> Iterator[Transaction]:
    """A unit of work: the enclosing read scope's for reads inside one, else a new one
    (``snapshot``: see :meth:`Storage.transaction`)."""
    current = _scope.get()
    if current is not None:
        if not readonly:
            raise RuntimeError("a write cannot run inside a read scope; open it outside")
        yield current
        return
    with storage.transaction(readonly=readonly, snapshot=snapshot or not readonly) as tx:
        yield tx


def busy(detail: str) -> SCIMException:
    """409 without ``scimType`` (RFC 7644 §3.12: the request conflicts with the resource's
    current state), for concurrent writers that could not be sorted out in time."""
    return ConflictException(detail=detail)


def write(
    storage: Storage, work: Callable[[Transaction], T], *, attempts: int = WRITE_ATTEMPTS
) -> T:
    """Run ``work`` in one writing transaction; run it again when the database rolled it back
    with :class:`TransientConflict` (see the module docstring)."""
    if _scope.get() is not None:
        raise RuntimeError("a write cannot run inside a read scope; open it outside")
    for attempt in range(1, attempts + 1):
        try:
            with storage.transaction() as tx:
                return work(tx)
        except TransientConflict as exc:
            if attempt == attempts:
                raise busy(
                    f"Concurrent changes to this directory kept conflicting with this request "
                    f"({attempts} attempts, nothing was applied); send it again."
                ) from exc
            logger.info("unit of work rolled back (%s); running it again, attempt %d", exc, attempt)
            # Jitter, not security; on the event loop (a bridged write) the loop keeps serving.
            greenlet_bridge.sleep(random.uniform(0, _BACKOFF_S * attempt))
    raise AssertionError("unreachable")  # pragma: no cover
