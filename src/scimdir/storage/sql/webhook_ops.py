"""Webhook subscriptions, their delivery leases and the delivery log (docs/events.md, Webhooks).

A worker claims a subscription by writing a lease (a random token and an expiry) on its row; the
claim selects with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers each get a
different due subscription, and on SQLite the single writer serialises claims. The worker settles
the row only while its token still holds the lease, so a worker that stalled past its lease
cannot move a cursor another worker now owns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, or_, select, update

from scimdir.service.ports import DeliveryRecord, SubscriptionRecord
from scimdir.storage.sql.base import SqlBase
from scimdir.storage.sql.tables import webhook_deliveries, webhook_subscriptions

__all__ = ["WebhookOps"]

_S = webhook_subscriptions


def _subscription(row: Row[Any]) -> SubscriptionRecord:
    m = row._mapping
    types = m["event_types"]
    return SubscriptionRecord(
        id=m["id"],
        directory_id=m["directory_id"],
        url=m["url"],
        event_types=None if types is None else tuple(types),
        secret=m["secret"],
        enabled=m["enabled"],
        created=m["created"],
        next_attempt_at=m["next_attempt_at"],
        cursor=m["cursor"],
        attempts=m["attempts"],
        failing_since=m["failing_since"],
        disabled_reason=m["disabled_reason"],
    )


def _state(record: SubscriptionRecord) -> dict[str, Any]:
    return {
        "enabled": record.enabled,
        "disabled_reason": record.disabled_reason,
        "cursor": record.cursor,
        "attempts": record.attempts,
        "next_attempt_at": record.next_attempt_at,
        "failing_since": record.failing_since,
    }


class WebhookOps(SqlBase):
    """Webhook methods of :class:`~scimdir.service.ports.Transaction`."""

    def insert_subscription(self, record: SubscriptionRecord) -> None:
        """Store a new subscription."""
        self.conn.execute(
            _S.insert().values(
                id=record.id,
                directory_id=record.directory_id,
                url=record.url,
                event_types=None if record.event_types is None else list(record.event_types),
                secret=record.secret,
                created=record.created,
                **_state(record),
            )
        )

    def list_subscriptions(self, directory_id: str) -> list[SubscriptionRecord]:
        """The directory's subscriptions, oldest first."""
        stmt = select(_S).where(_S.c.directory_id == directory_id).order_by(_S.c.created, _S.c.id)
        return [_subscription(r) for r in self.conn.execute(stmt)]

    def delete_subscription(self, directory_id: str, subscription_id: str) -> bool:
        """Delete a subscription and its delivery log; False if there was none."""
        result = self.conn.execute(
            delete(_S).where(_S.c.directory_id == directory_id, _S.c.id == subscription_id)
        )
        return bool(result.rowcount)

    def claim_subscription(
        self, now: datetime, token: str, lease_until: datetime, directory_id: str | None = None
    ) -> SubscriptionRecord | None:
        """Lease one due, enabled, unleased subscription (of ``directory_id`` if given; see the
        module docstring)."""
        stmt = select(_S).where(
            _S.c.enabled.is_(True),
            _S.c.next_attempt_at <= now,
            or_(_S.c.lease_until.is_(None), _S.c.lease_until < now),
        )
        if directory_id is not None:
            stmt = stmt.where(_S.c.directory_id == directory_id)
        row = self.conn.execute(
            stmt.order_by(_S.c.next_attempt_at, _S.c.id).limit(1).with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        self.conn.execute(
            update(_S).where(_S.c.id == row.id).values(lease_token=token, lease_until=lease_until)
        )
        return _subscription(row)

    def settle_subscription(self, record: SubscriptionRecord, token: str) -> bool:
        """Write the delivery state and end the lease if ``token`` still holds it."""
        result = self.conn.execute(
            update(_S)
            .where(_S.c.id == record.id, _S.c.lease_token == token)
            .values(lease_token=None, lease_until=None, **_state(record))
        )
        return bool(result.rowcount)

    def rewind_subscription(
        self, directory_id: str, subscription_id: str, cursor: int, now: datetime
    ) -> bool:
        """Send again every event after ``cursor``: set the cursor, re-enable, clear the failure
        state and any lease (a worker holding it can no longer settle); False if none."""
        result = self.conn.execute(
            update(_S)
            .where(_S.c.directory_id == directory_id, _S.c.id == subscription_id)
            .values(
                cursor=cursor,
                enabled=True,
                disabled_reason=None,
                attempts=0,
                failing_since=None,
                next_attempt_at=now,
                lease_token=None,
                lease_until=None,
            )
        )
        return bool(result.rowcount)

    def append_delivery(self, record: DeliveryRecord) -> None:
        """Append one attempt to the delivery log."""
        self.conn.execute(
            webhook_deliveries.insert().values(
                subscription_id=record.subscription_id,
                event_id=record.event_id,
                event_type=record.event_type,
                attempt=record.attempt,
                status=record.status,
                latency_ms=record.latency_ms,
                response_excerpt=record.response_excerpt,
                error=record.error,
                created=record.created,
            )
        )

    def list_deliveries(self, subscription_id: str, limit: int = 100) -> list[DeliveryRecord]:
        """The subscription's delivery log, newest first."""
        d = webhook_deliveries
        stmt = (
            select(d)
            .where(d.c.subscription_id == subscription_id)
            .order_by(d.c.id.desc())
            .limit(limit)
        )
        return [
            DeliveryRecord(
                r.subscription_id,
                r.event_id,
                r.event_type,
                r.attempt,
                r.status,
                r.latency_ms,
                r.response_excerpt,
                r.error,
                r.created,
            )
            for r in self.conn.execute(stmt)
        ]
