"""``/api/v1/directories/{id}/groups``: the admin's list (search, cursor) and one group."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from scimdir.api.auth import require_admin, services
from scimdir.api.params import LIMIT_DEFAULT, Cursor, DirectoryId, GroupId, Limit, Search
from scimdir.api.problems import problem_responses
from scimdir.api.resource_models import GroupDetailOut, GroupPageOut

__all__ = ["router"]

router = APIRouter(
    prefix="/directories/{directory_id}/groups",
    tags=["groups"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403, 404, 422),
)


@router.get("", summary="List groups", responses=problem_responses(400))
def list_groups(
    request: Request,
    directory_id: DirectoryId,
    search: Search = None,
    cursor: Cursor = None,
    limit: Limit = LIMIT_DEFAULT,
) -> GroupPageOut:
    """The directory's groups by displayName, a page at a time."""
    page = services(request).admin_groups.browse(
        directory_id, search=search, cursor=cursor, limit=limit
    )
    return GroupPageOut.of(page)


@router.get("/{group_id}", summary="Read a group")
def get_group(request: Request, directory_id: DirectoryId, group_id: GroupId) -> GroupDetailOut:
    """One group with its member count and its first 100 members (by member id)."""
    return GroupDetailOut.of_detail(services(request).admin_groups.show(directory_id, group_id))
