"""Request-scoped read units of work: one snapshot for everything a read request does.

A GET authenticates the directory and then reads; each step asking the storage for its own
read-only transaction would cost a BEGIN/COMMIT pair and a connection checkout apiece, which the
benchmarks showed to be a fifth of a lookup's time (docs/performance.md). Inside
:func:`read_scope`, every :func:`transaction` call with ``readonly=True`` reuses the scope's
transaction; a write inside a read scope is a programming error and raises, so writes always get
a transaction of their own (rule 1 of ``ports.py``).

The scope lives in a :class:`contextvars.ContextVar`, so it follows the request across the
worker-thread hop and never leaks into another request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from scimdir.service.ports import Storage, Transaction

_scope: ContextVar[Transaction | None] = ContextVar("scimdir_read_scope", default=None)


@contextmanager
def read_scope(storage: Storage) -> Iterator[Transaction]:
    """Open one read-only transaction that nested read transactions reuse."""
    with storage.transaction(readonly=True) as tx:
        token = _scope.set(tx)
        try:
            yield tx
        finally:
            _scope.reset(token)


@contextmanager
def transaction(storage: Storage, *, readonly: bool = False) -> Iterator[Transaction]:
    """A unit of work: the enclosing read scope's for reads inside one, else a new one."""
    current = _scope.get()
    if current is not None:
        if not readonly:
            raise RuntimeError("a write cannot run inside a read scope; open it outside")
        yield current
        return
    with storage.transaction(readonly=readonly) as tx:
        yield tx
