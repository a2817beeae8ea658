"""What the service layer takes from the outside world besides storage: time and fresh ids.

Injected (docs/architecture.md, rule 3) so that tests can pin them; the composition roots
(``create_app``, the CLI) build the real ones with :func:`system_runtime`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    """The current time, UTC, millisecond precision (what SCIM dateTimes carry)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_at_ns(ns: int) -> datetime:
    """What :func:`utc_now` returns at the instant ``time.time_ns()`` read as ``ns`` (both
    floor the system clock to the millisecond): a caller on a hot path reads the clock for a
    few tens of nanoseconds and builds the datetime later (the provisioning log's writer)."""
    return _EPOCH + timedelta(milliseconds=ns // 1_000_000)


def new_resource_id() -> str:
    """A resource id: a random UUID (RFC 7643 §3.1: unique, stable, not reassigned)."""
    return str(uuid.uuid4())


def new_tenant_id() -> str:
    """A tenant id: 128 random bits, URL-safe, unguessable (it appears in the tenant URL)."""
    return secrets.token_hex(16)


def new_secret() -> str:
    """A directory secret: 256 random bits, URL-safe, with a recognisable prefix for scanners."""
    return "scimdir_" + secrets.token_urlsafe(32)


API_KEY_PREFIX = "scimdir_key_"
"""What every management API key starts with (a directory secret never needs to)."""


def new_api_key() -> str:
    """A management API key: 256 random bits, URL-safe, with its own prefix so a scanner (or a
    person) tells it from a directory secret."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Runtime:
    """Clock and id factories used by the services."""

    clock: Callable[[], datetime] = utc_now
    new_id: Callable[[], str] = new_resource_id
    new_tenant_id: Callable[[], str] = new_tenant_id
    new_secret: Callable[[], str] = new_secret
    new_api_key: Callable[[], str] = new_api_key


def system_runtime() -> Runtime:
    """The production runtime."""
    return Runtime()
