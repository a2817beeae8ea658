"""Overload protection for the SCIM API: a bounded number of requests in flight, and a deadline.

An ASGI middleware around the whole application; only paths under ``/scim/`` are guarded, so
``/healthz`` and ``/metrics`` answer even when the SCIM API is saturated (a load balancer must
not take a busy process for a dead one).

- **In flight** (``SCIMDIR_MAX_IN_FLIGHT`` per process): a request that arrives while that many
  are being served is answered at once with 503 and ``Retry-After`` (RFC 9110 §15.6.4), not
  queued: without a bound, a burst queues for the thread pool without limit and every request
  of the queue times out at the client instead of a few being refused quickly. A request counts
  until its work has really finished (a timed-out request whose database work is still running
  in a thread still counts), so the bound is a bound on work, not on open responses.
- **Deadline** (``SCIMDIR_REQUEST_TIMEOUT_SECONDS``): a request that has not started its response
  after that long gets 503 and ``Retry-After``; the client never hangs. The request is then
  cancelled where it waits (for its body, for a worker thread). Work already running in a thread
  cannot be interrupted: it finishes (commits or rolls back) on its own, so a 503 after a
  deadline means "outcome unknown", exactly like a client-side timeout; IdPs reconcile on their
  next cycle by looking the resource up (docs/deployment.md, "Timeouts").

Both answers carry a SCIM error body (RFC 7644 §3.12) so that IdPs log a readable detail.
"""

from __future__ import annotations

import asyncio

import anyio
from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimdir.scim.errors import SCIMException
from scimdir.web.http import error_response
from scimdir.web.request_id import REQUEST_ID_KEY, assign_request_id, with_request_id

__all__ = ["OverloadGuard", "ServiceUnavailable"]

SHED = Counter(
    "scimdir_shed_requests_total",
    "SCIM requests answered 503 by the overload guard, by reason (in_flight, deadline).",
    ["reason"],
)


class ServiceUnavailable(SCIMException):
    """503: the process is at capacity or the request ran out of time; retry later."""

    status = 503
    _default_detail = "The server is busy; retry after the Retry-After delay."

    def __init__(self, *, detail: str, retry_after: int) -> None:
        super().__init__(detail=detail)
        self.retry_after = retry_after


class OverloadGuard:
    """ASGI middleware: at most ``max_in_flight`` SCIM requests, each within ``timeout`` s."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_in_flight: int,
        timeout: float,
        prefix: str = "/scim/",
        retry_after: int = 1,
    ) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.prefix = prefix
        self.retry_after = retry_after
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Admit, bound and time one request (other scopes and paths pass through)."""
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            SHED.labels("in_flight").inc()
            await self._refuse(
                scope,
                receive,
                send,
                f"The server is serving its maximum of {self.max_in_flight} requests; "
                "retry after the Retry-After delay.",
                assign_request_id(scope),
            )
            return
        self.in_flight += 1
        try:
            await self._serve(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The deadline is a timer on the event loop and an anyio cancel scope, not a task group
        # with a sleeping task: per request that is one timer handle instead of a task spawned,
        # cancelled and joined (a task group cost a fifth of a lookup, docs/performance.md).
        # The 503 is sent by a task created only when the deadline fires, so a request whose
        # work is shielded in a thread is answered at once and keeps its slot until it ends.
        request_id = assign_request_id(scope)
        started = False
        refusal: asyncio.Task[None] | None = None

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refusal is not None:
                return  # the deadline already answered; the late response is dropped
            if message["type"] == "http.response.start":
                started = True
                message = with_request_id(message, request_id)
            await send(message)

        async def refuse_late() -> None:
            await self._refuse(scope, receive, send, self._late_detail(), request_id)

        def deadline() -> None:
            nonlocal refusal
            if started:
                return
            SHED.labels("deadline").inc()
            refusal = asyncio.get_running_loop().create_task(refuse_late())
            cancel.cancel()

        timer = asyncio.get_running_loop().call_later(self.timeout, deadline)
        try:
            with anyio.CancelScope() as cancel:
                await self.app(scope, receive, guarded_send)
        finally:
            timer.cancel()
            if refusal is not None:
                await refusal

    def _late_detail(self) -> str:
        return (
            f"The request did not complete within {self.timeout:g} seconds; its outcome is "
            "unknown. Retry after the Retry-After delay (read the resource first if the request "
            "was a write)."
        )

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, detail: str, request_id: bytes
    ) -> None:
        response = error_response(ServiceUnavailable(detail=detail, retry_after=self.retry_after))
        response.raw_headers.append((REQUEST_ID_KEY, request_id))
        await response(scope, receive, send)
