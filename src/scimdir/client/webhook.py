"""Verifying a webhook request (Standard Webhooks,
https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as _LibraryError

from scimdir.client.event import Event


class WebhookVerificationError(Exception):
    """The request's signature, timestamp or headers are not valid for the secret."""


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes | str) -> Event:
    """Check ``webhook-id``/``webhook-timestamp``/``webhook-signature`` against the subscription's
    ``whsec_`` secret (timestamps older or newer than 5 minutes are refused) and return the event.
    Pass the raw body exactly as received: re-serialised JSON does not verify."""
    raw = body if isinstance(body, str) else body.decode("utf-8")
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        Webhook(secret).verify(raw, lowered)
    except _LibraryError as error:
        raise WebhookVerificationError(f"webhook signature refused: {error}") from error
    return Event.from_json(json.loads(raw))
