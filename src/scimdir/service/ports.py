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
4. **Versions.** ``update_user``/``update_group`` write only if the stored version equals
   ``expected_version`` and bump it by one; otherwise :class:`StaleVersion`. In a writing unit of
   work, ``get_user``/``get_group`` with ``for_update=True`` lock the row until the end of the
   unit of work, so the version read is still the stored one when it is written: concurrent
   writers of one resource wait for each other instead of losing a race. A group's version and
   ``last_modified`` cover its membership too: the service bumps them (one row update) with every
   membership change it makes, and ``delete_user``/``delete_group`` bump every group that loses
   the deleted resource as a member.
5. **Filters run in the database over indexes.** ``search_*`` compile the resolved filter tree of
   :mod:`scimdir.scim.filter` (every ``Field.key`` published there) to SQL; a key a backend does not
   know raises ``invalidFilter``, never a silent widening. ``caseExact=false`` string comparisons
   are case-insensitive.
6. **Memberships are rows.** Adding or removing members touches only those rows (idempotent:
   adding an existing member or removing a missing one is not an error); a group's document never
   holds its members. A user membership must name a user of the directory: the database refuses
   any other (:class:`UnknownMember`, even when the user was deleted after the service checked),
   and deleting a user deletes its membership rows, whoever deletes it (a foreign key with
   ``ON DELETE CASCADE``). Deleting a group deletes its membership rows in both directions.
7. **Events** (the outbox) are written in the same transaction as the change they describe; their
   ``seq`` grows monotonically per directory in commit order: a snapshot that sees event ``N``
   sees every event of the directory below ``N`` (the change feed relies on it, docs/events.md).
8. **One lock order**, so that concurrent writers queue instead of deadlocking. A unit of work
   takes (1) group rows: the group it writes, and when it deletes a user or group, every group
   that contains it, ascending by id, before the deleted row; (2) user rows: the user it writes
   or deletes, and (shared) the users a new membership names; (3) membership rows; (4) the
   directory row, last: the list counters are written when the unit of work ends, and the service
   appends its outbox events after its other writes. What this order cannot rule out (a cycle of
   nested groups, a directory reset against live traffic) and PostgreSQL serialization failures
   roll back and raise :class:`TransientConflict`; the service runs the whole unit of work again
   (``service/unit_of_work.py``).
9. **The provisioning log is best effort and bounded**: ``append_logs`` takes already-bounded
   records (:mod:`scimdir.service.log_bounds`), ``append_log_rows`` the same entries as
   positional rows (:data:`LogRow`), stored column for column alike; entries without a directory
   (unknown tenant) are kept apart and never returned for a directory; a problem is one row per
   ``(directory, subject_key, kind)``.
10. **Browsing** (``browse_users``/``browse_groups``, the admin's lists) pages by key, never by
   offset: a :class:`BrowseCursor` names the last item served, and the next page starts strictly
   after it, so a page costs the same at the millionth user as at the first and paging never
   skips or repeats an item that exists throughout. ``search`` is a prefix of the comparison
   form (userName, displayName, an e-mail for users; displayName for groups), matched over the
   same indexes; each user appears once however many of its values match. Unlinked users are
   included (the admin sees every account).
11. **API keys** are stored hashed; ``find_api_key`` looks one up by its hash (unique), and
   ``touch_api_key`` writes ``last_used`` alone, never moving it backwards, so recording a use
   never rewrites the key (a revocation in between survives).
12. **Declared extension attributes are filtered over an index.** ``insert_user``/``update_user``
   (and the group methods) keep one index row per value of each attribute the directory has
   declared (:func:`scimdir.scim.extensions.index_entries`) in the same transaction as the
   document; filters on them (keys ``urn:...:name``) run over that index and never scan. An
   attribute declared unique refuses a second equal value in the directory with
   :class:`UniquenessViolation` whose ``field`` is the attribute's ``urn:name``.


Records are plain dataclasses; ``document`` is the stored SCIM JSON of the resource *without*
``id``, ``meta``, ``schemas``, ``members`` (groups) and ``groups`` (users); those are derived.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from scimdir.scim.filter import Expr

__all__ = [
    "LOG_ROW_COLUMNS",
    "ApiKeyRecord",
    "ApiKeyRole",
    "BrowseCursor",
    "BrowsePage",
    "DeliveryRecord",
    "DirectoryRecord",
    "EventRecord",
    "GroupRecord",
    "LogCategory",
    "LogCount",
    "LogFilter",
    "LogRecord",
    "LogRow",
    "LookupHint",
    "MemberRecord",
    "MembershipChange",
    "Page",
    "ProblemHit",
    "ProblemRecord",
    "ReadAhead",
    "ReadTimeLimit",
    "SearchQuery",
    "SecretRecord",
    "StaleVersion",
    "Storage",
    "StorageBusy",
    "StorageError",
    "SubscriptionRecord",
    "Transaction",
    "TransientConflict",
    "UniquenessViolation",
    "UnknownMember",
    "UserHint",
    "UserRecord",
    "log_row",
    "normalize_user_name",
    "read_deadline",
    "reads_on_event_loop",
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


class ReadTimeLimit(StorageBusy):
    """A read ran past its time limit (:data:`read_deadline`, or the storage's own limit for
    reads on the event loop) and the database interrupted it; nothing was changed and the
    request can be retried (narrower, or later). ``limit_seconds``: the limit, when the
    storage's own."""

    def __init__(self, message: str, *, limit_seconds: float | None = None) -> None:
        super().__init__(message)
        self.limit_seconds = limit_seconds


read_deadline: ContextVar[float | None] = ContextVar("scimdir_read_deadline", default=None)
"""The ``time.monotonic()`` instant past which the current context's statements are interrupted
(raising :class:`ReadTimeLimit`); None: no limit. Set around reads that may scan
(:func:`scimdir.service.unit_of_work.time_limited`); a storage honours it where its database
can interrupt a statement (SQLite's progress handler)."""

reads_on_event_loop: ContextVar[bool] = ContextVar("scimdir_reads_on_event_loop", default=False)
"""True while the current context's read-only units of work run on the event loop (an index
probe served inline, ``web/db_threads.py``). Such a unit must never wait for a pooled
connection that worker threads hold, and must be bounded in time: a storage whose reads cross
a network (PostgreSQL) gives it a connection of the loop's own with a statement time limit."""


class StaleVersion(StorageError):
    """The record changed since it was read (optimistic concurrency), or it vanished."""


class UnknownMember(StorageError):
    """A membership names a user that does not exist (any more) in the directory (rule 6)."""


class TransientConflict(StorageError):
    """The database rolled the unit of work back to resolve a deadlock or a serialization
    failure, or stayed busy; running it again is safe and usually succeeds (rule 8)."""


@dataclass
class DirectoryRecord:
    """A SCIM directory (tenant). ``settings`` is JSON, typed by ``service.settings``."""

    id: str
    name: str
    idp: str
    settings: dict[str, Any]
    created: datetime
    updated: datetime
    schema_extensions: list[dict[str, Any]] = field(default_factory=list)
    """Declared extension schemas (:mod:`scimdir.scim.extensions`), written only by
    :meth:`Transaction.set_schema_extensions`."""


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


@dataclass(frozen=True)
class LookupHint:
    """What an identity provider's matching query will most likely search for, known before
    the request is authenticated: ``GET /Users?filter=userName eq "x"`` read from the raw query
    string alone (:func:`scimdir.web.list_params.lookup_hint`), for
    :meth:`Transaction.authenticate` to fetch with the authentication.

    ``resource`` is ``"User"`` or ``"Group"``; ``attribute`` the attribute name as the client
    wrote it (no sub-attribute, no schema URN; case as sent); ``value`` the decoded string;
    ``count`` the page size the search will ask for. A hint is never trusted: it only decides
    what may be read early, and a search is answered from that read only when it asks for
    exactly the same rows.
    """

    resource: Literal["User", "Group"]
    attribute: str
    value: str
    count: int


@dataclass(frozen=True)
class UserHint:
    """The user a request names by id (``GET``, ``PUT``, ``PATCH`` or ``DELETE /Users/{id}``),
    known before the request is authenticated, for :meth:`Transaction.authenticate` to read
    with the authentication. Never trusted: it only decides what may be read early, and only a
    read of that same user in that same directory takes the row."""

    id: str


@dataclass(frozen=True)
class ReadAhead:
    """A user's row that one unit of work's authentication read for another unit of work
    (:meth:`Transaction.take_read_ahead`, :meth:`Transaction.adopt_read_ahead`). ``row`` is the
    backend's own: the service only carries it from one unit to the next."""

    directory_id: str
    user_id: str
    row: Any


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


LogCategory = Literal["request", "auth", "admin"]


@dataclass(slots=True)
class LogRecord:
    """One entry of the provisioning log (docs/provisioning-log.md); secrets never appear here.

    ``category`` says what it records: a SCIM ``request`` of the IdP, an ``auth`` failure (no
    directory opened; ``directory_id`` is None when the tenant is unknown), or an ``admin``
    action (settings change, secret rotation, reset). ``subject`` is the resource's userName or
    displayName, ``effect`` what the request did in words, ``problem`` the failure kind with its
    ``explanation`` and ``fix`` for the admin. ``request_body``/``response_body`` are kept for
    failures only, redacted and size-capped. Every text is bounded before it is stored
    (:mod:`scimdir.service.log_bounds`). Not frozen, with slots: one is built per request, and a
    frozen dataclass of this size costs several times more to construct.
    """

    directory_id: str | None
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
    category: LogCategory = "request"
    request_id: str | None = None
    subject: str | None = None
    effect: str | None = None
    problem: str | None = None
    explanation: str | None = None
    fix: str | None = None
    client: str | None = None
    user_agent: str | None = None
    request_body: str | None = None
    response_body: str | None = None


LOG_ROW_COLUMNS: tuple[str, ...] = (
    "directory_id",
    "category",
    "request_id",
    "method",
    "path",
    "status",
    "scim_type",
    "resource_type",
    "resource_id",
    "subject",
    "effect",
    "problem",
    "detail",
    "explanation",
    "fix",
    "duration_ms",
    "client",
    "user_agent",
    "request_body",
    "response_body",
    "quirks",
    "created",
)
"""The column order of a :data:`LogRow`: the fields of :class:`LogRecord` but ``id``, in this
order (``quirks`` and ``created``, the two values a backend encodes, come last)."""

LogRow = tuple[
    str | None,  # directory_id
    LogCategory,  # category
    str | None,  # request_id
    str,  # method
    str,  # path
    int,  # status
    str | None,  # scim_type
    str | None,  # resource_type
    str | None,  # resource_id
    str | None,  # subject
    str | None,  # effect
    str | None,  # problem
    str | None,  # detail
    str | None,  # explanation
    str | None,  # fix
    float,  # duration_ms
    str | None,  # client
    str | None,  # user_agent
    str | None,  # request_body
    str | None,  # response_body
    tuple[str, ...],  # quirks
    datetime,  # created
]
"""One provisioning-log entry as a positional tuple in :data:`LOG_ROW_COLUMNS` order: what the
log writer hands to ``Transaction.append_log_rows``. The writer builds a served request's row
directly (``web/request_log.py``), without a :class:`LogRecord` per request, and the backend
hands the rows' values to its driver as they are (``storage/sql/log_ops.py``): the log runs
beside every request, so its per-entry cost is theirs."""


def log_row(record: LogRecord) -> LogRow:
    """``record`` as a :data:`LogRow` (``duration_ms`` as a float, as the column stores it)."""
    r = record
    return (
        r.directory_id,
        r.category,
        r.request_id,
        r.method,
        r.path,
        r.status,
        r.scim_type,
        r.resource_type,
        r.resource_id,
        r.subject,
        r.effect,
        r.problem,
        r.detail,
        r.explanation,
        r.fix,
        float(r.duration_ms),
        r.client,
        r.user_agent,
        r.request_body,
        r.response_body,
        tuple(r.quirks),
        r.created,
    )


@dataclass(frozen=True)
class LogFilter:
    """Which provisioning-log entries a query returns (all of them by default).

    ``subject`` matches the entry's userName/displayName case-insensitively, or its resource
    id exactly; ``since`` keeps entries created at or after it, ``until`` those created before
    it (a time range is both); ``before_id`` pages back.
    """

    failures_only: bool = False
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    category: LogCategory | None = None


@dataclass(frozen=True)
class ProblemHit:
    """One or more failures of the same kind for the same subject, to be counted as a problem."""

    directory_id: str
    subject_key: str
    kind: str
    count: int
    first_seen: datetime
    last_seen: datetime
    subject: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    detail: str | None = None
    explanation: str | None = None
    fix: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class ProblemRecord:
    """An open (``resolved`` None) or resolved problem: one subject failing one way, counted."""

    directory_id: str
    subject_key: str
    kind: str
    count: int
    first_seen: datetime
    last_seen: datetime
    resolved: datetime | None
    subject: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    detail: str | None = None
    explanation: str | None = None
    fix: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class LogCount:
    """Entries of one kind over a period: ``kind`` is the failure kind, or ``ok``."""

    category: LogCategory
    kind: str
    count: int


ApiKeyRole = Literal["admin", "reader"]


@dataclass
class ApiKeyRecord:
    """A management API key: ``admin`` (every directory) or ``reader`` bound to ``directory_id``.

    Only the hash of the key is stored (``service/secrets.py`` explains why SHA-256).
    """

    id: str
    name: str
    role: ApiKeyRole
    directory_id: str | None
    key_hash: str
    created: datetime
    last_used: datetime | None = None
    revoked: datetime | None = None


@dataclass(frozen=True)
class AdminRecord:
    """An admin console account; only the argon2 hash of its password is stored."""

    id: str
    email: str
    password_hash: str
    created: datetime
    last_login: datetime | None = None


@dataclass(frozen=True)
class BrowseCursor:
    """Where a browse page ended (rule 8): the stage of the search and the last item's key.

    Users are served in stages: userName matches by userName, then displayName matches by
    displayName, then e-mail matches by e-mail; groups in one stage by displayName. ``key`` holds
    the comparison form of the last item's sort value and, when that value is not unique, its id.
    """

    stage: int
    key: tuple[str, ...]


@dataclass
class BrowsePage(Generic[T]):
    """One page of a browse and the cursor of the next one (None: this was the last page)."""

    items: list[T]
    next: BrowseCursor | None = None


class Transaction(Protocol):
    """One unit of work; see the module docstring for the rules."""

    def pin_snapshot(self) -> None:
        """From here to the end of the unit of work, read one snapshot (a no-op unless the unit
        was opened with ``snapshot=False``, see :meth:`Storage.transaction`)."""
        ...

    # directories
    def insert_directory(self, record: DirectoryRecord) -> None: ...
    def get_directory(self, directory_id: str) -> DirectoryRecord | None: ...
    def list_directories(self) -> list[DirectoryRecord]: ...
    def update_directory(self, record: DirectoryRecord) -> None: ...
    def delete_directory(self, directory_id: str) -> None: ...
    def set_schema_extensions(
        self, directory_id: str, declarations: list[dict[str, Any]], updated: datetime
    ) -> None:
        """Store the directory's declared extension schemas (rule 12): the values of a URN no
        longer declared leave the index; those of a newly declared URN enter it from the
        resources' stored documents."""
        ...

    # secrets
    def insert_secret(self, record: SecretRecord) -> None: ...
    def list_secrets(self, directory_id: str) -> list[SecretRecord]: ...
    def authenticate(
        self,
        directory_id: str,
        secret_hash: str,
        now: datetime,
        prefetch: LookupHint | UserHint | None = None,
    ) -> tuple[DirectoryRecord, SecretRecord] | None:
        """The directory and its secret stored as ``secret_hash`` when that secret is live at
        ``now`` (not revoked at or before it, not expired), in ONE statement; None otherwise
        (unknown directory, unknown, revoked or expired secret). No cache: every process sees
        a rotation or revocation on its next request.

        ``prefetch``: the equality lookup the request will most likely run next. A backend may
        read its rows in the same statement (the SQL backend does: on PostgreSQL one round trip
        instead of two, on SQLite one execution instead of two) and hand them, once, to the
        first ``search_users`` or ``search_groups`` of this unit of work that asks for exactly
        those rows (same directory, attribute, folded value, linked restriction and page size),
        unless the unit pinned a snapshot in between (its reads must then agree with each
        other). So the result of ``authenticate`` is the same with or without a hint, and so is
        every search's (as of the authentication's statement when it uses the rows): a search
        that asks for anything else runs its own statements, and nothing is kept past the unit
        of work. Whatever the hint, nothing is read ahead when the secret does not open the
        directory.

        A :class:`UserHint` reads the user with that id in the same statement (one round trip
        on PostgreSQL where a read by id after authenticating took two): the first
        unlocked :meth:`get_user` or :meth:`get_user_with_groups` of that user in this unit of
        work returns it without a statement of its own, or another unit does after
        :meth:`take_read_ahead` and :meth:`adopt_read_ahead`."""
        ...

    def take_read_ahead(self) -> ReadAhead | None:
        """The user row this unit's authentication read for a :class:`UserHint` and no read of
        this unit took, now removed from it; None when there is none (no hint, no such user)."""
        ...

    def adopt_read_ahead(self, read_ahead: ReadAhead) -> None:
        """Serve this unit's first unlocked read of ``read_ahead``'s user from its row, read in
        another unit of work moments before: as of that earlier statement, as an unlocked read
        is as of its own. A writer of that user still writes at the version it read (rule 4),
        so a version that moved in between fails the write as any lost race does. A locked
        read, a read of another user or directory, and any read after a pinned snapshot ignore
        it."""
        ...

    def update_secret(self, record: SecretRecord) -> None: ...
    def touch_secret_last_used(self, secret_id: str, when: datetime) -> None:
        """Set the secret's ``last_used`` to ``when`` unless it is already later; nothing else
        of the row is written, so a rotation or revocation committed meanwhile stands."""
        ...

    # users
    def insert_user(self, record: UserRecord) -> None: ...
    def insert_user_with_event(
        self, record: UserRecord, type: str, data: dict[str, Any], created: datetime
    ) -> int:
        """:meth:`insert_user`, then :meth:`append_event` of ``type`` for it (resource type
        ``User``, no changed attributes); returns the event's seq. A taken id or userName raises
        :class:`UniquenessViolation` and writes nothing, event included.

        The unit of work's last write: a backend may send it, as the unit's first statement,
        as a transaction of its own (PostgreSQL: one statement without ``BEGIN``/``COMMIT``),
        so nothing may be written after it that must be undone with it (a POST /Users does
        nothing after it but render)."""
        ...

    def get_user(
        self, directory_id: str, user_id: str, *, for_update: bool = False
    ) -> UserRecord | None: ...
    def get_user_with_groups(
        self, directory_id: str, user_id: str, *, for_update: bool = False
    ) -> tuple[UserRecord, list[tuple[str, str]]] | None:
        """:meth:`get_user` (locking as it does) and :meth:`groups_of_user` of that user, read
        together (a backend may read both in one statement)."""
        ...

    def find_user_by_user_name(self, directory_id: str, user_name: str) -> UserRecord | None: ...
    def find_user_by_external_id(
        self, directory_id: str, external_id: str
    ) -> UserRecord | None: ...
    def update_user(self, record: UserRecord, expected_version: int) -> None: ...
    def update_user_with_event(
        self,
        record: UserRecord,
        expected_version: int,
        type: str,
        data: dict[str, Any],
        created: datetime,
        *,
        changed: Sequence[str] | None = None,
    ) -> int:
        """:meth:`update_user`, then :meth:`append_event` of ``type`` for it (resource type
        ``User``, ``changed`` attributes); returns the event's seq. Raises as
        :meth:`update_user` does (:class:`StaleVersion`, :class:`UniquenessViolation`) having
        written neither.

        The unit of work's last write, as :meth:`insert_user_with_event` is: when the unit has
        written nothing before it, a backend may send it as a transaction of its own
        (PostgreSQL: one statement, after an unlocked read that needed no ``BEGIN`` either)."""
        ...

    def delete_user(
        self,
        directory_id: str,
        user_id: str,
        *,
        expected_version: int | None = None,
        modified: datetime | None = None,
    ) -> bool:
        """Delete the user (only at ``expected_version`` when given, else :class:`StaleVersion`)
        and its membership rows; every group it was in gets its version bumped and
        ``last_modified`` set to ``modified``. False if the user did not exist."""
        ...

    def search_users(self, directory_id: str, query: SearchQuery) -> Page[UserRecord]: ...
    def existing_user_ids(self, directory_id: str, ids: Sequence[str]) -> set[str]:
        """The subset of ``ids`` that are users (a read: a user deleted after it is refused by
        ``add_members`` with :class:`UnknownMember`, rule 6)."""
        ...

    def groups_of_user(self, directory_id: str, user_id: str) -> list[tuple[str, str]]: ...

    # groups
    def insert_group(self, record: GroupRecord) -> None: ...
    def get_group(
        self, directory_id: str, group_id: str, *, for_update: bool = False
    ) -> GroupRecord | None: ...
    def update_group(self, record: GroupRecord, expected_version: int) -> None: ...
    def delete_group(
        self,
        directory_id: str,
        group_id: str,
        *,
        expected_version: int | None = None,
        modified: datetime | None = None,
    ) -> bool:
        """Delete the group (only at ``expected_version`` when given, else
        :class:`StaleVersion`), its member rows and the rows where it is a member; every group
        it was in gets its version bumped. False if the group did not exist."""
        ...

    def search_groups(self, directory_id: str, query: SearchQuery) -> Page[GroupRecord]: ...
    def existing_group_ids(self, directory_id: str, ids: Sequence[str]) -> set[str]:
        """The subset of ``ids`` that are groups; in a writing unit of work they stay locked
        (shared) until it ends, so a concurrent delete of a member group waits (no foreign key
        covers group members)."""
        ...

    # memberships
    def add_members(
        self, directory_id: str, group_id: str, members: Sequence[tuple[str, str]]
    ) -> int:
        """Add ``(member_id, "User"|"Group")`` rows; returns how many were new. A user that does
        not exist raises :class:`UnknownMember` (the unit of work must then be rolled back)."""
        ...

    def add_user_members(
        self, directory_id: str, group_id: str, ids: Sequence[str]
    ) -> tuple[int, list[str]]:
        """:meth:`add_members` of the users among ``ids`` (as type ``User``), and which ids are
        not users of the directory, in the order given: ``(new rows, others)``. The check and
        the insert in one go, where :meth:`existing_user_ids` then :meth:`add_members` are two
        statements (one round trip fewer for Entra's member PATCH on PostgreSQL). The caller
        resolves ``others`` (groups, or unknown ids); when it refuses the request, the unit of
        work must be rolled back, which takes back the rows added here. A user deleted after
        the check raises :class:`UnknownMember`, as in :meth:`add_members`."""
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

    # admin browsing (rule 8)
    def browse_users(
        self, directory_id: str, search: str | None, after: BrowseCursor | None, limit: int
    ) -> BrowsePage[UserRecord]: ...
    def browse_groups(
        self, directory_id: str, search: str | None, after: BrowseCursor | None, limit: int
    ) -> BrowsePage[GroupRecord]: ...

    # admin console accounts (docs/console.md)
    def insert_admin(self, record: AdminRecord) -> None:
        """Store an account; a taken e-mail raises ``UniquenessViolation("email")``."""
        ...

    def find_admin(self, email: str) -> AdminRecord | None: ...
    def get_admin(self, admin_id: str) -> AdminRecord | None: ...
    def count_admins(self) -> int: ...
    def update_admin(self, record: AdminRecord) -> None:
        """Write the account's password hash and last sign-in."""
        ...

    def insert_admin_token(self, token_hash: str, created: datetime, expires: datetime) -> None: ...
    def use_admin_token(self, token_hash: str, now: datetime) -> bool:
        """Mark the unused, unexpired token used; False if there is none (a link works once)."""
        ...

    def admin_token_live(self, token_hash: str, now: datetime) -> bool:
        """Whether the token is stored, unused and unexpired (nothing changes)."""
        ...

    def console_secret(self, name: str, candidate: str) -> str:
        """The stored secret ``name``; stores ``candidate`` first if there is none (first wins)."""
        ...

    # API keys (rule 9)
    def insert_api_key(self, record: ApiKeyRecord) -> None: ...
    def get_api_key(self, key_id: str) -> ApiKeyRecord | None: ...
    def find_api_key(self, key_hash: str) -> ApiKeyRecord | None: ...
    def list_api_keys(self) -> list[ApiKeyRecord]: ...
    def revoke_api_key(self, key_id: str, when: datetime) -> bool:
        """Revoke the key (once: a second call keeps the first time); False if it is unknown."""
        ...

    def touch_api_key(self, key_id: str, when: datetime) -> None:
        """Set ``last_used`` to ``when`` unless it is already later (rule 9)."""
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

    def update_group_with_events(
        self,
        record: GroupRecord,
        expected_version: int,
        items: Sequence[tuple[str, str, str, dict[str, Any]]],
        created: datetime,
        *,
        last: bool = False,
    ) -> None:
        """:meth:`update_group` (:class:`StaleVersion` at another version), then
        :meth:`append_events` of ``items``: a group write's last two steps, which a backend may
        run as one statement.

        ``last``: the caller runs nothing more in this unit of work and read the group locked
        in it (so its version cannot have moved). A backend may then commit the unit with this
        statement (PostgreSQL: the statement and ``COMMIT`` in one round trip); a statement
        run after it fails the unit of work. A connection lost during such a commit leaves its
        outcome unknown: :class:`StorageError`, never run again."""
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

    def append_log(self, record: LogRecord) -> None:
        """Append one entry, as durable as the rest of the transaction (admin actions)."""
        ...

    def append_logs(self, records: Sequence[LogRecord]) -> None:
        """Append the log writer's batch; only in a transaction of its own, which a backend may
        commit less durably (a crash may lose the batch, never other data)."""
        ...

    def append_log_rows(self, rows: Sequence[LogRow]) -> None:
        """:meth:`append_logs` for rows in :data:`LOG_ROW_COLUMNS` order (already bounded), stored
        in their order: the same columns as the equal :class:`LogRecord` (:func:`log_row`) gets.
        Only in a transaction of its own, which a backend may commit less durably."""
        ...

    def prune_log(self, before: datetime) -> int:
        """Delete log rows (and resolved problems) older than ``before``; returns how many rows."""
        ...

    def cap_log(
        self, max_rows_per_directory: int, owners: Collection[str | None] | None = None
    ) -> int:
        """Keep only the newest ``max_rows_per_directory`` rows of each of ``owners`` (directory
        ids; None among them: the unknown-tenant entries), or with ``owners`` None of every
        directory and of the unknown-tenant entries; returns how many rows were deleted. Costs
        an indexed probe per owner, whatever the size of the log."""
        ...

    def list_log(
        self,
        directory_id: str | None,
        *,
        limit: int = 100,
        before_id: int | None = None,
        failures_only: bool = False,
        where: LogFilter | None = None,
    ) -> list[LogRecord]:
        """The directory's log (None: the unknown-tenant entries), newest first."""
        ...

    def count_log(self, directory_id: str, since: datetime) -> list[LogCount]:
        """Entries since ``since`` counted by category and kind (``ok`` or the failure kind)."""
        ...

    def last_contact(self, directory_id: str) -> datetime | None:
        """When the IdP last called (a request or a refused authentication), if ever."""
        ...

    def quirks_since(self, directory_id: str, since: datetime) -> dict[str, int]:
        """How often each IdP quirk fired since ``since``."""
        ...

    # open problems
    def upsert_problems(self, hits: Sequence[ProblemHit]) -> None:
        """Count failures into their problem rows; a resolved problem that recurs reopens with
        its count starting again."""
        ...

    def resolve_problems(self, directory_id: str, subject_keys: Sequence[str], at: datetime) -> int:
        """Mark the open problems of these subjects resolved; returns how many."""
        ...

    def list_problems(
        self, directory_id: str, *, open_only: bool = True, limit: int = 100
    ) -> list[ProblemRecord]:
        """The directory's problems, most recently seen first."""
        ...


class Storage(Protocol):
    """A storage backend: migrations and transactions."""

    def migrate(self) -> None:
        """Bring the schema to the newest revision (safe to run while other servers are up)."""
        ...

    def transaction(
        self, *, readonly: bool = False, snapshot: bool = True
    ) -> AbstractContextManager[Transaction]:
        """Open one unit of work (rule 1). ``readonly=True`` promises the block only reads, so
        the backend may run it beside other readers (SQLite begins it deferred).

        ``snapshot=False`` (read-only units only) lets each read see the latest committed state
        on its own, so a one-statement read costs no transaction (PostgreSQL: autocommit, no
        ``BEGIN``/``COMMIT`` round trips). A method whose statements must agree (a list's total
        and page, a group's members) still reads them in one snapshot, and
        :meth:`Transaction.pin_snapshot` asks for one for the rest of the unit of work."""
        ...

    @property
    def awaits_on_loop(self) -> bool:
        """Whether database work a server runs on its event loop with
        :func:`scimdir.greenlet_bridge.run_bridged` (reads under :data:`reads_on_event_loop`,
        small writes) awaits the database there instead of blocking the loop; False: a read
        blocks it for its duration (an index probe on a local file)."""
        ...

    def writer_now(self) -> AbstractContextManager[bool | None]:
        """Whether a write may run on the calling thread now without waiting for another writer
        or stalling on its commit (SQLite: the file's write lock is free and WAL checkpoints run
        on their own thread); True holds that right for the block. False: another writer holds
        it at this moment. None: never (a backend without a single writer, or no checkpoint
        thread): run the write where waiting is harmless (a writer thread)."""
        ...

    def start_background(self) -> None:
        """Start what a long-running server needs the backend to do beside its requests
        (SQLite: WAL checkpoints off the writers' commits); stopped by :meth:`dispose`.
        Idempotent; a backend with nothing to do does nothing."""
        ...

    def stop_background(self) -> None:
        """Stop what :meth:`start_background` started (idempotent)."""
        ...

    def dispose(self) -> None:
        """Close pooled connections (and stop the background work)."""
        ...
