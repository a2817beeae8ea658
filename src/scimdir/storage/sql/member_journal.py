"""Which member rows a transaction really added or removed, for one event per member.

``GroupOps.add_members``/``remove_members``/``remove_all_members`` are idempotent (port rule 6)
and answer counts. A change feed must name each member that joined or left, and only those: an
Entra PATCH re-adding a present member changes nothing and must not emit ``group.member_added``.
This mixin wraps the three methods and records, in a per-transaction journal that
:meth:`take_member_changes` drains into events, the rows the write statement itself reports
(``INSERT ... ON CONFLICT DO NOTHING RETURNING`` / ``DELETE ... RETURNING``, ``group_ops.py``).

The journal is exact by construction: a row is journalled only if this transaction's statement
inserted or deleted it, so even a writer that changes the same rows without holding the group
row cannot make an event be invented or lost: each row's change is journalled by the one
transaction that made it. No read precedes the write (an earlier version read the named rows
first and compared counts), so a member PATCH costs no statement or round trip beyond the write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

from scimdir.service.ports import MembershipChange
from scimdir.storage.sql.group_ops import GroupOps

__all__ = ["MemberJournal"]

_Kind = Literal["User", "Group"]


class MemberJournal(GroupOps):
    """Membership writes that remember the rows they changed (see the module docstring)."""

    _journal: list[MembershipChange] | None = None

    def _record(self, group_id: str, rows: list[tuple[str, str]], *, added: bool) -> int:
        if rows:
            journal = self._journal if self._journal is not None else []
            journal.extend(MembershipChange(group_id, m, cast(_Kind, k), added) for m, k in rows)
            self._journal = journal
        return len(rows)

    def take_member_changes(self, group_id: str) -> list[MembershipChange]:
        """The journal's changes of ``group_id``, in order; they are forgotten."""
        journal = self._journal or []
        taken = [c for c in journal if c.group_id == group_id]
        self._journal = [c for c in journal if c.group_id != group_id]
        return taken

    def add_members(
        self, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
    ) -> int:
        """Add members (rule 6) and journal the rows that were new."""
        inserted = self._insert_members(directory_id, group_id, members)
        return self._record(group_id, inserted, added=True)

    def add_user_members(
        self, directory_id: str, group_id: str, ids: Sequence[str]
    ) -> tuple[int, list[str]]:
        """Add the users among ``ids`` (rule 6), journal the rows that were new, and name the
        ids that are not users."""
        inserted, others = self._insert_user_members(directory_id, group_id, ids)
        return self._record(group_id, inserted, added=True), others

    def remove_members(self, directory_id: str, group_id: str, member_ids: Sequence[str]) -> int:
        """Remove members (rule 6) and journal the rows that were there."""
        deleted = self._delete_members(directory_id, group_id, member_ids)
        return self._record(group_id, deleted, added=False)

    def remove_all_members(self, directory_id: str, group_id: str) -> int:
        """Empty the group and journal every member it had (by member id)."""
        deleted = self._delete_all_members(directory_id, group_id)
        return self._record(group_id, deleted, added=False)
