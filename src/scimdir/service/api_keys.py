"""Management API keys: create (shown once), list, revoke, authenticate, record their use.

A key is separate from any directory's SCIM secret: an ``admin`` key administers every
directory through the management API; a ``reader`` key is bound to one directory (what an
application reading its directory gets). Keys are 256-bit random tokens stored as SHA-256
hashes, for the reasons ``service/secrets.py`` gives, and looked up by that hash (port rule 9).

Recording the last use is a separate, throttled write (at most one a minute per key) that the
adapter runs after the response, never inside the request's read.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import get_args

from scimdir.service.directories import AdminError, Authenticated, DirectoryNotFound
from scimdir.service.ports import ApiKeyRecord, ApiKeyRole, Storage, UniquenessViolation
from scimdir.service.runtime import Runtime
from scimdir.service.secrets import hash_secret
from scimdir.service.unit_of_work import transaction

__all__ = [
    "ROLES",
    "ApiKeyNotFound",
    "ApiKeyService",
    "AuthenticatedKey",
    "CreatedApiKey",
]

ROLES: tuple[ApiKeyRole, ...] = get_args(ApiKeyRole)
MAX_NAME_LENGTH = 200
_LAST_USED_PRECISION = timedelta(minutes=1)


class ApiKeyNotFound(LookupError):
    """No API key with that id."""


@dataclass(frozen=True)
class CreatedApiKey:
    """A new key and its clear text, which is shown this once and never stored."""

    record: ApiKeyRecord
    key: str


@dataclass(frozen=True)
class AuthenticatedKey:
    """The key a request presented (``stale``: its last use is not recorded yet)."""

    record: ApiKeyRecord
    stale: bool

    @property
    def is_admin(self) -> bool:
        """Whether the key administers every directory."""
        return self.record.role == "admin"

    def may_read(self, directory_id: str) -> bool:
        """Whether the key may read ``directory_id`` (an admin key, or a reader bound to it)."""
        return self.is_admin or self.record.directory_id == directory_id


class ApiKeyService:
    """API key use cases."""

    def __init__(self, storage: Storage, runtime: Runtime) -> None:
        self.storage = storage
        self.runtime = runtime

    def create(self, name: str, role: str, directory_id: str | None = None) -> CreatedApiKey:
        """Create a key. An ``admin`` key takes no directory; a ``reader`` key needs one.

        :raises AdminError: empty or long name, unknown role, a directory where none belongs.
        :raises DirectoryNotFound: the reader's directory does not exist.
        """
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise AdminError(f"An API key needs a name of 1 to {MAX_NAME_LENGTH} characters.")
        if role not in ROLES:
            raise AdminError(f"Unknown role {role[:40]!r}; choose one of {', '.join(ROLES)}.")
        if role == "admin" and directory_id is not None:
            raise AdminError("An admin key administers every directory; give no directory.")
        if role == "reader" and directory_id is None:
            raise AdminError("A reader key reads one directory; give its id.")
        key = self.runtime.new_api_key()
        record = ApiKeyRecord(
            id=self.runtime.new_id(),
            name=name,
            role="admin" if role == "admin" else "reader",
            directory_id=directory_id,
            key_hash=hash_secret(key),
            created=self.runtime.clock(),
        )
        try:
            with self.storage.transaction() as tx:
                if directory_id is not None and tx.get_directory(directory_id) is None:
                    raise DirectoryNotFound(directory_id)
                tx.insert_api_key(record)
        except UniquenessViolation as exc:  # pragma: no cover - 256 random bits
            raise AdminError("Key generation collided; create the key again.") from exc
        return CreatedApiKey(record, key)

    def list_all(self) -> list[ApiKeyRecord]:
        """Every key, oldest first (hashes stay in the service's callers' hands only)."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.list_api_keys()

    def revoke(self, key_id: str) -> ApiKeyRecord:
        """Revoke a key now (revoking again keeps the first time). :raises ApiKeyNotFound:"""
        with self.storage.transaction() as tx:
            if not tx.revoke_api_key(key_id, self.runtime.clock()):
                raise ApiKeyNotFound(key_id)
            record = tx.get_api_key(key_id)
        assert record is not None
        return record

    def authenticate(self, presented: str) -> AuthenticatedKey | None:
        """The live key whose hash matches ``presented``, else None (unknown or revoked)."""
        digest = hash_secret(presented)
        with transaction(self.storage, readonly=True) as tx:
            record = tx.find_api_key(digest)
        now = self.runtime.clock()
        if record is None or not hmac.compare_digest(digest, record.key_hash):
            return None
        if record.revoked is not None and record.revoked <= now:
            return None
        stale = record.last_used is None or now - record.last_used > _LAST_USED_PRECISION
        return AuthenticatedKey(record, stale)

    def open_directory(self, directory_id: str, presented: str) -> Authenticated | None:
        """The directory a ``reader`` key bound to ``directory_id`` opens for SCIM reads, else
        None (an unknown or revoked key, an admin key, a reader of another directory: to the
        SCIM client the same as a wrong secret). The result is read-only
        (``Authenticated.read_only``); the SCIM adapter refuses its writes. Only reads, so it
        can share a request's read scope.
        """
        auth = self.authenticate(presented)
        if auth is None or auth.is_admin or auth.record.directory_id != directory_id:
            return None
        with transaction(self.storage, readonly=True) as tx:
            record = tx.get_directory(directory_id)
        if record is None:
            return None
        return Authenticated(record, None, stale=False, reader_key=auth.record)

    def mark_used(self, auth: AuthenticatedKey) -> None:
        """Record the key's use, to the minute: one statement that writes ``last_used`` alone."""
        if auth.stale:
            with self.storage.transaction() as tx:
                tx.touch_api_key(auth.record.id, self.runtime.clock())
