"""The provisioning log and its open problems on SQL (port rule 8 of ``service/ports.py``).

Entries are appended in batches by the log sink (``service/log_sink.py``), one multi-row INSERT
per batch; problems are upserted with one ``INSERT ... ON CONFLICT DO UPDATE`` statement each, on
both dialects (the count is incremented by the database, not read and written back). Retention
deletes by age (the ``created`` index) and by rows per directory (the ``(directory_id, id)``
index).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from scimdir.service.ports import (
    LogCount,
    LogFilter,
    LogRecord,
    ProblemHit,
    ProblemRecord,
)
from scimdir.storage.sql.base import SqlBase, chunks
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.tables import log_problems, provisioning_log

__all__ = ["LogOps"]

_LOG = provisioning_log
_PROBLEMS = log_problems
_CONTACT = ("request", "auth")
_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")
# The log writer's batch insert, on the driver's executemany (driver_statements.py): it runs
# beside the requests in the same process, so its CPU is theirs to lose.
_INSERT_ENTRIES = DriverStatement(_LOG.insert(), keyed=True)
_ENTRY_FIELDS = (
    "directory_id",
    "category",
    "request_id",
    "method",
    "path",
    "status",
    "scim_type",
    "resource_type",
    "resource_id",
    "subject",
    "effect",
    "problem",
    "detail",
    "explanation",
    "fix",
    "duration_ms",
    "client",
    "user_agent",
    "request_body",
    "response_body",
    "created",
)
_PROBLEM_FIELDS = (
    "directory_id",
    "subject_key",
    "kind",
    "count",
    "first_seen",
    "last_seen",
    "subject",
    "resource_type",
    "resource_id",
    "detail",
    "explanation",
    "fix",
    "request_id",
)


def _entry(row: Row[Any]) -> LogRecord:
    m = row._mapping
    values = {name: m[name] for name in _ENTRY_FIELDS}
    return LogRecord(**values, quirks=tuple(m["quirks"]), id=m["id"])


def _problem(row: Row[Any]) -> ProblemRecord:
    m = row._mapping
    return ProblemRecord(**{name: m[name] for name in (*_PROBLEM_FIELDS, "resolved")})


def _subject_matches(subject: str) -> Any:
    return (func.lower(_LOG.c.subject) == subject.lower()) | (_LOG.c.resource_id == subject)


class LogOps(SqlBase):
    """The log half of :class:`scimdir.service.ports.Transaction`."""

    def append_log(self, record: LogRecord) -> None:
        """Append one entry, durably, in the caller's transaction (admin actions)."""
        self._insert_entries([record])

    def append_logs(self, records: Sequence[LogRecord]) -> None:
        """Append a batch of (already bounded) entries: the log writer's own transaction.

        On PostgreSQL the transaction then commits asynchronously (``SET LOCAL
        synchronous_commit = off``): its commit does not wait for the WAL flush, so the log
        never competes with provisioning writes for the disk. A crash can lose such a batch,
        as it can lose the writer's in-memory queue; it can never corrupt or reorder data.
        """
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(_ASYNC_COMMIT)
        self._insert_entries(records)

    def _insert_entries(self, records: Sequence[LogRecord]) -> None:
        rows = [
            {**{name: getattr(r, name) for name in _ENTRY_FIELDS}, "quirks": list(r.quirks)}
            for r in records
        ]
        with translating():
            for chunk in chunks(rows, 200):
                _INSERT_ENTRIES.execute_many(self.conn, chunk)

    def prune_log(self, before: datetime) -> int:
        """Delete entries created before ``before`` and problems resolved before it."""
        result = self.conn.execute(delete(_LOG).where(_LOG.c.created < before))
        self.conn.execute(
            delete(_PROBLEMS).where(
                _PROBLEMS.c.resolved.is_not(None), _PROBLEMS.c.resolved < before
            )
        )
        return int(result.rowcount or 0)

    def cap_log(self, max_rows_per_directory: int) -> int:
        """Keep the newest ``max_rows_per_directory`` entries of each directory (and of the
        unknown-tenant entries); one indexed probe and one range delete per directory."""
        owners = self.conn.execute(select(_LOG.c.directory_id).distinct()).scalars().all()
        deleted = 0
        for owner in owners:
            mine = _LOG.c.directory_id.is_(None) if owner is None else _LOG.c.directory_id == owner
            cut = self.conn.execute(
                select(_LOG.c.id)
                .where(mine)
                .order_by(_LOG.c.id.desc())
                .offset(max_rows_per_directory)
                .limit(1)
            ).scalar()
            if cut is not None:
                result = self.conn.execute(delete(_LOG).where(mine, _LOG.c.id <= cut))
                deleted += int(result.rowcount or 0)
        return deleted

    def list_log(
        self,
        directory_id: str | None,
        *,
        limit: int = 100,
        before_id: int | None = None,
        failures_only: bool = False,
        where: LogFilter | None = None,
    ) -> list[LogRecord]:
        """The directory's entries (None: unknown-tenant entries), newest first."""
        where = where or LogFilter()
        owner = (
            _LOG.c.directory_id.is_(None)
            if directory_id is None
            else _LOG.c.directory_id == directory_id
        )
        stmt = select(_LOG).where(owner)
        before = before_id if before_id is not None else where.before_id
        if before is not None:
            stmt = stmt.where(_LOG.c.id < before)
        if failures_only or where.failures_only:
            stmt = stmt.where(_LOG.c.status >= 400)
        if where.since is not None:
            stmt = stmt.where(_LOG.c.created >= where.since)
        if where.until is not None:
            stmt = stmt.where(_LOG.c.created < where.until)
        if where.subject:
            stmt = stmt.where(_subject_matches(where.subject))
        if where.category is not None:
            stmt = stmt.where(_LOG.c.category == where.category)
        stmt = stmt.order_by(_LOG.c.id.desc()).limit(limit)
        return [_entry(r) for r in self.conn.execute(stmt)]

    def count_log(self, directory_id: str, since: datetime) -> list[LogCount]:
        """Entries since ``since`` by category and kind (``ok`` for a success)."""
        kind = case((_LOG.c.status < 400, "ok"), else_=func.coalesce(_LOG.c.problem, "failed"))
        stmt = (
            select(_LOG.c.category, kind.label("kind"), func.count().label("n"))
            .where(_LOG.c.directory_id == directory_id, _LOG.c.created >= since)
            .group_by(_LOG.c.category, kind)
        )
        return [LogCount(r.category, r.kind, int(r.n)) for r in self.conn.execute(stmt)]

    def last_contact(self, directory_id: str) -> datetime | None:
        """The newest request or refused authentication of the directory."""
        stmt = (
            select(_LOG.c.created)
            .where(_LOG.c.directory_id == directory_id, _LOG.c.category.in_(_CONTACT))
            .order_by(_LOG.c.created.desc())
            .limit(1)
        )
        found: datetime | None = self.conn.execute(stmt).scalar()
        return found

    def quirks_since(self, directory_id: str, since: datetime) -> dict[str, int]:
        """How often each quirk fired in the directory's requests since ``since``."""
        stmt = select(_LOG.c.quirks).where(
            _LOG.c.directory_id == directory_id,
            _LOG.c.created >= since,
            _LOG.c.category == "request",
        )
        counts: dict[str, int] = {}
        for (quirks,) in self.conn.execute(stmt):
            for name in quirks:
                counts[name] = counts.get(name, 0) + 1
        return counts

    # open problems
    def upsert_problems(self, hits: Sequence[ProblemHit]) -> None:
        """Count hits into their rows; a resolved row that recurs reopens with a fresh count."""
        if not hits:
            return
        insert = postgresql.insert if self.conn.dialect.name == "postgresql" else sqlite.insert
        for hit in hits:
            stmt = insert(_PROBLEMS).values(
                **{name: getattr(hit, name) for name in _PROBLEM_FIELDS}, resolved=None
            )
            is_open = _PROBLEMS.c.resolved.is_(None)
            ex = stmt.excluded
            stmt = stmt.on_conflict_do_update(
                index_elements=["directory_id", "subject_key", "kind"],
                set_={
                    "count": case((is_open, _PROBLEMS.c.count + ex.count), else_=ex.count),
                    "first_seen": case((is_open, _PROBLEMS.c.first_seen), else_=ex.first_seen),
                    "last_seen": ex.last_seen,
                    "resolved": None,
                    "subject": ex.subject,
                    "resource_type": ex.resource_type,
                    "resource_id": ex.resource_id,
                    "detail": ex.detail,
                    "explanation": ex.explanation,
                    "fix": ex.fix,
                    "request_id": ex.request_id,
                },
            )
            with translating():
                self.conn.execute(stmt)

    def resolve_problems(self, directory_id: str, subject_keys: Sequence[str], at: datetime) -> int:
        """Resolve the open problems of ``subject_keys`` in the directory."""
        if not subject_keys:
            return 0
        result = self.conn.execute(
            update(_PROBLEMS)
            .where(
                _PROBLEMS.c.directory_id == directory_id,
                _PROBLEMS.c.subject_key.in_(list(subject_keys)),
                _PROBLEMS.c.resolved.is_(None),
            )
            .values(resolved=at)
        )
        return int(result.rowcount or 0)

    def list_problems(
        self, directory_id: str, *, open_only: bool = True, limit: int = 100
    ) -> list[ProblemRecord]:
        """The directory's problems, most recently seen first."""
        stmt = select(_PROBLEMS).where(_PROBLEMS.c.directory_id == directory_id)
        if open_only:
            stmt = stmt.where(_PROBLEMS.c.resolved.is_(None))
        stmt = stmt.order_by(_PROBLEMS.c.last_seen.desc()).limit(limit)
        return [_problem(r) for r in self.conn.execute(stmt)]
