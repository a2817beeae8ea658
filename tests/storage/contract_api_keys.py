"""The storage contract, rule 9: API keys, found by their hash, used without being rewritten."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scimdir.service.ports import ApiKeyRecord, Storage, StorageError, UniquenessViolation

from .helpers import T0, at, new_id

__all__ = ["ApiKeyContract"]


def key(name: str = "ci", *, role: str = "admin", directory_id: str | None = None) -> ApiKeyRecord:
    """An API key record with a unique hash."""
    return ApiKeyRecord(
        id=new_id(),
        name=name,
        role=role,  # type: ignore[arg-type]
        directory_id=directory_id,
        key_hash=f"sha256${new_id()}",
        created=T0,
    )


class ApiKeyContract:
    """Rule 9: ``insert_api_key``, ``find_api_key``, ``revoke_api_key``, ``touch_api_key``."""

    def test_round_trip_by_id_and_by_hash(self, storage: Storage) -> None:
        """A stored key comes back equal by its id and by its hash, and is listed."""
        record = key()
        with storage.transaction() as tx:
            tx.insert_api_key(record)
        with storage.transaction(readonly=True) as tx:
            found = (tx.get_api_key(record.id), tx.find_api_key(record.key_hash))
            listed = [k for k in tx.list_api_keys() if k.id == record.id]
        assert (found, listed) == ((record, record), [record])

    def test_unknown_hash_finds_nothing(self, storage: Storage) -> None:
        """A hash no key has finds None."""
        with storage.transaction(readonly=True) as tx:
            assert tx.find_api_key("sha256$nothing") is None

    def test_hash_is_unique(self, storage: Storage) -> None:
        """Two keys with one hash: the second is a UniquenessViolation."""
        first = key()
        second = key()
        second.key_hash = first.key_hash
        with storage.transaction() as tx:
            tx.insert_api_key(first)
            with pytest.raises(UniquenessViolation):
                tx.insert_api_key(second)

    def test_admin_key_cannot_be_bound_and_reader_must_be(self, storage: Storage) -> None:
        """The database refuses an admin key with a directory and a reader key without one."""
        for bad in (key(directory_id="x"), key(role="reader")):
            with pytest.raises(StorageError), storage.transaction() as tx:
                tx.insert_api_key(bad)

    def test_reader_key_goes_with_its_directory(
        self, storage: Storage, new_directory: Callable[[], str]
    ) -> None:
        """Deleting a directory deletes the reader keys bound to it."""
        directory_id = new_directory()
        reader = key(role="reader", directory_id=directory_id)
        with storage.transaction() as tx:
            tx.insert_api_key(reader)
            tx.delete_directory(directory_id)
        with storage.transaction(readonly=True) as tx:
            assert tx.get_api_key(reader.id) is None

    def test_revoke_keeps_the_first_time(self, storage: Storage) -> None:
        """Revoking twice keeps the first revocation; an unknown key answers False."""
        record = key()
        with storage.transaction() as tx:
            tx.insert_api_key(record)
            results = (
                tx.revoke_api_key(record.id, at(10)),
                tx.revoke_api_key(record.id, at(20)),
                tx.revoke_api_key(new_id(), at(30)),
            )
            found = tx.get_api_key(record.id)
        assert (results, found and found.revoked) == ((True, True, False), at(10))

    def test_touch_sets_last_used_only_forward(self, storage: Storage) -> None:
        """touch_api_key moves last_used forward, never back."""
        record = key()
        with storage.transaction() as tx:
            tx.insert_api_key(record)
            tx.touch_api_key(record.id, at(60))
            tx.touch_api_key(record.id, at(30))
            found = tx.get_api_key(record.id)
        assert found is not None and found.last_used == at(60)

    def test_touch_does_not_undo_a_revocation(self, storage: Storage) -> None:
        """A use recorded after a revocation leaves the key revoked (the row is not rewritten)."""
        record = key()
        with storage.transaction() as tx:
            tx.insert_api_key(record)
        with storage.transaction() as tx:
            tx.revoke_api_key(record.id, at(5))
        with storage.transaction() as tx:
            tx.touch_api_key(record.id, at(10))
            found = tx.get_api_key(record.id)
        assert found is not None and (found.revoked, found.last_used) == (at(5), at(10))
