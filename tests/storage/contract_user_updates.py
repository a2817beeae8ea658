"""The storage contract for ``update_user_with_event``: a user PATCH's or PUT's one write.

It must do exactly what ``update_user`` followed by ``append_event`` does (rules 3, 4, 7, 12):
the row, its e-mail and value rows that filters read, the list counters and the outbox event,
or, when refused, nothing at all. A backend may run it as a statement of its own after an
unlocked read (PostgreSQL), so each case starts as the service does: a unit of work that reads
the user unlocked, then writes. Run by every backend (``test_sqlite.py``, ``test_postgres.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from scimdir.scim.extensions import directory_schema
from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import (
    SearchQuery,
    StaleVersion,
    Storage,
    UniquenessViolation,
    UserRecord,
)

from .contract_counts import totals
from .contract_extensions import DECLARATIONS, URN
from .helpers import T0, at, user

__all__ = ["UserUpdateContract"]


def _found(storage: Storage, directory_id: str, text: str, rt: Any = USER_TYPE) -> list[str]:
    with storage.transaction(readonly=True) as tx:
        page = tx.search_users(directory_id, SearchQuery(filter=parse_filter(rt, text)))
    return [u.user_name for u in page.items]


def _read_then_update(
    storage: Storage, before: UserRecord, after: UserRecord, *, changed: list[str] | None = None
) -> int:
    """The service's unit of work: an unlocked read, then the update with its event."""
    with storage.transaction() as tx:
        found = tx.get_user_with_groups(before.directory_id, before.id)
        assert found is not None and found[0] == before
        data = {"id": after.id, "userName": after.user_name}
        return tx.update_user_with_event(
            after, before.version, "user.updated", data, at(5), changed=changed
        )


def _next(record: UserRecord, **document: Any) -> UserRecord:
    """``record`` at the next version with ``document`` in place of its own."""
    user_name = document.get("userName", record.user_name)
    return replace(
        record,
        user_name=user_name,
        document=document,
        version=record.version + 1,
        last_modified=at(5),
    )


class UserUpdateContract:
    """``update_user_with_event``."""

    def test_writes_the_user_its_rows_and_its_event(
        self, storage: Storage, directory_id: str
    ) -> None:
        """The new document, version and userName; e-mail and value rows that filters read are
        replaced (more, fewer, changed positions); the event is next in seq with its data and
        changed attributes; the list counters do not move."""
        alice = user(
            directory_id,
            "alice",
            userName="alice",
            emails=[{"value": "a1@x.io", "primary": True}, {"value": "a2@x.io"}],
            phoneNumbers=[{"value": "+1 555 0100"}, {"value": "+1 555 0101"}],
            addresses=[{"country": "DE"}],
        )
        with storage.transaction() as tx:
            tx.insert_user(alice)
            first = tx.append_event(directory_id, "user.created", "User", alice.id, {}, T0)
        renamed = _next(
            alice,
            userName="Alice2",
            emails=[{"value": "a3@x.io"}],
            phoneNumbers=[{"value": "+1 555 0199"}],
            addresses=[{"country": "FR"}, {"country": "IT"}],
        )
        counted = totals(storage, directory_id)
        seq = _read_then_update(storage, alice, renamed, changed=["userName", "emails"])
        assert seq == first + 1
        with storage.transaction(readonly=True) as tx:
            stored = tx.get_user(directory_id, alice.id)
            (event,) = tx.list_events(directory_id, first, 10)
        assert stored is not None and (stored.user_name, stored.version) == ("Alice2", 2)
        assert stored.document == renamed.document and stored.last_modified == at(5)
        assert (event.seq, event.type, event.resource_id, event.created) == (
            seq,
            "user.updated",
            alice.id,
            at(5),
        )
        assert (event.data, event.changed) == (
            {"id": alice.id, "userName": "Alice2"},
            ("userName", "emails"),
        )
        assert totals(storage, directory_id) == counted
        for gone in (
            'userName eq "alice"',
            'emails eq "a1@x.io"',
            'emails eq "a2@x.io"',
            'phoneNumbers eq "+1 555 0100"',
            'phoneNumbers eq "+1 555 0101"',
            'addresses.country eq "de"',
        ):
            assert _found(storage, directory_id, gone) == [], gone
        for kept in (
            'userName eq "alice2"',
            'emails eq "a3@x.io"',
            'phoneNumbers eq "+1 555 0199"',
            'addresses.country eq "fr"',
            'addresses.country eq "it"',
        ):
            assert _found(storage, directory_id, kept) == ["Alice2"], kept

    def test_a_stale_version_writes_nothing(self, storage: Storage, directory_id: str) -> None:
        """A version other than the stored one (another writer updated the user after the
        version was read): StaleVersion, and neither the update nor its event is written."""
        alice = user(directory_id, "alice", userName="alice", title="one")
        with storage.transaction() as tx:
            tx.insert_user(alice)
        with storage.transaction() as tx:  # the other writer
            tx.update_user(_next(alice, userName="alice", title="two"), 1)
        with storage.transaction() as tx:
            assert tx.get_user_with_groups(directory_id, alice.id) is not None
            with pytest.raises(StaleVersion):
                tx.update_user_with_event(
                    _next(alice, userName="alice", title="three"), 1, "user.updated", {}, at(5)
                )
        with storage.transaction(readonly=True) as tx:
            stored = tx.get_user(directory_id, alice.id)
            assert tx.list_events(directory_id, 0, 10) == []
        assert stored is not None and (stored.document["title"], stored.version) == ("two", 2)

    @pytest.mark.parametrize("emails", ["changed", "unchanged"])
    def test_a_taken_user_name_writes_nothing(
        self, storage: Storage, directory_id: str, emails: str
    ) -> None:
        """A userName another user holds (any case): UniquenessViolation naming it, nothing
        written, and the unit of work stays usable for another write; whether the update also
        rewrites the e-mail rows or writes the user's row alone."""
        alice = user(directory_id, "alice", userName="alice", emails=[{"value": "a@x.io"}])
        bob = user(directory_id, "bob", userName="bob")
        with storage.transaction() as tx:
            tx.insert_user(alice)
            tx.insert_user(bob)
        address = "new@x.io" if emails == "changed" else "a@x.io"
        with storage.transaction() as tx:
            assert tx.get_user_with_groups(directory_id, alice.id) is not None
            with pytest.raises(UniquenessViolation) as caught:
                taken = _next(alice, userName="BOB", emails=[{"value": address}])
                tx.update_user_with_event(taken, 1, "user.updated", {}, at(5))
            tx.append_event(directory_id, "after", "User", alice.id, {}, at(6))
        assert caught.value.field == "userName"
        with storage.transaction(readonly=True) as tx:
            assert tx.get_user(directory_id, alice.id) == alice
            assert [e.type for e in tx.list_events(directory_id, 0, 10)] == ["after"]
        assert _found(storage, directory_id, 'emails eq "a@x.io"') == ["alice"]
        assert _found(storage, directory_id, 'userName eq "bob"') == ["bob"]

    def test_linking_an_account_is_counted(self, storage: Storage, directory_id: str) -> None:
        """An update that links an account the IdP did not manage counts it in the list total,
        and appends its event."""
        local = user(directory_id, "local", userName="local", source="local", linked=False)
        with storage.transaction() as tx:
            tx.insert_user(local)
        before = totals(storage, directory_id)
        linked = replace(_next(local, userName="local"), source="idp", linked=True)
        _read_then_update(storage, local, linked)
        assert totals(storage, directory_id)[:2] == (before[0] + 1, before[1] + 1)
        with storage.transaction(readonly=True) as tx:
            assert [e.resource_id for e in tx.list_events(directory_id, 0, 10)] == [local.id]

    def test_declared_extension_values_follow_the_document(
        self, storage: Storage, directory_id: str
    ) -> None:
        """A user that gains, changes and loses a declared extension attribute is found by it
        exactly while its document holds it (rule 12)."""
        with storage.transaction() as tx:
            tx.set_schema_extensions(directory_id, DECLARATIONS, T0)
        rt = directory_schema(DECLARATIONS).user_type
        plain = user(directory_id, "carol", userName="carol")
        with storage.transaction() as tx:
            tx.insert_user(plain)
        gained = _next(plain, userName="carol", **{URN: {"costCenter": "Sales"}})
        _read_then_update(storage, plain, gained)
        assert _found(storage, directory_id, f'{URN}:costCenter eq "sales"', rt) == ["carol"]
        lost = _next(gained, userName="carol", title="no extension")
        _read_then_update(storage, gained, lost)
        assert _found(storage, directory_id, f"{URN}:costCenter pr", rt) == []

    def test_rolls_back_with_its_unit(self, storage: Storage, directory_id: str) -> None:
        """After another write in the unit, an exception rolls both back (rule 1)."""
        alice = user(directory_id, "alice", userName="alice")
        with storage.transaction() as tx:
            tx.insert_user(alice)
        with pytest.raises(RuntimeError), storage.transaction() as tx:
            tx.append_event(directory_id, "before", "User", alice.id, {}, at(4))
            tx.update_user_with_event(
                _next(alice, userName="alice", title="x"), 1, "user.updated", {}, at(5)
            )
            raise RuntimeError("boom")
        with storage.transaction(readonly=True) as tx:
            assert tx.get_user(directory_id, alice.id) == alice
            assert tx.list_events(directory_id, 0, 10) == []
