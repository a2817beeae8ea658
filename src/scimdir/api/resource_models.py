"""Response models of the user and group routes, and their conversion from service records.

The CLI prints the same models (``--json``), so the API and the shell show one shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from scimdir.service.admin_groups import GroupDetail, GroupPage
from scimdir.service.admin_users import UserDetail, UserPage
from scimdir.service.policies import primary_email
from scimdir.service.ports import GroupRecord, MemberRecord, UserRecord
from scimdir.service.render import render_user

__all__ = [
    "GroupDetailOut",
    "GroupPageOut",
    "GroupRef",
    "GroupSummary",
    "MemberOut",
    "UserDetailOut",
    "UserPageOut",
    "UserSummary",
]

NEXT_CURSOR = Field(description="Pass as `cursor` for the next page; null on the last page.")


class UserSummary(BaseModel):
    """A user as a list shows it."""

    id: str
    user_name: str
    display_name: str | None
    email: str | None = Field(description="The work e-mail, else the primary, else the first.")
    external_id: str | None
    active: bool
    source: Literal["idp", "local"] = Field(description="Who created the account.")
    linked: bool = Field(description="Whether the identity provider manages it now.")
    created: datetime
    last_modified: datetime

    @classmethod
    def fields_of(cls, record: UserRecord) -> dict[str, Any]:
        """The summary fields of ``record``."""
        doc = record.document
        display = doc.get("displayName")
        external = doc.get("externalId")
        return {
            "id": record.id,
            "user_name": record.user_name,
            "display_name": display if isinstance(display, str) else None,
            "email": primary_email(doc),
            "external_id": external if isinstance(external, str) else None,
            "active": doc.get("active") is not False,
            "source": record.source,
            "linked": record.linked,
            "created": record.created,
            "last_modified": record.last_modified,
        }

    @classmethod
    def of(cls, record: UserRecord) -> UserSummary:
        """The model of ``record``."""
        return cls.model_validate(cls.fields_of(record))


class UserPageOut(BaseModel):
    """A page of users."""

    data: list[UserSummary]
    next_cursor: str | None = NEXT_CURSOR

    @classmethod
    def of(cls, page: UserPage) -> UserPageOut:
        """The model of ``page``."""
        return cls(data=[UserSummary.of(r) for r in page.items], next_cursor=page.next_cursor)


class GroupRef(BaseModel):
    """A group a user is a direct member of."""

    id: str
    display_name: str


class UserDetailOut(UserSummary):
    """One user with its groups and its SCIM resource as the identity provider reads it."""

    groups: list[GroupRef]
    scim: dict[str, Any] = Field(description="The SCIM User (RFC 7643 §4.1).")

    @classmethod
    def of_detail(cls, detail: UserDetail, scim_base: str) -> UserDetailOut:
        """The model of ``detail``; ``scim_base`` is the directory's tenant URL."""
        return cls.model_validate(
            {
                **UserSummary.fields_of(detail.record),
                "groups": [{"id": gid, "display_name": name} for gid, name in detail.groups],
                "scim": render_user(detail.record, scim_base, detail.groups),
            }
        )


class GroupSummary(BaseModel):
    """A group as a list shows it."""

    id: str
    display_name: str
    external_id: str | None
    created: datetime
    last_modified: datetime

    @classmethod
    def fields_of(cls, record: GroupRecord) -> dict[str, Any]:
        """The summary fields of ``record``."""
        external = record.document.get("externalId")
        return {
            "id": record.id,
            "display_name": record.display_name,
            "external_id": external if isinstance(external, str) else None,
            "created": record.created,
            "last_modified": record.last_modified,
        }

    @classmethod
    def of(cls, record: GroupRecord) -> GroupSummary:
        """The model of ``record``."""
        return cls.model_validate(cls.fields_of(record))


class GroupPageOut(BaseModel):
    """A page of groups."""

    data: list[GroupSummary]
    next_cursor: str | None = NEXT_CURSOR

    @classmethod
    def of(cls, page: GroupPage) -> GroupPageOut:
        """The model of ``page``."""
        return cls(data=[GroupSummary.of(r) for r in page.items], next_cursor=page.next_cursor)


class MemberOut(BaseModel):
    """A member of a group."""

    id: str
    type: Literal["User", "Group"]
    display: str | None

    @classmethod
    def of(cls, member: MemberRecord) -> MemberOut:
        """The model of ``member``."""
        return cls(id=member.value, type=member.type, display=member.display)


class GroupDetailOut(GroupSummary):
    """One group with its member count and its first members (by member id)."""

    member_count: int
    members: list[MemberOut] = Field(description="The first members by id (at most 100).")

    @classmethod
    def of_detail(cls, detail: GroupDetail) -> GroupDetailOut:
        """The model of ``detail``."""
        return cls.model_validate(
            {
                **GroupSummary.fields_of(detail.record),
                "member_count": detail.member_count,
                "members": [MemberOut.of(m) for m in detail.members],
            }
        )
