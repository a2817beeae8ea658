"""Translate driver errors into the port's errors, grouped by what the caller should do.

Port rule 3: uniqueness is enforced by the database, so a unique-index violation surfaces here as
an ``IntegrityError`` and leaves as :class:`~scimdir.service.ports.UniquenessViolation` naming the
SCIM attribute (``userName``, ``displayName``, ``id``), which the service turns into 409
``uniqueness`` (RFC 7644 §3.3). A foreign-key violation means the parent (directory, group) is
gone: a plain :class:`~scimdir.service.ports.StorageError`. The driver's message never travels
further (it names tables and SQL).

A membership naming a user that does not exist violates ``fk_memberships_users`` (port rule 6)
and leaves as :class:`~scimdir.service.ports.UnknownMember`, which the service turns into 400
``invalidValue``.

Deadlocks and serialization failures (SQLSTATE ``40P01``, ``40001``) and SQLite's "database is
locked" leave :func:`transient` as :class:`~scimdir.service.ports.TransientConflict`: the
database rolled the unit of work back, and the service runs it again (port rule 8).

psycopg reports the violated constraint by name (``diag.constraint_name``); SQLite only in its
message (``UNIQUE constraint failed: users.directory_id, users.user_name_norm``), hence both
tables below. ``tests/storage/test_errors.py`` checks that every constraint is mapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError

from scimdir.service.ports import (
    StorageError,
    TransientConflict,
    UniquenessViolation,
    UnknownMember,
)

__all__ = [
    "RETRYABLE_SQLSTATES",
    "UNIQUE_FIELDS",
    "field_of",
    "transient",
    "translate",
    "translating",
]

# PostgreSQL: serialization_failure, deadlock_detected (Appendix A, "PostgreSQL Error Codes").
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
_SQLITE_BUSY = ("database is locked", "database table is locked")
_MEMBER_FOREIGN_KEY = "fk_memberships_users"

# constraint name (PostgreSQL) -> SCIM attribute
UNIQUE_FIELDS: dict[str, str] = {
    "uq_users_directory_id_user_name_norm": "userName",
    "uq_groups_directory_id_display_name_norm": "displayName",
    "pk_users": "id",
    "pk_groups": "id",
    "pk_directories": "id",
    "pk_secrets": "id",
    "pk_memberships": "members",
    "pk_events": "seq",
    "uq_events_event_id": "event_id",
    "pk_webhook_subscriptions": "id",
    "pk_webhook_deliveries": "id",
    "pk_user_emails": "emails",
    # Positions are unique by construction; a clash means the same user written twice.
    "pk_user_values": "id",
    "pk_provisioning_log": "id",
    "pk_log_problems": "kind",
    "pk_api_keys": "id",
    "uq_api_keys_key_hash": "key",
    "pk_admins": "id",
    "uq_admins_email": "email",
    "pk_admin_tokens": "token",
    "pk_console_secrets": "name",
    "uq_user_extension_values_directory_id_attribute_unique_key": "extension",
    "uq_group_extension_values_directory_id_attribute_unique_key": "extension",
    "pk_user_extension_values": "extension",
    "pk_group_extension_values": "extension",
}

# the last column SQLite names in its message -> SCIM attribute
_SQLITE_COLUMNS: dict[str, str] = {
    "users.user_name_norm": "userName",
    "groups.display_name_norm": "displayName",
    "users.id": "id",
    "groups.id": "id",
    "directories.id": "id",
    "secrets.id": "id",
    "memberships.member_id": "members",
    "events.seq": "seq",
    "events.event_id": "event_id",
    "webhook_subscriptions.id": "id",
    "webhook_deliveries.id": "id",
    "user_emails.position": "emails",
    "user_values.position": "id",
    "provisioning_log.id": "id",
    "log_problems.kind": "kind",
    "api_keys.id": "id",
    "api_keys.key_hash": "key",
    "admins.id": "id",
    "admins.email": "email",
    "admin_tokens.token_hash": "token",
    "console_secrets.name": "name",
    "user_extension_values.unique_key": "extension",
    "group_extension_values.unique_key": "extension",
    "user_extension_values.position": "extension",
    "group_extension_values.position": "extension",
}


def field_of(exc: IntegrityError) -> str | None:
    """The SCIM attribute whose uniqueness ``exc`` reports, or None for other violations."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        if getattr(orig, "sqlstate", None) != "23505":
            return None
        return UNIQUE_FIELDS.get(diag.constraint_name or "")
    message = str(orig)
    prefix = "UNIQUE constraint failed: "
    if not message.startswith(prefix):
        return None
    last = message[len(prefix) :].rsplit(",", maxsplit=1)[-1].strip()
    return _SQLITE_COLUMNS.get(last)


def translate(exc: IntegrityError) -> StorageError:
    """The port error for a driver ``IntegrityError``."""
    field = field_of(exc)
    if field is not None:
        return UniquenessViolation(field)
    diag = getattr(exc.orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None) == _MEMBER_FOREIGN_KEY:
        return UnknownMember("a member does not exist in this directory")
    return StorageError(
        "The write refers to a directory or group that does not exist (or breaks another "
        "constraint); create the parent first or re-read the resource."
    )


@contextmanager
def translating() -> Iterator[None]:
    """Re-raise driver integrity errors as port errors (``raise ... from``)."""
    try:
        yield
    except IntegrityError as exc:
        raise translate(exc) from exc


def transient(exc: BaseException, *, committing: bool = False) -> TransientConflict | None:
    """A :class:`TransientConflict` when ``exc`` is a driver error worth running the unit of
    work again for (deadlock, serialization failure, SQLite busy, a connection lost before
    ``COMMIT`` was sent: ``committing`` says it may have been, so the outcome is unknown),
    else None."""
    if not isinstance(exc, DBAPIError) or isinstance(exc, IntegrityError):
        return None
    if exc.connection_invalidated and not committing:
        return TransientConflict("the database connection was lost; nothing was committed")
    state = getattr(exc.orig, "sqlstate", None)
    if state in RETRYABLE_SQLSTATES:
        return TransientConflict(f"the database asked to retry (SQLSTATE {state})")
    if any(text in str(exc.orig) for text in _SQLITE_BUSY):
        return TransientConflict("the SQLite database stayed busy")
    return None
