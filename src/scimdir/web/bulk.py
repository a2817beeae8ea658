"""``POST /Bulk`` (RFC 7644 §3.7): the HTTP adapter of :class:`scimdir.service.bulk.BulkService`.

The request goes through the SCIM pipeline of ``web/scim_api.py`` like any write: the directory's
secret authenticates it before its body is read (a ``reader`` API key gets 403, as for every
write), the body is read with ``max_body_bytes`` as its cap, the rate limit admits it once, and
the pipeline records one provisioning-log entry for the bulk request itself (its effect says how
many operations ran and failed). This module then

- refuses a body larger than the published ``maxPayloadSize`` with 413 (§3.7.4), measured by
  its ``Content-Length`` (or, sent chunked, by its compact JSON size);
- counts each operation against the directory's rate limit, as the request it stands for (one
  over the limit gets 429 as its result, so 1,000 operations in one request are not a way around
  ``rate_limit``);
- records one provisioning-log entry per operation, as if it had been a request of its own
  (method, ``/scim/<tenant>/v2/Users/<id>`` path, status, subject, effect, quirks, and for a
  failure the explanation and fix), carrying the bulk request's ``X-Request-Id`` so that
  ``scimdir directory log`` shows the operations of one bulk request together;
- counts each operation in the metrics as that request (``scimdir_scim_requests_total`` with its
  method, resource and status, and the quirks that fired); the bulk request itself counts once
  with the resource label ``Bulk``.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from scimdir.scim.bulk import check_payload_size
from scimdir.scim.errors import invalid_syntax
from scimdir.service.bulk import BulkService, OperationRun
from scimdir.service.context import ScimContext
from scimdir.web.auth import presented_secret
from scimdir.web.metrics import observe_request
from scimdir.web.outcome import Outcome
from scimdir.web.rate_limit import RateLimiter
from scimdir.web.request_log import RequestLogger

__all__ = ["BulkEndpoint"]


class BulkEndpoint:
    """The handler of ``POST /Bulk`` for the SCIM pipeline (``ScimApi.bulk``)."""

    def __init__(
        self,
        service: BulkService,
        request_log: RequestLogger,
        max_payload_bytes: int,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.service = service
        self.request_log = request_log
        self.max_payload_bytes = max_payload_bytes
        self.rate_limiter = rate_limiter

    def __call__(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        """Check the payload size, run the operations, answer 200 with the BulkResponse."""
        check_payload_size(_size(request, body), self.max_payload_bytes)
        presented = presented_secret(
            request.headers.get("authorization"), request.path_params["tenant"]
        )
        base = request.scope["path"].removesuffix("/Bulk")

        def record(run: OperationRun) -> None:
            self._record(request, base, presented, run)

        def admit() -> None:
            if self.rate_limiter is not None:
                settings = ctx.settings
                self.rate_limiter.admit(ctx.directory_id, settings.rate_limit, settings.burst())

        return Outcome(self.service.run(ctx, body, record, admit))

    def _record(
        self, request: Request, base: str, presented: str | None, run: OperationRun
    ) -> None:
        """One operation's provisioning-log entry, built as a single request's would be."""
        scope = {**request.scope, "method": run.method, "path": base + run.path}
        scope["query_string"] = b""
        result = run.result
        elapsed = self.request_log.served(
            Request(scope),
            run.ctx,
            presented=presented,
            resource_type=run.resource_type,
            resource_id=run.resource_id,
            status=result.status,
            started=run.started,
            request_body=run.data,
            response_body=run.body,
            error=result.error,
        )
        observe_request(
            run.method,
            run.resource_type,
            result.status,
            run.ctx.quirks,
            elapsed,
            directory=run.ctx.directory_id,
        )


def _size(request: Request, body: Any) -> int:
    """The body's size in bytes: its ``Content-Length``, else its compact JSON encoding."""
    length = request.headers.get("content-length", "")
    if length.isdigit():
        return int(length)
    try:
        return len(orjson.dumps(body))
    except orjson.JSONEncodeError as exc:  # nested deeper than any SCIM document
        raise invalid_syntax(f"The bulk request cannot be read ({exc}).") from exc
