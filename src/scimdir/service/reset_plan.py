"""What resetting a directory would remove, counted before the admin confirms it.

``DirectoryService.reset`` deletes the directory's groups (with their memberships) and the users
the IdP provisioned, or with ``unlink_users`` keeps those users as unlinked local accounts that
the IdP can adopt again when user linking is on. The console's confirmation page states these
numbers, so an admin knows exactly what the typed confirmation will do.

Users and groups come from the directory's counters (one row read at any size). Memberships are
counted group by group, which is cheap for the directories a person resets by hand; beyond
:data:`MAX_COUNTED_GROUPS` groups the count is not taken (``memberships`` is None) and the page
says "every membership of these groups" instead of a number.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimdir.service.directories import DirectoryNotFound
from scimdir.service.directory_counts import DirectoryCounts
from scimdir.service.ports import BrowseCursor, Storage
from scimdir.service.unit_of_work import transaction

__all__ = ["MAX_COUNTED_GROUPS", "ResetPlan", "ResetPlanner"]

MAX_COUNTED_GROUPS = 2000
_BATCH = 500


@dataclass(frozen=True)
class ResetPlan:
    """The users, groups and group memberships a reset would remove (None: not counted)."""

    users: int
    groups: int
    memberships: int | None


class ResetPlanner:
    """Counts what a reset of one directory would remove."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.counts = DirectoryCounts(storage)

    def plan(self, directory_id: str) -> ResetPlan:
        """The directory's reset plan. :raises DirectoryNotFound:"""
        counts = self.counts.of(directory_id)
        if counts.groups > MAX_COUNTED_GROUPS:
            return ResetPlan(counts.users, counts.groups, None)
        memberships = 0
        with transaction(self.storage, readonly=True) as tx:
            if tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            after: BrowseCursor | None = None
            while True:
                page = tx.browse_groups(directory_id, None, after, _BATCH)
                for group in page.items:
                    memberships += tx.count_members(directory_id, group.id)
                if page.next is None:
                    break
                after = page.next
        return ResetPlan(counts.users, counts.groups, memberships)
