"""Webhook subscriptions and delivery (service/webhooks.py, worker/delivery.py): Standard
Webhooks signatures checked with the reference library, order per subscription, retries with
backoff, disabling, the delivery log, and no double delivery with two workers."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.event_retention import EventRetention
from scimdir.worker.delivery import DeliveryWorker
from tests.web.conftest import Tenant
from tests.web.test_entra_conformance import create_user

RECEIVER = "https://app.example.test/hooks"


class Clock:
    """A settable clock for the worker (retries are hours apart)."""

    def __init__(self, tenant: Tenant) -> None:
        self.now = tenant.services.runtime.clock()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class Receiver:
    """An in-process HTTP receiver (httpx.MockTransport) answering with ``statuses`` in turn,
    then 200."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, text="ok" if status < 300 else "receiver down")

    def bodies(self) -> list[dict[str, object]]:
        return [json.loads(r.content) for r in self.requests]


def _worker(
    t: Tenant, receiver: Receiver, clock: Callable[[], datetime], **kw: object
) -> DeliveryWorker:
    client = httpx.Client(transport=httpx.MockTransport(receiver.handle))
    return DeliveryWorker(
        t.services.storage,
        client,
        clock=clock,
        directory_id=t.id,  # the PostgreSQL test database is shared with other tests
        **kw,  # type: ignore[arg-type]
    )


def test_delivery_is_signed_per_standard_webhooks(entra: Tenant) -> None:
    """Each event arrives as the feed's JSON with webhook-id/-timestamp/-signature headers that
    the standardwebhooks reference library verifies with the secret shown at creation."""
    created = entra.services.webhooks.subscribe(entra.id, RECEIVER)
    assert created.secret.startswith("whsec_")
    uid = create_user(entra, "hook@contoso.com")["id"]
    receiver = Receiver()
    _worker(entra, receiver, entra.services.runtime.clock).run_once()
    (request,) = receiver.requests
    payload = Webhook(created.secret).verify(request.content, dict(request.headers))
    assert (payload["type"], payload["data"]["id"]) == ("user.created", uid)
    assert request.headers["webhook-id"] == payload["id"]
    with pytest.raises(Exception):  # noqa: B017 - the library raises its own verification error
        Webhook("whsec_" + "A" * 44).verify(request.content, dict(request.headers))


def test_subscription_starts_now_and_filters_types_in_order(entra: Tenant) -> None:
    """A subscription receives only events after its creation, only of its types, in order."""
    create_user(entra, "before@contoso.com")
    entra.services.webhooks.subscribe(entra.id, RECEIVER, ["user.deleted", "user.created"])
    uids = [create_user(entra, f"h{n}@contoso.com")["id"] for n in range(3)]
    entra.patch(
        f"/Users/{uids[0]}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": "x"}],
        },
    )
    entra.delete(f"/Users/{uids[1]}")
    receiver = Receiver()
    assert _worker(entra, receiver, entra.services.runtime.clock).run_once() == 4
    assert [(b["type"], b["data"]["id"]) for b in receiver.bodies()] == [  # type: ignore[index]
        ("user.created", uids[0]),
        ("user.created", uids[1]),
        ("user.created", uids[2]),
        ("user.deleted", uids[1]),
    ]


def test_failures_are_retried_with_backoff_and_order_is_kept(entra: Tenant) -> None:
    """A receiver failing twice gets the same first event again after 5 s and 5 min, never the
    second event before the first succeeded; the log records each attempt."""
    sub = entra.services.webhooks.subscribe(entra.id, RECEIVER).subscription
    first, second = (create_user(entra, f"r{n}@contoso.com")["id"] for n in range(2))
    receiver = Receiver(500, 503)
    clock = Clock(entra)
    worker = _worker(entra, receiver, clock)
    assert worker.run_once() == 1  # fails: 500
    assert worker.run_once() == 0  # not due yet
    clock.advance(timedelta(seconds=5))
    assert worker.run_once() == 1  # fails: 503
    clock.advance(timedelta(minutes=4))
    assert worker.run_once() == 0
    clock.advance(timedelta(minutes=1))
    assert worker.run_once() == 2  # both delivered, in order
    sent = [b["data"]["id"] for b in receiver.bodies()]  # type: ignore[index]
    assert sent == [first, first, first, second]
    log = entra.services.webhooks.deliveries(sub.id)
    assert [(d.attempt, d.status) for d in reversed(log)] == [
        (1, 500),
        (2, 503),
        (3, 200),
        (1, 200),
    ]
    assert log[-1].response_excerpt == "receiver down"


def test_unreachable_receiver_is_disabled_after_the_failure_period(entra: Tenant) -> None:
    """A subscription failing for longer than disable_after is disabled, with a log entry."""
    sub = entra.services.webhooks.subscribe(entra.id, RECEIVER).subscription
    create_user(entra, "gone@contoso.com")
    clock = Clock(entra)
    worker = _worker(entra, Receiver(*[500] * 50), clock, disable_after=timedelta(days=1))
    for _ in range(12):
        worker.run_once()
        clock.advance(timedelta(hours=10))
    (state,) = entra.services.webhooks.subscriptions(entra.id)
    assert not state.enabled and state.disabled_reason
    assert "disabled" in (entra.services.webhooks.deliveries(sub.id)[0].error or "")


def test_two_workers_never_deliver_an_event_twice(entra: Tenant) -> None:
    """Two workers running at once over five subscriptions deliver each event to each
    subscription exactly once."""
    subs = [entra.services.webhooks.subscribe(entra.id, f"{RECEIVER}/{n}") for n in range(5)]
    for n in range(6):
        create_user(entra, f"w{n}@contoso.com")
    receiver = Receiver()
    workers = [_worker(entra, receiver, entra.services.runtime.clock) for _ in range(2)]
    threads = [threading.Thread(target=w.run_once) for w in workers for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while sum(w.run_once() for w in workers):
        pass
    pairs = Counter((str(r.url), r.headers["webhook-id"]) for r in receiver.requests)
    assert len(pairs) == 5 * 6
    assert set(pairs.values()) == {1}
    assert len(subs) == 5


def test_retention_keeps_events_an_enabled_subscription_has_not_received(entra: Tenant) -> None:
    """Pruning never deletes an event an enabled subscription still has to receive."""
    entra.services.webhooks.subscribe(entra.id, RECEIVER)
    create_user(entra, "kept@contoso.com")
    now = entra.services.runtime.clock()
    retention = EventRetention(
        entra.services.storage, timedelta(days=1), clock=lambda: now + timedelta(days=9)
    )
    assert retention.prune(entra.id) == 0
    _worker(entra, Receiver(), entra.services.runtime.clock).run_once()
    assert retention.prune(entra.id) == 1


def test_subscribe_refuses_bad_input(entra: Tenant) -> None:
    """A non-http URL, unknown event types and an unknown directory are refused."""
    hooks = entra.services.webhooks
    with pytest.raises(AdminError):
        hooks.subscribe(entra.id, "ftp://app.example.test/x")
    with pytest.raises(AdminError):
        hooks.subscribe(entra.id, RECEIVER, ["user.exploded"])
    with pytest.raises(DirectoryNotFound):
        hooks.subscribe("no-such-directory", RECEIVER)
    assert hooks.subscriptions(entra.id) == []


def test_redelivery_sends_again_in_order_and_re_enables(entra: Tenant) -> None:
    """redeliver(after=C) sends every event after C again, in order, and re-enables a disabled
    subscription."""
    hooks = entra.services.webhooks
    sub = hooks.subscribe(entra.id, RECEIVER).subscription
    uids = [create_user(entra, f"again{n}@contoso.com")["id"] for n in range(3)]
    clock = Clock(entra)
    failing = _worker(entra, Receiver(*[500] * 50), clock, disable_after=timedelta(hours=1))
    for _ in range(4):
        failing.run_once()
        clock.advance(timedelta(hours=1))
    assert not hooks.get(entra.id, sub.id).enabled
    first_cursor = str(sub.cursor)
    hooks.redeliver(entra.id, sub.id, first_cursor)
    receiver = Receiver()
    assert _worker(entra, receiver, entra.services.runtime.clock).run_once() == 3
    assert [b["data"]["id"] for b in receiver.bodies()] == uids  # type: ignore[index]
    hooks.redeliver(entra.id, sub.id, receiver.bodies()[0]["cursor"])  # type: ignore[arg-type]
    again = Receiver()
    _worker(entra, again, entra.services.runtime.clock).run_once()
    assert [b["data"]["id"] for b in again.bodies()] == uids[1:]  # type: ignore[index]
    assert hooks.get(entra.id, sub.id).enabled


def test_send_test_event_is_signed_and_logged(entra: Tenant) -> None:
    """The test action POSTs a signed webhook.test event now and logs the attempt, without
    moving the subscription's cursor."""
    created = entra.services.webhooks.subscribe(entra.id, RECEIVER)
    receiver = Receiver()
    record = _worker(entra, receiver, entra.services.runtime.clock).send_test(created.subscription)
    (request,) = receiver.requests
    payload = Webhook(created.secret).verify(request.content, dict(request.headers))
    assert payload["type"] == "webhook.test"
    assert record.status == 200
    assert entra.services.webhooks.deliveries(created.subscription.id)[0].event_type == (
        "webhook.test"
    )
    assert entra.services.webhooks.get(entra.id, created.subscription.id).cursor == (
        created.subscription.cursor
    )


def test_redeliver_refuses_a_bad_cursor_or_subscription(entra: Tenant) -> None:
    """A malformed cursor or an unknown subscription is refused."""
    sub = entra.services.webhooks.subscribe(entra.id, RECEIVER).subscription
    with pytest.raises(AdminError):
        entra.services.webhooks.redeliver(entra.id, sub.id, "not-a-cursor")
    with pytest.raises(AdminError):
        entra.services.webhooks.redeliver(entra.id, "no-such-subscription", "0")
