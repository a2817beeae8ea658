"""API keys: the port's key methods over ``api_keys`` (port rule 9).

Authentication probes the unique ``key_hash`` index (one statement per request); recording a use
is one ``UPDATE ... SET last_used`` that never moves it backwards, so it never rewrites the row
(a revocation committed in between stays).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, or_, select, update

from scimdir.service.ports import ApiKeyRecord, UniquenessViolation
from scimdir.storage.sql.base import SqlBase
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.tables import api_keys

__all__ = ["ApiKeyOps"]

_BY_HASH = select(api_keys).where(api_keys.c.key_hash == bindparam("h"))
_TOUCH = (
    update(api_keys)
    .where(
        api_keys.c.id == bindparam("i"),
        or_(api_keys.c.last_used.is_(None), api_keys.c.last_used < bindparam("t")),
    )
    .values(last_used=bindparam("t"))
)


def _key(row: Row[Any]) -> ApiKeyRecord:
    m = row._mapping
    return ApiKeyRecord(
        id=m["id"],
        name=m["name"],
        role=m["role"],
        directory_id=m["directory_id"],
        key_hash=m["key_hash"],
        created=m["created"],
        last_used=m["last_used"],
        revoked=m["revoked"],
    )


class ApiKeyOps(SqlBase):
    """API key methods of :class:`~scimdir.service.ports.Transaction`."""

    def insert_api_key(self, record: ApiKeyRecord) -> None:
        """Store a hashed key; a taken id or hash raises ``UniquenessViolation``."""
        row = {
            "id": record.id,
            "name": record.name,
            "role": record.role,
            "directory_id": record.directory_id,
            "key_hash": record.key_hash,
            "created": record.created,
            "last_used": record.last_used,
            "revoked": record.revoked,
        }
        with translating():
            inserted = self.insert_ignoring_conflicts(api_keys, [row])
        if inserted == 0:
            raise UniquenessViolation("id")

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        """The key with this id, if any."""
        row = self.conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return None if row is None else _key(row)

    def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The key whose stored hash is ``key_hash``, if any."""
        row = self.conn.execute(_BY_HASH, {"h": key_hash}).first()
        return None if row is None else _key(row)

    def list_api_keys(self) -> list[ApiKeyRecord]:
        """Every key, oldest first."""
        stmt = select(api_keys).order_by(api_keys.c.created, api_keys.c.id)
        return [_key(r) for r in self.conn.execute(stmt)]

    def revoke_api_key(self, key_id: str, when: datetime) -> bool:
        """Revoke the key (the first revocation time stays); False if there is no such key."""
        self.conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked.is_(None))
            .values(revoked=when)
        )
        return self.get_api_key(key_id) is not None

    def touch_api_key(self, key_id: str, when: datetime) -> None:
        """Set ``last_used`` unless it is already later; touches no other column."""
        self.conn.execute(_TOUCH, {"i": key_id, "t": when})
