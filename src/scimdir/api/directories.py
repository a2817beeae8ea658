"""``/api/v1/directories``: create, list, read, change, delete; secrets; reset.

Thin: each route calls one :class:`~scimdir.service.directories.DirectoryService` use case and
converts its record; errors become problems in ``problems.py``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response

from scimdir.api.auth import require_admin, services
from scimdir.api.directory_models import (
    DirectoryCreate,
    DirectoryCreated,
    DirectoryList,
    DirectoryOut,
    DirectoryPatch,
    ResetIn,
    ResetOut,
    RotateIn,
    RotateOut,
    SecretList,
    SecretOut,
)
from scimdir.api.params import DirectoryId, tenant_url
from scimdir.api.problems import problem_responses
from scimdir.service.durations import parse_duration

__all__ = ["router"]

router = APIRouter(
    prefix="/directories",
    tags=["directories"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403, 422),
)
_404 = problem_responses(404)


@router.get("", summary="List directories")
def list_directories(request: Request) -> DirectoryList:
    """Every directory, oldest first."""
    records = services(request).directories.list_all()
    return DirectoryList(data=[DirectoryOut.of(r, tenant_url(request, r.id)) for r in records])


@router.post(
    "",
    status_code=201,
    summary="Create a directory",
    responses=problem_responses(400),
)
def create_directory(
    request: Request, response: Response, body: DirectoryCreate
) -> DirectoryCreated:
    """Create a directory with the IdP preset's settings; its secret is in this answer only."""
    created = services(request).directories.create(body.name, body.idp)
    record = created.directory
    response.headers["Location"] = f"{request.scope.get('root_path', '')}/directories/{record.id}"
    return DirectoryCreated(
        id=record.id,
        name=record.name,
        idp=body.idp,
        tenant_url=tenant_url(request, record.id),
        secret=created.secret,
    )


@router.get("/{directory_id}", summary="Read a directory", responses=_404)
def get_directory(request: Request, directory_id: DirectoryId) -> DirectoryOut:
    """One directory with its settings."""
    record = services(request).directories.get(directory_id)
    return DirectoryOut.of(record, tenant_url(request, record.id))


@router.patch(
    "/{directory_id}",
    summary="Change a directory",
    responses=problem_responses(400, 404),
)
def patch_directory(
    request: Request, directory_id: DirectoryId, body: DirectoryPatch
) -> DirectoryOut:
    """Change the name, the IdP preset and settings, all or nothing."""
    record = services(request).directories.update(
        directory_id, name=body.name, idp=body.idp, settings=body.settings
    )
    return DirectoryOut.of(record, tenant_url(request, record.id))


@router.delete("/{directory_id}", status_code=204, summary="Delete a directory", responses=_404)
def delete_directory(request: Request, directory_id: DirectoryId) -> Response:
    """Delete the directory with all its users, groups, secrets and reader keys."""
    services(request).directories.delete(directory_id)
    return Response(status_code=204)


@router.get("/{directory_id}/secrets", summary="List a directory's secrets", responses=_404)
def list_secrets(request: Request, directory_id: DirectoryId) -> SecretList:
    """Created, last used, expiry and revocation of every secret; never a secret or a hash."""
    statuses = services(request).directories.secrets(directory_id)
    return SecretList(data=[SecretOut.of(s) for s in statuses])


@router.post(
    "/{directory_id}/secrets",
    status_code=201,
    summary="Rotate the secret",
    responses=_404,
)
def rotate_secret(
    request: Request,
    directory_id: DirectoryId,
    body: Annotated[RotateIn | None, Body()] = None,
) -> RotateOut:
    """Issue a new secret (shown this once). The old ones stop now, or after ``keep_old_for``
    so the IdP can be updated without a gap."""
    keep = parse_duration(body.keep_old_for) if body and body.keep_old_for else None
    rotation = services(request).directories.rotate(directory_id, keep)
    return RotateOut(secret=rotation.secret, previous_secrets_stop=rotation.previous_stop)


@router.post("/{directory_id}/reset", summary="Reset a directory", responses=_404)
def reset_directory(request: Request, directory_id: DirectoryId, body: ResetIn) -> ResetOut:
    """Remove the directory's groups and its IdP users (or unlink them) so that the IdP's next
    cycle rebuilds it."""
    users, groups = services(request).directories.reset(
        directory_id, unlink_users=body.mode == "unlink"
    )
    return ResetOut(mode=body.mode, users=users, groups=groups)
