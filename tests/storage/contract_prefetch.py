"""The storage contract for ``Transaction.authenticate(..., prefetch=hint)`` (``ports.py``).

A hint never changes an answer: authentication returns the same directory and secret (or None)
whatever it names, and a search in the same unit of work returns exactly what it returns in a
unit without a hint, whether it asks for the hinted lookup (case folding of ``userName``, the
exclusion of unlinked users, tenancy) or for something else (another value, attribute or page
size).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE
from scimdir.service.ports import (
    GroupRecord,
    LookupHint,
    Page,
    SearchQuery,
    SecretRecord,
    Storage,
    UserRecord,
)

from .helpers import T0, at, group, new_id, user

__all__ = ["PrefetchContract"]

NOW = at(10)
LIVE = "hash-live"


@dataclass
class Population:
    """A directory with users and groups, and another directory holding the same names."""

    directory_id: str
    other_id: str
    ids: dict[str, str]


def _search(
    storage: Storage,
    directory_id: str,
    resource: str,
    text: str,
    count: int = 100,
    hint: LookupHint | None = None,
    secret_hash: str = LIVE,
) -> tuple[bool, Page[UserRecord] | Page[GroupRecord]]:
    """Authenticate (with ``hint``) and search in one read-only unit without a snapshot, as a
    GET does: whether the secret opened the directory, and the page."""
    rt = USER_TYPE if resource == "User" else GROUP_TYPE
    query = SearchQuery(filter=parse_filter(rt, text), count=count)
    page: Page[UserRecord] | Page[GroupRecord]
    with storage.transaction(readonly=True, snapshot=False) as tx:
        opened = tx.authenticate(directory_id, secret_hash, NOW, hint) is not None
        if resource == "User":
            page = tx.search_users(directory_id, query)
        else:
            page = tx.search_groups(directory_id, query)
    return opened, page


def _names(page: Page[UserRecord] | Page[GroupRecord]) -> list[str]:
    return [
        item.user_name if isinstance(item, UserRecord) else item.display_name for item in page.items
    ]


class PrefetchContract:
    """Authentication with a lookup hint, and the searches that follow it."""

    @pytest.fixture
    def population(self, storage: Storage, new_directory: Callable[[], str]) -> Population:
        """Users (two sharing a displayName, one unlinked) and groups, in two directories whose
        secrets have the same hash."""
        directory_id, other_id = new_directory(), new_directory()
        alice = user(directory_id, "Alice@Example.com", created=at(2), displayName="Twin")
        bob = user(directory_id, "bob", created=at(1), displayName="twin", externalId="ext-b")
        dave = user(directory_id, "dave", created=at(3), linked=False, source="local")
        admins = group(directory_id, "Admins", created=at(1), externalId="g-ext")
        elsewhere = [
            user(other_id, "alice@example.com", created=at(0), displayName="Twin"),
            user(other_id, "dave", created=at(0)),
        ]
        with storage.transaction() as tx:
            for d in (directory_id, other_id):
                tx.insert_secret(SecretRecord(new_id(), d, LIVE, T0))
            for u in (alice, bob, dave, *elsewhere):
                tx.insert_user(u)
            tx.insert_group(admins)
            tx.insert_group(group(other_id, "Admins", created=at(0)))
        ids = {"alice": alice.id, "bob": bob.id, "dave": dave.id, "admins": admins.id}
        return Population(directory_id, other_id, ids)

    def test_a_hint_changes_nothing_of_authentication(
        self, storage: Storage, new_directory: Callable[[], str]
    ) -> None:
        """The same directory and secret with or without a hint (mapped or not); None for a
        wrong, revoked or expired secret and an unknown tenant, whatever the hint."""
        directory_id, other = new_directory(), new_directory()
        live = SecretRecord(new_id(), directory_id, LIVE, T0, expires=at(50))
        revoked = SecretRecord(new_id(), directory_id, "hash-revoked", T0, revoked=at(5))
        expired = SecretRecord(new_id(), directory_id, "hash-expired", T0, expires=at(5))
        with storage.transaction() as tx:
            for record in (live, revoked, expired):
                tx.insert_secret(record)
            tx.insert_user(user(directory_id, "alice"))
        hints = [
            None,
            LookupHint("User", "userName", "alice", 100),
            LookupHint("User", "USERNAME", "nobody", 1),
            LookupHint("Group", "displayName", "alice", 100),
            LookupHint("User", "emails", "alice", 100),
            LookupHint("User", "noSuchAttribute", "alice", 100),
        ]
        for hint in hints:
            with storage.transaction(readonly=True, snapshot=False) as tx:
                found = tx.authenticate(directory_id, LIVE, NOW, hint)
                assert found is not None
                assert found == (tx.get_directory(directory_id), live), hint
                refused = [
                    tx.authenticate(directory_id, "hash-unknown", NOW, hint),
                    tx.authenticate(other, LIVE, NOW, hint),
                    tx.authenticate(new_id(), LIVE, NOW, hint),
                    tx.authenticate(directory_id, "hash-revoked", NOW, hint),
                    tx.authenticate(directory_id, "hash-expired", NOW, hint),
                    tx.authenticate(directory_id, LIVE, at(50), hint),
                ]
            assert refused == [None] * 6, hint

    @pytest.mark.parametrize(
        ("resource", "attribute", "value", "text", "expected"),
        [
            (
                "User",
                "userName",
                "ALICE@example.COM",
                'userName eq "ALICE@example.COM"',
                ["Alice@Example.com"],
            ),
            ("User", "username", "bob", 'username eq "bob"', ["bob"]),
            ("User", "userName", "dave", 'userName eq "dave"', []),
            ("User", "userName", "nobody", 'userName eq "nobody"', []),
            ("User", "externalId", "ext-b", 'externalId eq "ext-b"', ["bob"]),
            ("User", "externalId", "EXT-B", 'externalId eq "EXT-B"', []),
            ("User", "displayName", "TWIN", 'displayName eq "TWIN"', ["bob", "Alice@Example.com"]),
            ("Group", "displayName", "admins", 'displayName eq "admins"', ["Admins"]),
            ("Group", "externalId", "g-ext", 'externalId eq "g-ext"', ["Admins"]),
        ],
    )
    def test_the_hinted_search_answers_as_without_a_hint(
        self,
        storage: Storage,
        population: Population,
        resource: str,
        attribute: str,
        value: str,
        text: str,
        expected: list[str],
    ) -> None:
        """The search the hint names returns what it returns without one: folded values, the
        creation order, unlinked users left out, nothing of the other directory."""
        hint = LookupHint("User" if resource == "User" else "Group", attribute, value, 100)
        d = population.directory_id
        opened, hinted = _search(storage, d, resource, text, hint=hint)
        _, plain = _search(storage, d, resource, text)
        assert opened
        assert hinted == plain
        assert (_names(hinted), hinted.total) == (expected, len(expected))

    def test_a_search_other_than_the_hint_gets_its_own_rows(
        self, storage: Storage, population: Population
    ) -> None:
        """A search that differs from the hint in value, attribute, page size or resource type
        returns exactly its own rows; so does a hinted page that is full (its total counted)."""
        d = population.directory_id
        alice = LookupHint("User", "userName", "alice@example.com", 100)
        twins = LookupHint("User", "displayName", "twin", 1)
        cases: list[tuple[LookupHint, str, str, int]] = [
            (alice, "User", 'userName eq "bob"', 100),
            (alice, "User", 'externalId eq "alice@example.com"', 100),
            (alice, "User", 'userName eq "alice@example.com"', 1),
            (alice, "User", 'displayName eq "twin"', 1),
            (alice, "Group", 'displayName eq "alice@example.com"', 100),
            (
                LookupHint("Group", "displayName", "admins", 100),
                "User",
                'userName eq "admins"',
                100,
            ),
            (twins, "User", 'displayName eq "twin"', 1),
            (twins, "User", 'displayName eq "twin"', 2),
        ]
        for hint, resource, text, count in cases:
            opened, hinted = _search(storage, d, resource, text, count, hint)
            _, plain = _search(storage, d, resource, text, count)
            assert opened
            assert hinted == plain, (hint, text, count)
        _, full = _search(storage, d, "User", 'displayName eq "twin"', 1, twins)
        assert (_names(full), full.total) == (["bob"], 2)

    def test_a_refused_secret_prefetches_nothing(
        self, storage: Storage, population: Population
    ) -> None:
        """After a refused authentication with a hint, a search of the unit (which a server
        never runs) still returns the directory's rows."""
        d = population.directory_id
        hint = LookupHint("User", "userName", "bob", 100)
        opened, page = _search(storage, d, "User", 'userName eq "bob"', hint=hint, secret_hash="x")
        assert (opened, _names(page), page.total) == (False, ["bob"], 1)

    def test_a_search_after_a_pinned_snapshot_reads_that_snapshot(
        self, storage: Storage, population: Population
    ) -> None:
        """A unit that pins its snapshot after a hinted authentication (a page with its users'
        groups) searches that snapshot: a user committed in between is found, as without a
        hint."""
        d = population.directory_id
        hint = LookupHint("User", "userName", "late", 100)
        query = SearchQuery(filter=parse_filter(USER_TYPE, 'userName eq "late"'))
        with storage.transaction(readonly=True, snapshot=False) as tx:
            assert tx.authenticate(d, LIVE, NOW, hint) is not None
            with storage.transaction() as writer:
                writer.insert_user(user(d, "late", created=at(5)))
            tx.pin_snapshot()
            page = tx.search_users(d, query)
        assert (_names(page), page.total) == (["late"], 1)
