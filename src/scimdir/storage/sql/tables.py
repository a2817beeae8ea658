"""The SQL schema (SQLAlchemy Core), the single source the Alembic migrations are checked against.

docs/architecture.md, "Data": resources keep their canonical SCIM document as JSON, plus indexed
columns for exactly what filters (RFC 7644 §3.4.2.2), sorting (§3.4.2.3) and uniqueness (RFC 7643
§4.1.1) need. Every per-directory table leads its primary key and indexes with ``directory_id``
(port rule 2, tenancy): a lookup by userName is one index probe whatever the size of the other
directories.

Index columns of users/groups hold the *comparison form* of caseExact=false attributes
(``user_name_norm`` = :func:`scimdir.service.ports.normalize_user_name`, the others casefolded,
empty strings stored as NULL); the original spelling lives in ``document``. Memberships are rows
(port rule 6) so that adding one member to a 500,000-member group touches one row.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from scimdir.storage.sql.types import JsonText, SortText, UtcDateTime

__all__ = [
    "admin_tokens",
    "admins",
    "api_keys",
    "console_secrets",
    "directories",
    "events",
    "group_extension_values",
    "groups",
    "log_problems",
    "memberships",
    "metadata",
    "provisioning_log",
    "secrets",
    "user_emails",
    "user_extension_values",
    "user_record_columns",
    "user_values",
    "users",
    "webhook_deliveries",
    "webhook_subscriptions",
]

# Deterministic names: errors.py maps constraint names to SCIM attribute names.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_ID = 64  # our ids are UUIDs; clients' ids never become primary keys


def _dir_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["directory_id"], ["directories.id"], ondelete="CASCADE")


directories = Table(
    "directories",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", Text, nullable=False),
    Column("idp", String(64), nullable=False),
    Column("settings", JsonText, nullable=False),
    # Per-directory outbox counter; its row lock orders events by commit (port rule 7).
    Column("event_seq", Integer, nullable=False, server_default="0"),
    # Exact sizes of the unfiltered lists (linked users, groups), kept by every write in the
    # same transaction (migration 0003): ``totalResults`` without counting rows.
    Column("user_count", Integer, nullable=False, server_default="0"),
    Column("group_count", Integer, nullable=False, server_default="0"),
    # Bumped whenever the set of linked users (groups) changes: a page boundary remembered at
    # one generation is still exact at the same generation (search.py, keyset paging).
    Column("user_generation", BigInteger, nullable=False, server_default="0"),
    Column("group_generation", BigInteger, nullable=False, server_default="0"),
    Column("created", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    # Declared extension schemas (scimdir.scim.extensions; migration 0011): read with the row on
    # every request, so a declaration costs no query of its own.
    Column("schema_extensions", JsonText),
)

secrets = Table(
    "secrets",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("directory_id", String(_ID), nullable=False, index=True),
    Column("secret_hash", Text, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime),
    Column("revoked", UtcDateTime),
    Column("last_used", UtcDateTime),
    _dir_fk(),
)

PARTIAL_USER_COLUMNS: tuple[str, ...] = (
    "employee_number",
    "department",
    "manager_id",
    "title",
    "user_type",
    "cost_center",
    "organization",
    "division",
)
"""``users`` columns indexed only where they hold a value (``WHERE col IS NOT NULL``)."""


def _present_index(column: str) -> Index:
    """``(directory_id, column) WHERE column IS NOT NULL`` on both databases.

    Both planners use it for ``=``, ranges and ``LIKE`` on the column (a comparison implies
    ``IS NOT NULL``) and for ``pr``; only ``eq null`` cannot, and that one reads the directory.
    """
    where = text(f"{column} IS NOT NULL")
    return Index(
        f"ix_users_directory_id_{column}",
        "directory_id",
        column,
        sqlite_where=where,
        postgresql_where=where,
    )


users = Table(
    "users",
    metadata,
    Column("directory_id", String(_ID), nullable=False),
    Column("id", String(_ID), nullable=False),
    Column("user_name", Text, nullable=False),
    Column("user_name_norm", SortText, nullable=False),
    Column("external_id", Text),
    Column("display_name", Text),
    Column("display_name_norm", SortText),
    Column("active", Boolean),
    Column("given_name", Text),
    Column("family_name", Text),
    Column("employee_number", Text),
    Column("department", Text),
    Column("manager_id", Text),
    # RFC 7643 §4.1.1 title/userType and §4.3 costCenter/organization/division, casefolded
    # (migration 0010). Most users lack some of them: partial indexes skip those rows.
    Column("title", Text),
    Column("user_type", Text),
    Column("cost_center", Text),
    Column("organization", Text),
    Column("division", Text),
    Column("source", String(16), nullable=False),
    Column("linked", Boolean, nullable=False),
    Column("document", JsonText, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("last_modified", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("directory_id", "id"),
    UniqueConstraint("directory_id", "user_name_norm"),
    _dir_fk(),
    Index(None, "directory_id", "created", "id"),
    # Listing linked users: index-only count and deep offsets (migration 0002).
    Index(None, "directory_id", "linked", "created", "id"),
    Index(None, "directory_id", "last_modified"),
    Index(None, "directory_id", "external_id"),
    Index(None, "directory_id", "display_name_norm"),
    # Counting active users: an index-only range over the inactive ones (migration 0012).
    Index(None, "directory_id", "active", "linked"),
    Index(None, "directory_id", "given_name"),
    Index(None, "directory_id", "family_name"),
    # Filter-only columns that many users lack: partial, so a user without the attribute costs
    # no index write (docs/performance.md, "The users table's indexes"; migration 0010).
    *(_present_index(name) for name in PARTIAL_USER_COLUMNS),
)

user_record_columns = tuple(
    users.c[name]
    for name in (
        "directory_id",
        "id",
        "user_name",
        "document",
        "version",
        "created",
        "last_modified",
        "source",
        "linked",
    )
)
"""The columns a ``UserRecord`` is read from; the others derive from its document (filters and
sorting use them). A read that builds records only selects these: the matching query's lookup
then copies 9 columns instead of 24 (SQLite: 13 against 17 µs for the joined authentication)."""

user_emails = Table(
    "user_emails",
    metadata,
    Column("directory_id", String(_ID), nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("position", Integer, nullable=False),
    Column("value", Text),
    Column("value_norm", SortText),
    Column("type", Text),
    Column("primary", Boolean, nullable=False),
    PrimaryKeyConstraint("directory_id", "user_id", "position"),
    ForeignKeyConstraint(
        ["directory_id", "user_id"], ["users.directory_id", "users.id"], ondelete="CASCADE"
    ),
    Index(None, "directory_id", "value_norm"),
)

# Values of multi-valued attributes that filters name, other than e-mails (migration 0010): one
# row per value, ``attribute`` the filter key (``phoneNumbers.value``, ``addresses.country``),
# ``value_norm`` casefolded. One table, so an update clears them with one statement.
user_values = Table(
    "user_values",
    metadata,
    Column("directory_id", String(_ID), nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("attribute", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("value_norm", SortText, nullable=False),
    PrimaryKeyConstraint("directory_id", "user_id", "attribute", "position"),
    ForeignKeyConstraint(
        ["directory_id", "user_id"], ["users.directory_id", "users.id"], ondelete="CASCADE"
    ),
    Index(None, "directory_id", "attribute", "value_norm"),
)

groups = Table(
    "groups",
    metadata,
    Column("directory_id", String(_ID), nullable=False),
    Column("id", String(_ID), nullable=False),
    Column("display_name", Text, nullable=False),
    Column("display_name_norm", SortText, nullable=False),
    Column("external_id", Text),
    Column("document", JsonText, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("last_modified", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("directory_id", "id"),
    UniqueConstraint("directory_id", "display_name_norm"),
    _dir_fk(),
    Index(None, "directory_id", "created", "id"),
    Index(None, "directory_id", "last_modified"),
    Index(None, "directory_id", "external_id"),
)


def _extension_values(name: str, parent: str, parent_column: str) -> Table:
    """One row per value of a declared extension attribute (scimdir.scim.extensions.IndexEntry).

    ``attribute`` is the lower-cased ``urn:name``; exactly one of ``text_norm`` (casefolded unless
    caseExact), ``number`` (booleans as 0/1) and ``time`` holds the value. Every index leads with
    ``(directory_id, attribute, value)``, so ``urn:...:costCenter eq "x"`` is one index probe; the
    foreign key deletes the rows with their resource. ``unique_key`` is set only for attributes
    declared unique, and NULLs never collide (migration 0011).
    """
    return Table(
        name,
        metadata,
        Column("directory_id", String(_ID), nullable=False),
        Column(parent_column, String(_ID), nullable=False),
        Column("attribute", String(320), nullable=False),
        Column("position", Integer, nullable=False),
        Column("text_norm", SortText),
        Column("number", Float),
        Column("time", UtcDateTime),
        Column("unique_key", Text),
        PrimaryKeyConstraint("directory_id", parent_column, "attribute", "position"),
        ForeignKeyConstraint(
            ["directory_id", parent_column],
            [f"{parent}.directory_id", f"{parent}.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("directory_id", "attribute", "unique_key"),
        Index(None, "directory_id", "attribute", "text_norm"),
        Index(None, "directory_id", "attribute", "number"),
        Index(None, "directory_id", "attribute", "time"),
    )


user_extension_values = _extension_values("user_extension_values", "users", "user_id")
group_extension_values = _extension_values("group_extension_values", "groups", "group_id")

memberships = Table(
    "memberships",
    metadata,
    Column("directory_id", String(_ID), nullable=False),
    Column("group_id", String(_ID), nullable=False),
    Column("member_id", String(_ID), nullable=False),
    Column("member_type", String(8), nullable=False),
    # The member's id again when it is a user, NULL when it is a group: the column the foreign
    # key to ``users`` runs over (a NULL column exempts a row from a composite foreign key), so
    # the database, not a read-then-insert, keeps every user membership pointing at a user, and
    # deleting a user deletes its membership rows (migration 0005).
    Column("user_id", String(_ID)),
    PrimaryKeyConstraint("directory_id", "group_id", "member_id"),
    ForeignKeyConstraint(
        ["directory_id", "group_id"], ["groups.directory_id", "groups.id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["directory_id", "user_id"], ["users.directory_id", "users.id"], ondelete="CASCADE"
    ),
    CheckConstraint(
        "(member_type = 'User' AND user_id IS NOT NULL AND user_id = member_id) "
        "OR (member_type = 'Group' AND user_id IS NULL)",
        name="ck_memberships_user_id",
    ),
    # Covering (group_id last), so "which groups is this member in" is one index probe whatever
    # the planner's statistics say: SQLite never ANALYZEs on its own, and without statistics it
    # preferred scanning the primary key's directory prefix (migration 0004).
    Index(None, "directory_id", "member_id", "group_id"),
    # What the foreign key's ON DELETE CASCADE (and PostgreSQL's check that no row still refers
    # to a deleted user) looks rows up by.
    Index(None, "directory_id", "user_id"),
)

events = Table(
    "events",
    metadata,
    Column("directory_id", String(_ID), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("resource_type", String(32), nullable=False),
    Column("resource_id", String(_ID), nullable=False),
    Column("data", JsonText, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    # The event's stable public id (``evt_...``) and, for updates, the names of the changed
    # attributes (migration 0008; docs/events.md).
    Column("event_id", String(_ID), nullable=False),
    Column("changed", JsonText),
    PrimaryKeyConstraint("directory_id", "seq"),
    UniqueConstraint("event_id"),
    _dir_fk(),
    # Retention prunes by age across directories (docs/events.md).
    Index(None, "created"),
)

# Webhook subscriptions (docs/events.md, "Webhooks"): the delivery state lives on the row, so a
# worker claims a subscription (lease), delivers its next event and moves its cursor.
webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("directory_id", String(_ID), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", JsonText),
    Column("secret", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("disabled_reason", Text),
    Column("cursor", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("failing_since", UtcDateTime),
    Column("lease_token", String(_ID)),
    Column("lease_until", UtcDateTime),
    _dir_fk(),
    Index(None, "directory_id"),
    Index(None, "enabled", "next_attempt_at"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", String(_ID), nullable=False),
    Column("event_id", String(_ID), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", Integer),
    Column("latency_ms", Float, nullable=False),
    Column("response_excerpt", Text),
    Column("error", Text),
    Column("created", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["subscription_id"], ["webhook_subscriptions.id"], ondelete="CASCADE"),
    Index(None, "subscription_id", "id"),
)

# The provisioning log (migration 0006; docs/provisioning-log.md). ``directory_id`` is NULL for
# refused requests naming an unknown tenant. Text columns are bounded in code before insert
# (service/log_bounds.py); String lengths here are the hard limits those bounds stay under.
_LOG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite: a rowid alias (autoincrement)

provisioning_log = Table(
    "provisioning_log",
    metadata,
    Column("id", _LOG_ID, primary_key=True, autoincrement=True),
    Column("directory_id", String(_ID)),
    Column("category", String(16), nullable=False),
    Column("request_id", String(64)),
    Column("method", String(16), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("scim_type", String(32)),
    Column("resource_type", String(32)),
    Column("resource_id", String(_ID)),
    Column("subject", Text),
    Column("effect", Text),
    Column("problem", String(64)),
    Column("detail", Text),
    Column("explanation", Text),
    Column("fix", Text),
    Column("quirks", JsonText, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("client", String(64)),
    Column("user_agent", Text),
    Column("request_body", Text),
    Column("response_body", Text),
    Column("created", UtcDateTime, nullable=False),
    _dir_fk(),
    Index(None, "directory_id", "id"),
    Index(None, "directory_id", "created"),
    Index(None, "created"),
)

# Open problems: one row per directory, subject and failure kind, counted; ``resolved`` is set
# when a later write for the subject succeeds, and cleared when the failure comes back.
log_problems = Table(
    "log_problems",
    metadata,
    Column("directory_id", String(_ID), nullable=False),
    Column("subject_key", String(320), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("count", Integer, nullable=False),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("resolved", UtcDateTime),
    Column("subject", Text),
    Column("resource_type", String(32)),
    Column("resource_id", String(_ID)),
    Column("detail", Text),
    Column("explanation", Text),
    Column("fix", Text),
    Column("request_id", String(64)),
    PrimaryKeyConstraint("directory_id", "subject_key", "kind"),
    _dir_fk(),
    Index(None, "directory_id", "resolved", "last_seen"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", Text, nullable=False),
    # ``admin``: every directory; ``reader``: the one directory it is bound to.
    Column("role", String(16), nullable=False),
    Column("directory_id", String(_ID)),
    Column("key_hash", String(128), nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("last_used", UtcDateTime),
    Column("revoked", UtcDateTime),
    UniqueConstraint("key_hash"),
    CheckConstraint(
        "(role = 'admin' AND directory_id IS NULL) OR "
        "(role = 'reader' AND directory_id IS NOT NULL)",
        name="ck_api_keys_role_scope",
    ),
    _dir_fk(),
    Index(None, "directory_id"),
)


# The admin console (migration 0009, docs/console.md): accounts with argon2 password hashes,
admins = Table(
    "admins",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("last_login", UtcDateTime),
    UniqueConstraint("email"),
)

# one-time sign-in links (SHA-256 of the token; usable once, until ``expires``),
admin_tokens = Table(
    "admin_tokens",
    metadata,
    Column("token_hash", String(128), primary_key=True),
    Column("created", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime, nullable=False),
    Column("used", UtcDateTime),
)

# and secrets generated once per database (the session-cookie signing key).
console_secrets = Table(
    "console_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
