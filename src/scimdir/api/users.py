"""``/api/v1/directories/{id}/users``: the admin's list (search, cursor), a user, unlink, delete."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from scimdir.api.auth import require_admin, services
from scimdir.api.log_models import LogEntryOut
from scimdir.api.params import LIMIT_DEFAULT, Cursor, DirectoryId, Limit, Search, UserId, tenant_url
from scimdir.api.problems import problem_responses
from scimdir.api.resource_models import UserDetailOut, UserPageOut
from scimdir.service.ports import LogFilter

__all__ = ["router"]

router = APIRouter(
    prefix="/directories/{directory_id}/users",
    tags=["users"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403, 404, 422),
)
USER_LOG_ENTRIES = 20


class UserWithLogOut(UserDetailOut):
    """One user with its groups, its SCIM resource and its latest log entries."""

    log: list[LogEntryOut] = Field(
        description=f"The latest {USER_LOG_ENTRIES} provisioning-log entries about this user, "
        "newest first; the rest with GET .../log?user=ID."
    )


@router.get("", summary="List users", responses=problem_responses(400))
def list_users(
    request: Request,
    directory_id: DirectoryId,
    search: Search = None,
    cursor: Cursor = None,
    limit: Limit = LIMIT_DEFAULT,
) -> UserPageOut:
    """The directory's users (linked or not) by userName, a page at a time. With ``search``:
    userName matches first, then displayName matches, then e-mail matches."""
    page = services(request).admin_users.browse(
        directory_id, search=search, cursor=cursor, limit=limit
    )
    return UserPageOut.of(page)


@router.get("/{user_id}", summary="Read a user")
def get_user(request: Request, directory_id: DirectoryId, user_id: UserId) -> UserWithLogOut:
    """One user with its groups, its SCIM resource and what the IdP last did to it (the
    latest provisioning-log entries about it)."""
    found = services(request)
    detail = found.admin_users.show(directory_id, user_id)
    page = found.log.query(directory_id, LogFilter(subject=user_id), limit=USER_LOG_ENTRIES)
    base = UserDetailOut.of_detail(detail, tenant_url(request, directory_id))
    return UserWithLogOut(**dict(base), log=[LogEntryOut.of(e) for e in page.entries])


@router.post("/{user_id}/unlink", summary="Unlink a user", responses=problem_responses(409))
def unlink_user(request: Request, directory_id: DirectoryId, user_id: UserId) -> UserDetailOut:
    """Hand the account back to user linking: the IdP no longer sees it, and its next POST
    with this userName or externalId links to it again. Needs the directory's user_linking on
    (409 otherwise)."""
    detail = services(request).admin_users.unlink(directory_id, user_id)
    return UserDetailOut.of_detail(detail, tenant_url(request, directory_id))


@router.delete("/{user_id}", status_code=204, summary="Delete a user")
def delete_user(request: Request, directory_id: DirectoryId, user_id: UserId) -> Response:
    """Delete the user and its memberships (whatever the directory's deletion setting)."""
    services(request).admin_users.delete(directory_id, user_id)
    return Response(status_code=204)
