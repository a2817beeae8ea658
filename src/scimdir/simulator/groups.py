"""The group part of a cycle: match by displayName, create empty, then members in batches.

Per docs/idp/entra.md §5: groups are matched with
``GET /Groups?excludedAttributes=members&filter=displayName eq "…"``, created with no members
(Microsoft's group schema URN and a client ``meta`` in the body, §5.1), and membership follows by
PATCH, several members per request (§5.5; the batch size is not documented, §11 open question 4,
so it is a parameter). Entra never reads members back (§5.9): what it removes later is computed
from what it added, which :class:`JobState` remembers. Members are referenced by the endpoint's
user ids, so a member whose user was not provisioned is skipped (a "reference failure", §3).
"""

from __future__ import annotations

from collections.abc import Sequence

from scimdir.simulator.client import EntraClient, Reply
from scimdir.simulator.report import Entry, Outcome
from scimdir.simulator.sources import SourceGroup
from scimdir.simulator.state import JobState

__all__ = ["GroupSync"]

GROUP = "Group"


class GroupSync:
    """Provisions source groups and their memberships through an :class:`EntraClient`."""

    def __init__(self, client: EntraClient, state: JobState, batch_size: int = 50) -> None:
        self.client = client
        self.state = state
        self.batch_size = max(1, batch_size)

    def _entry(
        self,
        phase: str,
        group: SourceGroup,
        action: str,
        reply: Reply | None = None,
        *,
        outcome: Outcome | None = None,
        detail: str | None = None,
    ) -> Entry:
        if outcome is None:
            outcome = Outcome.SUCCESS if reply is None or reply.ok else Outcome.FAILURE
        return Entry(
            phase,
            GROUP,
            group.display_name,
            action,
            outcome,
            status=reply.status if reply else None,
            target_id=self.state.group_ids.get(group.key),
            detail=detail if detail is not None else (reply.detail if reply else None),
        )

    def provision(self, group: SourceGroup, phase: str) -> list[Entry]:
        """A group not known to the job yet: match or create it, then add its members."""
        self.state.groups[group.key] = group
        if group.deleted:
            return [
                self._entry(
                    phase,
                    group,
                    "Delete",
                    outcome=Outcome.SKIPPED,
                    detail="Not provisioned: the group is deleted in Entra.",
                )
            ]
        found = self.client.find_group(group.display_name)
        if not found.ok:
            return [self._entry(phase, group, "Match", found)]
        matched = found.resources[0].get("id") if found.resources else None
        if isinstance(matched, str):
            self.state.group_ids[group.key] = matched
            entries = [self._sync_external_id(group, matched, phase)]
        else:
            reply = self.client.create_group(group.display_name, group.object_id)
            body = reply.body if isinstance(reply.body, dict) else {}
            if reply.ok and isinstance(body.get("id"), str):
                self.state.group_ids[group.key] = body["id"]
            entries = [self._entry(phase, group, "Create", reply)]
            if not reply.ok:
                return entries
        self.state.members[group.key] = set()
        return entries + self._add(group, self._wanted(group, phase, entries), phase)

    def _sync_external_id(self, group: SourceGroup, group_id: str, phase: str) -> Entry:
        read = self.client.get_group(group_id)
        if not read.ok or not isinstance(read.body, dict):
            return self._entry(phase, group, "Update", read)
        if not group.object_id or read.body.get("externalId") == group.object_id:
            return self._entry(
                phase,
                group,
                "Update",
                outcome=Outcome.SKIPPED,
                detail="No change: matched an existing group by displayName.",
            )
        ops = [self.client.op("Replace", "externalId", group.object_id)]
        return self._entry(phase, group, "Update", self.client.patch_group(group_id, ops))

    def change(self, group: SourceGroup, phase: str) -> list[Entry]:
        """A group named by a changes file: delete, rename, add and remove members."""
        group_id = self.state.group_ids.get(group.key)
        if group_id is None:
            return self.provision(group, phase)
        previous = self.state.groups.get(group.key)
        self.state.groups[group.key] = group
        if group.deleted:
            reply = self.client.delete_group(group_id)
            entry = self._entry(phase, group, "Delete", reply)
            if reply.ok:
                self.state.group_ids.pop(group.key, None)
                self.state.members.pop(group.key, None)
            return [entry]
        entries: list[Entry] = []
        if previous is not None and previous.display_name != group.display_name:
            ops = [self.client.op("Replace", "displayName", group.display_name)]
            entries.append(
                self._entry(phase, group, "Update", self.client.patch_group(group_id, ops))
            )
        wanted = self._wanted(group, phase, entries)
        with self.state.lock:
            current = set(self.state.members.setdefault(group.key, set()))
        removed = sorted(current - set(wanted))
        entries += self._add(group, [key for key in wanted if key not in current], phase)
        for batch in _batches(removed, self.batch_size):
            ids = [self.state.user_ids[key] for key in batch if key in self.state.user_ids]
            reply = self.client.patch_group(group_id, self.client.remove_members(ids))
            entries.append(self._members_entry(phase, group, "Remove members", reply, batch))
            if reply.ok:
                with self.state.lock:
                    self.state.members[group.key].difference_update(batch)
        return entries

    def _wanted(self, group: SourceGroup, phase: str, entries: list[Entry]) -> list[str]:
        """Member keys that resolve to provisioned users; one Skipped entry for the rest."""
        wanted: list[str] = []
        missing: list[str] = []
        for reference in group.members:
            key = self.state.index.resolve(reference)
            if key is not None and key in self.state.user_ids:
                if key not in wanted:
                    wanted.append(key)
            else:
                missing.append(reference)
        if missing:
            entries.append(
                self._entry(
                    phase,
                    group,
                    "Add members",
                    outcome=Outcome.SKIPPED,
                    detail=f"{len(missing)} member(s) not added, because they are not provisioned"
                    f" to this application (unassigned, or their provisioning failed): "
                    f"{_names(missing)}.",
                )
            )
        return wanted

    def _add(self, group: SourceGroup, keys: list[str], phase: str) -> list[Entry]:
        group_id = self.state.group_ids.get(group.key)
        if group_id is None:
            return []
        entries: list[Entry] = []
        for batch in _batches(keys, self.batch_size):
            ids = [self.state.user_ids[key] for key in batch]
            reply = self.client.patch_group(group_id, [self.client.add_members(ids)])
            entries.append(self._members_entry(phase, group, "Add members", reply, batch))
            if reply.ok:
                with self.state.lock:
                    self.state.members.setdefault(group.key, set()).update(batch)
        return entries

    def _members_entry(
        self, phase: str, group: SourceGroup, action: str, reply: Reply, batch: Sequence[str]
    ) -> Entry:
        detail = None
        if reply.ok:
            detail = f"{len(batch)} member(s): {_names([self.state.label(k) for k in batch])}."
        return self._entry(phase, group, action, reply, detail=detail)


def _batches(keys: Sequence[str], size: int) -> list[Sequence[str]]:
    return [keys[start : start + size] for start in range(0, len(keys), size)]


def _names(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
