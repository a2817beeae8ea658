"""Answers for what no route or handler answered: a path no route took, and an unexpected error.

Shared by the application's exception handlers (``web/app.py``) and the SCIM API's own dispatch
(``web/scim_dispatch.py``), so a client sees the same body either way.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scimdir.api.problems import problem_response
from scimdir.scim.errors import not_found, shorten
from scimdir.web.http import INTERNAL_ERROR_BODY, ScimResponse, error_response

__all__ = ["unexpected", "unrouted"]

logger = logging.getLogger("scimdir")


async def unrouted(request: Request, exc: Exception) -> Response:
    """A path no route took (one a mount's pattern refuses, such as an encoded newline): under
    ``/api`` an RFC 9457 problem, under ``/scim`` a SCIM error, as every other answer there."""
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 404
    path = request.url.path
    shown = shorten(path)
    if path.startswith("/api"):
        return problem_response(status, f"No such API path {shown}; see /api/v1/docs.")
    if path.startswith("/scim"):
        return error_response(
            not_found(f"No SCIM endpoint at {shown}; the tenant URL is /scim/<tenant id>/v2.")
        )
    return JSONResponse({"detail": HTTPStatus(status).phrase}, status_code=status)


async def unexpected(request: Request, exc: Exception) -> Response:
    """A bare SCIM 500; the traceback goes to the server log, never to the client."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return ScimResponse(INTERNAL_ERROR_BODY, status_code=500)
