"""The SCIM 2.0 HTTP API (RFC 7644) under ``/scim/<tenant id>/v2``: a thin adapter over the
service layer.

Each request: authenticate the directory from the tenant id and the secret, hand the body to the
use case (which applies the directory's IdP dialect), render SCIM JSON, and queue a provisioning
log entry (``web/request_log.py``). Authentication, the use case and the log entry run in one
worker-thread hop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scimdir.scim.dialects import dialect_for
from scimdir.scim.errors import SCIMException, not_found, unauthorized
from scimdir.service.context import Limits, ScimContext
from scimdir.service.directories import Authenticated, DirectoryService
from scimdir.service.directory_settings import DirectorySettings
from scimdir.service.groups import GroupService
from scimdir.service.log_sink import LogSink
from scimdir.service.runtime import Runtime
from scimdir.service.unit_of_work import read_scope
from scimdir.service.users import UserService
from scimdir.web import discovery
from scimdir.web.auth import presented_secret
from scimdir.web.http import INTERNAL_ERROR_BODY, ScimResponse, error_response, read_json
from scimdir.web.list_params import list_params, search_body
from scimdir.web.metrics import observe_request
from scimdir.web.outcome import Outcome, conditional, created, plain_list
from scimdir.web.request_log import RequestLogger

logger = logging.getLogger("scimdir.scim")


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

    def __post_init__(self) -> None:
        self.request_log = RequestLogger(self.log_sink, self.directories, self.runtime.clock)

    def routes(self) -> list[Route]:
        """The Starlette routes, relative to ``/scim/{tenant}/v2``."""
        r = self._route
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
            Route("/ServiceProviderConfig", r(None, self._spc), methods=["GET"]),
            Route("/ResourceTypes", r(None, self._resource_types), methods=["GET"]),
            Route("/ResourceTypes/{id}", r(None, self._resource_type), methods=["GET"]),
            Route("/Schemas", r(None, self._schemas), methods=["GET"]),
            Route("/Schemas/{id}", r(None, self._schema), methods=["GET"]),
        ]

    # --- the request pipeline ----------------------------------------------------------------

    def _route(
        self, resource_type: str | None, handler: Handler, *, body: bool = False
    ) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            raw: Any = None
            body_error: SCIMException | None = None
            if body:
                try:
                    raw = await read_json(request, self.max_body_bytes)
                except SCIMException as exc:
                    body_error = exc
            if self.inline_reads and request.method == "GET":
                # A read is a few hundred microseconds of CPU: serving it on the event loop
                # saves the worker-thread hop (a sixth of a lookup, docs/performance.md).
                return self._serve(request, resource_type, handler, raw, body_error, started)
            return await run_in_threadpool(
                self._serve, request, resource_type, handler, raw, body_error, started
            )

        return endpoint

    def _serve(
        self,
        request: Request,
        resource_type: str | None,
        handler: Handler,
        raw: Any,
        body_error: SCIMException | None,
        started: float,
    ) -> Response:
        """Authenticate and run the use case; a GET does both in one read-only snapshot."""
        args = (request, resource_type, handler, raw, body_error, started)
        if request.method == "GET":
            with read_scope(self.directories.storage):
                response, auth = self._serve_in_scope(*args)
        else:
            response, auth = self._serve_in_scope(*args)
        if auth is not None:
            self.directories.mark_used(auth)
        return response

    def _serve_in_scope(
        self,
        request: Request,
        resource_type: str | None,
        handler: Handler,
        raw: Any,
        body_error: SCIMException | None,
        started: float,
    ) -> tuple[Response, Authenticated | None]:
        tenant = request.path_params["tenant"]
        secret = presented_secret(request.headers.get("authorization"), tenant)
        auth = self.directories.authenticate(tenant, secret) if secret else None
        if auth is None:
            observe_request(request.method, resource_type, 401, (), time.perf_counter() - started)
            self.request_log.refused(request, tenant, secret, started)
            refusal = error_response(
                unauthorized(
                    "Missing or wrong credentials. Send the directory's secret as "
                    "'Authorization: Bearer <secret>' (in Entra: the Secret Token field)."
                )
            )
            return refusal, None
        directory = auth.directory
        ctx = ScimContext(
            directory=directory,
            base_url=f"{self.public_url}/scim/{tenant}/v2",
            dialect=dialect_for(directory.idp),
            settings=DirectorySettings.of(directory),
        )
        error: SCIMException | None = None
        body: Any = None
        resource_id = request.path_params.get("id")
        try:
            if body_error is not None:
                raise body_error
            outcome = handler(ctx, request, raw)
            resource_id, body = outcome.resource_id or resource_id, outcome.body
            response: Response = (
                Response(status_code=outcome.status, headers=outcome.headers)
                if outcome.body is None
                else ScimResponse(outcome.body, status_code=outcome.status, headers=outcome.headers)
            )
        except SCIMException as exc:
            response, error = error_response(exc), exc
        except Exception:
            logger.exception("unexpected error serving %s %s", request.method, request.url.path)
            response = ScimResponse(INTERNAL_ERROR_BODY, status_code=500)
            body = INTERNAL_ERROR_BODY
        elapsed = self.request_log.served(
            request,
            ctx,
            presented=secret,
            resource_type=resource_type,
            resource_id=resource_id,
            status=response.status_code,
            started=started,
            request_body=raw,
            response_body=body,
            error=error,
        )
        observe_request(request.method, resource_type, response.status_code, ctx.quirks, elapsed)
        return response, auth

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
        resource, tag = self.groups.replace(
            ctx, request.path_params["id"], body, request.headers.get("if-match")
        )
        return Outcome(resource, headers={"ETag": tag})

    def _patch_group(self, ctx: ScimContext, request: Request, body: Any) -> Outcome:
        """Group PATCH answers 204 (Entra §5.4), or 200 with the group when the client asks for
        attributes (RFC 7644 §3.5.2)."""
        q = request.query_params
        resource, tag = self.groups.patch(
            ctx, request.path_params["id"], body, request.headers.get("if-match")
        )
        if q.get("attributes") or q.get("excludedAttributes"):
            resource, tag = self.groups.get(
                ctx, request.path_params["id"], q.get("attributes"), q.get("excludedAttributes")
            )
            return Outcome(resource, headers={"ETag": tag})
        return Outcome(None, status=204, headers={"ETag": tag})

    def _delete_group(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        self.groups.delete(ctx, request.path_params["id"], request.headers.get("if-match"))
        return Outcome(None, status=204)

    # --- discovery ---------------------------------------------------------------------------

    def _spc(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        return Outcome(discovery.service_provider_config(ctx.base_url, self.limits))

    def _resource_types(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        items = discovery.resource_types(ctx.base_url)
        return Outcome(plain_list(items))

    def _resource_type(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        wanted = request.path_params["id"]
        for item in discovery.resource_types(ctx.base_url):
            if item["id"] == wanted:
                return Outcome(item)
        raise not_found(f"No resource type {wanted}; there are User and Group.")

    def _schemas(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        return Outcome(plain_list(discovery.schemas(ctx.base_url)))

    def _schema(self, ctx: ScimContext, request: Request, _: Any) -> Outcome:
        wanted = request.path_params["id"]
        for item in discovery.schemas(ctx.base_url):
            if item["id"] == wanted:
                return Outcome(item)
        raise not_found(f"No schema {wanted}.")


__all__ = ["ScimApi"]
