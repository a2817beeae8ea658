"""Records to SCIM JSON (RFC 7643 §3.1 common attributes, §4 resources, RFC 7644 §3.4.2 lists).

Served straight from the stored document: no pydantic round trip on reads (docs/architecture.md,
rule 4).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from scimdir.scim.extensions import extension_urns
from scimdir.scim.schema import (
    ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA,
    LIST_RESPONSE_SCHEMA,
    USER_SCHEMA,
)
from scimdir.service.ports import GroupRecord, MemberRecord, UserRecord


def _extension_schemas(document: dict[str, Any]) -> list[str]:
    """The URNs of the declared (or kept undeclared) extension objects the document holds."""
    return [u for u in extension_urns(document) if isinstance(document[u], dict)]


def iso(moment: datetime) -> str:
    """RFC 7643 §2.3.5 dateTime, UTC with millisecond precision and a ``Z`` (a naive
    ``moment`` is read as UTC). ``isoformat`` rather than ``strftime``: a third of the cost, and
    every resource rendered carries two of these."""
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def etag(version: int) -> str:
    """The weak ETag of a version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


def render_user(
    record: UserRecord, base_url: str, groups: Iterable[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """The SCIM User for ``record``; ``groups`` (id, displayName) adds the readOnly groups list."""
    schemas = [USER_SCHEMA]
    if ENTERPRISE_USER_SCHEMA in record.document:
        schemas.append(ENTERPRISE_USER_SCHEMA)
    schemas.extend(_extension_schemas(record.document))
    out: dict[str, Any] = {"schemas": schemas, "id": record.id}
    out.update(record.document)
    if groups is not None:
        listed = _groups(groups, base_url)
        if listed:
            out["groups"] = listed
    out["meta"] = {
        "resourceType": "User",
        "created": iso(record.created),
        "lastModified": iso(record.last_modified),
        "location": f"{base_url}/Users/{record.id}",
        "version": etag(record.version),
    }
    return out


def add_groups(
    rendered: dict[str, Any],
    record: UserRecord,
    base_url: str,
    groups: Iterable[tuple[str, str]],
) -> dict[str, Any]:
    """What :func:`render_user` returns for ``record`` with ``groups``, given ``rendered``, its
    render without them (a change event's ``data``): a write renders its user once for both its
    event and its response. ``rendered`` itself when the user is in no group."""
    listed = _groups(groups, base_url)
    if not listed:
        return rendered
    if "groups" in record.document or "meta" in record.document:  # never stored, but exact
        return render_user(record, base_url, groups=[(g["value"], g["display"]) for g in listed])
    out = {k: v for k, v in rendered.items() if k != "meta"}
    out["groups"] = listed
    out["meta"] = rendered["meta"]
    return out


def _groups(groups: Iterable[tuple[str, str]], base_url: str) -> list[dict[str, Any]]:
    return [
        {"value": gid, "$ref": f"{base_url}/Groups/{gid}", "display": name, "type": "direct"}
        for gid, name in groups
    ]


def render_member(member: MemberRecord, base_url: str) -> dict[str, Any]:
    """One entry of a group's ``members`` (RFC 7643 §4.2)."""
    endpoint = "Users" if member.type == "User" else "Groups"
    out: dict[str, Any] = {
        "value": member.value,
        "$ref": f"{base_url}/{endpoint}/{member.value}",
        "type": member.type,
    }
    if member.display is not None:
        out["display"] = member.display
    return out


def render_group(
    record: GroupRecord, base_url: str, members: Iterable[MemberRecord] | None = None
) -> dict[str, Any]:
    """The SCIM Group for ``record``; ``members`` None leaves the attribute out."""
    out: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA, *_extension_schemas(record.document)],
        "id": record.id,
    }
    out.update(record.document)
    if members is not None:
        out["members"] = [render_member(m, base_url) for m in members]
    out["meta"] = {
        "resourceType": "Group",
        "created": iso(record.created),
        "lastModified": iso(record.last_modified),
        "location": f"{base_url}/Groups/{record.id}",
        "version": etag(record.version),
    }
    return out


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    """RFC 7644 §3.4.2 ListResponse (always, even with zero results; Entra §4.4)."""
    return {
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
