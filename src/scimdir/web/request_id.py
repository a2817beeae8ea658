"""``X-Request-Id`` on every SCIM response, and the id the provisioning log records it under.

A request that arrives with a sane ``X-Request-Id`` (1-64 characters of letters, digits and
``-_.:``, as proxies and load balancers generate them) keeps it, so the id follows the request
across a reverse proxy's log and ours; anything else gets a fresh random id (never echoed, so a
header cannot inject text into logs). There is no middleware of its own: the overload guard
(``web/overload.py``), the one ASGI layer every ``/scim/`` request already passes, assigns the id
and adds the header to the response it forwards, so the id costs one header read and one header
write per request, and covers every SCIM response, errors and the guard's own 503s included.
"""

from __future__ import annotations

import random
import re
from typing import Final

from starlette.types import Message, Scope

__all__ = ["HEADER", "REQUEST_ID_KEY", "assign_request_id", "request_id_of", "with_request_id"]

HEADER: Final = "X-Request-Id"
REQUEST_ID_KEY: Final = b"x-request-id"
_SANE = re.compile(r"[A-Za-z0-9._:\-]{1,64}")
_STATE_KEY = "request_id"


def _fresh_id() -> str:
    """32 random hex digits. A request id must be unique, not unguessable: it names a log entry
    and authorises nothing. ``random`` (reseeded in every forked worker) rather than
    ``uuid4``, whose ``os.urandom`` system call cost more than the rest of the id's handling."""
    return f"{random.getrandbits(128):032x}"


def _incoming(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == REQUEST_ID_KEY:
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                return None
            return text if _SANE.fullmatch(text) else None
    return None


def request_id_of(scope: Scope) -> str | None:
    """The id the overload guard gave the request (None outside it)."""
    state = scope.get("state")
    found = state.get(_STATE_KEY) if isinstance(state, dict) else None
    return found if isinstance(found, str) else None


def assign_request_id(scope: Scope) -> bytes:
    """Give the request its id (the client's sane one, else a fresh one), kept in the scope's
    state for the provisioning log; returns it encoded for the response header."""
    request_id = _incoming(scope) or _fresh_id()
    scope.setdefault("state", {})[_STATE_KEY] = request_id
    return request_id.encode("ascii")


def with_request_id(start: Message, encoded: bytes) -> Message:
    """The ``http.response.start`` message with ``X-Request-Id`` set to ``encoded``."""
    headers = [(k, v) for k, v in start.get("headers", ()) if k != REQUEST_ID_KEY]
    headers.append((REQUEST_ID_KEY, encoded))
    return {**start, "headers": headers}
