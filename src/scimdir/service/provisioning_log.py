"""Reading the provisioning log: the entries of one directory, filtered and paged, and its open
problems. The one read path every adapter uses (CLI ``directory log``, the management API).

Pages are newest first and use a cursor (the id of the last entry shown), so paging stays cheap
and stable while new entries arrive: each page is one probe of the ``(directory_id, id)`` index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from scimdir.service.directories import DirectoryNotFound
from scimdir.service.ports import LogFilter, LogRecord, ProblemRecord, Storage
from scimdir.service.runtime import utc_now
from scimdir.service.unit_of_work import transaction

__all__ = ["MAX_LIMIT", "LogPage", "ProvisioningLog"]

MAX_LIMIT = 1000


@dataclass(frozen=True)
class LogPage:
    """Entries newest first; ``next_cursor`` fetches the next (older) page, None at the end."""

    entries: list[LogRecord]
    next_cursor: int | None


class ProvisioningLog:
    """Queries over the provisioning log."""

    def __init__(self, storage: Storage, clock: Callable[[], datetime] = utc_now) -> None:
        self.storage = storage
        self.clock = clock

    def query(
        self,
        directory_id: str | None,
        filters: LogFilter | None = None,
        cursor: int | None = None,
        limit: int = 50,
    ) -> LogPage:
        """One page of a directory's entries (``directory_id`` None: the entries of requests
        naming an unknown tenant). ``limit`` is kept within 1..1000.

        :raises DirectoryNotFound: no directory with that id.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        with transaction(self.storage, readonly=True) as tx:
            if directory_id is not None and tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            rows = tx.list_log(directory_id, limit=limit + 1, before_id=cursor, where=filters)
        more = len(rows) > limit
        rows = rows[:limit]
        return LogPage(rows, rows[-1].id if more and rows else None)

    def problems(
        self, directory_id: str, *, open_only: bool = True, limit: int = 100
    ) -> list[ProblemRecord]:
        """The directory's problems, most recently seen first.

        :raises DirectoryNotFound: no directory with that id.
        """
        with transaction(self.storage, readonly=True) as tx:
            if tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            return tx.list_problems(directory_id, open_only=open_only, limit=limit)
