"""The delivery worker as a daemon thread of a server process (``SCIMDIR_WEBHOOK_WORKER=true``;
``make run`` turns it on), for a single-host deployment that runs no separate ``scimdir worker``.
Several server processes with the setting on are several workers: leases keep them apart
(``worker/delivery.py``)."""

from __future__ import annotations

import threading

import httpx

from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime
from scimdir.worker.delivery import DeliveryWorker

__all__ = ["BackgroundDelivery"]


class BackgroundDelivery:
    """Runs a :class:`DeliveryWorker` on a daemon thread between ``start`` and ``close``."""

    def __init__(self, storage: Storage, runtime: Runtime) -> None:
        self.storage = storage
        self.runtime = runtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None

    def start(self) -> None:
        """Start delivering (idempotent)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._client = httpx.Client(follow_redirects=False)
        worker = DeliveryWorker(self.storage, self._client, clock=self.runtime.clock)
        self._thread = threading.Thread(
            target=worker.run_forever, args=(self._stop,), name="scimdir-webhooks", daemon=True
        )
        self._thread.start()

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def close(self) -> None:
        """Stop after the current attempt (at most the request timeout)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if self._client is not None:
            self._client.close()
            self._client = None
