"""The provisioning log and its open problems on SQL (port rule 8 of ``service/ports.py``).

Entries are appended in batches by the log sink (``service/log_sink.py``) as positional rows
(``LogRow`` of ``service/ports.py``): one INSERT per dialect, its SQL built once from the column
order of ``LOG_ROW_COLUMNS``, run with the driver's own ``executemany`` on the rows as they come,
but for the two values the column types encode (``quirks`` as JSON text, ``created`` as
``UtcDateTime`` stores it). The log writer runs beside the requests in the same process, so its
CPU is theirs to lose: no dict per row, no keyed-parameter conversion, no SQLAlchemy statement
execution. Problems are upserted with one ``INSERT ... ON CONFLICT DO UPDATE`` statement each,
on both dialects (the count is incremented by the database, not read and written back).
Retention deletes by age (the ``created`` index) and by rows per directory (the
``(directory_id, id)`` index).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from sqlalchemy import Dialect, Row, case, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from scimdir.service.ports import (
    LOG_ROW_COLUMNS,
    LogCount,
    LogFilter,
    LogRecord,
    LogRow,
    ProblemHit,
    ProblemRecord,
    log_row,
)
from scimdir.storage.sql.base import SqlBase, chunks
from scimdir.storage.sql.driver_statements import _run as run_on_driver
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.tables import log_problems, provisioning_log
from scimdir.storage.sql.types import UtcDateTime

__all__ = ["LogOps"]

_LOG = provisioning_log
_PROBLEMS = log_problems
_CONTACT = ("request", "auth")
_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")
# Every column but the generated id, in the rows' order (a schema change must change both).
if set(LOG_ROW_COLUMNS) != {c.name for c in _LOG.columns} - {"id"}:  # pragma: no cover
    raise RuntimeError("LOG_ROW_COLUMNS does not name the provisioning_log columns")
_PLACEHOLDER = {"sqlite": "?", "postgresql": "%s"}  # sqlite3's qmark, psycopg's format style
_INSERT_ROWS = {
    dialect: f"INSERT INTO {_LOG.name} ({', '.join(LOG_ROW_COLUMNS)}) "
    f"VALUES ({', '.join([mark] * len(LOG_ROW_COLUMNS))})"
    for dialect, mark in _PLACEHOLDER.items()
}
# The two values the column types encode, last in a row (literals, for the type checker).
_QUIRKS: Final = 20
_CREATED: Final = 21
if LOG_ROW_COLUMNS[_QUIRKS:] != ("quirks", "created"):  # pragma: no cover
    raise RuntimeError("LOG_ROW_COLUMNS no longer ends with quirks and created")
_UTC_DATETIME = UtcDateTime()
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


@functools.lru_cache(maxsize=512)
def _quirks_json(quirks: tuple[str, ...]) -> str:
    """``quirks`` as ``JsonText`` stores them (a handful of distinct lists, hence the cache)."""
    return orjson.dumps(quirks).decode()


def _stored_rows(rows: Sequence[LogRow], dialect: Dialect) -> list[tuple[Any, ...]]:
    """The driver's parameters for ``rows``: each row as it is, but its quirks as JSON text and
    its ``created`` as ``UtcDateTime`` binds it (an ISO string on SQLite; a naive datetime is
    refused by the type, as on the general path)."""
    on_sqlite = dialect.name == "sqlite"
    stored: list[tuple[Any, ...]] = []
    for row in rows:
        quirks, created = row[_QUIRKS], row[_CREATED]
        when: Any = created
        if created.tzinfo is not UTC:
            when = _UTC_DATETIME.process_bind_param(created, dialect)
        elif on_sqlite:
            when = created.isoformat(timespec="microseconds")
        stored.append((*row[:_QUIRKS], _quirks_json(quirks) if quirks else "[]", when))
    return stored


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
        self._insert_rows([log_row(record)])

    def append_logs(self, records: Sequence[LogRecord]) -> None:
        """Append a batch of (already bounded) entries: the log writer's own transaction (see
        :meth:`append_log_rows`)."""
        self.append_log_rows([log_row(record) for record in records])

    def append_log_rows(self, rows: Sequence[LogRow]) -> None:
        """Append a batch of (already bounded) rows in ``LOG_ROW_COLUMNS`` order, in their order:
        the log writer's own transaction.

        On PostgreSQL the transaction then commits asynchronously (``SET LOCAL
        synchronous_commit = off``): its commit does not wait for the WAL flush, so the log
        never competes with provisioning writes for the disk. A crash can lose such a batch,
        as it can lose the writer's in-memory queue; it can never corrupt or reorder data.
        """
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(_ASYNC_COMMIT)
        self._insert_rows(rows)

    def _insert_rows(self, rows: Sequence[LogRow]) -> None:
        if not rows:
            return
        dialect = self.conn.dialect
        sql = _INSERT_ROWS[dialect.name]
        stored = _stored_rows(rows, dialect)
        with translating():
            for chunk in chunks(stored, 200):
                run_on_driver(self.conn, sql, chunk, many=True, fetch=False)

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
