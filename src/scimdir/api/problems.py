"""Errors of the management API as RFC 9457 problem details (``application/problem+json``).

Every 4xx and 5xx the API answers is a problem object with ``type``, ``title``, ``status`` and
``detail`` (RFC 9457 §3.1): request validation (422, with the offending fields in ``errors``),
unknown routes and methods (404, 405), missing or bad keys (401), a key's role (403), unknown
ids (404), refusals of the service layer (400, 409) and unexpected failures (a bare 500 whose
traceback goes to the server log only). ``type`` is ``about:blank`` (§4.2.1): the status says
what kind of problem it is, ``title`` is the status phrase and ``detail`` says what to do;
extension members (§3.2) add ``errors`` for validation, ``setting`` for a refused setting and
``parameter`` for a refused query parameter.

Service exceptions become problems here, in one place (:func:`install`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scimdir.service.admin_groups import GroupNotFound
from scimdir.service.admin_users import AdminConflict, UserNotFound
from scimdir.service.api_keys import ApiKeyNotFound
from scimdir.service.directories import AdminError, DirectoryNotFound, SettingRefused
from scimdir.service.event_feed import InvalidFeedRequest

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "FieldError",
    "Problem",
    "ProblemError",
    "install",
    "problem_response",
    "problem_responses",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
_MAX_ERRORS = 20
logger = logging.getLogger("scimdir.api")


class FieldError(BaseModel):
    """One invalid part of a request: where (``loc``) and why (``msg``); the input is not echoed."""

    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "No directory 4f1c...; list them with GET /api/v1/directories.",
            }
        }
    )

    type: str = Field(default="about:blank", description="The problem type (RFC 9457 §3.1.1).")
    title: str = Field(description="The HTTP status phrase.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong and what to do, for a person.")
    errors: list[FieldError] | None = Field(
        default=None, description="The invalid request fields (422 only)."
    )
    setting: str | None = Field(
        default=None, description="The directory setting that was refused (400 only)."
    )
    parameter: str | None = Field(
        default=None, description="The query parameter that was refused (400 only)."
    )


class ProblemError(Exception):
    """Raise to answer with a problem; ``headers`` are added to the response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers
        self.extensions = extensions


def problem_response(
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """The ``application/problem+json`` response for ``status``."""
    body = Problem(title=HTTPStatus(status).phrase, status=status, detail=detail, **extensions)
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring problem bodies for ``statuses``."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    return [
        FieldError(
            loc=[p if isinstance(p, int) else str(p) for p in e.get("loc", ())], msg=e["msg"]
        )
        for e in exc.errors()[:_MAX_ERRORS]
    ]


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (Starlette's own 405 names only the first
    route's, and RFC 9110 §10.2.1 wants them all)."""
    root = request.scope.get("root_path", "")
    path = request.url.path[len(root) :] if request.url.path.startswith(root) else request.url.path
    methods: set[str] = set()
    for route in request.app.state.api_routes:
        if route.path_regex.match(path):
            methods.update(route.methods or ())
    return sorted(methods)


_NOT_FOUND: dict[type[Exception], str] = {
    DirectoryNotFound: "No directory {}; list them with GET /api/v1/directories.",
    UserNotFound: "No user {} in this directory.",
    GroupNotFound: "No group {} in this directory.",
    ApiKeyNotFound: "No API key {}.",
}


def install(app: FastAPI) -> None:
    """Render every error of ``app`` as a problem."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            detail = f"No such route: {request.method} {request.url.path}; see the API's docs page."
        elif exc.status_code == 405:
            allowed = _allowed_methods(request)
            detail = f"{request.method} is not allowed here; use {', '.join(allowed)}."
            return problem_response(405, detail, headers={"Allow": ", ".join(allowed)})
        else:
            detail = str(exc.detail)
        return problem_response(exc.status_code, detail, headers=exc.headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = _field_errors(exc)
        where = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors[:3])
        return problem_response(422, f"The request is not valid: {where}.", errors=errors)

    async def problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc.status, exc.detail, headers=exc.headers, **exc.extensions)

    async def not_found(request: Request, exc: Exception) -> Response:
        template = _NOT_FOUND.get(type(exc), "Not found: {}.")
        return problem_response(404, template.format(str(exc.args[0])[:64] if exc.args else ""))

    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SettingRefused):
            return problem_response(400, str(exc), setting=exc.key[:64])
        status = 409 if isinstance(exc, AdminConflict) else 400
        return problem_response(status, str(exc))

    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(500, "Internal server error. It has been logged; retry later.")

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ProblemError, problem)
    for kind in _NOT_FOUND:
        app.add_exception_handler(kind, not_found)
    app.add_exception_handler(AdminError, refused)

    async def invalid_feed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidFeedRequest)
        return problem_response(400, str(exc), parameter=exc.parameter)

    app.add_exception_handler(InvalidFeedRequest, invalid_feed)
    app.add_exception_handler(Exception, unexpected)
