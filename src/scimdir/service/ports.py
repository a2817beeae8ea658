"""The storage port: what the service layer needs from a database, and the rules backends keep.

Rules (each is checked by the contract suite in ``tests/storage/contract.py``, which every backend
runs):

1. **The service owns the transaction.** ``Storage.transaction()`` yields a :class:`Transaction`;
   leaving the block normally commits, an exception rolls everything back. Repository methods
   flush, never commit.
2. **Tenancy.** Every user, group, membership, event and log row belongs to one directory, and
   every method that reads them takes the ``directory_id``: nothing of one directory is ever
   returned for another, even when an id is guessed.
3. **Uniqueness is enforced by the database**, not by a read-then-write: ``user_name`` is unique
   per directory after :func:`normalize_user_name` (the same case-folding the ``userName eq``
   filter uses), a group's ``display_name`` is unique per directory case-insensitively. A
   violation raises :class:`UniquenessViolation` naming the field, even under concurrent writers.
4. **Optimistic concurrency.** ``update_user``/``update_group`` write only if the stored version
   equals ``expected_version`` and bump it by one; otherwise :class:`StaleVersion`.
5. **Filters run in the database over indexes.** ``search_*`` compile the resolved filter tree of
   :mod:`scimdir.scim.filter` (every ``Field.key`` published there) to SQL; a key a backend does not
   know raises ``invalidFilter``, never a silent widening. ``caseExact=false`` string comparisons
   are case-insensitive.
6. **Memberships are rows.** Adding or removing members touches only those rows (idempotent:
   adding an existing member or removing a missing one is not an error); a group's document never
   holds its members. Deleting a user or group deletes its membership rows.
7. **Events** (the outbox) are written in the same transaction as the change they describe; their
   ``seq`` grows monotonically per directory in commit order: a snapshot that sees event ``N``
   sees every event of the directory below ``N`` (the change feed relies on it, docs/events.md).

Records are plain dataclasses; ``document`` is the stored SCIM JSON of the resource *without*
``id``, ``meta``, ``schemas``, ``members`` (groups) and ``groups`` (users); those are derived.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from scimdir.scim.filter import Expr

__all__ = [
    "DeliveryRecord",
    "DirectoryRecord",
    "EventRecord",
    "GroupRecord",
    "LogRecord",
    "MemberRecord",
    "MembershipChange",
    "Page",
    "SearchQuery",
    "SecretRecord",
    "StaleVersion",
    "Storage",
    "StorageBusy",
    "StorageError",
    "SubscriptionRecord",
    "Transaction",
    "UniquenessViolation",
    "UserRecord",
    "normalize_user_name",
]


T = TypeVar("T")


def normalize_user_name(user_name: str) -> str:
    """The comparison form of a userName: NFKC, then case-folded.

    RFC 7643 §4.1.1 makes userName caseExact=false; uniqueness and the ``eq`` filter both use this
    form so that Entra's lookup and our 409 never disagree.
    """
    return unicodedata.normalize("NFKC", user_name).casefold()


class StorageError(Exception):
    """Base of the errors a storage backend raises (translated from driver errors)."""


class UniquenessViolation(StorageError):
    """A write collided with a unique constraint; ``field`` names it (``userName``, ...)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is already taken")
        self.field = field


class StorageBusy(StorageError):
    """The database could not be written in time (another writer held it too long); the
    request changed nothing and can be retried."""


class StaleVersion(StorageError):
    """The record changed since it was read (optimistic concurrency), or it vanished."""


@dataclass
class DirectoryRecord:
    """A SCIM directory (tenant). ``settings`` is JSON, typed by ``service.settings``."""

    id: str
    name: str
    idp: str
    settings: dict[str, Any]
    created: datetime
    updated: datetime


@dataclass
class SecretRecord:
    """A hashed bearer secret. Two may be live at once during a rotation."""

    id: str
    directory_id: str
    secret_hash: str
    created: datetime
    expires: datetime | None = None
    revoked: datetime | None = None
    last_used: datetime | None = None


@dataclass
class UserRecord:
    """A user. ``linked`` is true while the IdP manages it (``source`` says who created it)."""

    id: str
    directory_id: str
    user_name: str
    document: dict[str, Any]
    version: int
    created: datetime
    last_modified: datetime
    source: Literal["idp", "local"] = "idp"
    linked: bool = True


@dataclass
class GroupRecord:
    """A group; its members live in membership rows, never in ``document``."""

    id: str
    directory_id: str
    display_name: str
    document: dict[str, Any]
    version: int
    created: datetime
    last_modified: datetime


@dataclass(frozen=True)
class MemberRecord:
    """One membership row, with the member's display name for rendering."""

    value: str
    type: Literal["User", "Group"]
    display: str | None


@dataclass(frozen=True)
class SearchQuery:
    """A list request, already validated: RFC 7644 §3.4.2.

    ``start_index`` is 1-based. ``sort_key`` is a ``Field.key`` (None: by creation order, which is
    stable so that paging never skips or repeats). ``linked_only`` hides users the IdP does not
    manage (local accounts awaiting linking).
    """

    filter: Expr | None = None
    sort_key: str | None = None
    descending: bool = False
    start_index: int = 1
    count: int = 100
    linked_only: bool = True


@dataclass
class Page(Generic[T]):
    """One page of results and the total number of matches."""

    total: int
    items: list[T] = field(default_factory=list)


@dataclass(frozen=True)
class EventRecord:
    """A change event in the outbox."""

    seq: int
    directory_id: str
    type: str
    resource_type: str
    resource_id: str
    data: dict[str, Any]
    created: datetime
    event_id: str = ""
    changed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class MembershipChange:
    """One member row this transaction added to or removed from a group (the storage records
    exactly the rows it changed, so each becomes one ``group.member_*`` event)."""

    group_id: str
    member_id: str
    member_type: Literal["User", "Group"]
    added: bool


@dataclass
class SubscriptionRecord:
    """A webhook subscription and its delivery state: ``cursor`` is the last event ``seq``
    delivered (or skipped by the type filter); ``attempts`` counts failures of the next one."""

    id: str
    directory_id: str
    url: str
    event_types: tuple[str, ...] | None
    secret: str
    enabled: bool
    created: datetime
    next_attempt_at: datetime
    cursor: int = 0
    attempts: int = 0
    failing_since: datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery attempt of one event to one subscription (the delivery log)."""

    subscription_id: str
    event_id: str
    event_type: str
    attempt: int
    status: int | None
    latency_ms: float
    response_excerpt: str | None
    error: str | None
    created: datetime


@dataclass(frozen=True)
class LogRecord:
    """One SCIM request as the provisioning log shows it; secrets never appear here."""

    directory_id: str
    method: str
    path: str
    status: int
    created: datetime
    duration_ms: float
    scim_type: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    detail: str | None = None
    quirks: tuple[str, ...] = ()
    id: int | None = None


class Transaction(Protocol):
    """One unit of work; see the module docstring for the rules."""

    # directories
    def insert_directory(self, record: DirectoryRecord) -> None: ...
    def get_directory(self, directory_id: str) -> DirectoryRecord | None: ...
    def list_directories(self) -> list[DirectoryRecord]: ...
    def update_directory(self, record: DirectoryRecord) -> None: ...
    def delete_directory(self, directory_id: str) -> None: ...

    # secrets
    def insert_secret(self, record: SecretRecord) -> None: ...
    def list_secrets(self, directory_id: str) -> list[SecretRecord]: ...
    def update_secret(self, record: SecretRecord) -> None: ...
    def touch_secret_last_used(self, secret_id: str, when: datetime) -> None:
        """Set the secret's ``last_used`` to ``when`` unless it is already later; nothing else
        of the row is written, so a rotation or revocation committed meanwhile stands."""
        ...

    # users
    def insert_user(self, record: UserRecord) -> None: ...
    def get_user(self, directory_id: str, user_id: str) -> UserRecord | None: ...
    def find_user_by_user_name(self, directory_id: str, user_name: str) -> UserRecord | None: ...
    def find_user_by_external_id(
        self, directory_id: str, external_id: str
    ) -> UserRecord | None: ...
    def update_user(self, record: UserRecord, expected_version: int) -> None: ...
    def delete_user(self, directory_id: str, user_id: str) -> bool: ...
    def search_users(self, directory_id: str, query: SearchQuery) -> Page[UserRecord]: ...
    def existing_user_ids(self, directory_id: str, ids: Sequence[str]) -> set[str]: ...
    def groups_of_user(self, directory_id: str, user_id: str) -> list[tuple[str, str]]: ...

    # groups
    def insert_group(self, record: GroupRecord) -> None: ...
    def get_group(self, directory_id: str, group_id: str) -> GroupRecord | None: ...
    def update_group(self, record: GroupRecord, expected_version: int) -> None: ...
    def delete_group(self, directory_id: str, group_id: str) -> bool: ...
    def search_groups(self, directory_id: str, query: SearchQuery) -> Page[GroupRecord]: ...
    def existing_group_ids(self, directory_id: str, ids: Sequence[str]) -> set[str]: ...

    # memberships
    def add_members(
        self, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
    ) -> int:
        """Add ``(member_id, "User"|"Group")`` rows; returns how many were new."""
        ...

    def remove_members(
        self, directory_id: str, group_id: str, member_ids: Sequence[str]
    ) -> int: ...
    def remove_all_members(self, directory_id: str, group_id: str) -> int: ...
    def member_ids(self, directory_id: str, group_id: str) -> set[str]: ...
    def iter_members(
        self, directory_id: str, group_id: str, batch: int = 1000
    ) -> Iterator[MemberRecord]: ...
    def count_members(self, directory_id: str, group_id: str) -> int: ...

    # reset
    def delete_provisioned(self, directory_id: str, *, unlink_users: bool) -> tuple[int, int]:
        """Remove the directory's groups and IdP users (or unlink the users).

        Returns ``(groups removed, users removed or unlinked)``.
        """
        ...

    # outbox and log
    def append_event(
        self,
        directory_id: str,
        type: str,
        resource_type: str,
        resource_id: str,
        data: dict[str, Any],
        created: datetime,
        *,
        changed: Sequence[str] | None = None,
    ) -> int: ...
    def append_events(
        self,
        directory_id: str,
        items: Sequence[tuple[str, str, str, dict[str, Any]]],
        created: datetime,
    ) -> None:
        """Append ``(type, resource_type, resource_id, data)`` events in order, as consecutive
        ``seq`` numbers (rule 7); one counter update for all of them."""
        ...

    def list_events(
        self,
        directory_id: str,
        after: int,
        limit: int,
        *,
        types: Sequence[str] | None = None,
        upto: int | None = None,
    ) -> list[EventRecord]:
        """Events with ``after < seq (<= upto)``, of ``types`` if given, oldest first."""
        ...

    def event_high_water(self, directory_id: str) -> int | None:
        """The directory's last committed event ``seq`` (0 before any), or None without the
        directory. Every event up to it is visible in the same snapshot (rule 7)."""
        ...

    def prune_events(self, before: datetime, directory_id: str | None = None) -> int:
        """Delete events created before ``before`` (of one directory, or all), except those an
        enabled webhook subscription has not received yet; returns how many."""
        ...

    def take_member_changes(self, group_id: str) -> list[MembershipChange]:
        """The member rows of ``group_id`` this transaction added or removed since the last
        call, in order, and forget them (one ``group.member_*`` event each)."""
        ...

    # webhooks
    def insert_subscription(self, record: SubscriptionRecord) -> None: ...
    def list_subscriptions(self, directory_id: str) -> list[SubscriptionRecord]: ...
    def delete_subscription(self, directory_id: str, subscription_id: str) -> bool: ...
    def claim_subscription(
        self, now: datetime, token: str, lease_until: datetime, directory_id: str | None = None
    ) -> SubscriptionRecord | None:
        """Lease one enabled subscription that is due and not leased, of ``directory_id`` if
        given (several workers never claim the same one: ``FOR UPDATE SKIP LOCKED``)."""
        ...

    def settle_subscription(self, record: SubscriptionRecord, token: str) -> bool:
        """Write the delivery state of ``record`` and end the lease, if ``token`` still holds
        it; False when the lease was lost."""
        ...

    def rewind_subscription(
        self, directory_id: str, subscription_id: str, cursor: int, now: datetime
    ) -> bool:
        """Redeliver from ``cursor`` on (manual redelivery; re-enables the subscription)."""
        ...

    def append_delivery(self, record: DeliveryRecord) -> None: ...
    def list_deliveries(self, subscription_id: str, limit: int = 100) -> list[DeliveryRecord]:
        """The subscription's delivery log, newest first."""
        ...

    def append_log(self, record: LogRecord) -> None: ...
    def append_logs(self, records: Sequence[LogRecord]) -> None: ...
    def prune_log(self, before: datetime) -> int:
        """Delete log rows older than ``before`` (retention); returns how many."""
        ...

    def list_log(
        self,
        directory_id: str,
        *,
        limit: int = 100,
        before_id: int | None = None,
        failures_only: bool = False,
    ) -> list[LogRecord]: ...


class Storage(Protocol):
    """A storage backend: migrations and transactions."""

    def migrate(self) -> None:
        """Bring the schema to the newest revision (safe to run while other servers are up)."""
        ...

    def transaction(self, *, readonly: bool = False) -> AbstractContextManager[Transaction]:
        """Open one unit of work (rule 1). ``readonly=True`` promises the block only reads, so
        the backend may run it beside other readers (SQLite begins it deferred)."""
        ...

    def dispose(self) -> None:
        """Close pooled connections."""
        ...
