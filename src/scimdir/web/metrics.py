"""Prometheus metrics at ``/metrics``: requests by resource and status, durations, IdP quirks fired.

One registry per process (prometheus-client's default); several server processes are scraped
separately, as usual for Prometheus.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

REQUESTS = Counter(
    "scimdir_scim_requests_total",
    "SCIM requests served, by method, resource type and status.",
    ["method", "resource", "status"],
)
DURATION = Histogram(
    "scimdir_scim_request_seconds",
    "Time to serve a SCIM request.",
    ["resource"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
QUIRKS = Counter(
    "scimdir_idp_quirks_total",
    "IdP quirks normalised, by quirk name (see scimdir.scim.quirks).",
    ["quirk"],
)


def observe_request(
    method: str, resource: str | None, status: int, quirks: Iterable[str], seconds: float
) -> None:
    """Count one request."""
    label = resource or "discovery"
    REQUESTS.labels(method, label, str(status)).inc()
    DURATION.labels(label).observe(seconds)
    for quirk in set(quirks):
        QUIRKS.labels(quirk).inc()


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
