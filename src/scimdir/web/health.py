"""``/livez`` and ``/healthz``: is the process up, and can it serve?

``/livez`` answers 200 whenever the process runs its event loop (a liveness probe: restart the
process when it fails). ``/healthz`` also reads the database, in the thread pool with a time
limit, and answers 503 when it cannot (a readiness probe: take the instance out of the load
balancer, do not restart it). Neither says anything about directories; their health is
``scimdir health`` and the management API.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scimdir.service.health import HealthService

__all__ = ["DATABASE_TIMEOUT_SECONDS", "health_endpoint", "live_endpoint"]

DATABASE_TIMEOUT_SECONDS = 3.0


async def live_endpoint(request: Request) -> Response:
    """200 while the process is up."""
    return JSONResponse({"status": "ok"})


async def health_endpoint(request: Request) -> Response:
    """200 when the database answers within the time limit, else 503."""
    health: HealthService = request.app.state.services.health
    try:
        ok = await asyncio.wait_for(
            run_in_threadpool(health.database_ok), timeout=DATABASE_TIMEOUT_SECONDS
        )
    except TimeoutError:
        ok = False
    if ok:
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
