"""How many users and groups a directory holds, for the console's at-a-glance views.

An unfiltered SCIM list's ``totalResults`` (RFC 7644 §3.4.2.4) comes from the directory row's
counters (``storage/sql/counters.py``), so asking costs one row read at any directory size. The
counts are of the resources the IdP manages (linked users; local accounts awaiting linking are
not counted).

Active users are the linked users whose ``active`` (RFC 7643 §4.1.1) is not false: a user the
IdP sent without ``active`` counts as active, as the console shows it. They are counted as the
counter minus the linked users with ``active eq false``, an index-only count over the
``(directory_id, active, linked)`` index (migration 0012): its cost grows with the *inactive*
users only (Entra's soft-deleted ones, usually few), so a directory of a million active users
costs one index probe
(docs/console.md, "Counts").
"""

from __future__ import annotations

from dataclasses import dataclass

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import USER_TYPE
from scimdir.service.directories import DirectoryNotFound
from scimdir.service.ports import SearchQuery, Storage
from scimdir.service.unit_of_work import transaction

__all__ = ["Counts", "DirectoryCounts"]

_COUNT_ONLY = SearchQuery(count=0)
_INACTIVE_ONLY = SearchQuery(filter=parse_filter(USER_TYPE, "active eq false"), count=0)


@dataclass(frozen=True)
class Counts:
    """A directory's (linked) users, how many of them are active, and its groups."""

    users: int
    groups: int
    active_users: int


class DirectoryCounts:
    """Counts of one directory."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def of(self, directory_id: str) -> Counts:
        """The directory's counts. :raises DirectoryNotFound:"""
        with transaction(self.storage, readonly=True) as tx:
            if tx.get_directory(directory_id) is None:
                raise DirectoryNotFound(directory_id)
            users = tx.search_users(directory_id, _COUNT_ONLY).total
            inactive = tx.search_users(directory_id, _INACTIVE_ONLY).total
            groups = tx.search_groups(directory_id, _COUNT_ONLY).total
        return Counts(users, groups, users - inactive)
