"""One unit of work on one connection: directories, secrets and the outbox, plus the user,
group, provisioning-log, browsing and API key mixins. Implements
:class:`scimdir.service.ports.Transaction`.

Outbox ordering (port rule 7): ``append_event`` takes the next value of the directory's own
counter with ``UPDATE directories SET event_seq = event_seq + 1 ... RETURNING``. The row lock it
takes is held until commit, so two transactions of one directory cannot commit their events out
of seq order, and a consumer polling ``seq > cursor`` never misses an event that commits late
(a global sequence would hand out numbers in start order, not commit order).

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
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, or_, select, update

from scimdir.service.ports import (
    DirectoryRecord,
    EventRecord,
    SecretRecord,
    StorageError,
    UniquenessViolation,
)
from scimdir.storage.sql.api_key_ops import ApiKeyOps
from scimdir.storage.sql.browse import BrowseOps
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.group_ops import GroupOps
from scimdir.storage.sql.log_ops import LogOps
from scimdir.storage.sql.tables import directories, events, secrets
from scimdir.storage.sql.user_ops import UserOps

__all__ = ["SqlTransaction"]

# Statements every SCIM request (authentication) or every write (the outbox) runs: built once,
# so a request pays only for running them (docs/performance.md).
_GET_DIRECTORY = select(directories).where(directories.c.id == bindparam("directory_id"))
_NEXT_EVENT_SEQ = (
    update(directories)
    .where(directories.c.id == bindparam("directory_id"))
    .values(event_seq=directories.c.event_seq + 1)
    .returning(directories.c.event_seq)
)
_INSERT_EVENT = events.insert()
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


def _directory(row: Row[Any]) -> DirectoryRecord:
    m = row._mapping
    return DirectoryRecord(m["id"], m["name"], m["idp"], m["settings"], m["created"], m["updated"])


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


class SqlTransaction(UserOps, GroupOps, LogOps, BrowseOps, ApiKeyOps):
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
        return None if row is None else _directory(row)

    def list_directories(self) -> list[DirectoryRecord]:
        """All directories, oldest first."""
        stmt = select(directories).order_by(directories.c.created, directories.c.id)
        return [_directory(r) for r in self.conn.execute(stmt)]

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
    ) -> int:
        """Append an event to the directory's outbox; returns its ``seq`` (rule 7). Buffered
        counter adjustments are written first: both lock the directory row, last (rule 8)."""
        self.flush_counts()
        seq = self.conn.execute(_NEXT_EVENT_SEQ, {"directory_id": directory_id}).scalar()
        if seq is None:
            raise StorageError(f"Directory {directory_id} does not exist; create it first.")
        self.conn.execute(
            _INSERT_EVENT,
            {
                "directory_id": directory_id,
                "seq": seq,
                "type": type,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "data": data,
                "created": created,
            },
        )
        return int(seq)

    def list_events(self, directory_id: str, after: int, limit: int) -> list[EventRecord]:
        """Events with ``seq > after``, oldest first, at most ``limit``."""
        stmt = (
            select(events)
            .where(events.c.directory_id == directory_id, events.c.seq > after)
            .order_by(events.c.seq)
            .limit(limit)
        )
        return [
            EventRecord(
                r.seq, r.directory_id, r.type, r.resource_type, r.resource_id, r.data, r.created
            )
            for r in self.conn.execute(stmt)
        ]
