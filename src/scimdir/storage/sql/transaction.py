"""One unit of work on one connection: directories, secrets and the outbox, plus the user,
group, provisioning-log, browsing and API key mixins. Implements
:class:`scimdir.service.ports.Transaction`.

Outbox ordering (port rule 7): ``append_event`` takes the next value of the directory's own
counter with ``UPDATE directories SET event_seq = event_seq + 1 ... RETURNING``. The row lock it
takes is held until commit, and a transaction waiting for it gets the row (and the next number)
only once the holder's commit is visible. So seq order is commit order: a snapshot that sees event
N sees every event below N, the committed counter (``event_high_water``) bounds a feed page
safely, and a consumer polling ``seq > cursor`` never misses an event that commits late (a global
sequence would hand out numbers in start order, not commit order). This holds for every write
path because every event goes through this statement (tests/concurrency/test_event_order.py).

Lock order (port rule 8): resource rows are taken by the user and group mixins (groups before
users before membership rows, ``containers.py`` for deletes); the directory row is taken last,
by ``append_event`` (the service appends events after its other writes) and by the list counters,
which :class:`~scimdir.storage.sql.counters.CounterBuffer` holds back until then or until the unit
of work ends.

Every insert is ``INSERT ... ON CONFLICT DO NOTHING`` and every update that can collide runs in a
savepoint, so a :class:`~scimdir.service.ports.UniquenessViolation` or
:class:`~scimdir.service.ports.StaleVersion` leaves the transaction usable on both dialects
(a failed statement would otherwise abort a PostgreSQL transaction).
"""

from __future__ import annotations

import secrets as random_source
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Row, bindparam, delete, or_, select, update

from scimdir.scim.extensions import extension_urns
from scimdir.service.ports import (
    DirectoryRecord,
    EventRecord,
    GroupRecord,
    LookupHint,
    ReadAhead,
    SecretRecord,
    StaleVersion,
    StorageError,
    TransientConflict,
    UniquenessViolation,
    UserHint,
    UserRecord,
)
from scimdir.storage.sql.admin_ops import AdminOps
from scimdir.storage.sql.api_key_ops import ApiKeyOps
from scimdir.storage.sql.authentication import authenticate, directory_record
from scimdir.storage.sql.browse import BrowseOps
from scimdir.storage.sql.columns import email_rows, user_columns, value_rows
from scimdir.storage.sql.driver_statements import DriverStatement
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.log_ops import LogOps
from scimdir.storage.sql.member_journal import MemberJournal
from scimdir.storage.sql.own_transaction import committing, own_transaction
from scimdir.storage.sql.pg_writes import (
    BUMP_GROUP_WITH_EVENT_RUN,
    CREATE_USER_RUN,
    EVENT_WITH_COUNTERS_RUN,
    SETTABLE_USER_COLUMNS,
    UPDATE_USER_WITH_EVENT_RUN,
    email_arrays,
    value_arrays,
)
from scimdir.storage.sql.tables import directories, events, secrets, users, webhook_subscriptions
from scimdir.storage.sql.user_ops import UserOps
from scimdir.storage.sql.webhook_ops import WebhookOps

__all__ = ["SqlTransaction"]

# Statements every SCIM request (authentication) or every write (the outbox) runs: built once,
# so a request pays only for running them (docs/performance.md).
_GET_DIRECTORY = select(directories).where(directories.c.id == bindparam("directory_id"))
_NEXT_EVENT_SEQ = DriverStatement(
    update(directories)
    .where(directories.c.id == bindparam("directory_id"))
    .values(event_seq=directories.c.event_seq + 1)
    .returning(directories.c.event_seq)
)
_INSERT_EVENT = DriverStatement(events.insert(), keyed=True)
_ADVANCE_EVENT_SEQ = DriverStatement(
    update(directories)
    .where(directories.c.id == bindparam("directory_id"))
    .values(event_seq=directories.c.event_seq + bindparam("n"))
    .returning(directories.c.event_seq)
)
_EVENT_HIGH_WATER = select(directories.c.event_seq).where(
    directories.c.id == bindparam("directory_id")
)
_LIST_SECRETS = (
    select(secrets)
    .where(secrets.c.directory_id == bindparam("directory_id"))
    .order_by(secrets.c.created, secrets.c.id)
)

# Last use alone, never backwards: a revocation or a rotation committed between a request's
# authentication and this write is not undone (the statement names no other column).
_TOUCH_SECRET = (
    update(secrets)
    .where(
        secrets.c.id == bindparam("secret_id"),
        or_(secrets.c.last_used.is_(None), secrets.c.last_used < bindparam("when")),
    )
    .values(last_used=bindparam("when"))
)


def _secret(row: Row[Any]) -> SecretRecord:
    m = row._mapping
    return SecretRecord(
        id=m["id"],
        directory_id=m["directory_id"],
        secret_hash=m["secret_hash"],
        created=m["created"],
        expires=m["expires"],
        revoked=m["revoked"],
        last_used=m["last_used"],
    )


def _event_columns(
    type: str,
    resource_type: str,
    resource_id: str,
    data: dict[str, Any],
    created: datetime,
    changed: Sequence[str] | None = None,
) -> dict[str, Any]:
    """An outbox event's columns but its directory and seq, a new ``event_id`` among them."""
    return {
        "event_id": f"evt_{uuid.uuid4().hex}",
        "type": type,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "data": data,
        "changed": None if changed is None else list(changed),
        "created": created,
    }


def _prefixed(columns: dict[str, Any]) -> dict[str, Any]:
    """The event's columns as the ``ev_*`` parameters of the one-statement writes
    (``pg_writes.py``)."""
    return {f"ev_{name}": value for name, value in columns.items()}


def in_transaction(conn: Connection) -> bool:
    """Whether ``conn``'s PostgreSQL session has a transaction open (psycopg begins one at a
    statement outside autocommit)."""
    dbapi: Any = conn.connection.dbapi_connection
    return bool(dbapi.info.transaction_status != TransactionStatus.IDLE)


class SqlTransaction(UserOps, MemberJournal, WebhookOps, LogOps, BrowseOps, ApiKeyOps, AdminOps):
    """The SQL implementation of the port's ``Transaction``."""

    # directories
    def insert_directory(self, record: DirectoryRecord) -> None:
        """Insert a directory; a taken id raises ``UniquenessViolation("id")``."""
        row = {
            "id": record.id,
            "name": record.name,
            "idp": record.idp,
            "settings": record.settings,
            "created": record.created,
            "updated": record.updated,
            "schema_extensions": record.schema_extensions or None,
            "user_count": 0,
            "group_count": 0,
            # Random starts: a directory deleted and created again under the same id never
            # repeats a generation another process may still hold page marks for.
            "user_generation": random_source.randbits(48),
            "group_generation": random_source.randbits(48),
        }
        if self.insert_ignoring_conflicts(directories, [row]) == 0:
            raise UniquenessViolation("id")

    def get_directory(self, directory_id: str) -> DirectoryRecord | None:
        """The directory, if it exists."""
        row = self.conn.execute(_GET_DIRECTORY, {"directory_id": directory_id}).first()
        return None if row is None else directory_record(row)

    def list_directories(self) -> list[DirectoryRecord]:
        """All directories, oldest first."""
        stmt = select(directories).order_by(directories.c.created, directories.c.id)
        return [directory_record(r) for r in self.conn.execute(stmt)]

    def update_directory(self, record: DirectoryRecord) -> None:
        """Write the directory's name, IdP preset, settings and ``updated``."""
        self.conn.execute(
            update(directories)
            .where(directories.c.id == record.id)
            .values(
                name=record.name, idp=record.idp, settings=record.settings, updated=record.updated
            )
        )

    def delete_directory(self, directory_id: str) -> None:
        """Delete the directory and, by cascade, everything in it."""
        self.conn.execute(delete(directories).where(directories.c.id == directory_id))

    # secrets
    def insert_secret(self, record: SecretRecord) -> None:
        """Store a hashed secret; a taken id raises ``UniquenessViolation("id")``."""
        row = {
            "id": record.id,
            "directory_id": record.directory_id,
            "secret_hash": record.secret_hash,
            "created": record.created,
            "expires": record.expires,
            "revoked": record.revoked,
            "last_used": record.last_used,
        }
        with translating():
            inserted = self.insert_ignoring_conflicts(secrets, [row])
        if inserted == 0:
            raise UniquenessViolation("id")

    def list_secrets(self, directory_id: str) -> list[SecretRecord]:
        """The directory's secrets, oldest first."""
        rows = self.conn.execute(_LIST_SECRETS, {"directory_id": directory_id})
        return [_secret(r) for r in rows]

    def authenticate(
        self,
        directory_id: str,
        secret_hash: str,
        now: datetime,
        prefetch: LookupHint | UserHint | None = None,
    ) -> tuple[DirectoryRecord, SecretRecord] | None:
        """The directory and its live secret stored as ``secret_hash``, in one statement; with
        ``prefetch``, the same statement reads the hinted lookup's rows for this unit of work's
        search, or the hinted user for a read by id (``authentication.py``)."""
        return authenticate(
            self.conn,
            directory_id,
            secret_hash,
            now,
            prefetch,
            self.prefetched,
            self.users_ahead,
        )

    def take_read_ahead(self) -> ReadAhead | None:
        """The user row the authentication read ahead and no read took, out of this unit."""
        if not self.users_ahead:
            return None
        (directory_id, user_id), row = self.users_ahead.popitem()
        return ReadAhead(directory_id, user_id, row)

    def adopt_read_ahead(self, read_ahead: ReadAhead) -> None:
        """Serve this unit's first unlocked read of the user from ``read_ahead`` (ignored once
        the unit pinned a snapshot: its reads must agree, and this one came before)."""
        if not self.pinned:
            self.users_ahead[(read_ahead.directory_id, read_ahead.user_id)] = read_ahead.row

    def update_secret(self, record: SecretRecord) -> None:
        """Write a secret's hash, expiry, revocation and last use."""
        self.conn.execute(
            update(secrets)
            .where(secrets.c.id == record.id, secrets.c.directory_id == record.directory_id)
            .values(
                secret_hash=record.secret_hash,
                expires=record.expires,
                revoked=record.revoked,
                last_used=record.last_used,
            )
        )

    def touch_secret_last_used(self, secret_id: str, when: datetime) -> None:
        """Record a use of the secret: ``last_used`` only, and only forwards."""
        self.conn.execute(_TOUCH_SECRET, {"secret_id": secret_id, "when": when})

    # outbox
    def append_event(
        self,
        directory_id: str,
        type: str,
        resource_type: str,
        resource_id: str,
        data: dict[str, Any],
        created: datetime,
        *,
        changed: Sequence[str] | None = None,
    ) -> int:
        """Append an event to the directory's outbox; returns its ``seq`` (rule 7). Buffered
        counter adjustments are written with it: both lock the directory row, last (rule 8).
        On PostgreSQL the counters, the seq and the event are one statement (``pg_writes.py``)."""
        columns = _event_columns(type, resource_type, resource_id, data, created, changed)
        counts = self.counts.take(directory_id) if self.postgres else None
        if counts is not None:
            du, gu, dg, gg = counts
            prefixed = _prefixed(columns)
            prefixed.update(directory_id=directory_id, du=du, gu=gu, dg=dg, gg=gg)
            row = EVENT_WITH_COUNTERS_RUN.first(self.conn, prefixed)
            seq = None if row is None else row["seq"]
            if seq is None:
                raise StorageError(f"Directory {directory_id} does not exist; create it first.")
            return int(seq)
        self.flush_counts()
        row = _NEXT_EVENT_SEQ.first(self.conn, {"directory_id": directory_id})
        if row is None:
            raise StorageError(f"Directory {directory_id} does not exist; create it first.")
        seq = int(row["event_seq"])
        _INSERT_EVENT.execute(self.conn, {**columns, "directory_id": directory_id, "seq": seq})
        return seq

    def insert_user_with_event(
        self, record: UserRecord, type: str, data: dict[str, Any], created: datetime
    ) -> int:
        """:meth:`insert_user` then :meth:`append_event` of ``type`` for it; returns the event's
        seq. A taken id or userName raises ``UniquenessViolation`` having written nothing.

        On PostgreSQL one statement (``pg_writes.CREATE_USER``) when the user has no declared
        extension attribute and no list counter is buffered; as the unit of work's first
        statement it runs in autocommit (the port's rule: the unit's last write)."""
        if not self.postgres or extension_urns(record.document) or self.counts:
            self.insert_user(record)
            return self.append_event(record.directory_id, type, "User", record.id, data, created)
        params: dict[str, Any] = {f"u_{k}": v for k, v in user_columns(record).items()}
        params.update(email_arrays(email_rows(record)))
        values = value_rows(record)
        params.update(value_arrays(values))
        params.update(du=int(record.linked), gu=int(record.linked))
        params.update(_prefixed(_event_columns(type, "User", record.id, data, created)))
        with own_transaction(self.conn, writes=True):
            with translating():
                row = CREATE_USER_RUN.first(self.conn, params)
            if row is None:
                taken = self.conn.execute(
                    select(users.c.id).where(
                        users.c.directory_id == record.directory_id, users.c.id == record.id
                    )
                ).first()
                raise UniquenessViolation("id" if taken is not None else "userName")
        self._note_read("User", record.directory_id, record.id, record.document)
        self._values_held()[(record.directory_id, record.id)] = bool(values)
        return int(row["seq"])

    def update_user_with_event(
        self,
        record: UserRecord,
        expected_version: int,
        type: str,
        data: dict[str, Any],
        created: datetime,
        *,
        changed: Sequence[str] | None = None,
    ) -> int:
        """:meth:`update_user` then :meth:`append_event` of ``type`` for it (resource type
        ``User``); returns the event's seq. Raises as :meth:`update_user` does, having written
        neither.

        On PostgreSQL one statement (``pg_writes.UPDATE_USER_WITH_EVENT``) when ``linked`` is
        unchanged, no list counter is buffered and the user neither has nor had a declared
        extension attribute; as the unit of work's first write it runs as a transaction of its
        own (``own_transaction.py``). When it updates nothing (a lost race, a taken userName,
        ``linked`` changed), the general path runs and raises the precise error."""
        key = ("User", record.directory_id, record.id)
        one_statement = (
            self.postgres
            and not self.counts
            and self._may_have_rows.get(key, True) is False
            and not extension_urns(record.document)
        )
        if one_statement:
            columns = {**user_columns(record), "version": expected_version + 1}
            params: dict[str, Any] = {
                f"s_{column.name}": columns[column.name] for column in SETTABLE_USER_COLUMNS
            }
            emails = email_rows(record)
            values = value_rows(record)
            params.update(email_arrays(emails), e_count=len(emails))
            params.update(value_arrays(values))
            params.update(
                w_directory_id=record.directory_id,
                w_id=record.id,
                w_version=expected_version,
                w_linked=record.linked,
            )
            params.update(
                _prefixed(_event_columns(type, "User", record.id, data, created, changed))
            )
            self._read_rows().pop((record.directory_id, record.id), None)
            self._emails_read().pop((record.directory_id, record.id), None)
            with own_transaction(self.conn, writes=True):
                try:
                    with translating():
                        row = UPDATE_USER_WITH_EVENT_RUN.first(self.conn, params)
                except UniquenessViolation as exc:
                    # A writer committed the same userName while the statement ran (it checks
                    # for a holder first): nothing was written, run the unit again.
                    raise TransientConflict("a concurrent write took the same userName") from exc
            if row is not None:
                self._values_held()[(record.directory_id, record.id)] = bool(values)
                record.version = expected_version + 1
                return int(row["seq"])
        self.update_user(record, expected_version)
        return self.append_event(
            record.directory_id, type, "User", record.id, data, created, changed=changed
        )

    def update_group_with_events(
        self,
        record: GroupRecord,
        expected_version: int,
        items: Sequence[tuple[str, str, str, dict[str, Any]]],
        created: datetime,
        *,
        last: bool = False,
    ) -> None:
        """:meth:`update_group` then :meth:`append_events` of ``items``, under the same rules.

        On PostgreSQL one statement (``pg_writes.BUMP_GROUP_WITH_EVENT``) for a membership
        change of one event: the group was read locked in this unit of work and its name and
        document stay as read, so only its version and ``last_modified`` move. With ``last``
        and nothing else left to write (no other directory's counters), the transaction
        commits in that statement's round trip (``pg_wire.run_and_commit``): Entra's member
        PATCH one round trip shorter."""
        key = (record.directory_id, record.id)
        bump_only = self._groups_read().get(key) == (record.display_name, record.document)
        if self.postgres and len(items) == 1 and bump_only:
            counts = self.counts.take(record.directory_id)
            if counts is not None:
                commit = last and not self.counts
                del self._groups_read()[key]
                du, gu, dg, gg = counts
                type, resource_type, resource_id, data = items[0]
                params: dict[str, Any] = {
                    "g_directory_id": record.directory_id,
                    "g_id": record.id,
                    "g_expected": expected_version,
                    "g_version": expected_version + 1,
                    "g_modified": record.last_modified,
                    "du": du,
                    "gu": gu,
                    "dg": dg,
                    "gg": gg,
                    **_prefixed(_event_columns(type, resource_type, resource_id, data, created)),
                }
                if commit:
                    self._commit_with(BUMP_GROUP_WITH_EVENT_RUN, params, record.id)
                elif BUMP_GROUP_WITH_EVENT_RUN.first(self.conn, params) is None:
                    raise StaleVersion(f"group {record.id} changed or vanished")
                record.version = expected_version + 1
                return
        self.update_group(record, expected_version)
        self.append_events(record.directory_id, items, created)

    def _commit_with(self, statement: DriverStatement, params: dict[str, Any], group: str) -> None:
        """Run the unit's last statement, a group's bump, and commit with it (see
        :meth:`update_group_with_events`). The group is locked since this unit read it, so
        the bump matches its row: a miss here would be a broken invariant, and is raised as
        one (the rows before it are committed by then)."""
        with committing():
            row = statement.first(self.conn, params, commit=True)
        self.committed_early = not in_transaction(self.conn)
        if row is None:
            raise StorageError(f"group {group} was not at the version read under its lock")

    def check_nothing_after_commit(self) -> None:
        """Fail the unit of work when a statement ran after the one it committed with
        (:meth:`update_group_with_events` with ``last``): that statement opened a transaction
        of its own, which must not commit as if it were part of the unit's."""
        if self.committed_early and in_transaction(self.conn):
            raise RuntimeError("a statement ran after the unit of work committed with its last")

    def append_events(
        self,
        directory_id: str,
        items: Sequence[tuple[str, str, str, dict[str, Any]]],
        created: datetime,
    ) -> None:
        """Append several ``(type, resource_type, resource_id, data)`` events in order with one
        counter update and one prepared insert run for each (the driver's ``executemany``: a
        50-member PATCH's events), under the same row lock as :meth:`append_event` (rule 7)."""
        if not items:
            return
        if len(items) == 1:  # one member: append_event's statements, on the driver
            type, resource_type, resource_id, data = items[0]
            self.append_event(directory_id, type, resource_type, resource_id, data, created)
            return
        advanced = _ADVANCE_EVENT_SEQ.first(
            self.conn, {"directory_id": directory_id, "n": len(items)}
        )
        if advanced is None:
            raise StorageError(f"Directory {directory_id} does not exist; create it first.")
        first = int(advanced["event_seq"]) - len(items) + 1
        rows = [
            {
                "directory_id": directory_id,
                "seq": first + n,
                **_event_columns(type, resource_type, resource_id, data, created),
            }
            for n, (type, resource_type, resource_id, data) in enumerate(items)
        ]
        _INSERT_EVENT.execute_many(self.conn, rows)  # the driver's executemany, prepared once

    def list_events(
        self,
        directory_id: str,
        after: int,
        limit: int,
        *,
        types: Sequence[str] | None = None,
        upto: int | None = None,
    ) -> list[EventRecord]:
        """Events with ``after < seq (<= upto)``, of ``types`` if given, oldest first."""
        stmt = select(events).where(events.c.directory_id == directory_id, events.c.seq > after)
        if upto is not None:
            stmt = stmt.where(events.c.seq <= upto)
        if types is not None:
            stmt = stmt.where(events.c.type.in_(list(types)))
        stmt = stmt.order_by(events.c.seq).limit(limit)
        return [
            EventRecord(
                r.seq,
                r.directory_id,
                r.type,
                r.resource_type,
                r.resource_id,
                r.data,
                r.created,
                event_id=r.event_id,
                changed=None if r.changed is None else tuple(r.changed),
            )
            for r in self.conn.execute(stmt)
        ]

    def event_high_water(self, directory_id: str) -> int | None:
        """The directory's last committed event seq, or None without the directory (rule 7)."""
        return self.conn.execute(_EVENT_HIGH_WATER, {"directory_id": directory_id}).scalar()

    def prune_events(self, before: datetime, directory_id: str | None = None) -> int:
        """Delete events created before ``before`` (retention), except those an enabled webhook
        subscription of their directory has not received yet; returns how many."""
        s = webhook_subscriptions
        waiting = (
            select(s.c.id)
            .where(
                s.c.directory_id == events.c.directory_id,
                s.c.enabled.is_(True),
                s.c.cursor < events.c.seq,
            )
            .exists()
        )
        stmt = events.delete().where(events.c.created < before, ~waiting)
        if directory_id is not None:
            stmt = stmt.where(events.c.directory_id == directory_id)
        result = self.conn.execute(stmt)
        return int(result.rowcount or 0)
