"""Prometheus metrics at ``/metrics``: requests by resource and status, durations, IdP quirks fired,
and requests per directory by outcome.

**A directory label, with bounded cardinality.** ``scimdir_directory_requests_total`` counts each
directory's requests by outcome (``ok``, ``client_error``, ``server_error``, ``auth_failure``).
A label per directory is what an alert on one failing IdP needs, but thousands of directories
would make thousands of series: each process gives its own label to the first
``SCIMDIR_METRICS_MAX_DIRECTORIES`` directories it serves (default 100) and counts the others
as ``other`` (:class:`DirectoryLabels`), so a process exports at most that many series per
outcome, whatever the number of directories. A failed authentication names no directory it
may be trusted with, so it always counts as ``unauthenticated``.

**One set of counters per server, however many workers.** ``scimdir serve --workers N`` (N > 1)
runs prometheus-client's multiprocess mode: :func:`multiprocess_metrics` gives the workers a fresh
private directory (``PROMETHEUS_MULTIPROC_DIR``) where each writes its values, and ``/metrics``
sums them with ``MultiProcessCollector``, whichever worker answers the scrape. A worker that exits
is marked dead (:func:`mark_worker_dead`); its counts stay in the sums, as Prometheus expects of a
counter. A single process uses the default registry. See prometheus-client's docs,
"Multiprocess Mode (E.g. Gunicorn)", https://prometheus.github.io/client_python/multiprocess/.

**Access.** With ``SCIMDIR_METRICS_TOKEN`` set, a scrape must send ``Authorization: Bearer
<token>`` (401 otherwise). Without it, only a loopback client that no proxy forwarded (no
``Forwarded``/``X-Forwarded-For``/``X-Real-IP`` header) may scrape (403 otherwise): per-directory
request counts are nobody else's business (docs/deployment.md, SECURITY.md).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")

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


DIRECTORY_REQUESTS = Counter(
    "scimdir_directory_requests_total",
    "SCIM requests per directory by outcome (at most SCIMDIR_METRICS_MAX_DIRECTORIES directories "
    "labelled per process, the rest as 'other').",
    ["directory", "outcome"],
)


class DirectoryLabels:
    """The ``directory`` label of a directory: its id for the first ``limit`` directories this
    process serves, ``other`` afterwards (a bounded number of series, module docstring)."""

    OTHER = "other"

    def __init__(self, limit: int = 100) -> None:
        self.limit = limit
        self._labelled: set[str] = set()
        self._lock = threading.Lock()

    def label(self, directory_id: str) -> str:
        """The label to count ``directory_id`` under."""
        if directory_id in self._labelled:
            return directory_id
        with self._lock:
            if len(self._labelled) < self.limit:
                self._labelled.add(directory_id)
                return directory_id
        return self.OTHER


DIRECTORY_LABELS = DirectoryLabels()


def configure_directory_labels(limit: int) -> None:
    """Set how many directories get a label of their own (the server's setting)."""
    DIRECTORY_LABELS.limit = limit


def _outcome(status: int) -> str:
    if status in (401, 403):
        return "auth_failure"
    if status >= 500:
        return "server_error"
    return "client_error" if status >= 400 else "ok"


_CHILDREN: dict[tuple[object, ...], Any] = {}


def _child(metric: Counter | Histogram, *labels: str) -> Any:
    """``metric.labels(*labels)``, remembered: ``labels`` validates and locks on every call,
    three times per request. The label sets are bounded (methods, resource types, statuses,
    at most ``metrics_max_directories`` directories), and so is this dict."""
    key = (metric, *labels)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*labels)
    return child


def observe_request(
    method: str,
    resource: str | None,
    status: int,
    quirks: Iterable[str],
    seconds: float,
    directory: str | None = None,
) -> None:
    """Count one request (``directory``: the authenticated directory's id, if any)."""
    label = resource or "discovery"
    _child(REQUESTS, method, label, str(status)).inc()
    who = DIRECTORY_LABELS.label(directory) if directory is not None else "unauthenticated"
    _child(DIRECTORY_REQUESTS, who, _outcome(status)).inc()
    _child(DURATION, label).observe(seconds)
    for quirk in set(quirks):
        QUIRKS.labels(quirk).inc()


@contextmanager
def multiprocess_metrics(workers: int) -> Iterator[str | None]:
    """Around ``uvicorn.run``: with several workers, a fresh private metrics directory.

    Set in the environment before the workers start (prometheus-client picks its value store when
    a worker imports it) and removed when the server stops. Yields the directory, or ``None`` for
    one worker.
    """
    if workers <= 1:
        yield None
        return
    directory = tempfile.mkdtemp(prefix="scimdir-metrics-")  # mode 0700: private to this user
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(directory, ignore_errors=True)


def mark_worker_dead() -> None:
    """At a worker's shutdown: let the live gauges of the multiprocess collector forget it."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def _registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def _is_local(request: Request) -> bool:
    if any(header in request.headers for header in _FORWARDING_HEADERS):
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refusal(request: Request, token: SecretStr | None) -> Response | None:
    """Why this scrape is refused, or ``None`` when it may read the metrics."""
    if token is not None:
        presented = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        if hmac.compare_digest(presented.encode(), expected.encode()):
            return None
        return PlainTextResponse(
            "Send the metrics token: Authorization: Bearer <SCIMDIR_METRICS_TOKEN>.",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if _is_local(request):
        return None
    return PlainTextResponse(
        "Metrics are served to loopback clients only; set SCIMDIR_METRICS_TOKEN to scrape from "
        "elsewhere (docs/deployment.md).",
        status_code=403,
    )


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text exposition, summed over the server's workers."""
    refused = refusal(request, request.app.state.settings.metrics_token)
    if refused is not None:
        return refused
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
