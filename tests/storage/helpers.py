"""Record builders for the storage contract tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from scimdir.scim.schema import ENTERPRISE_USER_SCHEMA
from scimdir.service.ports import DirectoryRecord, GroupRecord, LogRecord, Storage, UserRecord

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    """``T0`` plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def new_id() -> str:
    """A fresh resource id."""
    return str(uuid.uuid4())


def create_directory(storage: Storage) -> str:
    """Create a directory with a fresh random id in ``storage``; returns the id."""
    directory_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    with storage.transaction() as tx:
        tx.insert_directory(DirectoryRecord(directory_id, "test", "entra", {}, now, now))
    return directory_id


def user(
    directory_id: str,
    user_name: str,
    *,
    created: datetime = T0,
    source: Literal["idp", "local"] = "idp",
    linked: bool = True,
    ext: dict[str, Any] | None = None,
    **document: Any,
) -> UserRecord:
    """A version-1 user record; ``ext`` is the Enterprise User extension."""
    if ext is not None:
        document[ENTERPRISE_USER_SCHEMA] = ext
    return UserRecord(
        new_id(), directory_id, user_name, document, 1, created, created, source, linked
    )


def group(
    directory_id: str, display_name: str, *, created: datetime = T0, **doc: Any
) -> GroupRecord:
    """A version-1 group record."""
    return GroupRecord(
        new_id(),
        directory_id,
        display_name,
        {"displayName": display_name, **doc},
        1,
        created,
        created,
    )


def log(directory_id: str, status: int, path: str = "/Users") -> LogRecord:
    """A request-log record."""
    return LogRecord(directory_id, "POST", path, status, T0, 1.5, quirks=("entra.capitalised_op",))
