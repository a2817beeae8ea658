"""Applying a request's membership changes to a group, as row diffs (port rule 6).

Members must exist in the same directory: an unknown id is refused with 400 ``invalidValue``
naming it, and nothing of the request is applied (atomicity over skipping, so the IdP's log shows
the problem). The database's foreign key from memberships to users takes a shared lock on each
user a new row names and refuses one that vanished after the check, and the check locks member
groups the same way, so a concurrent DELETE can never leave a membership behind: either the
DELETE waits for this request and removes the new row with the member, or this request answers
the same 400.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scimdir.scim.errors import SCIMException, invalid_value, shorten
from scimdir.scim.patch import MemberChange
from scimdir.service.ports import Transaction, UnknownMember

__all__ = ["apply_member_changes", "unknown_members"]


def unknown_members(ids: Sequence[str]) -> SCIMException:
    """400 ``invalidValue`` naming (the first ten of) the member ids that do not exist."""
    shown = ", ".join(shorten(i) for i in ids[:10]) + (" ..." if len(ids) > 10 else "")
    return invalid_value(
        f"Member id(s) {shown} do not exist in this directory. Members must be users or groups "
        "provisioned to this directory first; nothing of this request was applied."
    )


def _check(
    tx: Transaction, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Resolve each member's type from what exists in the directory; refuse unknown ids."""
    ids = list(dict.fromkeys(value for value, _ in members))
    if not ids:
        return []
    users = tx.existing_user_ids(directory_id, ids)
    rest = [i for i in ids if i not in users]
    groups = tx.existing_group_ids(directory_id, rest) if rest else set()
    unknown = [i for i in rest if i not in groups]
    if unknown:
        raise unknown_members(unknown)
    if group_id in groups:
        raise invalid_value("A group cannot be a member of itself.")
    return [(i, "User" if i in users else "Group") for i in ids]


def _add(
    tx: Transaction, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
) -> int:
    try:
        return tx.add_members(directory_id, group_id, members)
    except UnknownMember as exc:  # deleted after the check: the foreign key refused it
        raise unknown_members([m for m, kind in members if kind == "User"]) from exc


def _add_checked(
    tx: Transaction, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
) -> int:
    """Add ``members``: the users among them in the same statement as their check
    (:meth:`Transaction.add_user_members`), then the rest as groups; unknown ids are refused
    as by :func:`_check` (the unit of work rolls back the users' rows with the request)."""
    ids = list(dict.fromkeys(value for value, _ in members))
    if not ids:
        return 0
    try:
        added, rest = tx.add_user_members(directory_id, group_id, ids)
    except UnknownMember as exc:  # deleted after the check: the foreign key refused it
        raise unknown_members(ids) from exc
    if not rest:
        return added
    groups = tx.existing_group_ids(directory_id, rest)
    unknown = [i for i in rest if i not in groups]
    if unknown:
        raise unknown_members(unknown)
    if group_id in groups:
        raise invalid_value("A group cannot be a member of itself.")
    return added + _add(tx, directory_id, group_id, [(i, "Group") for i in rest])


def apply_member_changes(
    tx: Transaction, directory_id: str, group_id: str, changes: Iterable[MemberChange]
) -> tuple[int, int]:
    """Apply ``changes`` in order; returns ``(added, removed)`` row counts."""
    added = removed = 0
    for change in changes:
        if change.kind == "add":
            added += _add_checked(tx, directory_id, group_id, change.members)
        elif change.kind == "remove":
            ids = [value for value, _ in change.members]
            removed += tx.remove_members(directory_id, group_id, ids)
        elif change.kind == "remove_all":
            removed += tx.remove_all_members(directory_id, group_id)
        else:  # replace: a set replacement done as row diffs, never a rewrite
            checked = _check(tx, directory_id, group_id, change.members)
            wanted = {value for value, _ in checked}
            current = tx.member_ids(directory_id, group_id)
            gone = sorted(current - wanted)
            removed += tx.remove_members(directory_id, group_id, gone) if gone else 0
            new = [m for m in checked if m[0] not in current]
            added += _add(tx, directory_id, group_id, new) if new else 0
    return added, removed
