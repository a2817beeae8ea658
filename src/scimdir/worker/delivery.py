"""Webhook delivery: each subscription receives its directory's events in order, signed
(Standard Webhooks, https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md).

A worker claims a due subscription with a lease (``storage/sql/webhook_ops.py``), sends the one
next event after the subscription's cursor, and settles: on a 2xx the cursor moves to that event;
otherwise the same event is retried after the next step of :data:`RETRY_SCHEDULE` (about a day
in all, then every 10 hours), so order is kept per subscription. A subscription failing for
``disable_after`` is disabled with a log entry. Every attempt is logged (status, latency, the
start of the response). Several workers on one database never send one event to one
subscription twice: a subscription is leased to one worker at a time and the lease outlives the
request timeout.

Headers: ``webhook-id`` (the event id, stable across retries), ``webhook-timestamp`` (Unix
seconds) and ``webhook-signature`` (``v1,`` + base64 HMAC-SHA256 over ``id.timestamp.body``),
computed by the ``standardwebhooks`` library.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

import httpx
from standardwebhooks.webhooks import Webhook

from scimdir.service.event_feed import event_json
from scimdir.service.ports import DeliveryRecord, EventRecord, Storage, SubscriptionRecord
from scimdir.service.runtime import utc_now

__all__ = ["RETRY_SCHEDULE", "DeliveryWorker"]

logger = logging.getLogger(__name__)

# Delays after the 1st, 2nd, ... failure of one event (the Standard Webhooks suggestion).
RETRY_SCHEDULE: Final = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
_EXCERPT = 500


class DeliveryWorker:
    """Delivers due webhook events (see the module docstring)."""

    def __init__(
        self,
        storage: Storage,
        client: httpx.Client,
        *,
        clock: Callable[[], datetime] = utc_now,
        timeout: float = 15.0,
        lease: timedelta = timedelta(seconds=60),
        idle_delay: timedelta = timedelta(seconds=1),
        disable_after: timedelta = timedelta(days=5),
        directory_id: str | None = None,
    ) -> None:
        """``directory_id`` limits the worker to one directory (default: all)."""
        if lease.total_seconds() <= timeout:
            raise ValueError("the lease must outlive the request timeout")
        self.storage = storage
        self.client = client
        self.clock = clock
        self.timeout = timeout
        self.lease = lease
        self.idle_delay = idle_delay
        self.disable_after = disable_after
        self.directory_id = directory_id

    def run_once(self) -> int:
        """Serve every due subscription once; returns how many attempts were made."""
        attempts = 0
        while True:
            token = uuid.uuid4().hex
            now = self.clock()
            with self.storage.transaction() as tx:
                claimed = tx.claim_subscription(now, token, now + self.lease, self.directory_id)
            if claimed is None:
                return attempts
            attempts += self._serve(claimed, token)

    def run_forever(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Run until ``stop`` is set (``scimdir worker``)."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:
                logger.exception("webhook delivery failed")
            stop.wait(interval)

    def send_test(self, sub: SubscriptionRecord) -> DeliveryRecord:
        """The "send test event" action: POST a signed ``webhook.test`` event now, outside the
        subscription's order (its cursor and retry state are untouched), and log the attempt."""
        now = self.clock()
        event = EventRecord(
            seq=0,
            directory_id=sub.directory_id,
            type="webhook.test",
            resource_type="Subscription",
            resource_id=sub.id,
            data={"subscription_id": sub.id},
            created=now,
            event_id=f"evt_test_{uuid.uuid4().hex}",
        )
        record, _ = self._attempt(replace(sub, attempts=0, failing_since=None), event)
        with self.storage.transaction() as tx:
            tx.append_delivery(record)
        return record

    def _next_event(self, sub: SubscriptionRecord) -> tuple[EventRecord | None, int]:
        with self.storage.transaction(readonly=True) as tx:
            high = tx.event_high_water(sub.directory_id) or 0
            found = tx.list_events(
                sub.directory_id, sub.cursor, 1, types=sub.event_types, upto=high
            )
        return (found[0] if found else None), high

    def _serve(self, sub: SubscriptionRecord, token: str) -> int:
        event, high = self._next_event(sub)
        if event is None:
            idle = replace(
                sub, cursor=max(sub.cursor, high), next_attempt_at=self.clock() + self.idle_delay
            )
            with self.storage.transaction() as tx:
                tx.settle_subscription(idle, token)
            return 0
        record, settled = self._attempt(sub, event)
        with self.storage.transaction() as tx:
            if tx.settle_subscription(settled, token):
                tx.append_delivery(record)
        return 1

    def _attempt(
        self, sub: SubscriptionRecord, event: EventRecord
    ) -> tuple[DeliveryRecord, SubscriptionRecord]:
        body = json.dumps(event_json(event), separators=(",", ":"))
        sent_at = self.clock()
        headers = {
            "content-type": "application/json",
            "webhook-id": event.event_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(sub.secret).sign(event.event_id, sent_at, body),
        }
        status: int | None = None
        excerpt: str | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            response = self.client.post(
                sub.url, content=body, headers=headers, timeout=self.timeout
            )
            status, excerpt = response.status_code, response.text[:_EXCERPT]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:_EXCERPT]
        latency = (time.perf_counter() - started) * 1000
        now = self.clock()
        ok = status is not None and 200 <= status < 300
        if ok:
            settled = replace(
                sub, cursor=event.seq, attempts=0, failing_since=None, next_attempt_at=now
            )
        else:
            failing_since = sub.failing_since or now
            step = RETRY_SCHEDULE[min(sub.attempts, len(RETRY_SCHEDULE) - 1)]
            settled = replace(
                sub,
                attempts=sub.attempts + 1,
                failing_since=failing_since,
                next_attempt_at=now + step,
            )
            if now - failing_since >= self.disable_after:
                reason = f"disabled after failing since {failing_since.isoformat()}"
                settled = replace(settled, enabled=False, disabled_reason=reason)
                error = f"{error or f'HTTP {status}'}; {reason}"
        record = DeliveryRecord(
            subscription_id=sub.id,
            event_id=event.event_id,
            event_type=event.type,
            attempt=sub.attempts + 1,
            status=status,
            latency_ms=latency,
            response_excerpt=excerpt,
            error=error,
            created=now,
        )
        return record, settled
