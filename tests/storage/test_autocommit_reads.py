"""Read-only units of work without a snapshot run in autocommit on both databases
(``storage/sql/autocommit_reads.py``): each statement reads the latest committed state until the
unit pins a snapshot, and from then on later commits are not seen."""

from __future__ import annotations

from collections.abc import Callable

from scimdir.service.ports import Storage


def test_a_read_without_snapshot_sees_each_commit_until_it_pins_one(
    storage: Storage, new_directory: Callable[[], str]
) -> None:
    first, second = new_directory(), new_directory()
    seen: list[bool] = []
    with storage.transaction(readonly=True, snapshot=False) as reader:
        seen.append(reader.get_directory(first) is not None)
        with storage.transaction() as writer:
            writer.delete_directory(first)
        seen.append(reader.get_directory(first) is not None)
        reader.pin_snapshot()
        seen.append(reader.get_directory(second) is not None)
        with storage.transaction() as writer:
            writer.delete_directory(second)
        seen.append(reader.get_directory(second) is not None)
    assert seen == [True, False, True, True]


def test_a_snapshot_read_does_not_see_a_later_commit(
    storage: Storage, new_directory: Callable[[], str]
) -> None:
    directory = new_directory()
    with storage.transaction(readonly=True) as reader:
        before = reader.get_directory(directory) is not None
        with storage.transaction() as writer:
            writer.delete_directory(directory)
        after = reader.get_directory(directory) is not None
    assert (before, after) == (True, True)
