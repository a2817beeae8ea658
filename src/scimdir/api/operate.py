"""Operating a directory over HTTP: its provisioning log, open problems and health.

Thin routes over :class:`~scimdir.service.provisioning_log.ProvisioningLog` and
:class:`~scimdir.service.health.HealthService`, the read paths the CLI's ``directory log`` and
``health`` use. A directory's routes take an admin key or a reader key bound to it; the summary
of every directory takes an admin key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from scimdir.api.auth import require_admin, require_reader, services
from scimdir.api.log_models import HealthList, HealthOut, LogPageOut, ProblemList, ProblemOut
from scimdir.api.params import DirectoryId
from scimdir.api.problems import ProblemError, problem_responses
from scimdir.service.durations import parse_duration
from scimdir.service.ports import LogFilter
from scimdir.service.provisioning_log import MAX_LIMIT

__all__ = ["router"]

router = APIRouter(tags=["operations"], responses=problem_responses(401, 403, 422))
_DIRECTORY = "/directories/{directory_id}"
_READER = [Depends(require_reader)]
_PROBLEMS_LIMIT = 100


@router.get(
    f"{_DIRECTORY}/log",
    summary="Read the provisioning log",
    dependencies=_READER,
    responses=problem_responses(400, 404),
)
def read_log(
    request: Request,
    directory_id: DirectoryId,
    failures: Annotated[bool, Query(description="Only failed requests.")] = False,
    user: Annotated[
        str | None,
        Query(
            max_length=256,
            pattern=r"^[^\u0000-\u001f\u007f-\u009f]*$",
            description="Only entries about this userName, group name (case-insensitive) or id.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        Query(max_length=16, description="Only entries of the last `90s`, `30m`, `2h`, `7d`..."),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=32, description="`next_cursor` of the previous page (opaque)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Entries per page.")] = 50,
) -> LogPageOut:
    """The directory's provisioning log, newest first: each request, its effect, and for a
    failure the explanation and the fix."""
    start = None
    if since:
        try:
            start = services(request).runtime.clock() - parse_duration(since)
        except ValueError as exc:
            raise ProblemError(400, f"since: {exc}.", parameter="since") from exc
    before = None
    if cursor is not None:
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
            raise ProblemError(
                400, "The cursor is not one this log handed out.", parameter="cursor"
            )
        before = int(cursor)
    where = LogFilter(failures_only=failures, subject=user or None, since=start)
    page = services(request).log.query(directory_id, where, before, limit)
    return LogPageOut.of(page)


@router.get(
    f"{_DIRECTORY}/problems",
    summary="List open problems",
    dependencies=_READER,
    responses=problem_responses(404),
)
def list_problems(request: Request, directory_id: DirectoryId) -> ProblemList:
    """The directory's open problems (at most 100), most recently seen first: one subject
    failing the same way on every cycle, until a request for it succeeds."""
    found = services(request).log.problems(directory_id, limit=_PROBLEMS_LIMIT)
    return ProblemList(data=[ProblemOut.of(p) for p in found])


@router.get(
    f"{_DIRECTORY}/health",
    summary="Read a directory's health",
    dependencies=_READER,
    responses=problem_responses(404),
)
def directory_health(request: Request, directory_id: DirectoryId) -> HealthOut:
    """Is the identity provider calling, and are its calls succeeding: the state with its
    reason, the last contact, request and failure counts, open problems, quirks fired."""
    return HealthOut.of(services(request).health.directory_health(directory_id))


@router.get("/health", summary="Health of every directory", dependencies=[Depends(require_admin)])
def health_summary(request: Request) -> HealthList:
    """Every directory's health, oldest directory first (admin keys only)."""
    return HealthList(data=[HealthOut.of(h) for h in services(request).health.summary()])
