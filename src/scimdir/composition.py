"""The composition root: the one place that turns settings into a service graph.

Every adapter (the SCIM API in ``web/``, the CLI, and the management API and console that build
on the same services) takes its :class:`Services` from :func:`build_services`, so storage,
runtime, limits and the log sink are wired the same way for all of them. Nothing here reads the
environment: the caller passes the settings it read once at its entry point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from scimdir.service.admin_accounts import AdminAccountService
from scimdir.service.admin_groups import AdminGroupService
from scimdir.service.admin_users import AdminUserService
from scimdir.service.api_keys import ApiKeyService
from scimdir.service.bulk import BulkService
from scimdir.service.context import Limits
from scimdir.service.directories import DirectoryService
from scimdir.service.directory_counts import DirectoryCounts
from scimdir.service.event_feed import EventFeed
from scimdir.service.event_retention import EventRetention
from scimdir.service.extension_schemas import ExtensionSchemaService
from scimdir.service.groups import GroupService
from scimdir.service.health import HealthService
from scimdir.service.log_sink import LogSink
from scimdir.service.mapping_preview import MappingPreviewService
from scimdir.service.ports import Storage
from scimdir.service.provisioning_log import ProvisioningLog
from scimdir.service.reset_plan import ResetPlanner
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
    log: ProvisioningLog
    health: HealthService
    api_keys: ApiKeyService
    admin_users: AdminUserService
    admin_groups: AdminGroupService
    admin_accounts: AdminAccountService
    directory_counts: DirectoryCounts
    events: EventFeed
    event_retention: EventRetention
    webhooks: WebhookService
    mapping_preview: MappingPreviewService
    reset_plans: ResetPlanner
    bulk: BulkService

    @property
    def extension_schemas(self) -> ExtensionSchemaService:
        """Declared extension schemas of directories (stateless: built on use)."""
        return ExtensionSchemaService(self.storage, self.runtime)


def build_limits(settings: Settings) -> Limits:
    """The published request limits, from the settings."""
    return Limits(
        max_page_size=settings.max_page_size,
        default_page_size=min(settings.default_page_size, settings.max_page_size),
        max_operations=settings.max_operations,
        max_values_per_attribute=settings.max_values_per_attribute,
        max_members_per_request=settings.max_members_per_request,
        max_filter_length=settings.max_filter_length,
        max_filter_terms=settings.max_filter_terms,
        max_filter_depth=settings.max_filter_depth,
        max_filter_multi_valued=settings.max_filter_multi_valued,
        max_members_per_response=settings.max_members_per_response,
        bulk_max_operations=settings.bulk_operations(),
        bulk_max_payload_bytes=settings.bulk_payload_bytes(),
    )


def build_services(
    settings: Settings, storage: Storage | None = None, runtime: Runtime | None = None
) -> Services:
    """Wire storage and services from ``settings``; tests pass their own storage and runtime."""
    storage = storage or open_storage(
        settings.database_url,
        pool_size=settings.db_pool(),
        writer_timeout=settings.writer_lock_timeout,
        max_overflow=settings.db_overflow(),
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    runtime = runtime or system_runtime()
    limits = build_limits(settings)
    directories = DirectoryService(storage, runtime)
    users = UserService(storage, runtime, limits)
    groups = GroupService(storage, runtime, limits)
    return Services(
        storage=storage,
        runtime=runtime,
        limits=limits,
        directories=directories,
        users=users,
        groups=groups,
        log_sink=LogSink(
            storage,
            retention=timedelta(days=settings.log_retention_days),
            max_rows_per_directory=settings.log_max_rows_per_directory,
            clock=runtime.clock,
            enabled=settings.log_enabled,
        ),
        log=ProvisioningLog(storage, runtime.clock),
        health=HealthService(storage, runtime.clock),
        api_keys=ApiKeyService(storage, runtime),
        admin_users=AdminUserService(storage, runtime, settings.base_url()),
        admin_groups=AdminGroupService(storage),
        admin_accounts=AdminAccountService(storage, runtime),
        directory_counts=DirectoryCounts(storage),
        events=EventFeed(storage),
        event_retention=EventRetention(
            storage, timedelta(days=settings.event_retention_days), clock=runtime.clock
        ),
        webhooks=WebhookService(storage, runtime),
        mapping_preview=MappingPreviewService(directories, storage),
        reset_plans=ResetPlanner(storage),
        bulk=BulkService(users, groups, limits),
    )
