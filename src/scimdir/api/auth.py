"""Authentication of management API requests: ``Authorization: Bearer <API key>``.

A missing, unknown or revoked key is 401 (with ``WWW-Authenticate: Bearer``, RFC 6750 §3); a
key whose role may not do what the route does is 403. The key's last use is recorded after the
response is sent (a background task), at most once a minute, so authentication itself only
reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scimdir.api.problems import ProblemError
from scimdir.composition import Services
from scimdir.service.api_keys import AuthenticatedKey

__all__ = ["Admin", "Reader", "authenticated", "require_admin", "require_reader", "services"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="scimdir-api"'}

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    bearerFormat="scimdir_key_...",
    description="An API key, created with `scimdir api-key create --name NAME --role admin`.",
)


def services(request: Request) -> Services:
    """The service graph the API was built with."""
    found: Services = request.app.state.services
    return found


def authenticated(
    request: Request,
    background: BackgroundTasks,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> AuthenticatedKey:
    """The API key the request presents. :raises ProblemError: 401 without a live key."""
    if credentials is None or not credentials.credentials.strip():
        raise ProblemError(
            401,
            "Send an API key: Authorization: Bearer <key> "
            "(create one with scimdir api-key create --name NAME --role admin).",
            headers=_CHALLENGE,
        )
    keys = services(request).api_keys
    auth = keys.authenticate(credentials.credentials.strip())
    if auth is None:
        raise ProblemError(
            401,
            "The API key is unknown or revoked; create a new one with scimdir api-key create.",
            headers={"WWW-Authenticate": 'Bearer realm="scimdir-api", error="invalid_token"'},
        )
    if auth.stale:
        background.add_task(keys.mark_used, auth)
    return auth


def require_admin(
    auth: Annotated[AuthenticatedKey, Depends(authenticated)],
) -> AuthenticatedKey:
    """An admin key. :raises ProblemError: 403 for any other role."""
    if not auth.is_admin:
        raise ProblemError(
            403,
            f"This API key has the role {auth.record.role}; this operation needs an admin key.",
        )
    return auth


Admin = Annotated[AuthenticatedKey, Depends(require_admin)]
"""A route parameter that requires an admin key."""


def require_reader(
    auth: Annotated[AuthenticatedKey, Depends(authenticated)],
    directory_id: Annotated[str, Path()],
) -> AuthenticatedKey:
    """An admin key, or a reader key bound to the path's directory.

    :raises ProblemError: 403 for a reader key of another directory (checked before the
        directory is looked up, so a reader learns nothing about other directories).
    """
    if not auth.may_read(directory_id):
        raise ProblemError(
            403, "This API key reads another directory; use an admin key or this directory's."
        )
    return auth


Reader = Annotated[AuthenticatedKey, Depends(require_reader)]
"""A route parameter that requires a key that may read the path's directory."""
