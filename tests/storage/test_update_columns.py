"""An update preceded by a read of the user in its unit of work sets only the columns that
changed.

SQLite rewrites every index whose column an UPDATE sets, changed or not (docs/performance.md,
"The users table's indexes"), so a PATCH of displayName must not set the other indexed columns.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import SearchQuery
from scimdir.storage.sql import SqlStorage
from tests.storage.helpers import create_directory

from .helpers import user


@pytest.fixture
def directory_id(sqlite_storage: SqlStorage) -> str:
    """A fresh directory in the SQLite database."""
    return create_directory(sqlite_storage)


def _updates(storage: SqlStorage) -> tuple[list[str], Any]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE users"):
            seen.append(statement)

    return seen, record


def _set_clause(statement: str) -> str:
    return statement.split(" SET ", 1)[1].split(" WHERE ", 1)[0]


@pytest.mark.parametrize("locked", [True, False], ids=["read locked", "read unlocked"])
def test_patch_of_display_name_sets_only_changed_columns(
    sqlite_storage: SqlStorage, directory_id: str, locked: bool
) -> None:
    """After a read of the user, locked or not (a PATCH reads it unlocked first), the update
    with its event sets display_name(_norm), not the other columns."""
    alice = user(
        directory_id,
        "alice",
        displayName="Alice",
        title="Engineer",
        name={"givenName": "Alice", "familyName": "Smith"},
    )
    with sqlite_storage.transaction() as tx:
        tx.insert_user(alice)
    seen, record = _updates(sqlite_storage)
    event.listen(sqlite_storage.engine, "before_cursor_execute", record)
    try:
        with sqlite_storage.transaction() as tx:
            found = tx.get_user_with_groups(directory_id, alice.id, for_update=locked)
            assert found is not None
            current = found[0]
            current.document = {**current.document, "displayName": "Alicia"}
            tx.update_user_with_event(current, current.version, "user.updated", {}, current.created)
    finally:
        event.remove(sqlite_storage.engine, "before_cursor_execute", record)
    assigned = {part.split("=")[0].strip() for part in _set_clause(seen[0]).split(",")}
    assert assigned == {
        "display_name",
        "display_name_norm",
        "document",
        "version",
        "last_modified",
        "source",
    }


def test_update_without_a_read_for_update_sets_every_column(
    sqlite_storage: SqlStorage, directory_id: str
) -> None:
    """Without a remembered row (no read in the unit) every derived column is set, as before."""
    alice = user(directory_id, "alice", displayName="Alice")
    with sqlite_storage.transaction() as tx:
        tx.insert_user(alice)
    seen, record = _updates(sqlite_storage)
    event.listen(sqlite_storage.engine, "before_cursor_execute", record)
    try:
        with sqlite_storage.transaction() as tx:
            alice.document = {**alice.document, "displayName": "Alicia"}
            tx.update_user(alice, expected_version=alice.version)
    finally:
        event.remove(sqlite_storage.engine, "before_cursor_execute", record)
    assert "given_name" in _set_clause(seen[0]) and "title" in _set_clause(seen[0])


def test_an_update_leaves_unchanged_e_mail_rows_alone(
    sqlite_storage: SqlStorage, directory_id: str
) -> None:
    """After a read, an update whose e-mails are those read writes no user_emails row (and,
    writing the user's row alone, needs no savepoint); one that changes them rewrites them in
    a savepoint, and a filter finds the new address only."""
    alice = user(directory_id, "alice", emails=[{"value": "a@x.io", "primary": True}])
    with sqlite_storage.transaction() as tx:
        tx.insert_user(alice)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "user_emails" in statement and not statement.startswith("SELECT"):
            seen.append(statement)
        if "SAVEPOINT" in statement:
            seen.append(statement)

    def update(document: dict[str, Any]) -> list[str]:
        seen.clear()
        event.listen(sqlite_storage.engine, "before_cursor_execute", record)
        try:
            with sqlite_storage.transaction() as tx:
                found = tx.get_user_with_groups(directory_id, alice.id)
                assert found is not None
                current = found[0]
                current.document = {**current.document, **document}
                tx.update_user_with_event(current, current.version, "u", {}, current.created)
        finally:
            event.remove(sqlite_storage.engine, "before_cursor_execute", record)
        return list(seen)

    assert update({"displayName": "Alicia"}) == []
    rewritten = update({"emails": [{"value": "b@x.io", "primary": True}]})
    assert [s.split()[0] for s in rewritten] == ["SAVEPOINT", "DELETE", "INSERT", "RELEASE"]
    with sqlite_storage.transaction(readonly=True) as tx:
        for address, found in (("a@x.io", []), ("b@x.io", [alice.id])):
            query = SearchQuery(filter=parse_filter(USER_TYPE, f'emails eq "{address}"'))
            assert [u.id for u in tx.search_users(directory_id, query).items] == found
