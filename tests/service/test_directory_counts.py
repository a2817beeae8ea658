"""A directory's counts on both dialects: linked users, active users, groups."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scimdir.service.directories import DirectoryNotFound
from scimdir.service.directory_counts import Counts, DirectoryCounts
from scimdir.service.ports import GroupRecord, Storage, UserRecord

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _user(directory_id: str, name: str, active: bool | None, linked: bool = True) -> UserRecord:
    document: dict[str, object] = {"userName": name}
    if active is not None:
        document["active"] = active
    return UserRecord(
        uuid.uuid4().hex,
        directory_id,
        name,
        document,
        1,
        NOW,
        NOW,
        source="idp" if linked else "local",
        linked=linked,
    )


def test_active_users_are_linked_users_not_sent_inactive(
    storage: Storage, directory_id: str
) -> None:
    """Active users: linked users whose active is true or absent; unlinked ones never count."""
    bob = _user(directory_id, "bob", False)
    with storage.transaction() as tx:
        for record in (
            _user(directory_id, "ann", True),
            bob,
            _user(directory_id, "cid", None),
            _user(directory_id, "dan", False, linked=False),
            _user(directory_id, "eve", True, linked=False),
        ):
            tx.insert_user(record)
        tx.insert_group(GroupRecord(uuid.uuid4().hex, directory_id, "Sales", {}, 1, NOW, NOW))
    counts = DirectoryCounts(storage)
    assert counts.of(directory_id) == Counts(users=3, groups=1, active_users=2)
    with storage.transaction() as tx:
        tx.update_user(replace(bob, document={"userName": "bob", "active": True}), 1)
    assert counts.of(directory_id) == Counts(users=3, groups=1, active_users=3)


def test_counts_of_an_unknown_directory_are_refused(storage: Storage) -> None:
    """An unknown directory raises DirectoryNotFound, never zero counts."""
    with pytest.raises(DirectoryNotFound):
        DirectoryCounts(storage).of("nope")
