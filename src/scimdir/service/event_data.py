"""What each change event carries: its type and ``data`` (docs/events.md).

``data`` is the resource's SCIM document as it is after the change (RFC 7643 §4.1 User, §4.2
Group, rendered like a GET with the request's base URL), or ``{"id": ...}`` when the resource was
deleted. Two attributes are left out on purpose: a user's ``groups`` and a group's ``members``.
Membership has its own events, one per member (``group.member_added``/``group.member_removed``),
so an event stays small whatever the size of the group, and a consumer keeps its membership table
from those alone.
"""

from __future__ import annotations

from typing import Any, Final

from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA
from scimdir.service.ports import GroupRecord, MembershipChange, UserRecord
from scimdir.service.render import render_group, render_user

__all__ = [
    "EVENT_TYPES",
    "changed_attributes",
    "group_data",
    "member_data",
    "member_event_type",
    "user_data",
]

EVENT_TYPES: Final = (
    "user.created",
    "user.updated",
    "user.deactivated",
    "user.reactivated",
    "user.deleted",
    "user.linked",
    "user.unlinked",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.member_added",
    "group.member_removed",
    "directory.reset",
)


def user_data(kind: str, record: UserRecord, base_url: str) -> dict[str, Any]:
    """The ``data`` of a ``user.*`` event: the User after the change, or its id once deleted."""
    if kind == "user.deleted":
        return {"id": record.id}
    return render_user(record, base_url)


def group_data(group_id: str, record: GroupRecord | None, base_url: str) -> dict[str, Any]:
    """The ``data`` of a ``group.*`` event: the Group after the change, or its id once deleted."""
    if record is None:
        return {"id": group_id}
    return render_group(record, base_url)


def member_event_type(change: MembershipChange) -> str:
    """``group.member_added`` or ``group.member_removed``."""
    return "group.member_added" if change.added else "group.member_removed"


def member_data(
    change: MembershipChange, group: GroupRecord | None, base_url: str
) -> dict[str, Any]:
    """The ``data`` of a membership event: the group (id, displayName) and the member, as an
    entry of the group's ``members`` (RFC 7643 §4.2: value, type, $ref)."""
    endpoint = "Users" if change.member_type == "User" else "Groups"
    group_part: dict[str, Any] = {"id": change.group_id}
    if group is not None:
        group_part["displayName"] = group.display_name
    return {
        "group": group_part,
        "member": {
            "value": change.member_id,
            "type": change.member_type,
            "$ref": f"{base_url}/{endpoint}/{change.member_id}",
        },
    }


def changed_attributes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the attributes that differ between two stored documents, sorted: top-level
    attribute names, and ``<extension URN>:<attribute>`` inside the enterprise extension
    (RFC 7644 §3.10 attribute notation)."""
    names: set[str] = set()
    for key in before.keys() | after.keys():
        if before.get(key) == after.get(key):
            continue
        old, new = before.get(key), after.get(key)
        if (
            key == ENTERPRISE_USER_SCHEMA
            and isinstance(old or {}, dict)
            and isinstance(new or {}, dict)
        ):
            olds, news = old or {}, new or {}
            names.update(
                f"{key}:{sub}"
                for sub in olds.keys() | news.keys()
                if olds.get(sub) != news.get(sub)
            )
        else:
            names.add(key)
    return sorted(names)
