"""Bulk seeding of a directory with synthetic users and groups, for benchmarks and demos.

The scale benchmark (``bench/scale.py``) needs one directory with 1,000,000 users and a
500,000-member group, seeded in minutes.
Going through the port (``insert_user`` one row at a time, with the outbox event) runs at a few
thousand users a second; this module writes the SQL tables directly instead, in batches of
``batch`` rows: a multi-row ``executemany`` on SQLite and ``COPY ... FROM STDIN`` on PostgreSQL
(psycopg 3's ``Cursor.copy``, the fastest way into PostgreSQL, see its docs "Using COPY TO and
COPY FROM"). The rows are exactly the rows the API would store: documents are built from the
SCIM body an Entra POST carries and parsed by :func:`scimdir.scim.resource.parse_resource` once
(a test checks the template against the parser for other indices), and the indexed columns come
from :mod:`scimdir.storage.sql.columns`, the same function the port uses. No outbox events are
written: seeded data is a starting state, not a change anyone subscribed to. The directory's list
counters (:mod:`scimdir.storage.sql.counters`) are adjusted in each batch's transaction, so
``totalResults`` stays exact while seeding.

Names are stable so that benchmarks can address user ``i`` without reading it back:
``user{i:07d}@example.test``, ``ext-{i:07d}``, ``group-{n}``; ids are UUIDv5 of the directory and
the index (:meth:`SeedResult.user_id`). Group ``n`` holds the first ``group_sizes[n]`` users.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Dialect, Table, text
from sqlalchemy.types import TypeDecorator

from scimdir.scim.resource import parse_resource
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import GroupRecord, Storage, UserRecord
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.columns import email_rows, group_columns, user_columns
from scimdir.storage.sql.counters import adjust_count
from scimdir.storage.sql.tables import groups, memberships, user_emails
from scimdir.storage.sql.tables import users as users_table

__all__ = ["SeedResult", "group_id", "seed_directory", "user_body", "user_id"]

_NAMESPACE = uuid.UUID("5c1d0000-5eed-4000-8000-000000000000")
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_SQLITE_CHUNK = 5000


@functools.cache
def _id_base(directory_id: str, kind: str) -> int:
    return uuid.uuid5(_NAMESPACE, f"{directory_id}/{kind}").int >> 32 << 32


def _id(directory_id: str, kind: str, i: int) -> str:
    # UUIDv5 of the directory and kind, the index in the low 32 bits of the node field: unique,
    # UUID-shaped (version and variant bits untouched) and cheap to compute a million times.
    return str(uuid.UUID(int=_id_base(directory_id, kind) | i))


def user_id(directory_id: str, i: int) -> str:
    """The id of seeded user ``i`` in ``directory_id``."""
    return _id(directory_id, "user", i)


def group_id(directory_id: str, n: int) -> str:
    """The id of seeded group ``n`` in ``directory_id``."""
    return _id(directory_id, "group", n)


@dataclass(frozen=True)
class SeedResult:
    """What was seeded: counts, group ids (``group-{n}`` in order) and the time it took."""

    directory_id: str
    users: int
    group_ids: list[str] = field(default_factory=list)
    group_sizes: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def user_id(self, i: int) -> str:
        """The id of seeded user ``i``."""
        return user_id(self.directory_id, i)


def user_body(i: int) -> dict[str, Any]:
    """Seeded user ``i`` as the SCIM body an Entra POST would carry."""
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], **user_document(i)}


def user_document(i: int) -> dict[str, Any]:
    """The stored document of seeded user ``i`` (the parser's output, without re-parsing)."""
    name = f"user{i:07d}@example.test"
    return {
        "userName": name,
        "externalId": f"ext-{i:07d}",
        "displayName": f"User {i}",
        "active": True,
        "emails": [{"value": name, "type": "work", "primary": True}],
        "name": {"givenName": "User", "familyName": f"{i:07d}"},
    }


def _check_template() -> None:
    parsed = dict(parse_resource(USER_TYPE, user_body(0)).document)
    if parsed != user_document(0):
        raise RuntimeError(f"seed template drifted from the SCIM parser: {parsed}")


def _user_rows(directory_id: str, start: int, stop: int) -> tuple[list[Any], list[Any]]:
    user_rows: list[dict[str, Any]] = []
    emails: list[dict[str, Any]] = []
    for i in range(start, stop):
        created = _EPOCH + timedelta(milliseconds=i)
        record = UserRecord(
            id=user_id(directory_id, i),
            directory_id=directory_id,
            user_name=f"user{i:07d}@example.test",
            document=user_document(i),
            version=1,
            created=created,
            last_modified=created,
        )
        user_rows.append(user_columns(record))
        emails.extend(email_rows(record))
    return user_rows, emails


def _ranges(total: int, batch: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, batch):
        yield start, min(total, start + batch)


def _write(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` with the driver: COPY on PostgreSQL, executemany on SQLite.

    Values go through the columns' own bind processing (``UtcDateTime``, ``JsonText``), so the
    stored text is what the port writes; only SQLAlchemy's per-row statement machinery is skipped.
    """
    if not rows:
        return
    dialect = conn.dialect
    names = [c.name for c in table.columns if c.name in rows[0]]
    processors = [_processor(table.c[n].type, dialect) for n in names]
    tuples = [
        [
            value if proc is None else proc(value)
            for proc, value in zip(processors, (row[n] for n in names), strict=True)
        ]
        for row in rows
    ]
    quoted = ", ".join(f'"{n}"' for n in names)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if dialect.name == "postgresql":
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for values in tuples:
                copy.write_row(values)
    else:
        marks = ", ".join("?" for _ in names)
        cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", tuples)
    cursor.close()


def _processor(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    if isinstance(column_type, TypeDecorator):
        decorator = column_type
        return lambda value: decorator.process_bind_param(value, dialect)
    return None


def seed_directory(
    storage: Storage,
    directory_id: str,
    *,
    users: int,
    group_sizes: list[int],
    batch: int = 5000,
) -> SeedResult:
    """Add ``users`` users and one group per entry of ``group_sizes`` to an existing directory.

    Each batch is one transaction. The directory should hold no seeded users yet (the names and
    ids would collide). Ends with ``ANALYZE`` so the planner knows the new sizes at once.
    """
    if not isinstance(storage, SqlStorage):
        raise TypeError("seed_directory writes SQL tables directly; it needs an SqlStorage.")
    if any(size > users for size in group_sizes):
        raise ValueError(f"a group cannot have more members than the {users} seeded users")
    _check_template()
    started = time.perf_counter()
    # Rows of the next batch are built on a second thread while the database takes this one
    # (the driver releases the GIL while it waits), which roughly halves the wall time.
    with ThreadPoolExecutor(max_workers=1) as builder:
        ranges = list(_ranges(users, batch))
        future = builder.submit(_user_rows, directory_id, *ranges[0]) if ranges else None
        for nxt in [*ranges[1:], None]:
            assert future is not None
            user_rows, emails = future.result()
            future = None if nxt is None else builder.submit(_user_rows, directory_id, *nxt)
            with storage.engine.begin() as conn:
                _write(conn, users_table, user_rows)
                _write(conn, user_emails, emails)
                adjust_count(conn, directory_id, "users", len(user_rows))
    ids = [group_id(directory_id, n) for n in range(len(group_sizes))]
    with storage.engine.begin() as conn:
        rows = []
        for n, gid in enumerate(ids):
            record = GroupRecord(
                gid, directory_id, f"group-{n}", {"displayName": f"group-{n}"}, 1, _EPOCH, _EPOCH
            )
            rows.append(group_columns(record))
        _write(conn, groups, rows)
        adjust_count(conn, directory_id, "groups", len(rows))
    for gid, size in zip(ids, group_sizes, strict=True):
        for start, stop in _ranges(size, batch):
            member_rows = [
                {
                    "directory_id": directory_id,
                    "group_id": gid,
                    "member_id": user_id(directory_id, i),
                    "member_type": "User",
                    "user_id": user_id(directory_id, i),  # the foreign key's column (0005)
                }
                for i in range(start, stop)
            ]
            with storage.engine.begin() as conn:
                _write(conn, memberships, member_rows)
    _analyze(storage)
    return SeedResult(directory_id, users, ids, list(group_sizes), time.perf_counter() - started)


def _analyze(storage: SqlStorage) -> None:
    """Refresh planner statistics (and, on PostgreSQL, the visibility map for index-only scans)."""
    if storage.dialect == "postgresql":
        with storage.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (users_table, user_emails, groups, memberships):
                conn.execute(text(f"VACUUM ANALYZE {table.name}"))
    else:
        with storage.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
