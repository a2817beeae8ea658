"""Optimistic concurrency (RFC 7644 §3.14): ETags checked against ``If-Match``, and lost races
retried or answered 412.

Every write reads a resource, computes its new state and writes it back only if the stored
version is still the one read (rule 4 of ``ports.py``). Shared by the user and group use cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from scimdir.scim.errors import precondition_failed
from scimdir.service.ports import StaleVersion, Storage, Transaction
from scimdir.service.render import etag

__all__ = ["check_if_match", "write_with_retry"]

T = TypeVar("T")
_RETRIES = 3


def check_if_match(if_match: str | None, version: int) -> None:
    """RFC 7644 §3.14: refuse a write whose ``If-Match`` does not name the current version."""
    if if_match is None or if_match.strip() == "*":
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    current = etag(version)
    if current not in wanted and current.removeprefix("W/") not in wanted:
        raise precondition_failed(
            f"The resource changed: its version is {current}, not {if_match}. Read it again and "
            "retry with the new ETag."
        )


def write_with_retry(storage: Storage, if_match: str | None, work: Callable[[Transaction], T]) -> T:
    """Run ``work`` in one transaction. A lost optimistic race (another writer bumped the version
    between our read and our write) is retried when the client sent no ``If-Match``, and answered
    412 when it did (RFC 7644 §3.14)."""
    attempts = 1 if if_match else _RETRIES
    for attempt in range(attempts):
        try:
            with storage.transaction() as tx:
                return work(tx)
        except StaleVersion as exc:
            if if_match or attempt == attempts - 1:
                raise precondition_failed(
                    "The resource changed while this request was applied; read it again and retry."
                ) from exc
    raise AssertionError("unreachable")  # pragma: no cover
