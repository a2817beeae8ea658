"""The provisioning-log entry of a SCIM request: built here, queued on the log sink.

Called once per request by the SCIM pipeline (``web/scim_api.py``): :meth:`RequestLogger.refused`
for a request whose credentials did not open the directory (the reason comes from
``DirectoryService.diagnose_auth_failure``, called by the log writer for failures only), and
:meth:`RequestLogger.served` for every other request. On the request path an entry costs a
tuple of facts the ASGI scope already holds, a clock reading and a queue append (a few
microseconds); the entry itself, the redaction of its path, user agent and subject, and for a
failure the explanation (``service/explanations.py``) and redacted bodies, are built by the log
writer thread. A successful request, most of the traffic, queues its facts for
:func:`_served_row` (``LogSink.defer_row``), which builds the stored row directly; a failure or
a refusal queues a closure that builds a :class:`LogRecord` (``LogSink.defer``). The presented
secret is redacted from everything the entry keeps, whatever field it was pasted into.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from starlette.requests import Request
from starlette.types import Scope

from scimdir.scim.errors import SCIMException, error_body
from scimdir.service.context import ScimContext
from scimdir.service.directories import DirectoryService
from scimdir.service.explanations import Failure, explain
from scimdir.service.log_sink import DROPPED, LogSink
from scimdir.service.ports import LogRecord, LogRow
from scimdir.service.redaction import REDACTED, body_for_log, redact_text
from scimdir.service.runtime import utc_at_ns, utc_now
from scimdir.web.request_id import request_id_of

__all__ = ["AUTH_FAILURES", "RequestLogger"]

logger = logging.getLogger(__name__)

AUTH_FAILURES = Counter(
    "scimdir_auth_failures_total",
    "SCIM requests refused 401, by reason (unknown_tenant, no_credentials, wrong_secret, "
    "revoked_secret, expired_secret).",
    ["reason"],
)


def _path(path: str, query: bytes, secrets: tuple[str, ...]) -> str:
    if not query:
        return path
    return redact_text(f"{path}?{query.decode('latin-1')}", secrets)


@functools.lru_cache(maxsize=256)
def _agent(agent: str) -> str:
    """A user agent with credential-looking values redacted (IdPs send a handful of distinct
    user agents, so this is cached)."""
    return redact_text(agent)


def _not_recorded() -> None:
    logger.exception("could not build a provisioning log entry; the request is unaffected")
    DROPPED.labels("error").inc()


def _subject(body: Any) -> str | None:
    if isinstance(body, dict):
        for key in ("userName", "displayName"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return None


class RequestLogger:
    """Turns a served or refused SCIM request into a :class:`LogRecord` on the sink."""

    def __init__(
        self, sink: LogSink, directories: DirectoryService, clock: Callable[[], datetime]
    ) -> None:
        self.sink = sink
        self.directories = directories
        self.clock = clock
        # The system clock is read as an integer on the request path (time.time_ns, a tenth of
        # utc_now's cost) and turned into utc_now's datetime by the writer (utc_at_ns).
        self._clock_ns = clock is utc_now

    def _common(self, request: Request, presented: str | None) -> dict[str, Any]:
        return _common_of(_capture(request.scope), presented)

    def refused(self, request: Request, tenant: str, presented: str | None, started: float) -> None:
        """Record a 401: the reason, for the directory the tenant names (None if unknown).

        The request path only captures the request; the reason is diagnosed by the log writer
        (``LogSink.defer``), so a refusal costs the same whether the tenant exists or not, and
        a flood of bad credentials adds no database reads to the requests. Never raises."""
        if not self.sink.enabled:
            return
        try:
            common = self._common(request, presented)
            now = self.clock()
            duration_ms = round((time.perf_counter() - started) * 1000, 3)
        except Exception:
            _not_recorded()
            return

        def build() -> LogRecord:
            return self._refused_entry(tenant, presented, common, now, duration_ms)

        self.sink.defer(build)

    def _refused_entry(
        self,
        tenant: str,
        presented: str | None,
        common: dict[str, Any],
        now: datetime,
        duration_ms: float,
    ) -> LogRecord:
        diagnosis = self.directories.diagnose_auth_failure(tenant, presented)
        AUTH_FAILURES.labels(diagnosis.reason).inc()
        explanation = explain(
            Failure(
                401,
                method=common["method"],
                directory_id=diagnosis.directory_id,
                auth_reason=diagnosis.reason,
                rotated_at=diagnosis.rotated_at,
                now=now,
            )
        )
        return LogRecord(
            directory_id=diagnosis.directory_id,
            status=401,
            created=now,
            duration_ms=duration_ms,
            category="auth",
            detail=f"authentication refused: {diagnosis.reason.replace('_', ' ')}",
            problem=explanation.kind,
            explanation=explanation.text,
            fix=explanation.fix,
            **common,
        )

    def served(
        self,
        request: Request,
        ctx: ScimContext,
        *,
        presented: str | None,
        resource_type: str | None,
        resource_id: str | None,
        status: int,
        started: float,
        request_body: Any = None,
        response_body: Any = None,
        error: SCIMException | None = None,
    ) -> float:
        """Record a request the directory's credentials opened; returns the elapsed seconds.

        Never raises: a request's answer never depends on its log entry."""
        elapsed = time.perf_counter() - started
        if not self.sink.enabled:
            return elapsed
        try:
            # The request path only captures facts (a tuple of what the scope already holds);
            # the entry, with its redacted path, user agent and subject, is built by the writer.
            if status >= 400:
                self._failed(
                    request, ctx, presented, resource_type, resource_id, status, elapsed,
                    request_body, response_body, error,
                )  # fmt: skip
                return elapsed
            # Plain values only: the bodies and the context are not kept until the next batch.
            self.sink.defer_row(
                _served_row,
                ctx.directory.id,
                status,
                time.time_ns() if self._clock_ns else self.clock(),
                elapsed,
                resource_type,
                resource_id,
                _subject(response_body) or _subject(request_body),
                ctx.effect,
                tuple(ctx.kept_undeclared),
                tuple(ctx.quirks),
                presented,
                _capture(request.scope),
            )
        except Exception:
            _not_recorded()
        return elapsed

    def _failed(
        self,
        request: Request,
        ctx: ScimContext,
        presented: str | None,
        resource_type: str | None,
        resource_id: str | None,
        status: int,
        elapsed: float,
        request_body: Any,
        response_body: Any,
        error: SCIMException | None,
    ) -> None:
        """Queue a failed request's entry: a :class:`LogRecord` with its explanation and
        redacted bodies, built by the writer."""
        captured = _capture(request.scope)
        created = self.clock()
        subject = _subject(response_body) or _subject(request_body)
        directory_id, quirks = ctx.directory_id, ctx.quirks
        effect = _with_kept(ctx.effect, ctx.kept_undeclared)
        idp = ctx.directory.idp

        def build() -> LogRecord:
            entry = LogRecord(
                directory_id=directory_id,
                status=status,
                created=created,
                duration_ms=round(elapsed * 1000, 3),
                resource_type=resource_type,
                resource_id=resource_id,
                subject=subject.replace(presented, REDACTED) if subject and presented else subject,
                effect=effect,
                quirks=tuple(dict.fromkeys(quirks)),
                **_common_of(captured, presented),
            )
            # A failure's explanation and its redacted bodies (possibly megabytes of hostile
            # input) are built here too, never while the client waits for its answer.
            return _with_failure(entry, idp, presented, request_body, response_body, error)

        self.sink.defer(build)


_Captured = tuple[str | None, str, str, bytes, str | None, str | None]


def _served_row(
    directory_id: str,
    status: int,
    created: datetime | int,
    elapsed: float,
    resource_type: str | None,
    resource_id: str | None,
    subject: str | None,
    effect: str | None,
    kept: tuple[str, ...],
    quirks: tuple[str, ...],
    presented: str | None,
    captured: _Captured,
) -> LogRow:
    """A successful request's log row (runs on the log writer): column for column the
    :class:`LogRecord` such a request had, ``LOG_ROW_COLUMNS`` of ``service/ports.py``."""
    request_id, method, path, query, client, agent = captured
    if isinstance(created, int):  # time.time_ns() of the system clock
        created = utc_at_ns(created)
    if agent is not None:
        agent = _agent(agent)
        if presented and presented in agent:
            agent = agent.replace(presented, REDACTED)
    if query:
        path = _path(path, query, (presented,) if presented else ())
    if subject and presented:
        subject = subject.replace(presented, REDACTED)
    return (
        directory_id,
        "request",
        request_id,
        method,
        path,
        status,
        None,  # scim_type
        resource_type,
        resource_id,
        subject,
        _with_kept(effect, kept) if kept else effect,
        None,  # problem
        None,  # detail
        None,  # explanation
        None,  # fix
        round(elapsed * 1000, 3),
        client,
        agent,
        None,  # request_body
        None,  # response_body
        tuple(dict.fromkeys(quirks)) if quirks else (),
        created,
    )


def _capture(scope: Scope) -> _Captured:
    """What a log entry needs from the request, read from the ASGI scope without parsing:
    request id, method, path, raw query, client address, raw user agent."""
    agent: str | None = None
    for key, value in scope.get("headers", ()):
        if key == b"user-agent":
            agent = value.decode("latin-1")
            break
    client = scope.get("client")
    return (
        request_id_of(scope),
        scope["method"],
        scope["path"],
        scope.get("query_string", b""),
        client[0] if client else None,
        agent,
    )


def _common_of(captured: _Captured, presented: str | None) -> dict[str, Any]:
    """The request's log fields, redacted (runs on the log writer for served requests)."""
    request_id, method, path, query, client, agent = captured
    if agent is not None:
        agent = _agent(agent)
        if presented and presented in agent:
            agent = agent.replace(presented, REDACTED)
    return {
        "request_id": request_id,
        "method": method,
        "path": _path(path, query, (presented,) if presented else ()),
        "client": client,
        "user_agent": agent,
    }


def _with_failure(
    entry: LogRecord,
    idp: str,
    presented: str | None,
    request_body: Any,
    response_body: Any,
    error: SCIMException | None,
) -> LogRecord:
    """``entry`` completed with the failure's kind, explanation, fix and redacted bodies."""
    secrets = (presented,) if presented else ()
    detail = error.detail if error is not None else "Internal server error."
    scim_type = (error.scim_type or None) if error is not None else None
    explanation = explain(
        Failure(
            entry.status,
            scim_type=scim_type,
            detail=detail,
            method=entry.method,
            resource_type=entry.resource_type,
            idp=idp,
            directory_id=entry.directory_id,
            facts=error.context if error is not None else {},
            body=request_body,
        )
    )
    entry.scim_type = scim_type
    entry.detail = redact_text(detail, secrets)
    entry.problem = explanation.kind
    entry.explanation = explanation.text
    entry.fix = explanation.fix
    entry.request_body = body_for_log(request_body, secrets)
    failure_body = error_body(error) if error is not None else response_body
    entry.response_body = body_for_log(failure_body, secrets)
    return entry


def _with_kept(effect: str | None, kept: Sequence[str]) -> str | None:
    """The effect, plus the undeclared extension attributes the request kept as sent
    (``undeclared_attributes=keep``, scimdir.service.undeclared)."""
    if not kept:
        return effect
    names = ", ".join(dict.fromkeys(kept))
    note = f"kept undeclared (not filterable): {names}"
    return f"{effect}; {note}" if effect else note
