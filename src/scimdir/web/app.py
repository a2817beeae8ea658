"""The ASGI application: ``create_app(settings)`` builds the server around one service graph.

It takes its services from the composition root (:mod:`scimdir.composition`), mounts the SCIM API
under ``/scim/{tenant}/v2``, health and metrics, and turns any unexpected error into a bare 500
(the traceback goes to the server log, never to the client).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from scimdir.composition import build_services
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime
from scimdir.settings import Settings
from scimdir.web.http import INTERNAL_ERROR_BODY, ScimResponse
from scimdir.web.metrics import metrics_endpoint
from scimdir.web.scim_api import ScimApi
from scimdir.worker.background import BackgroundDelivery

logger = logging.getLogger("scimdir")


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
        services.directories.last_use.start()
        services.event_retention.start()
        delivery = BackgroundDelivery(services.storage, services.runtime)
        if settings.webhook_worker:
            delivery.start()
        app.state.webhook_delivery = delivery
        try:
            yield
        finally:
            delivery.close()
            services.event_retention.close()
            services.directories.last_use.close()
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
