"""A small Python client for a scimdir directory's change feed and webhooks (docs/events.md).

``FeedClient`` reads and long-polls ``GET /api/v1/directories/{id}/events``; ``verify_webhook``
checks a Standard Webhooks signature (https://www.standardwebhooks.com/) and parses the event.
"""

from scimdir.client.event import Event
from scimdir.client.feed import FeedClient, FeedError
from scimdir.client.webhook import WebhookVerificationError, verify_webhook

__all__ = ["Event", "FeedClient", "FeedError", "WebhookVerificationError", "verify_webhook"]
