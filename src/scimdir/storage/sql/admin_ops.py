"""Admin console accounts, one-time sign-in links and console secrets (docs/console.md).

Using a sign-in link is one conditional ``UPDATE`` (unused and unexpired), so two requests racing
with the same link cannot both succeed. A console secret is inserted ignoring conflicts and read
back, so concurrent first starts agree on one value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update

from scimdir.service.ports import AdminRecord, UniquenessViolation
from scimdir.storage.sql.base import SqlBase
from scimdir.storage.sql.errors import translating
from scimdir.storage.sql.tables import admin_tokens, admins, console_secrets

__all__ = ["AdminOps"]


def _admin(row: Row[Any]) -> AdminRecord:
    m = row._mapping
    return AdminRecord(
        id=m["id"],
        email=m["email"],
        password_hash=m["password_hash"],
        created=m["created"],
        last_login=m["last_login"],
    )


class AdminOps(SqlBase):
    """Admin console methods of :class:`~scimdir.service.ports.Transaction`."""

    def insert_admin(self, record: AdminRecord) -> None:
        """Store an account; a taken e-mail raises ``UniquenessViolation("email")``."""
        row = {
            "id": record.id,
            "email": record.email,
            "password_hash": record.password_hash,
            "created": record.created,
            "last_login": record.last_login,
        }
        with translating():
            inserted = self.insert_ignoring_conflicts(admins, [row])
        if inserted == 0:
            raise UniquenessViolation("email")

    def find_admin(self, email: str) -> AdminRecord | None:
        """The account with this (already normalised) e-mail, if any."""
        row = self.conn.execute(select(admins).where(admins.c.email == email)).first()
        return None if row is None else _admin(row)

    def get_admin(self, admin_id: str) -> AdminRecord | None:
        """The account with this id, if any."""
        row = self.conn.execute(select(admins).where(admins.c.id == admin_id)).first()
        return None if row is None else _admin(row)

    def count_admins(self) -> int:
        """How many accounts exist."""
        return int(self.conn.execute(select(func.count()).select_from(admins)).scalar_one())

    def update_admin(self, record: AdminRecord) -> None:
        """Write the account's password hash and last sign-in."""
        self.conn.execute(
            update(admins)
            .where(admins.c.id == record.id)
            .values(password_hash=record.password_hash, last_login=record.last_login)
        )

    def insert_admin_token(self, token_hash: str, created: datetime, expires: datetime) -> None:
        """Store a one-time sign-in link's hash."""
        self.conn.execute(
            admin_tokens.insert().values(token_hash=token_hash, created=created, expires=expires)
        )

    def use_admin_token(self, token_hash: str, now: datetime) -> bool:
        """Mark the unused, unexpired token used; False if there is none."""
        result = self.conn.execute(
            update(admin_tokens)
            .where(
                admin_tokens.c.token_hash == token_hash,
                admin_tokens.c.used.is_(None),
                admin_tokens.c.expires > now,
            )
            .values(used=now)
        )
        return result.rowcount == 1

    def admin_token_live(self, token_hash: str, now: datetime) -> bool:
        """Whether the token is stored, unused and unexpired."""
        stmt = select(admin_tokens.c.token_hash).where(
            admin_tokens.c.token_hash == token_hash,
            admin_tokens.c.used.is_(None),
            admin_tokens.c.expires > now,
        )
        return self.conn.execute(stmt).first() is not None

    def console_secret(self, name: str, candidate: str) -> str:
        """The stored secret ``name``; stores ``candidate`` first if there is none."""
        self.insert_ignoring_conflicts(console_secrets, [{"name": name, "value": candidate}])
        stmt = select(console_secrets.c.value).where(console_secrets.c.name == name)
        return str(self.conn.execute(stmt).scalar_one())
