"""The SCIM 2.0 HTTP API (RFC 7644) under ``/scim/<tenant id>/v2``: a thin adapter over the
service layer.

Each request: refuse unchecked a secret that keeps failing from the same address
(:mod:`scimdir.web.auth_throttle`, 429), authenticate the directory from the tenant id and the
secret, only then read the body (streamed, refused with 413 past ``max_body_bytes``), hand it to
the use case (which applies the directory's IdP dialect), render SCIM JSON, and queue a
provisioning log entry (``web/request_log.py``). A GET authenticates and reads in one unit of
work, an index probe on the event loop (``inline_reads``; on PostgreSQL its waits for the
server are awaited there, ``web/db_threads.py``); a request with a body authenticates before its
body is read, then runs the use case in a worker thread. Nothing on the request path writes the
secret's last use (:class:`scimdir.service.last_use.LastUseRecorder` does, in batches), so a read
never waits for a writer; a writer that cannot get the database in time gets 503 with
``Retry-After``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scimdir.scim.dialects import dialect_for
from scimdir.scim.errors import (
    SCIMException,
    forbidden,
    not_found,
    service_unavailable,
    too_many_requests,
    unauthorized,
)
from scimdir.service.api_keys import ApiKeyService
from scimdir.service.context import Limits, ScimContext
from scimdir.service.directories import Authenticated, DirectoryService
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.groups import GroupService
from scimdir.service.log_sink import LogSink
from scimdir.service.ports import LookupHint, ReadTimeLimit, StorageBusy, UserHint
from scimdir.service.root_search import search_all
from scimdir.service.runtime import API_KEY_PREFIX, Runtime
from scimdir.service.unit_of_work import read_scope
from scimdir.service.users import UserService
from scimdir.web import discovery
from scimdir.web.auth import presented_secret
from scimdir.web.auth_throttle import FailureThrottle
from scimdir.web.db_threads import SMALL_WRITE_BYTES, DatabaseThreads, may_scan
from scimdir.web.http import INTERNAL_ERROR_BODY, ScimResponse, error_response, read_json
from scimdir.web.list_params import list_params, lookup_hint, search_body
from scimdir.web.metrics import observe_request
from scimdir.web.outcome import Outcome, conditional, created, plain_list
from scimdir.web.rate_limit import RateLimiter
from scimdir.web.request_log import RequestLogger

logger = logging.getLogger("scimdir.scim")

# Seconds a client is asked to wait (``Retry-After``) when the database stayed busy.
BUSY_RETRY_AFTER = 5


Handler = Callable[[ScimContext, Request, Any], Outcome]


@dataclass
class ScimApi:
    """The SCIM routes bound to their services."""

    directories: DirectoryService
    users: UserService
    groups: GroupService
    log_sink: LogSink
    runtime: Runtime
    limits: Limits
    public_url: str
    max_body_bytes: int
    inline_reads: bool = True
    awaiting_reads: bool = True
    """PostgreSQL: the loop's reads await the server instead of blocking the loop."""
    throttle: FailureThrottle = field(default_factory=FailureThrottle)
    rate_limiter: RateLimiter | None = None
    api_keys: ApiKeyService | None = None
    """Lets a ``reader`` API key read its directory (``_authenticate``); None: secrets only."""
    bulk: Handler | None = None  # POST /Bulk (web/bulk.py), through this same pipeline
    read_time_limit: float | None = None
    """Seconds a read that may scan runs before the database interrupts it (SQLite)."""
    single_writer: bool = True
    """Writes on one dedicated thread (SQLite has one writer); PostgreSQL's in the pool."""

    def __post_init__(self) -> None:
        self.request_log = RequestLogger(self.log_sink, self.directories, self.runtime.clock)
        self.threads = DatabaseThreads(
            single_writer=self.single_writer,
            read_time_limit=self.read_time_limit,
            storage=self.directories.storage,
            awaiting_reads=self.awaiting_reads,
        )

    def routes(self) -> list[Route]:
        """The Starlette routes, relative to ``/scim/{tenant}/v2``."""
        r = self._route
        bulk = (
            [Route("/Bulk", r("Bulk", self.bulk, body=True), methods=["POST"])] if self.bulk else []
        )
        return [
            Route("/Users", r("User", self._list_users), methods=["GET"]),
            Route("/Users", r("User", self._create_user, body=True), methods=["POST"]),
            Route("/Users/.search", r("User", self._search_users, body=True), methods=["POST"]),
            Route("/Users/{id}", r("User", self._get_user), methods=["GET"]),
            Route("/Users/{id}", r("User", self._replace_user, body=True), methods=["PUT"]),
            Route("/Users/{id}", r("User", self._patch_user, body=True), methods=["PATCH"]),
            Route("/Users/{id}", r("User", self._delete_user), methods=["DELETE"]),
            Route("/Groups", r("Group", self._list_groups), methods=["GET"]),
            Route("/Groups", r("Group", self._create_group, body=True), methods=["POST"]),
            Route("/Groups/.search", r("Group", self._search_groups, body=True), methods=["POST"]),
            Route("/Groups/{id}", r("Group", self._get_group), methods=["GET"]),
            Route("/Groups/{id}", r("Group", self._replace_group, body=True), methods=["PUT"]),
            Route("/Groups/{id}", r("Group", self._patch_group, body=True), methods=["PATCH"]),
            Route("/Groups/{id}", r("Group", self._delete_group), methods=["DELETE"]),
            Route("/.search", r(None, self._search_root, body=True), methods=["POST"]),
            Route("/ServiceProviderConfig", r(None, self._spc), methods=["GET"]),
            Route("/ResourceTypes", r(None, self._resource_types), methods=["GET"]),
            Route("/ResourceTypes/{id}", r(None, self._resource_type), methods=["GET"]),
            Route("/Schemas", r(None, self._schemas), methods=["GET"]),
            Route("/Schemas/{id}", r(None, self._schema), methods=["GET"]),
            *bulk,
        ]

    # --- the request pipeline ----------------------------------------------------------------

    def _route(
        self, resource_type: str | None, handler: Handler, *, body: bool = False
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            call = _Call(request, resource_type, handler, time.perf_counter())
            if call.secret is not None:
                wait = self.throttle.refuse_before_checking(call.throttle_key, call.secret)
                if wait is not None:
                    return self._refusal(call, wait)
            if not body:
                if request.method != "GET":
                    if resource_type == "User":  # a user's delete: its rows, a few
                        return await self.threads.small_write(self._serve, call)
                    return await self.threads.write(self._serve, call)  # a group's: members
                if not self.inline_reads:
                    return await run_in_threadpool(self._serve, call)
                if may_scan(resource_type, "id" in request.path_params, request.query_params):
                    return await self.threads.scan(self._serve, call)
                # An index probe is a few hundred microseconds of CPU: serving it on the event
                # loop saves the worker-thread hop (docs/performance.md).
                return await self.threads.inline(self._serve, call)
            # Authenticate before reading a byte of the body: an anonymous client cannot make
            # the server buffer anything. Then stream the body with the cap (413 past it).
            try:
                hint = _user_hint(call)
                if self.inline_reads:
                    auth = await self.threads.inline(self._authenticate, call, hint)
                else:
                    auth = await run_in_threadpool(self._authenticate, call, hint)
            except StorageBusy as exc:
                return self._unavailable(call, exc)
            if auth is None:
                return self._refusal(call, call.retry_after)
            raw: Any = None
            body_error: SCIMException | None = None
            try:
                raw = await read_json(request, self.max_body_bytes)
            except SCIMException as exc:
                body_error = exc
            if _writes(request):
                small = _small(request, resource_type, raw)
                write = self.threads.small_write if small else self.threads.write
                response = await write(self._handle, call, auth, raw, body_error)
            elif self.inline_reads:
                response = await self.threads.scan(self._handle, call, auth, raw, body_error)
            else:
                response = await run_in_threadpool(self._handle, call, auth, raw, body_error)
            self.directories.mark_used(auth)
            return response

        return endpoint

    def _serve(self, call: _Call) -> Response:
        """Authenticate and run a bodiless request; a GET does both in one read-only snapshot."""
        try:
            if call.request.method == "GET":
                hint: LookupHint | UserHint | None = _user_hint(call)
                if call.resource_type is not None and "id" not in call.request.path_params:
                    # A matching query's lookup, read by authentication's own statement.
                    hint = lookup_hint(call.resource_type, call.request.query_params, self.limits)
                with read_scope(self.directories.storage):
                    auth = self._authenticate(call, hint)
                    if auth is None:
                        return self._refusal(call, call.retry_after)
                    response = self._handle(call, auth, None, None)
            else:
                auth = self._authenticate(call, _user_hint(call))
                if auth is None:
                    return self._refusal(call, call.retry_after)
                response = self._handle(call, auth, None, None)
        except StorageBusy as exc:  # the authentication's (the use case's are _handle's)
            return self._unavailable(call, exc)
        self.directories.mark_used(auth)  # in memory: a read never takes the write lock
        return response

    def _unavailable(self, call: _Call, exc: StorageBusy) -> Response:
        """503 for a request whose authentication could not read the database in time (a
        table locked by a schema change, a wedged server): the client may retry; the server
        log says why (no directory is known yet to log it under)."""
        error = self._busy(exc)
        logger.warning(
            "%s %s answered 503: authentication could not read the database (%s)",
            call.request.method,
            call.request.url.path,
            exc,
        )
        elapsed = time.perf_counter() - call.started
        observe_request(call.request.method, call.resource_type, error.status, (), elapsed)
        return error_response(error, retry_after=BUSY_RETRY_AFTER)

    def _busy(self, exc: StorageBusy) -> SCIMException:
        """The 503 for a read stopped at its time limit or a database that stayed busy."""
        if isinstance(exc, ReadTimeLimit):
            limit = exc.limit_seconds or self.read_time_limit or 0
            return service_unavailable(
                f"The read did not finish within its time limit of {limit:g} "
                "seconds and was stopped; narrow the filter or ask for smaller pages. "
                f"Retry after {BUSY_RETRY_AFTER} seconds."
            )
        return service_unavailable(
            f"The database is busy ({exc}); nothing was changed. "
            f"Retry after {BUSY_RETRY_AFTER} seconds."
        )

    def _authenticate(
        self, call: _Call, hint: LookupHint | UserHint | None = None
    ) -> Authenticated | None:
        """The request's directory, or None (then ``call.retry_after`` says 401 or 429);
        ``hint``: see :meth:`DirectoryService.authenticate` (a reader key ignores it)."""
        if call.secret is None:
            return None
        auth = None
        if self.api_keys is not None and call.secret.startswith(API_KEY_PREFIX):
            auth = self.api_keys.open_directory(call.tenant, call.secret)
        if auth is None:
            auth = self.directories.authenticate(call.tenant, call.secret, prefetch=hint)
        if auth is None:
            call.retry_after = self.throttle.failed(call.throttle_key, call.secret)
        return auth

    def _refusal(self, call: _Call, retry_after: int | None) -> Response:
        """401 for missing or wrong credentials; 429 once the key is out of failures. Either is
        recorded in the provisioning log, whose writer thread diagnoses the reason."""
        if retry_after is None:
            exc = unauthorized(
                "Missing or wrong credentials. Send the directory's secret as "
                "'Authorization: Bearer <secret>' (in Entra: the Secret Token field)."
            )
        else:
            exc = too_many_requests(
                "Too many failed authentications from this address for this tenant; check the "
                f"secret and retry after {retry_after} seconds."
            )
        self.request_log.refused(call.request, call.tenant, call.secret, call.started)
        elapsed = time.perf_counter() - call.started
        observe_request(call.request.method, call.resource_type, exc.status, (), elapsed)
        return error_response(exc, retry_after=retry_after)

    def _context(self, call: _Call, auth: Authenticated, *, stored: bool = True) -> ScimContext:
        """The use case's context; ``stored=False`` uses default settings (for logging a
        request whose directory's stored settings this release cannot read)."""
        directory = auth.directory
        return ScimContext(
            directory=directory,
            base_url=f"{self.public_url}/scim/{call.tenant}/v2",
            dialect=dialect_for(directory.idp),
            settings=DirectorySettings.of(directory) if stored else DirectorySettings(),
            read_ahead=auth.read_ahead,
        )

    def _handle(
        self,
        call: _Call,
        auth: Authenticated,
        raw: Any,
        body_error: SCIMException | None,
    ) -> Response:
        """Run the use case of an authenticated request and queue its log entry."""
        request = call.request
        ctx: ScimContext | None = None
        error: SCIMException | None = None
        body: Any = None
        resource_id = request.path_params.get("id")
        try:
            # Inside the try: a stored setting this release cannot read is a logged SCIM error.
            ctx = self._context(call, auth)
            if self.rate_limiter is not None:
                settings = ctx.settings
                self.rate_limiter.admit(auth.directory.id, settings.rate_limit, settings.burst())
            if auth.read_only and _writes(request):
                raise forbidden(
                    "Reader API keys are read-only: this key may GET and search the directory's "
                    "Users and Groups; writes need the directory's secret."
                )
            if body_error is not None:
                raise body_error
            outcome = call.handler(ctx, request, raw)
            resource_id, body = outcome.resource_id or resource_id, outcome.body
            response: Response = (
                Response(status_code=outcome.status, headers=outcome.headers)
                if outcome.body is None
                else ScimResponse(outcome.body, status_code=outcome.status, headers=outcome.headers)
            )
        except SCIMException as exc:
            response, error = error_response(exc), exc
        except StorageBusy as exc:  # ReadTimeLimit included
            error = self._busy(exc)
            response = error_response(error, retry_after=BUSY_RETRY_AFTER)
        except Exception:
            logger.exception("unexpected error serving %s %s", request.method, request.url.path)
            response = ScimResponse(INTERNAL_ERROR_BODY, status_code=500)
            body = INTERNAL_ERROR_BODY
        if ctx is None:
            ctx = self._context(call, auth, stored=False)
        elapsed = self.request_log.served(
            request,
            ctx,
            presented=call.secret,
            resource_type=call.resource_type,
            resource_id=resource_id,
            status=response.status_code,
            started=call.started,
            request_body=raw,
            response_body=body,
            error=error,
        )
        observe_request(
            request.method,
            call.resource_type,
            response.status_code,
            ctx.quirks,
            elapsed,
            directory=auth.directory.id,
        )
        return response

    # --- users -------------------------------------------------------------------------------

    def _list_users(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        return Outcome(self.users.search(ctx, list_params(request.query_params)))

    def _search_users(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        return Outcome(self.users.search(ctx, search_body(body)))

    def _create_user(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        resource = self.users.create(ctx, body)
        return created(resource)

    def _get_user(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        q = request.query_params
        resource, tag = self.users.get(
            ctx, request.path_params["id"], q.get("attributes"), q.get("excludedAttributes")
        )
        return conditional(request, resource, tag)

    def _replace_user(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        resource, tag = self.users.replace(
            ctx, request.path_params["id"], body, request.headers.get("if-match")
        )
        return Outcome(resource, headers={"ETag": tag})

    def _patch_user(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        resource, tag = self.users.patch(
            ctx, request.path_params["id"], body, request.headers.get("if-match")
        )
        return Outcome(resource, headers={"ETag": tag})

    def _delete_user(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        self.users.delete(ctx, request.path_params["id"], request.headers.get("if-match"))
        return Outcome(None, status=204)

    # --- groups ------------------------------------------------------------------------------

    def _list_groups(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        return Outcome(self.groups.search(ctx, list_params(request.query_params)))

    def _search_groups(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        return Outcome(self.groups.search(ctx, search_body(body)))

    def _create_group(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        return created(self.groups.create(ctx, body))

    def _get_group(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        q = request.query_params
        resource, tag = self.groups.get(
            ctx, request.path_params["id"], q.get("attributes"), q.get("excludedAttributes")
        )
        return conditional(request, resource, tag)

    def _replace_group(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        q = request.query_params
        resource, tag = self.groups.replace(
            ctx,
            request.path_params["id"],
            body,
            request.headers.get("if-match"),
            q.get("attributes"),
            q.get("excludedAttributes"),
        )
        return Outcome(resource, headers={"ETag": tag})

    def _patch_group(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        """Group PATCH answers 204 (Entra §5.4), or 200 with the group when the client asks for
        attributes (RFC 7644 §3.5.2); the service validates them before writing."""
        q = request.query_params
        attributes, excluded = q.get("attributes"), q.get("excludedAttributes")
        resource, tag = self.groups.patch(
            ctx,
            request.path_params["id"],
            body,
            request.headers.get("if-match"),
            attributes,
            excluded,
        )
        if attributes or excluded:
            return Outcome(resource, headers={"ETag": tag})
        return Outcome(None, status=204, headers={"ETag": tag})

    def _delete_group(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        self.groups.delete(ctx, request.path_params["id"], request.headers.get("if-match"))
        return Outcome(None, status=204)

    # --- root --------------------------------------------------------------------------------

    def _search_root(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        """RFC 7644 §3.4.3: a SearchRequest at the root searches Users and Groups together."""
        return Outcome(search_all(self.users, self.groups, self.limits, ctx, search_body(body)))

    # --- discovery ---------------------------------------------------------------------------

    def _spc(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        return Outcome(discovery.service_provider_config(ctx.base_url, self.limits))

    def _resource_types(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        items = discovery.resource_types(ctx.base_url, (ctx.user_type, ctx.group_type))
        return Outcome(plain_list(items))

    def _resource_type(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        wanted = request.path_params["id"]
        for item in discovery.resource_types(ctx.base_url, (ctx.user_type, ctx.group_type)):
            if item["id"] == wanted:
                return Outcome(item)
        raise not_found(f"No resource type {wanted}; there are User and Group.")

    def _schemas(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        return Outcome(plain_list(discovery.schemas(ctx.base_url, (ctx.user_type, ctx.group_type))))

    def _schema(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        wanted = request.path_params["id"]
        for item in discovery.schemas(ctx.base_url, (ctx.user_type, ctx.group_type)):
            if item["id"] == wanted:
                return Outcome(item)
        raise not_found(f"No schema {wanted}.")


def _writes(request: Request) -> bool:
    """Whether the request changes the directory (a POST to ``.search`` only reads,
    RFC 7644 §3.4.3)."""
    if request.method in ("GET", "HEAD"):
        return False
    # The scope's path, not ``request.url``: building the URL parses the Host header and the
    # query string (about 4 µs, twice per write).
    return not (request.method == "POST" and request.scope["path"].endswith("/.search"))


def _small(request: Request, resource_type: str | None, body: Any) -> bool:
    """Whether a write's work is bounded enough to run on the event loop: a body it announced
    as at most ``SMALL_WRITE_BYTES``, and either a user's (its rows are a handful whatever the
    directory's size) or a group PATCH that only adds or removes the members it names
    (Entra's membership sync, docs/idp/entra.md §5) and asks for no group in its answer. Not
    another group write: a short body may replace or remove 500,000 members."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > SMALL_WRITE_BYTES:
        return False
    if resource_type == "User":
        return True
    if resource_type != "Group" or request.method != "PATCH" or request.scope["query_string"]:
        return False  # ?attributes= would render the group, members and all
    return _names_members(body)


def _names_members(body: Any) -> bool:
    """A PATCH body whose every operation adds or removes members given by value (a list of
    ``{"value": id}``), or removes one member by a ``members[value eq "id"]`` path."""
    operations = body.get("Operations") if isinstance(body, dict) else None
    if not isinstance(operations, list) or not operations:
        return False
    for operation in operations:
        if not isinstance(operation, dict):
            return False
        op, path = operation.get("op"), operation.get("path")
        if not isinstance(op, str) or not isinstance(path, str):
            return False
        op, path = op.lower(), path.strip()
        if path.lower() == "members" and op in ("add", "remove"):
            if not isinstance(operation.get("value"), list) or not operation["value"]:
                return False  # a remove without values removes every member
        elif not (op == "remove" and _ONE_MEMBER.fullmatch(path)):
            return False
    return True


_ONE_MEMBER = re.compile(r'members\[\s*value\s+eq\s+"[^"\\]*"\s*\]', re.IGNORECASE)


def _user_hint(call: _Call) -> UserHint | None:
    """The user a request on ``/Users/{id}`` names, for its authentication's statement to read
    along (``Transaction.authenticate``): one round trip fewer on PostgreSQL for a GET, PUT,
    PATCH or DELETE of a user."""
    user_id = call.request.path_params.get("id") if call.resource_type == "User" else None
    return None if user_id is None else UserHint(user_id)


class _Call:
    """One SCIM request on its way through the pipeline."""

    def __init__(
        self, request: Request, resource_type: str | None, handler: Handler, started: float
    ) -> None:
        self.request = request
        self.resource_type = resource_type
        self.handler = handler
        self.started = started
        self.tenant: str = request.path_params["tenant"]
        self.secret = presented_secret(request.headers.get("authorization"), self.tenant)
        client = request.client.host if request.client else ""
        self.throttle_key = (client, self.tenant)
        self.retry_after: int | None = None  # set when a failed authentication is throttled


__all__ = ["ScimApi"]
