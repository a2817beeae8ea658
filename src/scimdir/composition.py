"""The composition root: the one place that turns settings into a service graph.

Every adapter (the SCIM API in ``web/``, the CLI, and the management API and console that build
on the same services) takes its :class:`Services` from :func:`build_services`, so storage,
runtime, limits and the log sink are wired the same way for all of them. Nothing here reads the
environment: the caller passes the settings it read once at its entry point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from scimdir.service.context import Limits
from scimdir.service.directories import DirectoryService
from scimdir.service.event_feed import EventFeed
from scimdir.service.event_retention import EventRetention
from scimdir.service.groups import GroupService
from scimdir.service.log_sink import LogSink
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime, system_runtime
from scimdir.service.users import UserService
from scimdir.service.webhooks import WebhookService
from scimdir.settings import Settings
from scimdir.storage import open_storage


@dataclass
class Services:
    """The service graph one process uses (shared by every adapter)."""

    storage: Storage
    runtime: Runtime
    limits: Limits
    directories: DirectoryService
    users: UserService
    groups: GroupService
    log_sink: LogSink
    events: EventFeed
    event_retention: EventRetention
    webhooks: WebhookService


def build_limits(settings: Settings) -> Limits:
    """The published request limits, from the settings."""
    return Limits(
        max_page_size=settings.max_page_size,
        default_page_size=min(settings.default_page_size, settings.max_page_size),
        max_operations=settings.max_operations,
        max_members_per_response=settings.max_members_per_response,
    )


def build_services(
    settings: Settings, storage: Storage | None = None, runtime: Runtime | None = None
) -> Services:
    """Wire storage and services from ``settings``; tests pass their own storage and runtime."""
    storage = storage or open_storage(
        settings.database_url,
        pool_size=settings.db_pool_size,
        writer_timeout=settings.writer_lock_timeout,
    )
    runtime = runtime or system_runtime()
    limits = build_limits(settings)
    return Services(
        storage=storage,
        runtime=runtime,
        limits=limits,
        directories=DirectoryService(storage, runtime),
        users=UserService(storage, runtime, limits),
        groups=GroupService(storage, runtime, limits),
        log_sink=LogSink(
            storage,
            retention=timedelta(days=settings.log_retention_days),
            clock=runtime.clock,
        ),
        events=EventFeed(storage),
        event_retention=EventRetention(
            storage, timedelta(days=settings.event_retention_days), clock=runtime.clock
        ),
        webhooks=WebhookService(storage, runtime),
    )
