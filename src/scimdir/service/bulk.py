"""The ``/Bulk`` use case (RFC 7644 §3.7): run each operation of a BulkRequest through the same
User and Group use cases a single request uses, so the directory's policies, its IdP dialect,
the outbox events and the provisioning log are exactly those of single requests.

**One transaction per operation.** Each operation is one call of :class:`UserService` or
:class:`GroupService`, which owns its transaction (``unit_of_work.write``, run again after a
rollback). RFC 7644 §3.7 asks the service provider to "continue performing as many changes as
possible and disregard partial failures", and ``failOnErrors`` stops the request after some
errors with the earlier operations applied (§3.7.3's example), which is what independent
transactions give. One transaction for the whole request would hold SQLite's single writer lock
(and PostgreSQL row locks) for the length of up to ``maxOperations`` operations, stalling every
other writer of the server, and one failure would undo the operations that succeeded.

**Order and bulkId references** (§3.7.2). Operations run in request order, except that one
referencing a ``bulkId`` waits until the POST that defines it has run (a forward reference), and
then runs at once, before the operations after that POST.
An operation whose reference names no POST of the request is refused (400 ``invalidValue``); one
whose referenced POST failed is refused (409) without running. When every operation left waits
on another (a cycle, §3.7.1), scimdir breaks it as the RFC's example does: the first waiting
POST of a Group whose unresolved references are all members is created without those members,
which are added by a PATCH as soon as their POSTs ran. A cycle it cannot break (a reference
outside ``members``) answers 409 for each operation in it.

Observers see every operation as it finishes (:class:`OperationRun`); the HTTP adapter turns
each into a provisioning-log entry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from scim2_models.exceptions import ConflictException

from scimdir.scim.bulk import (
    BULK_ID_PREFIX,
    BulkOperation,
    InvalidOperation,
    OperationResult,
    bulk_response,
    parse_bulk_request,
    references,
    resolve,
)
from scimdir.scim.errors import SCIMException, invalid_value, service_unavailable, shorten
from scimdir.scim.schema import ERROR_SCHEMA, PATCH_OP_SCHEMA
from scimdir.service.context import Limits, ScimContext
from scimdir.service.groups import GroupService
from scimdir.service.ports import StorageBusy
from scimdir.service.users import UserService

__all__ = ["BulkService", "OperationRun"]

logger = logging.getLogger("scimdir.scim")

INTERNAL_ERROR = {
    "schemas": [ERROR_SCHEMA],
    "status": "500",
    "detail": "Internal server error. It has been logged; retry the operation later.",
}


@dataclass
class OperationRun:
    """One operation as it ran (or was refused), for the provisioning log.

    ``path`` is the operation's path with its references resolved (``/Users/<id>``), ``data``
    the body it sent, ``body`` the resource it answered with; ``started`` is a
    ``time.perf_counter()`` reading.
    """

    ctx: ScimContext
    result: OperationResult
    method: str
    path: str
    resource_type: str | None
    resource_id: str | None
    data: Any
    body: Any
    started: float


Observer = Callable[[OperationRun], None]


@dataclass
class _Completion:
    """The members of a group created without them to break a cycle (§3.7.1), to add later."""

    op: BulkOperation
    group_id: str
    members: list[Any]
    refs: frozenset[str]


@dataclass
class _Job:
    """The state of one bulk request while it runs."""

    ctx: ScimContext
    observe: Observer
    admit: Callable[[], None]
    defined: dict[str, int]
    fail_on_errors: int | None
    ids: dict[str, str] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    results: dict[int, OperationResult] = field(default_factory=dict)
    errors: int = 0

    @property
    def stopped(self) -> bool:
        return self.fail_on_errors is not None and self.errors >= self.fail_on_errors


class BulkService:
    """POST /Bulk."""

    def __init__(self, users: UserService, groups: GroupService, limits: Limits) -> None:
        self.users = users
        self.groups = groups
        self.limits = limits

    def run(
        self,
        ctx: ScimContext,
        body: Any,
        observe: Observer,
        admit: Callable[[], None] = lambda: None,
    ) -> dict[str, Any]:
        """Run a BulkRequest; returns the BulkResponse (RFC 7644 §3.7.3).

        ``observe`` sees each operation as it finishes; ``admit`` is called before each one
        runs and may refuse it with a SCIM error (the directory's rate limit: each operation
        counts as the request it stands for).

        :raises SCIMException: for a body that is not a BulkRequest (400) or carries more than
            ``bulk_max_operations`` operations (413); an operation's error is its own result.
        """
        request = parse_bulk_request(body, max_operations=self.limits.bulk_max_operations)
        defined: dict[str, int] = {}
        for op in request.operations:  # the first POST of a bulkId defines it
            if op.method == "POST" and op.bulk_id is not None:
                defined.setdefault(op.bulk_id, op.index)
        job = _Job(ctx, observe, admit, defined, request.fail_on_errors)
        waiting: list[BulkOperation | InvalidOperation | _Completion] = []
        for item in request.operations:
            if job.stopped:
                break
            if self._step(job, item, waiting):
                self._drain(job, waiting)
        while waiting and not job.stopped:  # what is left waits on itself: a circle
            waiting = self._break_cycle(job, waiting)
            self._drain(job, waiting)
        for left in waiting:  # stopped by failOnErrors: a half-made group says so
            if isinstance(left, _Completion):
                self._incomplete(job, left, "failOnErrors stopped the request first")
        ctx.effect = _summary(job)
        return bulk_response(list(job.results.values()))

    # --- scheduling ----------------------------------------------------------------------------

    def _step(
        self,
        job: _Job,
        item: BulkOperation | InvalidOperation | _Completion,
        waiting: list[BulkOperation | InvalidOperation | _Completion],
    ) -> bool:
        """Run ``item`` if it can run now, else put it on ``waiting``; True if it ran."""
        if isinstance(item, InvalidOperation):
            self._refuse(job, item.index, item.method, item.bulk_id, None, item.error)
            return True
        blocked = item.refs - job.ids.keys()
        if isinstance(item, _Completion):
            if any(ref in job.failed for ref in blocked):
                self._incomplete(job, item, "a POST it references failed")
                return True
            if blocked:
                waiting.append(item)
                return False
            self._complete(job, item)
            return True
        undefined = sorted(ref for ref in blocked if ref not in job.defined)
        if undefined:
            error = invalid_value(
                f"Operations[{item.index}] references {BULK_ID_PREFIX}{shorten(undefined[0])}, "
                "which is not the bulkId of any POST in this bulk request (RFC 7644 §3.7.2)."
            )
            self._refuse(job, item.index, item.method, item.bulk_id, item, error)
            return True
        failed = sorted(ref for ref in blocked if ref in job.failed)
        if failed:
            error = ConflictException(
                detail=f"Operations[{item.index}] references {BULK_ID_PREFIX}"
                f"{shorten(failed[0])}, whose POST (Operations[{job.failed[failed[0]]}]) "
                "failed; it was not run."
            )
            self._refuse(job, item.index, item.method, item.bulk_id, item, error)
            return True
        if blocked:
            waiting.append(item)
            return False
        self._run(job, item, item.data)
        return True

    def _drain(
        self, job: _Job, waiting: list[BulkOperation | InvalidOperation | _Completion]
    ) -> None:
        """Run the waiting operations that the last one unblocked, in request order, until
        none is left that can run: a forward reference runs as soon as its POST has."""
        progressed = True
        while progressed and waiting and not job.stopped:
            progressed = False
            pending, waiting[:] = list(waiting), []
            for position, item in enumerate(pending):
                if job.stopped:
                    waiting.extend(pending[position:])
                    return
                if self._step(job, item, waiting):
                    progressed = True

    def _break_cycle(
        self, job: _Job, pending: list[BulkOperation | InvalidOperation | _Completion]
    ) -> list[BulkOperation | InvalidOperation | _Completion]:
        """Every pending operation waits on another (RFC 7644 §3.7.1): create the first group
        whose unresolved references are all members without them; else refuse them all."""
        for item in pending:
            if not (
                isinstance(item, BulkOperation)
                and item.method == "POST"
                and item.resource_type == "Group"
            ):
                continue
            blocked = item.refs - job.ids.keys()
            members = _members(item.data)
            others = {k: v for k, v in item.data.items() if not _is_members_key(k)}
            if not isinstance(members, list) or blocked & set(references(others)):
                continue
            later = [m for m in members if blocked & set(references(m))]
            now = [m for m in members if not blocked & set(references(m))]
            data = {**others, "members": now}
            rest = [other for other in pending if other is not item]
            group_id = self._run(job, item, data)
            if group_id is not None:
                rest.append(_Completion(item, group_id, later, frozenset(references(later))))
            return rest
        for item in pending:
            if isinstance(item, BulkOperation):
                error = ConflictException(
                    detail=f"Operations[{item.index}] is part of a circle of bulkId references "
                    "that scimdir cannot resolve (only a group's members can be added after "
                    "the fact, RFC 7644 §3.7.1); send these operations in dependency order."
                )
                self._refuse(job, item.index, item.method, item.bulk_id, item, error)
            elif isinstance(item, _Completion):
                self._incomplete(job, item, "its references form a circle")
        return []

    # --- running -------------------------------------------------------------------------------

    def _run(self, job: _Job, op: BulkOperation, data: Any) -> str | None:
        """Run one operation through its use case; returns the id of the resource it wrote."""
        started = time.perf_counter()
        ctx = replace(job.ctx, quirks=[], effect=None)
        resource_id = op.resource_id
        if resource_id is not None and resource_id.startswith(BULK_ID_PREFIX):
            resource_id = job.ids[resource_id[len(BULK_ID_PREFIX) :]]
        data = resolve(data, job.ids) if op.refs else data
        result = OperationResult(op.index, op.method, op.bulk_id, status=500)
        if resource_id is not None:  # RFC 7644 §3.7.3: every result but a failed POST's
            result.location = f"{ctx.base_url}{op.endpoint}/{resource_id}"
        body: Any = None
        try:
            job.admit()
            status, body, version, resource_id = self._dispatch(ctx, op, resource_id, data)
            result.status, result.version = status, version
            result.location = f"{ctx.base_url}{op.endpoint}/{resource_id}"
        except SCIMException as exc:
            result.status, result.error = exc.status, exc
        except StorageBusy as exc:
            error = service_unavailable(
                f"The database is busy ({exc}); this operation changed nothing. Send it again."
            )
            result.status, result.error = error.status, error
        except Exception:
            logger.exception("unexpected error in bulk operation %d (%s)", op.index, op.method)
            result.response = dict(INTERNAL_ERROR)
        failed = result.status >= 400
        if failed:
            job.errors += 1
            if op.bulk_id is not None:
                job.failed[op.bulk_id] = op.index
        elif op.method == "POST" and op.bulk_id is not None and resource_id is not None:
            job.ids[op.bulk_id] = resource_id
        job.results[op.index] = result
        path = (
            op.endpoint
            if resource_id is None or op.method == "POST"
            else (f"{op.endpoint}/{resource_id}")
        )
        job.observe(
            OperationRun(
                ctx, result, op.method, path, op.resource_type,
                None if failed and op.method == "POST" else resource_id,
                data, body if not failed else result.response, started,
            )
        )  # fmt: skip
        return None if failed else resource_id

    def _dispatch(
        self, ctx: ScimContext, op: BulkOperation, resource_id: str | None, data: Any
    ) -> tuple[int, dict[str, Any] | None, str | None, str | None]:
        """(status, resource, version, id) of the single request the operation stands for."""
        service = self.users if op.resource_type == "User" else self.groups
        if op.method == "POST":
            resource = service.create(ctx, data)
            return 201, resource, resource["meta"]["version"], resource["id"]
        assert resource_id is not None  # only a POST has no id (scim/bulk.py)
        if op.method == "DELETE":
            service.delete(ctx, resource_id, op.version)
            return 204, None, None, resource_id
        if op.method == "PUT":
            resource, tag = service.replace(ctx, resource_id, data, op.version)
            return 200, resource, tag, resource_id
        resource, tag = service.patch(ctx, resource_id, data, op.version)
        # A group PATCH answers 204 as a single request does (Entra's expectation).
        return (200 if op.resource_type == "User" else 204), resource, tag, resource_id

    def _complete(self, job: _Job, item: _Completion) -> None:
        """Add the members a cycle held back, as a PATCH with its own log entry."""
        members = resolve(item.members, job.ids)
        body = {
            "schemas": [PATCH_OP_SCHEMA],
            "Operations": [{"op": "add", "path": "members", "value": members}],
        }
        patch = BulkOperation(
            index=item.op.index,
            method="PATCH",
            resource_type="Group",
            endpoint=item.op.endpoint,
            resource_id=item.group_id,
            bulk_id=None,
            version=None,
            data=body,
        )
        created = job.results[item.op.index]
        job.results.pop(item.op.index)
        self._run(job, patch, body)
        patched = job.results[item.op.index]
        if patched.error is None and patched.response is None:
            created.version = patched.version
            job.results[item.op.index] = created
        else:  # the group exists, without the members that failed
            patched.method, patched.bulk_id = created.method, created.bulk_id

    def _incomplete(self, job: _Job, item: _Completion, why: str) -> None:
        result = job.results[item.op.index]
        result.status = 409
        result.error = ConflictException(
            detail=f"Operations[{item.op.index}] created the group at {result.location} but "
            f"could not add the members it references by bulkId, because {why}; add them with "
            "a PATCH."
        )
        job.errors += 1

    def _refuse(
        self,
        job: _Job,
        index: int,
        method: str | None,
        bulk_id: str | None,
        op: BulkOperation | None,
        error: SCIMException,
    ) -> None:
        """An operation that did not run: its error is its result."""
        result = OperationResult(index, method, bulk_id, status=error.status, error=error)
        job.results[index] = result
        job.errors += 1
        if bulk_id is not None and job.defined.get(bulk_id) == index:
            job.failed[bulk_id] = index  # not a duplicate's: the first POST may have succeeded
        job.observe(
            OperationRun(
                replace(job.ctx, quirks=[], effect=None),
                result,
                op.method if op is not None else "POST",  # a malformed one: as POST /Bulk
                op.endpoint if op is not None else "/Bulk",
                op.resource_type if op is not None else None,
                None,
                op.data if op is not None else None,
                None,
                time.perf_counter(),
            )
        )


def _is_members_key(key: Any) -> bool:
    return isinstance(key, str) and key.lower() == "members"


def _members(data: dict[str, Any]) -> Any:
    return next((v for k, v in data.items() if _is_members_key(k)), None)


def _summary(job: _Job) -> str:
    ran = len(job.results)
    failed = sum(1 for r in job.results.values() if r.status >= 400)
    text = f"bulk: {ran} operation{'s' if ran != 1 else ''}, {failed} failed"
    if job.stopped:
        text += " (stopped by failOnErrors)"
    return text
