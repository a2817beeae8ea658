"""The admin's view of a directory's groups: list with search, one group with its member count
and a first page of members. The management API and the CLI both call these."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from scimdir.service.admin_users import directory_or_404
from scimdir.service.browsing import check_limit, check_search, decode_cursor, encode_cursor
from scimdir.service.ports import GroupRecord, MemberRecord, Storage
from scimdir.service.unit_of_work import transaction

__all__ = ["AdminGroupService", "GroupDetail", "GroupNotFound", "GroupPage"]

MEMBERS_SHOWN = 100


class GroupNotFound(LookupError):
    """No group with that id in that directory."""


@dataclass(frozen=True)
class GroupPage:
    """A page of groups and the opaque cursor of the next page (None: the last page)."""

    items: list[GroupRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class GroupDetail:
    """A group, how many members it has, and its first members (by member id)."""

    record: GroupRecord
    member_count: int
    members: list[MemberRecord]


class AdminGroupService:
    """Group administration use cases."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def browse(
        self,
        directory_id: str,
        *,
        search: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> GroupPage:
        """A page of the directory's groups by displayName; with ``search``, those whose
        displayName starts with it (port rule 8).

        :raises InvalidBrowse: a bad cursor, search or limit. :raises DirectoryNotFound:
        """
        prefix, after, size = check_search(search), decode_cursor(cursor), check_limit(limit)
        with transaction(self.storage, readonly=True) as tx:
            directory_or_404(tx, directory_id)
            page = tx.browse_groups(directory_id, prefix, after, size)
        return GroupPage(page.items, encode_cursor(page.next))

    def show(self, directory_id: str, group_id: str, members: int = MEMBERS_SHOWN) -> GroupDetail:
        """One group with its member count and first ``members`` members.

        :raises DirectoryNotFound: :raises GroupNotFound:
        """
        with transaction(self.storage, readonly=True) as tx:
            directory_or_404(tx, directory_id)
            record = tx.get_group(directory_id, group_id)
            if record is None:
                raise GroupNotFound(group_id)
            first = list(islice(tx.iter_members(directory_id, group_id, batch=members), members))
            return GroupDetail(record, tx.count_members(directory_id, group_id), first)
