"""``verify_webhook``: Standard Webhooks signatures, as the delivery worker makes them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from scimdir.client import WebhookVerificationError, verify_webhook

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
EVENT = {
    "id": "evt_1",
    "cursor": "7",
    "type": "user.created",
    "occurred_at": "2026-12-01T07:30:12.345Z",
    "directory_id": "d1",
    "data": {"id": "u1", "userName": "a@example.com"},
}


def signed(body: str) -> dict[str, str]:
    """Headers as the delivery worker sends them (src/scimdir/worker/delivery.py)."""
    now = datetime.now(UTC)
    return {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign("evt_1", now, body),
    }


def test_verify_webhook_accepts_a_signed_body_and_returns_the_event() -> None:
    """A correctly signed body verifies and parses into an Event."""
    body = json.dumps(EVENT)
    event = verify_webhook(SECRET, signed(body), body.encode())
    assert (event.id, event.cursor, event.type, event.data["id"]) == (
        "evt_1",
        "7",
        "user.created",
        "u1",
    )
    assert event.occurred_at == datetime(2026, 12, 1, 7, 30, 12, 345000, tzinfo=UTC)


def test_verify_webhook_refuses_a_tampered_body() -> None:
    """A body changed after signing is refused with WebhookVerificationError."""
    body = json.dumps(EVENT)
    headers = signed(body)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify_webhook(SECRET, headers, body.replace("u1", "u2"))


def test_verify_webhook_refuses_another_secret() -> None:
    """A signature made with another secret is refused."""
    body = json.dumps(EVENT)
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        verify_webhook(other, signed(body), body)
