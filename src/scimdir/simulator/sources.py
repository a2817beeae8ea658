"""The Entra side of a simulation: source users, groups and the incremental changes.

Users come from the same files as ``scimdir mapping preview`` (a JSON list or Entra's user-export
CSV, read by :func:`scimdir.mapping.preview.load_users`), with ``IsSoftDeleted`` computed as the
preview does. Each user is known by its ``objectId`` (Entra's immutable id), else by its
userPrincipalName, so a changes file can rename a user. ``"hardDeleted": true`` marks a user
purged from Entra's recycle bin, which Entra answers with DELETE (docs/idp/entra.md §3
"Deprovisioning"); ``"assigned": false``, ``"accountEnabled": false`` or ``"deleted": true`` make it
soft-deleted, answered with ``active`` false.

A groups file is a JSON list of ``{"displayName", "objectId", "members": [objectId or UPN, …]}``
(``"deleted": true`` in a changes file deletes the group). A changes file is either a users file,
or a JSON object ``{"users": [...], "groups": [...]}`` giving the new state of the objects it
names; objects it does not name are unchanged (an incremental cycle only sees the delta).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scimdir.mapping.preview import load_users, with_computed_attributes

__all__ = [
    "Changes",
    "MemberIndex",
    "SourceGroup",
    "SourceUser",
    "load_changes",
    "load_groups",
    "source_users",
]


@dataclass(frozen=True)
class SourceUser:
    """One Entra user in scope: its identity, a label for the report, and its attributes."""

    key: str
    label: str
    attributes: dict[str, Any]
    hard_deleted: bool = False

    @property
    def soft_deleted(self) -> bool:
        """Entra's ``IsSoftDeleted``: unassigned, blocked or in the recycle bin."""
        return self.attributes.get("IsSoftDeleted") is True


@dataclass(frozen=True)
class SourceGroup:
    """One Entra group: name, objectId (sent as externalId) and member references."""

    key: str
    display_name: str
    object_id: str | None
    members: tuple[str, ...]
    deleted: bool = False


@dataclass(frozen=True)
class Changes:
    """The new state of the users and groups an incremental cycle sees."""

    users: list[SourceUser]
    groups: list[SourceGroup]


def _user_key(user: Mapping[str, Any], index: int) -> str:
    object_id = user.get("objectId")
    if isinstance(object_id, str) and object_id:
        return object_id
    upn = user.get("userPrincipalName")
    if isinstance(upn, str) and upn:
        return upn.casefold()
    return f"#{index + 1}"


def source_users(raw: Iterable[Mapping[str, Any]]) -> list[SourceUser]:
    """Source users with their identity and computed ``IsSoftDeleted``."""
    users: list[SourceUser] = []
    for index, user in enumerate(raw):
        attributes = with_computed_attributes(user)
        label = attributes.get("userPrincipalName") or attributes.get("displayName")
        users.append(
            SourceUser(
                key=_user_key(attributes, index),
                label=str(label or f"user #{index + 1}"),
                attributes=attributes,
                hard_deleted=attributes.get("hardDeleted") is True,
            )
        )
    return users


class MemberIndex:
    """Resolves a group's member reference (objectId or UPN) to a source user's key."""

    def __init__(self, users: Iterable[SourceUser]) -> None:
        self._keys: dict[str, str] = {}
        for user in users:
            self.add(user)

    def add(self, user: SourceUser) -> None:
        """Index ``user`` by its key, objectId and UPN."""
        self._keys[user.key] = user.key
        for name in ("objectId", "userPrincipalName"):
            value = user.attributes.get(name)
            if isinstance(value, str) and value:
                self._keys[value.casefold()] = user.key
                self._keys[value] = user.key

    def resolve(self, reference: str) -> str | None:
        """The key of the referenced user, or None when no source user matches."""
        return self._keys.get(reference) or self._keys.get(reference.casefold())


def _group(index: int, item: Any, where: str) -> SourceGroup:
    label = f"{where}: group #{index + 1}"
    if not isinstance(item, Mapping) or not isinstance(item.get("displayName"), str):
        raise ValueError(f"{label} needs a string 'displayName'")
    members = item.get("members", [])
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise ValueError(f"{label} ({item['displayName']}): 'members' must be a list of strings")
    object_id = item.get("objectId")
    if object_id is not None and not isinstance(object_id, str):
        raise ValueError(f"{label} ({item['displayName']}): 'objectId' must be a string")
    return SourceGroup(
        key=object_id or item["displayName"].casefold(),
        display_name=item["displayName"],
        object_id=object_id,
        members=tuple(members),
        deleted=item.get("deleted") is True,
    )


def _groups(data: Any, where: str) -> list[SourceGroup]:
    if not isinstance(data, list):
        raise ValueError(f"{where} must hold a JSON list of groups")
    return [_group(index, item, where) for index, item in enumerate(data)]


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8-sig"))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None


def load_groups(path: Path) -> list[SourceGroup]:
    """Read a groups file. :raises ValueError: naming the file and the faulty group."""
    return _groups(_json(path), str(path))


def load_changes(path: Path) -> Changes:
    """Read a changes file: a users file, or ``{"users": [...], "groups": [...]}``."""
    if path.suffix.lower() != ".csv":
        data = _json(path)
        if isinstance(data, Mapping):
            users = data.get("users", [])
            if not isinstance(users, list) or not all(isinstance(u, Mapping) for u in users):
                raise ValueError(f"{path}: 'users' must be a list of user objects")
            return Changes(source_users(users), _groups(data.get("groups", []), str(path)))
    return Changes(source_users(load_users(path)), [])
