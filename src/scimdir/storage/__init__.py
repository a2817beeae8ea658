"""Storage backends behind :mod:`scimdir.service.ports` (docs/architecture.md, rule 2).

:func:`open_storage` is what the composition roots (``create_app``, the CLI) call with the
configured database URL; nothing here connects at import time.
"""

from __future__ import annotations

from scimdir.service.ports import Storage
from scimdir.storage.sql import SqlStorage

__all__ = ["open_storage"]


def open_storage(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
    echo: bool = False,
    writer_timeout: float = 30.0,
) -> Storage:
    """The storage backend for ``url`` (``sqlite:///...``, ``sqlite://``,
    ``postgresql+psycopg://...``). Call ``migrate()`` before first use. ``writer_timeout``:
    seconds a SQLite writer waits for the writer lock (then ``StorageBusy``).
    """
    return SqlStorage(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        echo=echo,
        writer_timeout=writer_timeout,
    )
