"""Versions and preconditions (RFC 7644 §3.14): ETags checked against ``If-Match``, and the
rare lost race retried, never answered 412 without a precondition.

A write reads the resource with ``for_update=True``, which locks it until commit (rule 4 of
``ports.py``), checks ``If-Match`` against that version, and writes version + 1. A version can
still move between a plain read and the write in the paths that may not lock first (deletes:
containers before members, rule 8; linking on create): the storage then raises
:class:`~scimdir.service.ports.StaleVersion`. With ``If-Match`` that is 412, exactly the lost
update the header exists to stop. Without it the client asked for no precondition, so the unit of
work runs again; if it keeps losing, the answer is 409 with a detail saying so, never 412.

A user PATCH or PUT reads its user unlocked first (:func:`write_optimistically`): on PostgreSQL
the read then needs no ``BEGIN`` and the write with its event is one statement that commits
alone (``storage/sql/own_transaction.py``), three round trips fewer. Identity providers do not
write one user from two requests at once, so the race is rare; when it is lost, the run after it
reads locked, and concurrent writers of the user queue from there as rule 4 has them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from scimdir.scim.errors import precondition_failed
from scimdir.service.ports import StaleVersion, Storage, Transaction
from scimdir.service.render import etag
from scimdir.service.unit_of_work import busy, write

__all__ = ["check_if_match", "write_optimistically", "write_with_retry"]

T = TypeVar("T")
_RETRIES = 5


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
    """Run ``work`` as one unit of work (:func:`~scimdir.service.unit_of_work.write`). A lost
    race is answered 412 when the client sent ``If-Match``; without it, it is run again, and
    after :data:`_RETRIES` lost races answered 409 (never 412 without a precondition)."""
    precondition = if_match is not None and if_match.strip() != "*"
    for attempt in range(1, _RETRIES + 1):
        try:
            return write(storage, work)
        except StaleVersion as exc:
            if precondition:
                raise precondition_failed(
                    "The resource changed while this request was applied; read it again and "
                    "retry with the new ETag."
                ) from exc
            if attempt == _RETRIES:
                raise busy(
                    f"The resource kept changing while this request was applied ({_RETRIES} "
                    "attempts, nothing was applied); send it again."
                ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def write_optimistically(
    storage: Storage, if_match: str | None, work: Callable[[Transaction, bool], T]
) -> T:
    """:func:`write_with_retry` of a unit of work that reads its resource unlocked on its first
    run (``work(tx, False)``; its write then checks the version read) and locked on every run
    after a lost race (``work(tx, True)``), so that a lost race is lost once at most."""
    runs = 0

    def run(tx: Transaction) -> T:
        nonlocal runs
        runs += 1
        return work(tx, runs > 1)

    return write_with_retry(storage, if_match, run)
