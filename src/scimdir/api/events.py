"""``GET /api/v1/directories/{id}/events``: the change feed over HTTP, with long-polling.

A thin, asynchronous route over :meth:`~scimdir.service.event_feed.EventFeed.read_async`: the
database is read in a worker thread and the wait is an ``asyncio.sleep``, so a client waiting for
the next change holds neither a thread nor a connection (docs/events.md, "Reading the feed").
Readable by an admin key and by a reader key bound to the directory.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from scimdir.api.auth import require_reader, services
from scimdir.api.params import DirectoryId
from scimdir.api.problems import problem_responses
from scimdir.service.event_data import EVENT_TYPES
from scimdir.service.event_feed import DEFAULT_LIMIT, MAX_LIMIT, MAX_WAIT_SECONDS

__all__ = ["router"]

router = APIRouter(tags=["events"], responses=problem_responses(401, 403, 422))


class EventOut(BaseModel):
    """One change (docs/events.md, "The event object")."""

    id: str = Field(description="Stable event id; use it to deduplicate.")
    cursor: str = Field(description="This event's position in the feed (opaque).")
    type: str = Field(description=f"One of: {', '.join(EVENT_TYPES)}.")
    occurred_at: str = Field(description="When the change committed (UTC, RFC 3339).")
    directory_id: str
    data: dict[str, Any] = Field(description="The resource (or membership) after the change.")
    changed_attributes: list[str] | None = Field(
        default=None, description="Updates only: the attributes the change touched."
    )


class FeedOut(BaseModel):
    """Events after the cursor, oldest first."""

    data: list[EventOut]
    next_cursor: str = Field(
        description="Pass as `after` for the next page, also after an empty page."
    )


@router.get(
    "/directories/{directory_id}/events",
    summary="Read the change feed",
    dependencies=[Depends(require_reader)],
    response_model=FeedOut,
    responses=problem_responses(400, 404),
)
async def read_events(
    request: Request,
    directory_id: DirectoryId,
    after: Annotated[
        str | None,
        Query(max_length=64, description="`next_cursor` of the previous page; none: the start."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Events per page.")] = (
        DEFAULT_LIMIT
    ),
    types: Annotated[
        str | None,
        Query(
            max_length=1024,
            description="Comma-separated event types to keep, e.g. `user.created,user.deleted`.",
        ),
    ] = None,
    wait: Annotated[
        float,
        Query(
            ge=0,
            description=f"Long-poll: with nothing new, wait up to this many seconds for a change "
            f"(capped at {MAX_WAIT_SECONDS:g}).",
        ),
    ] = 0,
) -> JSONResponse:
    """The directory's events after ``after``, oldest first; with ``wait`` and nothing new, the
    answer comes as soon as a change commits, or empty when the time is up."""
    page = await services(request).events.read_async(
        directory_id,
        after,
        limit,
        types.split(",") if types is not None else None,
        min(wait, MAX_WAIT_SECONDS),
    )
    return JSONResponse(page.to_json())
