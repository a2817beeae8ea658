"""Parameters the routes share: resource ids in paths and the list parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request

from scimdir.service.browsing import DEFAULT_LIMIT, MAX_LIMIT, MAX_SEARCH_LENGTH

__all__ = [
    "LIMIT_DEFAULT",
    "Cursor",
    "DirectoryId",
    "GroupId",
    "Limit",
    "Search",
    "UserId",
    "tenant_url",
]

# Our ids are hex tenant ids and UUIDs; anything else cannot exist, and is refused before it
# reaches the database (a NUL byte would make PostgreSQL fail the statement).
_ID = {"min_length": 1, "max_length": 64, "pattern": r"^[A-Za-z0-9._~-]+$"}

DirectoryId = Annotated[str, Path(description="The directory's tenant id.", **_ID)]
UserId = Annotated[str, Path(description="The user's id.", **_ID)]
GroupId = Annotated[str, Path(description="The group's id.", **_ID)]
Search = Annotated[
    str | None,
    Query(
        max_length=MAX_SEARCH_LENGTH,
        pattern=r"^[^\u0000-\u001f\u007f-\u009f]*$",
        description="A prefix of the userName, displayName or an e-mail (users), or of the "
        "displayName (groups); case-insensitive.",
    ),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=4096,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="`next_cursor` of the previous page (opaque).",
    ),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
LIMIT_DEFAULT = DEFAULT_LIMIT


def tenant_url(request: Request, directory_id: str) -> str:
    """The SCIM base URL the IdP is given for ``directory_id``."""
    public_url: str = request.app.state.public_url
    return f"{public_url}/scim/{directory_id}/v2"
