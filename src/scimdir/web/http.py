"""HTTP plumbing for the SCIM API: JSON bodies in, ``application/scim+json`` out, errors rendered.

Entra sends ``application/scim+json; charset=utf-8`` and no Accept header; Okta's docs show
``text/json``; others send ``application/json`` (`docs/idp/entra.md` §2). We accept
them all and never negotiate on Accept.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from scimdir.scim.errors import SCIMException, error_body, invalid_syntax, payload_too_large

SCIM_MEDIA_TYPE = "application/scim+json"
_ACCEPTED_TYPES = ("application/scim+json", "application/json", "text/json", "")


class ScimResponse(Response):
    """A response whose body is SCIM JSON."""

    media_type = SCIM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        """Serialise with orjson."""
        return orjson.dumps(content)


def error_response(exc: SCIMException, *, retry_after: int | None = None) -> ScimResponse:
    """The one place a SCIM error becomes an HTTP response (RFC 7644 §3.12); ``retry_after``
    (seconds, or the exception's own ``retry_after``) goes into ``Retry-After`` for a 429 or 503
    (RFC 9110 §10.2.3)."""
    headers: dict[str, str] = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="scimdir"'
    if retry_after is None:
        retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return ScimResponse(error_body(exc), status_code=exc.status, headers=headers or None)


INTERNAL_ERROR_BODY = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
    "status": "500",
    "detail": "Internal server error. It has been logged; retry later.",
}


async def read_json(request: Request, max_bytes: int) -> Any:
    """Read and parse the request body, refusing what is not JSON (400) or too large (413).

    The body is read as a stream and refused as soon as it passes ``max_bytes``, whether or not
    the client announced its length (a chunked body has none): at most ``max_bytes`` are ever
    held. The SCIM API calls this only after the request authenticated, so an anonymous client
    cannot make the server read anything.
    """
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise _too_large(max_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _ACCEPTED_TYPES:
        raise invalid_syntax(
            f"Send the body as application/scim+json (or application/json), not {content_type}."
        )
    body = bytearray()
    async for chunk in request.stream():
        if len(body) + len(chunk) > max_bytes:
            raise _too_large(max_bytes)
        body += chunk
    if not body.strip():
        raise invalid_syntax("The request has no body; send a SCIM JSON document.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise invalid_syntax(
            f"The body is not valid JSON ({exc.msg} at character {exc.pos})."
        ) from exc


def _too_large(max_bytes: int) -> SCIMException:
    return payload_too_large(f"The body is larger than {max_bytes} bytes; split the request.")
