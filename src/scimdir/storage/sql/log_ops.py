"""The provisioning log and its open problems on SQL (port rule 8 of ``service/ports.py``).

Entries are appended in batches by the log sink (``service/log_sink.py``) as positional rows
(``LogRow`` of ``service/ports.py``), on the driver, with the rows' values as they come but for
the two the column types encode (``quirks`` as JSON text, ``created`` as ``UtcDateTime`` binds
it). The log writer runs beside the requests in the same process, so its CPU is theirs to
lose: no dict per row, no keyed-parameter conversion, no SQLAlchemy statement execution. On
SQLite the rows go in multi-row INSERTs (about a fifth less CPU per row than the driver's
``executemany``), on PostgreSQL through ``COPY ... FROM STDIN`` (psycopg formats a row in a
third of the time its ``executemany`` takes to bind one).

Problems are upserted with one ``INSERT ... ON CONFLICT DO UPDATE`` statement each, on both
dialects (the count is incremented by the database, not read and written back). Retention
deletes by age (the ``created`` index) and by rows per directory (the ``(directory_id, id)``
index).
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from sqlalchemy import (
    Connection,
    Dialect,
    Row,
    String,
    bindparam,
    case,
    delete,
    func,
    select,
    text,
    update,
)
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
from scimdir.storage.sql.base import SqlBase
from scimdir.storage.sql.driver_statements import DriverStatement, driver_error, run_on_driver
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.tables import directories, log_problems, provisioning_log
from scimdir.storage.sql.types import UtcDateTime

__all__ = ["LogOps"]

_LOG = provisioning_log
_PROBLEMS = log_problems
_CONTACT = ("request", "auth")
_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")
# Every column but the generated id, in the rows' order (a schema change must change both).
if set(LOG_ROW_COLUMNS) != {c.name for c in _LOG.columns} - {"id"}:  # pragma: no cover
    raise RuntimeError("LOG_ROW_COLUMNS does not name the provisioning_log columns")
_WIDTH = len(LOG_ROW_COLUMNS)
_COLUMNS = ", ".join(LOG_ROW_COLUMNS)
# SQLite: rows per INSERT. A batch is stored as statements of 128 rows, then one each of the
# powers of two its remainder is made of (8 distinct statements at most, each prepared once by
# the driver's statement cache); 2816 parameters at most, within SQLite's limit.
_ROWS_PER_INSERT = 128
_COPY = f"COPY {_LOG.name} ({_COLUMNS}) FROM STDIN"
# Whether a directory has an open problem: a probe of the (directory_id, resolved, last_seen)
# index, run on the driver (driver_statements.py).
_ANY_OPEN = DriverStatement(
    select(_PROBLEMS.c.kind)
    .where(_PROBLEMS.c.directory_id == bindparam("directory_id"), _PROBLEMS.c.resolved.is_(None))
    .limit(1)
)
# The two values the column types encode, last in a row (literals, for the type checker).
_QUIRKS: Final = 20
_CREATED: Final = 21
if LOG_ROW_COLUMNS[_QUIRKS:] != ("quirks", "created"):  # pragma: no cover
    raise RuntimeError("LOG_ROW_COLUMNS no longer ends with quirks and created")
_UTC_DATETIME = UtcDateTime()
# What a stored entry reads back into a LogRecord as it is (quirks are decoded on their own).
_ENTRY_FIELDS = tuple(name for name in LOG_ROW_COLUMNS if name != "quirks")
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


# SQLite: Python's sqlite3 binds None through its adapter registry (a key tuple, a dict lookup,
# two attribute lookups: about 0.2 µs per value, and a served request's row has ten), while an
# int binds directly. So a NULL of a nullable column is sent as the int 0, turned back into NULL
# by ``NULLIF(?, 0)``: those columns are all text, and SQLite never finds a text equal to an
# integer here (neither operand has an affinity), so a text "0" stays "0".
_NULL = 0
_NULLABLE = tuple(_LOG.c[name].nullable for name in LOG_ROW_COLUMNS)
_TEXT = (isinstance(_LOG.c[name].type, String) for name in LOG_ROW_COLUMNS)
if any(null and not text for null, text in zip(_NULLABLE, _TEXT, strict=True)):  # pragma: no cover
    raise RuntimeError("a nullable provisioning_log column is not text: NULLIF(?, 0) needs text")


@functools.lru_cache(maxsize=16)
def _insert_sql(rows: int) -> str:
    """SQLite's INSERT of ``rows`` rows in ``LOG_ROW_COLUMNS`` order (see ``_NULL``)."""
    one = f"({', '.join('NULLIF(?, 0)' if null else '?' for null in _NULLABLE)})"
    return f"INSERT INTO {_LOG.name} ({_COLUMNS}) VALUES {', '.join([one] * rows)}"


def _stored(row: LogRow, dialect: Dialect) -> list[Any]:
    """The driver's values for ``row``: as they are, but its quirks as JSON text and its
    ``created`` as ``UtcDateTime`` binds it (an ISO string on SQLite; a naive datetime is
    refused by the type, as on the general path)."""
    values = list(row)
    quirks, created = row[_QUIRKS], row[_CREATED]
    values[_QUIRKS] = _quirks_json(quirks) if quirks else "[]"
    if created.tzinfo is not UTC:
        values[_CREATED] = _UTC_DATETIME.process_bind_param(created, dialect)
    elif dialect.name == "sqlite":
        values[_CREATED] = created.isoformat(timespec="microseconds")
    return values


def _insert_on_sqlite(conn: Connection, rows: Sequence[LogRow]) -> None:
    """Multi-row INSERTs, the rows in their order (see ``_ROWS_PER_INSERT``)."""
    dialect = conn.dialect
    values: list[Any] = []
    for row in rows:  # _stored's values, appended in place
        values += row
        quirks, created = row[_QUIRKS], row[_CREATED]
        values[-2] = _quirks_json(quirks) if quirks else "[]"
        if created.tzinfo is UTC:
            values[-1] = created.isoformat(timespec="microseconds")
        else:
            values[-1] = _UTC_DATETIME.process_bind_param(created, dialect)
    values = [_NULL if value is None else value for value in values]
    done, left = 0, len(rows)
    while left:
        n = _ROWS_PER_INSERT if left >= _ROWS_PER_INSERT else 1 << (left.bit_length() - 1)
        part = values[done * _WIDTH : (done + n) * _WIDTH]
        run_on_driver(conn, _insert_sql(n), part, many=False, fetch=False)
        done, left = done + n, left - n


def _copy_on_postgresql(conn: Connection, rows: Sequence[LogRow]) -> None:
    """``COPY ... FROM STDIN`` of the rows in their order, on psycopg's cursor in the unit of
    work's transaction; observers see it as one statement, and a driver error leaves as
    SQLAlchemy's (as ``driver_statements.run_on_driver`` does for the other statements)."""
    dialect = conn.dialect
    driver: Any = conn.connection.dbapi_connection
    events = conn.dispatch
    try:
        cursor = driver.cursor()
        if events.before_cursor_execute:
            events.before_cursor_execute(conn, cursor, _COPY, rows, None, True)
        with cursor.copy(_COPY) as copy:
            for row in rows:
                copy.write_row(_stored(row, dialect))
        if events.after_cursor_execute:
            events.after_cursor_execute(conn, cursor, _COPY, rows, None, True)
        cursor.close()
    except dialect.loaded_dbapi.Error as exc:
        raise driver_error(conn, exc, _COPY, None) from exc


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
        with translating():
            if self.conn.dialect.name == "postgresql":
                _copy_on_postgresql(self.conn, rows)
            else:
                _insert_on_sqlite(self.conn, rows)

    def prune_log(self, before: datetime) -> int:
        """Delete entries created before ``before`` and problems resolved before it."""
        result = self.conn.execute(delete(_LOG).where(_LOG.c.created < before))
        self.conn.execute(
            delete(_PROBLEMS).where(
                _PROBLEMS.c.resolved.is_not(None), _PROBLEMS.c.resolved < before
            )
        )
        return int(result.rowcount or 0)

    def cap_log(
        self, max_rows_per_directory: int, owners: Collection[str | None] | None = None
    ) -> int:
        """Keep the newest ``max_rows_per_directory`` entries of each of ``owners`` (None: every
        directory, from the directories table, and the unknown-tenant entries); one indexed
        probe and at most one range delete per owner. Not ``SELECT DISTINCT directory_id`` of
        the log, which reads an index entry per log row on PostgreSQL (no skip scan before
        version 18): millions of rows every prune turn of every process."""
        if owners is None:
            owners = [*self.conn.execute(select(directories.c.id)).scalars(), None]
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
        """Resolve the open problems of ``subject_keys`` in the directory.

        The log writer calls this for every directory of every batch (any request that gets
        in resolves ``auth``), and a directory rarely has an open problem: one index probe on
        the driver answers that, and the UPDATE runs only when there is one."""
        if not subject_keys:
            return 0
        if _ANY_OPEN.first(self.conn, {"directory_id": directory_id}) is None:
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
