"""API key use cases: creation rules, authentication of live keys only, throttled last use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimdir.service.api_keys import ApiKeyNotFound, ApiKeyService
from scimdir.service.directories import AdminError, DirectoryNotFound, DirectoryService
from scimdir.service.ports import Storage
from scimdir.service.runtime import Runtime


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(storage: Storage, clock: Clock) -> ApiKeyService:
    return ApiKeyService(storage, Runtime(clock=clock))


def test_the_key_is_shown_once_and_stored_hashed(keys: ApiKeyService) -> None:
    """create returns the key in clear; the stored record holds only its SHA-256 hash."""
    created = keys.create("ci", "admin")
    [stored] = [k for k in keys.list_all() if k.id == created.record.id]
    assert created.key.startswith("scimdir_key_") and len(created.key) >= 12 + 43
    assert created.key not in str(stored)
    assert stored.key_hash.startswith("sha256$")


@pytest.mark.parametrize(
    ("name", "role", "bound"),
    [
        ("", "admin", False),
        ("x" * 201, "admin", False),
        ("ci", "root", False),
        ("ci", "admin", True),
        ("ci", "reader", None),
    ],
)
def test_create_refuses_what_the_roles_do_not_allow(
    keys: ApiKeyService, directory_id: str, name: str, role: str, bound: bool | None
) -> None:
    """Names of 1-200 characters, known roles, a directory for a reader and none for an admin."""
    with pytest.raises(AdminError):
        keys.create(name, role, directory_id if bound else None)


def test_reader_needs_an_existing_directory(keys: ApiKeyService) -> None:
    """A reader bound to a directory that does not exist is refused as not found."""
    with pytest.raises(DirectoryNotFound):
        keys.create("app", "reader", "no-such-directory")


def test_reader_is_bound_to_its_directory(keys: ApiKeyService, directory_id: str) -> None:
    """A reader key may read its directory only and is not an admin."""
    auth = keys.authenticate(keys.create("app", "reader", directory_id).key)
    assert auth is not None
    assert (auth.is_admin, auth.may_read(directory_id), auth.may_read("other")) == (
        False,
        True,
        False,
    )


def test_revoked_and_unknown_keys_do_not_authenticate(keys: ApiKeyService) -> None:
    """A revoked key, an unknown one and a near miss all authenticate to None."""
    created = keys.create("ci", "admin")
    assert keys.authenticate(created.key) is not None
    keys.revoke(created.record.id)
    assert [keys.authenticate(k) for k in (created.key, created.key[:-1], "x")] == [None] * 3


def test_revoke_of_an_unknown_key_is_not_found(keys: ApiKeyService) -> None:
    """Revoking an id no key has raises ApiKeyNotFound."""
    with pytest.raises(ApiKeyNotFound):
        keys.revoke("nope")


def test_last_use_is_written_at_most_once_a_minute(keys: ApiKeyService, clock: Clock) -> None:
    """The first use is recorded; uses within a minute of the recorded one are not written."""
    created = keys.create("ci", "admin")

    def use() -> datetime | None:
        auth = keys.authenticate(created.key)
        assert auth is not None
        keys.mark_used(auth)
        [record] = [k for k in keys.list_all() if k.id == created.record.id]
        return record.last_used

    first = use()
    clock.now += timedelta(seconds=30)
    second = use()
    clock.now += timedelta(seconds=31)
    third = use()
    assert (first, second, third) == (first, first, clock.now)


def test_deleting_a_directory_removes_its_reader_keys(
    keys: ApiKeyService, storage: Storage, clock: Clock
) -> None:
    """A reader key goes with its directory."""
    directories = DirectoryService(storage, Runtime(clock=clock))
    directory = directories.create("App").directory
    reader = keys.create("app", "reader", directory.id)
    directories.delete(directory.id)
    assert keys.authenticate(reader.key) is None
