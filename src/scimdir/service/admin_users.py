"""The admin's view of a directory's users: list with search, one user with its groups, unlink,
delete. The management API and the CLI both call these.

Unlinking hands a user back to user linking: the account stays (``linked`` false, invisible to
the IdP's SCIM reads), and the IdP's next POST with its userName or externalId links to it again
(``service/users.py``, ``UserService.create``). That only happens with the directory's
``user_linking`` setting on, so unlinking is refused while it is off: otherwise the IdP's next
POST would be a 409 the admin did not ask for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scimdir.service.browsing import check_limit, check_search, decode_cursor, encode_cursor
from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.event_data import user_data
from scimdir.service.ports import (
    DirectoryRecord,
    StaleVersion,
    Storage,
    Transaction,
    UserRecord,
)
from scimdir.service.runtime import Runtime
from scimdir.service.unit_of_work import transaction

__all__ = ["AdminConflict", "AdminUserService", "UserDetail", "UserNotFound", "UserPage"]

_ATTEMPTS = 3


class UserNotFound(LookupError):
    """No user with that id in that directory."""


class AdminConflict(AdminError):
    """The action conflicts with the directory's state; the message says how to resolve it."""


@dataclass(frozen=True)
class UserPage:
    """A page of users and the opaque cursor of the next page (None: the last page)."""

    items: list[UserRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class UserDetail:
    """A user with the groups it is a direct member of, as ``(id, displayName)``."""

    record: UserRecord
    groups: list[tuple[str, str]]


def directory_or_404(tx: Transaction, directory_id: str) -> DirectoryRecord:
    """The directory. :raises DirectoryNotFound:"""
    record = tx.get_directory(directory_id)
    if record is None:
        raise DirectoryNotFound(directory_id)
    return record


class AdminUserService:
    """User administration use cases."""

    def __init__(self, storage: Storage, runtime: Runtime, public_url: str = "") -> None:
        self.storage = storage
        self.runtime = runtime
        self.public_url = public_url  # events carry SCIM documents with their locations

    def _scim_base(self, directory_id: str) -> str:
        return f"{self.public_url}/scim/{directory_id}/v2"

    def browse(
        self,
        directory_id: str,
        *,
        search: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> UserPage:
        """A page of the directory's users, linked or not, by userName; with ``search``, those
        whose userName, displayName or an e-mail starts with it (port rule 8).

        :raises InvalidBrowse: a bad cursor, search or limit. :raises DirectoryNotFound:
        """
        prefix, after, size = check_search(search), decode_cursor(cursor), check_limit(limit)
        with transaction(self.storage, readonly=True) as tx:
            directory_or_404(tx, directory_id)
            page = tx.browse_users(directory_id, prefix, after, size)
        return UserPage(page.items, encode_cursor(page.next))

    def show(self, directory_id: str, user_id: str) -> UserDetail:
        """One user with its groups. :raises DirectoryNotFound: :raises UserNotFound:"""
        with transaction(self.storage, readonly=True) as tx:
            directory_or_404(tx, directory_id)
            record = tx.get_user(directory_id, user_id)
            if record is None:
                raise UserNotFound(user_id)
            return UserDetail(record, tx.groups_of_user(directory_id, user_id))

    def unlink(self, directory_id: str, user_id: str) -> UserDetail:
        """Hand the user back to user linking (idempotent); see the module docstring.

        :raises AdminConflict: the directory's ``user_linking`` is off.
        """
        for attempt in range(_ATTEMPTS):
            try:
                return self._unlink(directory_id, user_id)
            except StaleVersion:
                if attempt == _ATTEMPTS - 1:
                    raise AdminConflict(
                        "The user kept changing while it was being unlinked; try again."
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _unlink(self, directory_id: str, user_id: str) -> UserDetail:
        with self.storage.transaction() as tx:
            directory = directory_or_404(tx, directory_id)
            record = tx.get_user(directory_id, user_id)
            if record is None:
                raise UserNotFound(user_id)
            if record.linked:
                if not DirectorySettings.from_json(directory.settings).user_linking:
                    raise AdminConflict(
                        "The directory's user_linking setting is off, so the identity provider's "
                        "next POST for this user would be refused (409) instead of linking to it. "
                        "Turn user_linking on first (PATCH the directory's settings, or "
                        f"scimdir directory set {directory_id} user_linking true)."
                    )
                now = self.runtime.clock()
                unlinked = replace(
                    record, linked=False, version=record.version + 1, last_modified=now
                )
                tx.update_user(unlinked, record.version)
                data = user_data("user.unlinked", unlinked, self._scim_base(directory_id))
                tx.append_event(directory_id, "user.unlinked", "User", user_id, data, now)
                record = unlinked
            return UserDetail(record, tx.groups_of_user(directory_id, user_id))

    def delete(self, directory_id: str, user_id: str) -> None:
        """Delete the user and its memberships, whatever the directory's deletion setting.

        :raises DirectoryNotFound: :raises UserNotFound:
        """
        with self.storage.transaction() as tx:
            directory_or_404(tx, directory_id)
            record = tx.get_user(directory_id, user_id)
            now = self.runtime.clock()
            if record is None or not tx.delete_user(directory_id, user_id, modified=now):
                raise UserNotFound(user_id)
            data = user_data("user.deleted", record, self._scim_base(directory_id))
            tx.append_event(directory_id, "user.deleted", "User", user_id, data, now)
