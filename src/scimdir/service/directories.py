"""Directory administration: create, list, settings, secrets (rotation with overlap), reset,
authentication of SCIM requests, local accounts (for user linking), and the provisioning log.

The web console, the CLI and the SCIM API all go through this one service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from scimdir.service.admin_log import admin_entry, settings_entry
from scimdir.service.auth_diagnosis import AuthDiagnosis, diagnose
from scimdir.service.directory_settings import (
    IDPS,
    DirectorySettings,
    SettingError,
    preset,
)
from scimdir.service.directory_settings import (
    canonical_key as _canonical_key,
)
from scimdir.service.last_use import LastUseRecorder
from scimdir.service.ports import (
    ApiKeyRecord,
    DirectoryRecord,
    LogRecord,
    LookupHint,
    ReadAhead,
    SecretRecord,
    Storage,
    UniquenessViolation,
    UserHint,
    UserRecord,
)
from scimdir.service.runtime import Runtime
from scimdir.service.secrets import hash_secret, is_live
from scimdir.service.unit_of_work import transaction

_LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class Authenticated:
    """A request's directory and the secret that opened it (``stale``: last use not recorded).

    ``reader_key`` is set instead of ``secret`` when a ``reader`` API key opened it (read-only
    access for an application, ``ApiKeyService.open_directory``).
    """

    directory: DirectoryRecord
    secret: SecretRecord | None
    stale: bool
    reader_key: ApiKeyRecord | None = None
    read_ahead: ReadAhead | None = None
    """The user the request names, read by the authentication's statement (a ``UserHint``),
    for the use case's unit of work to adopt (:meth:`Transaction.adopt_read_ahead`)."""

    @property
    def read_only(self) -> bool:
        """Whether the credential may only read (a reader API key)."""
        return self.reader_key is not None


class DirectoryNotFound(LookupError):
    """No directory with that id."""


class AdminError(ValueError):
    """An administrative request that cannot be carried out; the message says why and what to do."""


class SettingRefused(AdminError):
    """A setting key or value a directory cannot take; ``key`` names the setting."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class SecretStatus:
    """What an admin may know of a secret: never its hash. ``live``: it opens the directory now."""

    id: str
    created: datetime
    last_used: datetime | None
    expires: datetime | None
    revoked: datetime | None
    live: bool


@dataclass(frozen=True)
class Rotation:
    """A new secret (shown this once) and when the secrets issued before it stop working."""

    secret: str
    previous_stop: datetime


@dataclass(frozen=True)
class CreatedDirectory:
    """A new directory and its secret, which is shown this once and never stored in clear."""

    directory: DirectoryRecord
    secret: str


class DirectoryService:
    """Administration use cases."""

    def __init__(
        self, storage: Storage, runtime: Runtime, last_use: LastUseRecorder | None = None
    ) -> None:
        self.storage = storage
        self.runtime = runtime
        self.last_use = last_use or LastUseRecorder(storage)

    def _get(self, directory_id: str) -> DirectoryRecord:
        with transaction(self.storage, readonly=True) as tx:
            record = tx.get_directory(directory_id)
        if record is None:
            raise DirectoryNotFound(directory_id)
        return record

    def create(self, name: str, idp: str = "entra") -> CreatedDirectory:
        """Create a directory with the IdP preset's settings and its first secret."""
        if not name.strip():
            raise AdminError("A directory needs a name.")
        try:
            settings = preset(idp)
        except SettingError as exc:
            raise AdminError(str(exc)) from exc
        now = self.runtime.clock()
        record = DirectoryRecord(
            id=self.runtime.new_tenant_id(),
            name=name.strip(),
            idp=idp,
            settings=settings.to_json(),
            created=now,
            updated=now,
        )
        secret = self.runtime.new_secret()
        with self.storage.transaction() as tx:
            tx.insert_directory(record)
            tx.insert_secret(self._secret_record(record.id, secret))
        return CreatedDirectory(record, secret)

    def _secret_record(self, directory_id: str, secret: str) -> SecretRecord:
        return SecretRecord(
            id=self.runtime.new_id(),
            directory_id=directory_id,
            secret_hash=hash_secret(secret),
            created=self.runtime.clock(),
        )

    def list_all(self) -> list[DirectoryRecord]:
        """Every directory, oldest first."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.list_directories()

    def get(self, directory_id: str) -> DirectoryRecord:
        """One directory. :raises DirectoryNotFound:"""
        return self._get(directory_id)

    def settings(self, directory_id: str) -> DirectorySettings:
        """The typed settings of a directory."""
        return DirectorySettings.from_json(self._get(directory_id).settings)

    def delete(self, directory_id: str) -> None:
        """Delete a directory with everything in it."""
        with self.storage.transaction() as tx:
            if tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            tx.delete_directory(directory_id)

    def rename(self, directory_id: str, name: str) -> DirectoryRecord:
        """Change the display name of a directory."""
        if not name.strip():
            raise AdminError("A directory needs a name.")
        with self.storage.transaction() as tx:
            record = tx.get_directory(directory_id)
            if record is None:
                raise DirectoryNotFound(directory_id)
            record = replace(record, name=name.strip(), updated=self.runtime.clock())
            tx.update_directory(record)
            return record

    def set_setting(self, directory_id: str, key: str, value: Any) -> DirectorySettings:
        """Change one advanced setting. :raises AdminError: unknown key or value."""
        with self.storage.transaction() as tx:
            record = tx.get_directory(directory_id)
            if record is None:
                raise DirectoryNotFound(directory_id)
            try:
                settings = DirectorySettings.stored_with(record.settings, key, value)
            except SettingError as exc:
                raise AdminError(str(exc)) from exc
            tx.update_directory(
                replace(record, settings=settings.to_json(), updated=self.runtime.clock())
            )
            tx.append_log(settings_entry(record, settings, self.runtime.clock()))
            return settings

    def update(
        self,
        directory_id: str,
        *,
        name: str | None = None,
        idp: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> DirectoryRecord:
        """Change the name, the IdP preset and settings of a directory, all or nothing.

        Each setting goes through :meth:`DirectorySettings.with_value`, as ``set_setting`` does.

        :raises SettingRefused: a setting key or value, naming the setting.
        :raises AdminError: an empty name or an unknown IdP. :raises DirectoryNotFound:
        """
        if name is not None and not name.strip():
            raise AdminError("A directory needs a name.")
        if idp is not None and idp not in IDPS:
            raise AdminError(
                f"Unknown identity provider {idp[:40]!r}; choose one of {', '.join(IDPS)}."
            )
        with self.storage.transaction() as tx:
            record = tx.get_directory(directory_id)
            if record is None:
                raise DirectoryNotFound(directory_id)
            changes = dict(settings or {})
            # The keys being set are not parsed from the stored JSON, so a PATCH can repair a
            # stored value this release refuses (as ``set_setting`` can).
            changed = {_canonical_key(key) for key in changes}
            kept = {k: v for k, v in record.settings.items() if _canonical_key(k) not in changed}
            try:
                typed = DirectorySettings.from_json(kept)
            except SettingError as exc:
                repair = "Set that setting in the same request to repair it."
                raise AdminError(f"{exc} {repair}") from exc
            for key, value in changes.items():
                try:
                    typed = typed.with_value(key, value)
                except SettingError as exc:
                    raise SettingRefused(key, str(exc)) from exc
            before = record
            now = self.runtime.clock()
            record = replace(
                record,
                name=record.name if name is None else name.strip(),
                idp=record.idp if idp is None else idp,
                settings=typed.to_json(),
                updated=now,
            )
            tx.update_directory(record)
            if record.name != before.name:
                effect = f"renamed {before.name!r} to {record.name!r}"
                tx.append_log(admin_entry(directory_id, "rename", effect, now))
            if record.idp != before.idp:
                effect = f"changed the identity provider from {before.idp} to {record.idp}"
                tx.append_log(admin_entry(directory_id, "idp", effect, now))
            if settings:
                tx.append_log(settings_entry(before, typed, now))
            return record

    def secrets(self, directory_id: str) -> list[SecretStatus]:
        """Every secret of the directory, oldest first, without hashes. :raises
        DirectoryNotFound:"""
        now = self.runtime.clock()
        with transaction(self.storage, readonly=True) as tx:
            if tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            records = tx.list_secrets(directory_id)
        return [
            SecretStatus(s.id, s.created, s.last_used, s.expires, s.revoked, is_live(s, now))
            for s in records
        ]

    def rotate_secret(self, directory_id: str, keep_old_for: timedelta | None = None) -> str:
        """Issue a new secret. Old secrets stop working now, or after ``keep_old_for`` so the IdP
        can be updated without a gap in provisioning. Returns the new secret (shown once)."""
        return self.rotate(directory_id, keep_old_for).secret

    def rotate(self, directory_id: str, keep_old_for: timedelta | None = None) -> Rotation:
        """:meth:`rotate_secret`, answering also when the previous secrets stop working."""
        now = self.runtime.clock()
        secret = self.runtime.new_secret()
        with self.storage.transaction() as tx:
            if tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            for old in tx.list_secrets(directory_id):
                if not is_live(old, now):
                    continue
                if keep_old_for:
                    end = now + keep_old_for
                    if old.expires is None or old.expires > end:
                        tx.update_secret(replace(old, expires=end))
                else:
                    tx.update_secret(replace(old, revoked=now))
            tx.insert_secret(self._secret_record(directory_id, secret))
            fate = f"kept working for {keep_old_for}" if keep_old_for else "revoked now"
            effect = f"issued a new secret; the old ones are {fate}"
            tx.append_log(admin_entry(directory_id, "rotate-secret", effect, now))
        return Rotation(secret, now + (keep_old_for or timedelta(0)))

    def live_secrets(self, directory_id: str) -> list[SecretRecord]:
        """Secrets that open the directory now (metadata only; hashes never leave the service)."""
        now = self.runtime.clock()
        with transaction(self.storage, readonly=True) as tx:
            return [s for s in tx.list_secrets(directory_id) if is_live(s, now)]

    def authenticate(
        self,
        directory_id: str,
        presented: str,
        *,
        prefetch: LookupHint | UserHint | None = None,
    ) -> Authenticated | None:
        """The directory when ``presented`` is one of its live secrets, else None.

        One statement (:meth:`~scimdir.service.ports.Transaction.authenticate`) returns the
        directory and the live secret whose hash is the presented secret's, or no row: nothing
        is cached, so a secret revoked or rotated out in any process is refused by every
        process on its very next request. A wrong secret and an unknown tenant look the same to
        the caller (401 either way) and cost the same: one hash and one index probe that finds
        no row. The stored hashes never leave the database on this path; comparing digests of
        256-bit random secrets in SQL tells a caller nothing about a secret it does not hold.
        Only reads, so it can share a request's read scope; call :meth:`mark_used` afterwards.

        ``prefetch``: the lookup the request is about to run, passed to the storage, which may
        read it in the same statement for the search of the same read scope (an identity
        provider's matching query then costs one statement; see
        :meth:`~scimdir.service.ports.Transaction.authenticate`). It changes nothing of the
        answer here, nor of the search's. A :class:`UserHint`'s user, when the directory has
        it, comes back as ``read_ahead`` for the request's unit of work to adopt.
        """
        now = self.runtime.clock()
        # No snapshot: one statement reads the latest committed state (and no BEGIN/COMMIT on
        # PostgreSQL).
        with transaction(self.storage, readonly=True, snapshot=False) as tx:
            found = tx.authenticate(directory_id, hash_secret(presented), now, prefetch)
            ahead = tx.take_read_ahead() if isinstance(prefetch, UserHint) else None
        if found is None:
            return None
        record, secret = found
        stale = secret.last_used is None or now - secret.last_used > _LAST_USED_PRECISION
        return Authenticated(record, secret, stale, read_ahead=ahead)

    def diagnose_auth_failure(self, tenant: str, presented: str | None) -> AuthDiagnosis:
        """Why ``presented`` did not open ``tenant`` (for the provisioning log only; the client
        gets the same 401 whatever the reason). Called on the failure path alone."""
        with transaction(self.storage, readonly=True) as tx:
            record = tx.get_directory(tenant)
            secrets = tx.list_secrets(tenant) if record is not None else []
        return diagnose(record, secrets, presented, self.runtime.clock())

    def mark_used(self, auth: Authenticated) -> None:
        """Note when a secret was used, to the minute; never touches the database here.

        The time is written later, in a batch, by :class:`LastUseRecorder` (started with the
        server), so a read never takes the write lock.
        """
        if auth.stale and auth.secret is not None:
            self.last_use.record(auth.secret.id, self.runtime.clock())

    def flush_last_use(self) -> int:
        """Write the noted uses now (the recorder's thread does this every few seconds)."""
        return self.last_use.flush()

    def reset(self, directory_id: str, *, unlink_users: bool = False) -> tuple[int, int]:
        """Remove the directory's provisioned groups and users so the IdP's next cycle rebuilds
        it; with ``unlink_users`` keep the users as unlinked accounts for user linking.
        Returns (users, groups) affected."""
        with self.storage.transaction() as tx:
            if tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            groups, users = tx.delete_provisioned(directory_id, unlink_users=unlink_users)
            tx.append_event(
                directory_id,
                "directory.reset",
                "Directory",
                directory_id,
                {"id": directory_id, "users": users, "groups": groups, "unlinked": unlink_users},
                self.runtime.clock(),
            )
            verb = "unlinked" if unlink_users else "removed"
            effect = f"reset: {users} users {verb}, {groups} groups removed"
            tx.append_log(admin_entry(directory_id, "reset", effect, self.runtime.clock()))
            return users, groups

    def create_local_user(
        self, directory_id: str, user_name: str, display_name: str | None, email: str | None
    ) -> UserRecord:
        """A manually created account the IdP does not manage yet (it links on creation when the
        directory has ``user_linking``)."""
        if not user_name.strip():
            raise AdminError("A user needs a userName.")
        document: dict[str, Any] = {"userName": user_name.strip(), "active": True}
        if display_name:
            document["displayName"] = display_name
        if email:
            document["emails"] = [{"value": email, "type": "work", "primary": True}]
        now = self.runtime.clock()
        record = UserRecord(
            id=self.runtime.new_id(),
            directory_id=directory_id,
            user_name=user_name.strip(),
            document=document,
            version=1,
            created=now,
            last_modified=now,
            source="local",
            linked=False,
        )
        try:
            with self.storage.transaction() as tx:
                if tx.get_directory(directory_id) is None:
                    raise DirectoryNotFound(directory_id)
                tx.insert_user(record)
        except UniquenessViolation as exc:
            raise AdminError(f"A user with userName {user_name!r} already exists.") from exc
        return record

    def log(
        self, directory_id: str, *, limit: int = 100, failures_only: bool = False
    ) -> list[LogRecord]:
        """The provisioning log, newest first."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.list_log(directory_id, limit=limit, failures_only=failures_only)


__all__ = [
    "AdminError",
    "Authenticated",
    "CreatedDirectory",
    "DirectoryNotFound",
    "DirectoryService",
    "Rotation",
    "SecretStatus",
    "SettingRefused",
]
