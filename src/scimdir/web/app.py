"""The ASGI application: ``create_app(settings)`` is the composition root of the server.

It builds storage, services and the log sink from the settings it is given (nothing is read at
import), mounts the SCIM API under ``/scim/{tenant}/v2``, health and metrics, and turns any
unexpected error into a bare 500 (the traceback goes to the server log, never to the client).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from scimdir.service.context import Limits
from scimdir.service.directories import DirectoryService
from scimdir.service.groups import GroupService
from scimdir.service.log_sink import LogSink
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime, system_runtime
from scimdir.service.users import UserService
from scimdir.settings import Settings
from scimdir.storage import open_storage
from scimdir.web.http import INTERNAL_ERROR_BODY, ScimResponse
from scimdir.web.metrics import metrics_endpoint
from scimdir.web.scim_api import ScimApi

logger = logging.getLogger("scimdir")


@dataclass
class Services:
    """The service graph one process uses (shared by the SCIM API, console and CLI)."""

    storage: Storage
    runtime: Runtime
    limits: Limits
    directories: DirectoryService
    users: UserService
    groups: GroupService
    log_sink: LogSink


def build_services(
    settings: Settings, storage: Storage | None = None, runtime: Runtime | None = None
) -> Services:
    """Wire storage and services from ``settings`` (the second composition root is the CLI)."""
    storage = storage or open_storage(settings.database_url, pool_size=settings.db_pool_size)
    runtime = runtime or system_runtime()
    limits = Limits(
        max_page_size=settings.max_page_size,
        default_page_size=min(settings.default_page_size, settings.max_page_size),
        max_operations=settings.max_operations,
        max_members_per_response=settings.max_members_per_response,
    )
    return Services(
        storage=storage,
        runtime=runtime,
        limits=limits,
        directories=DirectoryService(storage, runtime),
        users=UserService(storage, runtime, limits),
        groups=GroupService(storage, runtime, limits),
        log_sink=LogSink(
            storage,
            retention=timedelta(days=settings.log_retention_days),
            clock=runtime.clock,
        ),
    )


def create_app(
    settings: Settings | None = None,
    *,
    storage: Storage | None = None,
    runtime: Runtime | None = None,
    migrate: bool = True,
) -> FastAPI:
    """Build the ASGI app. Tests pass their own settings, storage and runtime."""
    settings = settings or Settings()
    services = build_services(settings, storage, runtime)
    if migrate:
        services.storage.migrate()
    scim = ScimApi(
        directories=services.directories,
        users=services.users,
        groups=services.groups,
        log_sink=services.log_sink,
        runtime=services.runtime,
        limits=services.limits,
        public_url=settings.base_url(),
        max_body_bytes=settings.max_body_bytes,
        inline_reads=settings.reads_inline(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.log_sink.start()
        try:
            yield
        finally:
            services.log_sink.close()

    app = FastAPI(
        title="scimdir",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.services = services
    app.state.settings = settings
    app.router.routes.extend(
        [
            Mount("/scim/{tenant}/v2", routes=scim.routes()),
            Route("/healthz", _health, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ]
    )
    app.add_exception_handler(Exception, _unexpected)
    return app


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return ScimResponse(INTERNAL_ERROR_BODY, status_code=500)
