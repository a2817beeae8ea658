"""Webhook subscriptions of a directory: create (the signing secret is shown once), list, delete,
and the delivery log (docs/events.md, "Webhooks").

Deliveries follow Standard Webhooks (https://www.standardwebhooks.com/): the secret is
``whsec_`` and 32 random bytes in base64, and the worker (``scimdir.worker.delivery``) signs each
request with it. The secret must be kept to sign, so it is stored as issued; it is never shown
again after creation.
"""

from __future__ import annotations

import base64
import secrets as random_source
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from scimdir.service.directories import AdminError, DirectoryNotFound
from scimdir.service.event_data import EVENT_TYPES
from scimdir.service.event_feed import InvalidFeedRequest, parse_cursor
from scimdir.service.ports import DeliveryRecord, Storage, SubscriptionRecord
from scimdir.service.runtime import Runtime
from scimdir.service.unit_of_work import transaction

__all__ = ["CreatedSubscription", "WebhookService", "new_signing_secret"]

_MAX_URL = 2048


def new_signing_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(random_source.token_bytes(32)).decode()


@dataclass(frozen=True)
class CreatedSubscription:
    """A new subscription; ``secret`` is shown this once."""

    subscription: SubscriptionRecord
    secret: str


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if len(url) > _MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise AdminError(f"A webhook URL must be an http(s) URL with a host (at most {_MAX_URL}).")
    return url


def _check_types(types: Sequence[str] | None) -> tuple[str, ...] | None:
    if types is None:
        return None
    wanted = tuple(dict.fromkeys(t.strip() for t in types if t.strip()))
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown or not wanted:
        raise AdminError(
            f"Unknown or no event types {unknown[:5]!r}; known: {', '.join(EVENT_TYPES)}."
        )
    return wanted


class WebhookService:
    """Subscription management use cases."""

    def __init__(self, storage: Storage, runtime: Runtime) -> None:
        self.storage = storage
        self.runtime = runtime

    def subscribe(
        self, directory_id: str, url: str, types: Sequence[str] | None = None
    ) -> CreatedSubscription:
        """Subscribe ``url`` to the directory's events (of ``types``, or all) from now on."""
        checked_url, checked_types = _check_url(url), _check_types(types)
        secret = new_signing_secret()
        now = self.runtime.clock()
        with self.storage.transaction() as tx:
            high = tx.event_high_water(directory_id)
            if high is None:
                raise DirectoryNotFound(directory_id)
            record = SubscriptionRecord(
                id=self.runtime.new_id(),
                directory_id=directory_id,
                url=checked_url,
                event_types=checked_types,
                secret=secret,
                enabled=True,
                created=now,
                next_attempt_at=now,
                cursor=high,
            )
            tx.insert_subscription(record)
        return CreatedSubscription(record, secret)

    def subscriptions(self, directory_id: str) -> list[SubscriptionRecord]:
        """The directory's subscriptions."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.list_subscriptions(directory_id)

    def delete(self, directory_id: str, subscription_id: str) -> None:
        """Delete a subscription and its delivery log."""
        with self.storage.transaction() as tx:
            if not tx.delete_subscription(directory_id, subscription_id):
                raise AdminError(f"No webhook subscription {subscription_id!r} here.")

    def get(self, directory_id: str, subscription_id: str) -> SubscriptionRecord:
        """One subscription of the directory."""
        for record in self.subscriptions(directory_id):
            if record.id == subscription_id:
                return record
        raise AdminError(f"No webhook subscription {subscription_id!r} here.")

    def redeliver(self, directory_id: str, subscription_id: str, after: str) -> None:
        """Manual redelivery: send again, in order, every retained event after the feed cursor
        ``after`` (re-enabling a disabled subscription). Receivers see the same ``webhook-id``s
        again and deduplicate on them."""
        try:
            cursor = parse_cursor(after)
        except InvalidFeedRequest as exc:
            raise AdminError(str(exc)) from exc
        with self.storage.transaction() as tx:
            if not tx.rewind_subscription(
                directory_id, subscription_id, cursor, self.runtime.clock()
            ):
                raise AdminError(f"No webhook subscription {subscription_id!r} here.")

    def deliveries(self, subscription_id: str, limit: int = 100) -> list[DeliveryRecord]:
        """The delivery log, newest first."""
        with transaction(self.storage, readonly=True) as tx:
            return tx.list_deliveries(subscription_id, limit)
