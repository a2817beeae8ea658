"""SCIM protocol errors (RFC 7644 §3.12): one class per error, rendered to the wire in one place.

The classes are scim2-models' (``scim2_models.exceptions``): each carries ``status``, ``scim_type``,
a default detail and its RFC citation. This module adds constructors that make every detail name
the cause *and* the fix (Entra retries only every 40 minutes and shows our ``detail`` verbatim in
its provisioning log), and :func:`error_body`, the only place an error becomes JSON.

Anything taken from the request goes into a detail through :func:`shorten`: a 1 MB attribute name
must not come back as a 1 MB error (nor be copied into the provisioning log), and control or
invisible characters are shown escaped. :func:`error_body` also bounds the whole detail.
"""

from __future__ import annotations

from typing import Any

from scim2_models.exceptions import (
    ForbiddenException,
    InvalidFilterException,
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    MutabilityException,
    NoTargetException,
    NotFoundException,
    PreconditionFailedException,
    SCIMException,
    TooManyException,
    UnauthorizedException,
    UniquenessException,
)

from scimdir.scim.schema import ERROR_SCHEMA

__all__ = [
    "SCIMException",
    "error_body",
    "forbidden",
    "invalid_filter",
    "invalid_path",
    "invalid_syntax",
    "invalid_value",
    "method_not_allowed",
    "mutability",
    "no_target",
    "not_found",
    "payload_too_large",
    "precondition_failed",
    "service_unavailable",
    "shorten",
    "too_many",
    "too_many_requests",
    "unauthorized",
    "uniqueness",
]


SHOWN_CHARS = 60
"""How many characters of one client value an error detail quotes."""
MAX_DETAIL_CHARS = 1000
"""The longest detail :func:`error_body` sends; longer ones are cut (a guard, not the rule)."""


def shorten(value: object, limit: int = SHOWN_CHARS) -> str:
    """``value`` as an error detail may quote it: a Python-style quoted literal with control,
    invisible and unpaired surrogate characters escaped (``'a\\u200b'``), cut to ``limit``
    characters with an ellipsis and the full length when longer.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def _bounded(detail: str) -> str:
    if len(detail) <= MAX_DETAIL_CHARS:
        return detail
    return detail[: MAX_DETAIL_CHARS - 3] + "..."


class MethodNotAllowed(SCIMException):
    """The endpoint exists but does not have this HTTP method (RFC 7644 §3.12, status 405)."""

    status = 405
    _default_detail = "The endpoint does not support this HTTP method."


class PayloadTooLarge(SCIMException):
    """The request body is larger than scimdir accepts (RFC 7644 §3.12, status 413)."""

    status = 413
    _default_detail = "The request is larger than the server accepts."


class TooManyRequests(SCIMException):
    """The client must slow down (RFC 7644 §3.12 lists 429 among the errors; RFC 6585 §4)."""

    status = 429
    _default_detail = "Too many requests; retry after the time in Retry-After."


class ServiceUnavailable(SCIMException):
    """The server cannot serve the request now and nothing was changed (RFC 9110 §15.6.4)."""

    status = 503
    _default_detail = "The service is busy; retry after the time in Retry-After."


def invalid_filter(detail: str) -> SCIMException:
    """400 ``invalidFilter`` (RFC 7644 §3.4.2.2)."""
    return InvalidFilterException(detail=_bounded(detail))


def invalid_path(detail: str) -> SCIMException:
    """400 ``invalidPath`` (RFC 7644 §3.5.2)."""
    return InvalidPathException(detail=_bounded(detail))


def invalid_syntax(detail: str) -> SCIMException:
    """400 ``invalidSyntax``: the body is not parsable or not of the expected form."""
    return InvalidSyntaxException(detail=_bounded(detail))


def invalid_value(detail: str) -> SCIMException:
    """400 ``invalidValue``: a required value is missing or a value is not compatible."""
    return InvalidValueException(detail=_bounded(detail))


def mutability(detail: str) -> SCIMException:
    """400 ``mutability``: an attempt to change a read-only or immutable attribute."""
    return MutabilityException(detail=_bounded(detail))


def no_target(detail: str) -> SCIMException:
    """400 ``noTarget`` (RFC 7644 §3.5.2): a path selects nothing where a target is needed."""
    return NoTargetException(detail=_bounded(detail))


def too_many(detail: str) -> SCIMException:
    """400 ``tooMany``: the query would return more results than the server allows."""
    return TooManyException(detail=_bounded(detail))


def not_found(detail: str) -> SCIMException:
    """404 (RFC 7644 §3.12)."""
    return NotFoundException(detail=_bounded(detail))


def uniqueness(detail: str) -> SCIMException:
    """409 ``uniqueness`` (RFC 7644 §3.3): the resource collides with an existing one."""
    return UniquenessException(detail=_bounded(detail))


def precondition_failed(detail: str) -> SCIMException:
    """412: ``If-Match`` did not match the current version (RFC 7644 §3.14)."""
    return PreconditionFailedException(detail=_bounded(detail))


def unauthorized(detail: str) -> SCIMException:
    """401: missing or wrong credentials; never says whether the tenant exists."""
    return UnauthorizedException(detail=_bounded(detail))


def forbidden(detail: str) -> SCIMException:
    """403: the credentials are valid but may not do this (RFC 7644 §3.12)."""
    return ForbiddenException(detail=_bounded(detail))


def method_not_allowed(detail: str) -> SCIMException:
    """405: the endpoint does not support the request's method (send ``Allow`` with it)."""
    return MethodNotAllowed(detail=_bounded(detail))


def payload_too_large(detail: str) -> SCIMException:
    """413: the body exceeds the published limit."""
    return PayloadTooLarge(detail=_bounded(detail))


def too_many_requests(detail: str) -> SCIMException:
    """429: the client sends faster than the server admits; send it with ``Retry-After``."""
    return TooManyRequests(detail=detail)


def service_unavailable(detail: str) -> SCIMException:
    """503: a transient overload; nothing was written; send it with ``Retry-After``."""
    return ServiceUnavailable(detail=detail)


def error_body(exc: SCIMException) -> dict[str, Any]:
    """The RFC 7644 §3.12 error document for ``exc`` (``status`` is a string, per the RFC)."""
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(exc.status)}
    if exc.scim_type:
        body["scimType"] = exc.scim_type
    body["detail"] = _bounded(exc.detail or "")
    return body
