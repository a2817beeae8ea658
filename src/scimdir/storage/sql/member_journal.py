"""Which member rows a transaction really added or removed, for one event per member.

``GroupOps.add_members``/``remove_members``/``remove_all_members`` are idempotent (port rule 6)
and answer counts. A change feed must name each member that joined or left, and only those: an
Entra PATCH re-adding a present member changes nothing and must not emit ``group.member_added``.
This mixin wraps the three methods: it reads which of the named members are present before the
write (one indexed query per chunk), lets the wrapped method write, and records the difference in
a per-transaction journal that :meth:`take_member_changes` drains into events.

The count the wrapped method returns proves the journal exact: if a concurrent transaction added
or removed one of the same rows between our read and our write (possible on PostgreSQL when the
group row is not locked), the count disagrees and :class:`~scimdir.service.ports.StaleVersion`
makes the use case run again (``service/versions.py``), so no event is ever invented or lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

from sqlalchemy import select

from scimdir.service.ports import MembershipChange, StaleVersion
from scimdir.storage.sql.base import chunks
from scimdir.storage.sql.group_ops import GroupOps
from scimdir.storage.sql.pg_plans import CUSTOM_PLAN
from scimdir.storage.sql.tables import memberships

__all__ = ["MemberJournal"]

_Kind = Literal["User", "Group"]


class MemberJournal(GroupOps):
    """Membership writes that remember the rows they changed (see the module docstring)."""

    _journal: list[MembershipChange] | None = None

    def _record(self, change: MembershipChange) -> None:
        if self._journal is None:
            self._journal = []
        self._journal.append(change)

    def take_member_changes(self, group_id: str) -> list[MembershipChange]:
        """The journal's changes of ``group_id``, in order; they are forgotten."""
        journal = self._journal or []
        taken = [c for c in journal if c.group_id == group_id]
        self._journal = [c for c in journal if c.group_id != group_id]
        return taken

    def _present(self, directory_id: str, group_id: str, ids: Sequence[str]) -> dict[str, _Kind]:
        m = memberships
        found: dict[str, _Kind] = {}
        for part in chunks(ids):
            rows = self.conn.execute(
                select(m.c.member_id, m.c.member_type).where(
                    m.c.directory_id == directory_id,
                    m.c.group_id == group_id,
                    m.c.member_id.in_(part),
                ),
                execution_options=CUSTOM_PLAN,
            )
            found.update((member, cast(_Kind, kind)) for member, kind in rows)
        return found

    def add_members(
        self, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
    ) -> int:
        """Add members (rule 6) and journal the rows that were new."""
        unique = dict(members)
        present = self._present(directory_id, group_id, list(unique))
        new = [(i, kind) for i, kind in unique.items() if i not in present]
        added = super().add_members(directory_id, group_id, members)
        if added != len(new):
            raise StaleVersion(f"the members of group {group_id} changed concurrently")
        for member_id, kind in new:
            self._record(MembershipChange(group_id, member_id, cast(_Kind, kind), added=True))
        return added

    def remove_members(self, directory_id: str, group_id: str, member_ids: Sequence[str]) -> int:
        """Remove members (rule 6) and journal the rows that were there."""
        present = self._present(directory_id, group_id, list(dict.fromkeys(member_ids)))
        removed = super().remove_members(directory_id, group_id, member_ids)
        self._removed(group_id, present, removed)
        return removed

    def remove_all_members(self, directory_id: str, group_id: str) -> int:
        """Empty the group and journal every member it had."""
        m = memberships
        rows = self.conn.execute(
            select(m.c.member_id, m.c.member_type)
            .where(m.c.directory_id == directory_id, m.c.group_id == group_id)
            .order_by(m.c.member_id),
            execution_options=CUSTOM_PLAN,
        )
        present = {member: cast(_Kind, kind) for member, kind in rows}
        removed = super().remove_all_members(directory_id, group_id)
        self._removed(group_id, present, removed)
        return removed

    def _removed(self, group_id: str, present: dict[str, _Kind], removed: int) -> None:
        if removed != len(present):
            raise StaleVersion(f"the members of group {group_id} changed concurrently")
        for member_id, kind in present.items():
            self._record(MembershipChange(group_id, member_id, kind, added=False))
