"""The ASGI application: ``create_app(settings)`` builds the server around one service graph.

It takes its services from the composition root (:mod:`scimdir.composition`), mounts the SCIM API
under ``/scim/{tenant}/v2`` (any other URL under ``/scim`` gets a SCIM error,
:mod:`scimdir.web.fallback`), the management API under ``/api/v1`` (:mod:`scimdir.api`), health
and metrics, and turns any unexpected error into a bare 500 (the traceback goes to the server log,
never to the client). The SCIM API's OpenAPI description is served at ``/scim/openapi.json``
(:mod:`scimdir.web.openapi`). Requests under ``/scim/`` skip the framework's middleware and go
straight to the SCIM API's own stack (``web/scim_dispatch.py``), whose overload protection
(in-flight bound, request deadline: ``web/overload.py``) wraps the SCIM routes; per-directory
rate limits (``web/rate_limit.py``) apply after authentication.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Mount, Route

from scimdir.admin import admin_root, create_console
from scimdir.api import api_not_found, create_api
from scimdir.composition import build_services
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime
from scimdir.settings import Settings
from scimdir.web.bulk import BulkEndpoint
from scimdir.web.fallback import (
    nul_guard_routes,
    scim_fallback_routes,
    tenant_fallback_routes,
)
from scimdir.web.health import health_endpoint, live_endpoint
from scimdir.web.metrics import configure_directory_labels, mark_worker_dead, metrics_endpoint
from scimdir.web.openapi import openapi_route
from scimdir.web.rate_limit import RateLimiter
from scimdir.web.scim_api import ScimApi
from scimdir.web.scim_dispatch import ScimdirApp, scim_stack
from scimdir.web.unhandled import unexpected, unrouted
from scimdir.worker.background import BackgroundDelivery


def create_app(
    settings: Settings | None = None,
    *,
    storage: Storage | None = None,
    runtime: Runtime | None = None,
    migrate: bool = True,
    rate_limiter: RateLimiter | None = None,
) -> FastAPI:
    """Build the ASGI app. Tests pass their own settings, storage, runtime and rate limiter."""
    settings = settings or Settings()
    configure_directory_labels(settings.metrics_max_directories)
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
        awaiting_reads=settings.reads_await(),
        single_writer=settings.is_sqlite(),
        rate_limiter=rate_limiter or RateLimiter(),
        api_keys=services.api_keys,
        read_time_limit=settings.request_timeout_seconds,
    )
    scim.bulk = BulkEndpoint(
        services.bulk, scim.request_log, settings.bulk_payload_bytes(), scim.rate_limiter
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The thread pool is sized explicitly, and the database pool covers it (Settings.
        # db_connections), so a request that got a thread never waits for a connection.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        services.storage.start_background()
        services.log_sink.start()
        services.directories.last_use.start()
        services.event_retention.start()
        delivery = BackgroundDelivery(services.storage, services.runtime)
        if settings.webhook_worker:
            delivery.start()
        app.state.webhook_delivery = delivery
        # Everything built so far (modules, the app, compiled statements, caches) lives as long
        # as the process: move it out of the collector's reach, so a full collection walks only
        # what requests allocate. Without it, full collections stalled the event loop for
        # ~100 ms every few seconds under load (lookups' p99, docs/performance.md). No
        # gc.collect() first: the little start-up garbage frozen with it is not worth a full
        # collection at every start (the test suite starts hundreds of apps).
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # an app that stops in a process that goes on (tests) frees its heap
            delivery.close()
            scim.threads.close()
            services.event_retention.close()
            services.directories.last_use.close()
            services.log_sink.close()
            services.storage.stop_background()
            mark_worker_dead()

    app = ScimdirApp(
        title="scimdir",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.services = services
    app.state.scim_threads = scim.threads
    app.state.settings = settings
    scim_routes = scim.routes()
    app.scim_routes = [
        openapi_route(settings.base_url()),
        *nul_guard_routes(),
        Mount("/scim/{tenant}/v2", routes=scim_routes + tenant_fallback_routes(scim_routes)),
        *scim_fallback_routes(),
    ]
    app.scim = scim_stack(
        app.scim_routes,
        max_in_flight=settings.max_in_flight,
        timeout=settings.request_timeout_seconds,
        resources=scim_routes,
    )
    app.router.routes.extend(
        [
            *scim_fallback_routes(),  # /scim itself; everything under /scim/ is app.scim's
            Mount("/api/v1", app=create_api(services, settings.base_url())),
            Mount("/api", app=api_not_found),
            Route("/admin", admin_root, methods=["GET"]),
            Mount("/admin", app=create_console(services, settings)),
            Route("/healthz", health_endpoint, methods=["GET"]),
            Route("/livez", live_endpoint, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ]
    )
    app.add_exception_handler(StarletteHTTPException, unrouted)
    app.add_exception_handler(Exception, unexpected)
    return app
