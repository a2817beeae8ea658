"""``/api/v1/directories/{id}/webhooks``: webhook subscriptions and their delivery log.

Thin routes over :class:`~scimdir.service.webhooks.WebhookService` (the use cases behind
``scimdir webhook``); the signing secret is in the creation answer only (docs/events.md,
"Webhooks"). Admin keys only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from scimdir.api.auth import require_admin, services
from scimdir.api.params import DirectoryId
from scimdir.api.problems import ProblemError, problem_responses
from scimdir.composition import Services
from scimdir.service.directories import AdminError
from scimdir.service.ports import DeliveryRecord, SubscriptionRecord

__all__ = ["router"]

router = APIRouter(
    prefix="/directories/{directory_id}/webhooks",
    tags=["webhooks"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403, 404, 422),
)
SubscriptionId = Annotated[
    str,
    # Subscription ids are UUIDs; anything else cannot exist.
    Path(
        description="The subscription's id.",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._~-]+$",
    ),
]


class SubscriptionIn(BaseModel):
    """A new subscription."""

    url: str = Field(max_length=2048, description="The receiver: an http(s) URL with a host.")
    types: list[str] | None = Field(
        default=None, max_length=32, description="Only these event types (all when absent)."
    )


class SubscriptionOut(BaseModel):
    """A subscription and its delivery state (never its secret)."""

    id: str
    directory_id: str
    url: str
    event_types: list[str] | None
    enabled: bool
    disabled_reason: str | None = Field(description="Why deliveries stopped, when they did.")
    created: datetime

    @classmethod
    def of(cls, record: SubscriptionRecord) -> SubscriptionOut:
        """The model of ``record``."""
        return cls(
            id=record.id,
            directory_id=record.directory_id,
            url=record.url,
            event_types=None if record.event_types is None else list(record.event_types),
            enabled=record.enabled,
            disabled_reason=record.disabled_reason,
            created=record.created,
        )


class SubscriptionCreated(SubscriptionOut):
    """A new subscription with its signing secret, shown this once."""

    secret: str = Field(description="The Standard Webhooks signing secret (`whsec_...`).")


class SubscriptionList(BaseModel):
    """A directory's subscriptions."""

    data: list[SubscriptionOut]


class DeliveryOut(BaseModel):
    """One delivery attempt of one event."""

    event_id: str
    event_type: str
    attempt: int
    status: int | None = Field(description="The receiver's HTTP status; null if none came.")
    latency_ms: float
    response_excerpt: str | None
    error: str | None
    created: datetime

    @classmethod
    def of(cls, record: DeliveryRecord) -> DeliveryOut:
        """The model of ``record``."""
        return cls(
            event_id=record.event_id,
            event_type=record.event_type,
            attempt=record.attempt,
            status=record.status,
            latency_ms=record.latency_ms,
            response_excerpt=record.response_excerpt,
            error=record.error,
            created=record.created,
        )


class DeliveryList(BaseModel):
    """The delivery log, newest first."""

    data: list[DeliveryOut]


def _subscription(found: Services, directory_id: str, subscription_id: str) -> None:
    """Check the directory and that the subscription is one of it. :raises ProblemError: 404"""
    found.directories.get(directory_id)
    try:
        found.webhooks.get(directory_id, subscription_id)
    except AdminError as exc:
        raise ProblemError(404, f"No webhook subscription {subscription_id[:64]} here.") from exc


@router.get("", summary="List webhook subscriptions")
def list_subscriptions(request: Request, directory_id: DirectoryId) -> SubscriptionList:
    """The directory's subscriptions."""
    found = services(request)
    found.directories.get(directory_id)
    records = found.webhooks.subscriptions(directory_id)
    return SubscriptionList(data=[SubscriptionOut.of(r) for r in records])


@router.post(
    "",
    status_code=201,
    summary="Subscribe a receiver",
    responses=problem_responses(400),
)
def create_subscription(
    request: Request, directory_id: DirectoryId, body: SubscriptionIn
) -> SubscriptionCreated:
    """Send the directory's events (of ``types``, or all) from now on to ``url``, signed with
    the secret in this answer (shown once)."""
    created = services(request).webhooks.subscribe(directory_id, body.url, body.types)
    out = SubscriptionOut.of(created.subscription)
    return SubscriptionCreated(**dict(out), secret=created.secret)


@router.delete("/{subscription_id}", status_code=204, summary="Delete a subscription")
def delete_subscription(
    request: Request, directory_id: DirectoryId, subscription_id: SubscriptionId
) -> Response:
    """Stop deliveries and delete the subscription with its delivery log."""
    found = services(request)
    _subscription(found, directory_id, subscription_id)
    found.webhooks.delete(directory_id, subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", summary="Read a subscription's delivery log")
def list_deliveries(
    request: Request,
    directory_id: DirectoryId,
    subscription_id: SubscriptionId,
    limit: Annotated[int, Query(ge=1, le=1000, description="Attempts shown.")] = 100,
) -> DeliveryList:
    """Delivery attempts, newest first: status, latency, the start of the answer or the error."""
    found = services(request)
    _subscription(found, directory_id, subscription_id)
    records = found.webhooks.deliveries(subscription_id, limit)
    return DeliveryList(data=[DeliveryOut.of(r) for r in records])
