"""The storage contract, rule 5: every filter key and operator, paging and sorting.

A fixed population (alice, bob, carol, and groups admins/staff) is written into a fresh directory;
each case names the SCIM filter (RFC 7644 §3.4.2.2) and the exact set of matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from scim2_models.exceptions import SCIMException

from scimdir.scim.filter import And, Compare, Field, Op, parse_filter
from scimdir.scim.schema import GROUP_TYPE, USER_TYPE, AttrType
from scimdir.service.ports import SearchQuery, Storage

from .helpers import at, group, user

__all__ = ["SearchContract"]

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass
class World:
    """The population's directory and ids by name."""

    directory_id: str
    ids: dict[str, str]

    def text(self, template: str) -> str:
        """``template`` with ``{alice}``-style placeholders replaced by ids."""
        return template.format(**self.ids)


USER_CASES = [
    ('userName eq "alice@example.com"', {"alice"}),
    ('userName eq "ALICE@EXAMPLE.COM"', {"alice"}),
    ('userName ne "bob"', {"alice", "carol"}),
    ('userName co "LIC"', {"alice"}),
    ('userName sw "B"', {"bob"}),
    ('userName ew ".COM"', {"alice"}),
    ('userName gt "bob"', {"carol"}),
    ('userName ge "bob"', {"bob", "carol"}),
    ('userName lt "bob"', {"alice"}),
    ('userName le "bob"', {"alice", "bob"}),
    ("userName pr", {"alice", "bob", "carol"}),
    ('id eq "{alice}"', {"alice"}),
    ('externalId eq "ext-A"', {"alice"}),
    ('externalId eq "ext-a"', set()),
    ('externalId co "XT"', set()),
    ('externalId sw "ext-"', {"alice", "bob"}),
    ("externalId pr", {"alice", "bob"}),
    ("externalId eq null", {"carol"}),
    ("externalId ne null", {"alice", "bob"}),
    ('displayName eq "alice smith"', {"alice"}),
    ('displayName co "%_"', {"bob"}),
    ('displayName co "_"', {"bob"}),
    ('displayName co "e%s"', set()),
    ('displayName ew "\\\\"', {"bob"}),
    ('displayName ne "alice smith"', {"bob", "carol"}),
    ("active eq true", {"alice"}),
    ("active eq false", {"bob"}),
    ("not (active eq true)", {"bob", "carol"}),
    ("active pr", {"alice", "bob"}),
    ('name.givenName eq "ALICE"', {"alice"}),
    ("name.familyName pr", {"alice"}),
    ('not (name.familyName eq "smith")', {"bob", "carol"}),
    ('emails.value eq "BOB@example.com"', {"bob"}),
    ('emails.value co "example"', {"alice", "bob"}),
    ('emails eq "a@home.org"', {"alice"}),
    ("emails pr", {"alice", "bob"}),
    ("emails.value eq null", {"carol"}),
    ("emails.value ne null", {"alice", "bob"}),
    ('emails.type eq "WORK"', {"alice"}),
    ("emails.primary eq true", {"alice"}),
    ('emails[type eq "home" and value co "example"]', {"bob"}),
    ('emails.type eq "home" and emails.value co "example"', {"alice", "bob"}),
    ('not (emails[type eq "work"])', {"bob", "carol"}),
    ('groups.value eq "{admins}"', {"alice"}),
    ('groups eq "{staff}"', {"alice", "bob"}),
    ('groups[value eq "{staff}"]', {"alice", "bob"}),
    ('meta.created gt "2026-01-01T12:00:01Z"', {"bob", "carol"}),
    ('meta.created le "2026-01-01T13:00:02+01:00"', {"alice", "bob"}),
    ('meta.lastModified ge "2026-01-01T12:00:03Z"', {"carol"}),
    ('meta.lastModified lt "2026-01-01T12:00:02Z"', {"alice"}),
    (f'{ENT}:employeeNumber eq "e1"', {"alice"}),
    (f'{ENT}:department eq "r&d"', {"bob"}),
    (f'{ENT}:manager eq "MGR-1"', {"alice"}),
    (f'{ENT}:manager.value sw "mgr"', {"alice"}),
    ('title eq "VP SALES"', {"alice"}),
    ('title sw "vp"', {"alice"}),
    ("title pr", {"alice", "bob"}),
    ("title eq null", {"carol"}),
    ('not (title eq "engineer")', {"alice", "carol"}),
    ('userType eq "contractor"', {"bob"}),
    ('userType ne "Employee"', {"bob", "carol"}),
    ('phoneNumbers.value eq "+1 555 0100"', {"alice"}),
    ('phoneNumbers eq "+49 30 1234"', {"bob"}),
    ('phoneNumbers.value sw "+"', {"alice", "bob"}),
    ('phoneNumbers[value ew "0100"]', {"alice"}),
    ("phoneNumbers pr", {"alice", "bob"}),
    ("phoneNumbers.value eq null", {"carol"}),
    ('addresses.country eq "de"', {"bob"}),
    ('addresses[country eq "US"]', {"alice"}),
    ("addresses pr", {"alice", "bob"}),
    ('not (addresses.country eq "US")', {"bob", "carol"}),
    (f'{ENT}:costCenter eq "CC-1"', {"alice"}),
    (f'{ENT}:organization eq "contoso"', {"alice", "bob"}),
    (f'{ENT}:division sw "cl"', {"bob"}),
    (f"{ENT}:division pr", {"bob"}),
    ('title pr and addresses.country eq "us"', {"alice"}),
    ('userName eq "bob" or userName eq "carol"', {"bob", "carol"}),
    ('active eq true and name.givenName sw "a"', {"alice"}),
    ('not (userName eq "bob" or active eq true)', {"carol"}),
]

GROUP_CASES = [
    ('displayName eq "ADMINS"', {"admins"}),
    ('displayName sw "st"', {"staff"}),
    ('externalId eq "g-ext"', {"admins"}),
    ('id eq "{staff}"', {"staff"}),
    ('members eq "{alice}"', {"admins", "staff"}),
    ('members.value eq "{bob}"', {"staff"}),
    ('members[value eq "{admins}"]', {"staff"}),
    ("members pr", {"admins", "staff"}),
    ('meta.created gt "2026-01-01T12:00:01Z"', {"staff"}),
    ('not (members.value eq "{bob}")', {"admins"}),
    # Entra's membership check, in each shape the prepared statement answers
    # (storage/sql/membership_check.py), and one it leaves to the general path.
    ('id eq "{staff}" and members[value eq "{bob}"]', {"staff"}),
    ('members[value eq "{alice}"] and id eq "{admins}"', {"admins"}),
    ('id eq "{admins}" and members.value eq "{bob}"', set()),
    ('id eq "{staff}" and members[value eq "{admins}"]', {"staff"}),
    ('id eq "{admins}" and members[value eq "{admins}"]', set()),
    ('id eq "{staff}" and members[value eq "{bob}"] and displayName pr', {"staff"}),
]


class SearchContract:
    """Rule 5 and RFC 7644 §3.4.2: filters, sorting, paging."""

    @pytest.fixture
    def world(self, storage: Storage, directory_id: str) -> World:
        """Three users and two groups in a fresh directory."""
        alice = user(
            directory_id,
            "Alice@Example.com",
            created=at(1),
            externalId="ext-A",
            displayName="Alice Smith",
            active=True,
            name={"givenName": "Alice", "familyName": "Smith"},
            emails=[
                {"value": "alice@example.com", "type": "work", "primary": True},
                {"value": "a@home.org", "type": "home"},
            ],
            ext={
                "employeeNumber": "E1",
                "department": "Sales",
                "manager": {"value": "mgr-1"},
                "costCenter": "cc-1",
                "organization": "Contoso",
            },
            title="VP Sales",
            userType="Employee",
            phoneNumbers=[{"value": "+1 555 0100", "type": "work"}, {"type": "fax"}],
            addresses=[{"locality": "Seattle"}, {"country": "US", "type": "work"}],
        )
        bob = user(
            directory_id,
            "bob",
            created=at(2),
            externalId="ext-b",
            displayName="Bob 100%_done\\",
            active=False,
            name={"givenName": "Bob"},
            emails=[{"value": "bob@example.com", "type": "home"}],
            ext={"department": "R&D", "organization": "CONTOSO", "division": "Cloud"},
            title="Engineer",
            userType="Contractor",
            phoneNumbers=[{"value": "+49 30 1234"}],
            addresses=[{"country": "DE"}],
        )
        carol = user(directory_id, "carol", created=at(3))
        unlinked = user(directory_id, "dave", created=at(4), linked=False, source="local")
        admins = group(directory_id, "Admins", created=at(1), externalId="g-ext")
        staff = group(directory_id, "staff", created=at(2))
        with storage.transaction() as tx:
            for u in (alice, bob, carol, unlinked):
                tx.insert_user(u)
            tx.insert_group(admins)
            tx.insert_group(staff)
            tx.add_members(directory_id, admins.id, [(alice.id, "User")])
            tx.add_members(directory_id, staff.id, [(alice.id, "User"), (bob.id, "User")])
            tx.add_members(directory_id, staff.id, [(admins.id, "Group")])
        ids = {"alice": alice.id, "bob": bob.id, "carol": carol.id, "dave": unlinked.id}
        ids |= {"admins": admins.id, "staff": staff.id}
        return World(directory_id, ids)

    @pytest.mark.parametrize(("text", "expected"), USER_CASES)
    def test_user_filter(
        self, storage: Storage, world: World, text: str, expected: set[str]
    ) -> None:
        """Each user filter matches exactly the expected users."""
        query = SearchQuery(filter=parse_filter(USER_TYPE, world.text(text)))
        with storage.transaction() as tx:
            page = tx.search_users(world.directory_id, query)
        names = {k for k, v in world.ids.items() if v in {u.id for u in page.items}}
        assert (names, page.total) == (expected, len(expected))

    @pytest.mark.parametrize(("text", "expected"), [*USER_CASES, ('userName eq "dave"', set())])
    def test_user_filter_through_the_general_path(
        self, storage: Storage, world: World, text: str, expected: set[str]
    ) -> None:
        """Wrapped in a one-term ``and`` (which skips the prepared equality lookups), every filter
        matches the same users: both paths agree."""
        wrapped = And((parse_filter(USER_TYPE, world.text(text)),))
        with storage.transaction() as tx:
            page = tx.search_users(world.directory_id, SearchQuery(filter=wrapped))
        names = {k for k, v in world.ids.items() if v in {u.id for u in page.items}}
        assert (names, page.total) == (expected, len(expected))

    def test_full_first_page_of_a_lookup_counts_every_match(
        self, storage: Storage, world: World
    ) -> None:
        """An equality lookup whose first page is full still reports the exact total."""
        expr = parse_filter(GROUP_TYPE, 'displayName eq "staff"')
        query = SearchQuery(filter=expr, count=1)
        with storage.transaction() as tx:
            page = tx.search_groups(world.directory_id, query)
            unlinked = tx.search_users(
                world.directory_id,
                SearchQuery(
                    filter=parse_filter(USER_TYPE, 'userName eq "dave"'), linked_only=False
                ),
            )
        assert (page.total, [g.display_name for g in page.items]) == (1, ["staff"])
        assert [u.user_name for u in unlinked.items] == ["dave"]

    @pytest.mark.parametrize(("text", "expected"), GROUP_CASES)
    def test_group_filter(
        self, storage: Storage, world: World, text: str, expected: set[str]
    ) -> None:
        """Each group filter matches exactly the expected groups."""
        query = SearchQuery(filter=parse_filter(GROUP_TYPE, world.text(text)))
        with storage.transaction() as tx:
            page = tx.search_groups(world.directory_id, query)
        names = {k for k, v in world.ids.items() if v in {g.id for g in page.items}}
        assert (names, page.total) == (expected, len(expected))

    def test_unknown_key_is_invalid_filter(self, storage: Storage, world: World) -> None:
        """A key the backend does not know is refused with invalidFilter, never ignored."""
        expr = Compare(Field("nickName", AttrType.STRING, False), Op.eq, "x")
        with pytest.raises(SCIMException) as caught, storage.transaction() as tx:
            tx.search_users(world.directory_id, SearchQuery(filter=expr))
        assert caught.value.scim_type == "invalidFilter"

    def test_substring_on_datetime_is_invalid_filter(self, storage: Storage, world: World) -> None:
        """co/sw/ew on a dateTime are refused with invalidFilter."""
        expr = parse_filter(USER_TYPE, 'meta.created co "2026"')
        with pytest.raises(SCIMException) as caught, storage.transaction() as tx:
            tx.search_users(world.directory_id, SearchQuery(filter=expr))
        assert caught.value.scim_type == "invalidFilter"

    def test_default_order_and_paging(self, storage: Storage, world: World) -> None:
        """Results come in creation order; start_index is 1-based; total counts all matches."""
        with storage.transaction() as tx:
            first = tx.search_users(world.directory_id, SearchQuery(count=2))
            second = tx.search_users(world.directory_id, SearchQuery(start_index=3, count=2))
        assert [u.user_name for u in first.items] == ["Alice@Example.com", "bob"]
        assert [u.user_name for u in second.items] == ["carol"]
        assert (first.total, second.total) == (3, 3)

    def test_count_zero_returns_total_only(self, storage: Storage, world: World) -> None:
        """count=0 returns the total and no resources."""
        with storage.transaction() as tx:
            page = tx.search_users(world.directory_id, SearchQuery(count=0))
        assert (page.total, page.items) == (3, [])

    def test_filtered_totals_are_exact_on_every_page(self, storage: Storage, world: World) -> None:
        """A filtered list's total is exact whether the page is full, partial, later or empty."""
        pages = [
            SearchQuery(linked_only=False, count=2),
            SearchQuery(linked_only=False, count=100),
            SearchQuery(linked_only=False, start_index=3, count=2),
            SearchQuery(linked_only=False, start_index=10, count=2),
        ]
        with storage.transaction() as tx:
            found = [tx.search_users(world.directory_id, q) for q in pages]
        assert [(p.total, len(p.items)) for p in found] == [(4, 2), (4, 4), (4, 2), (4, 0)]

    def test_linked_only(self, storage: Storage, world: World) -> None:
        """linked_only=False includes users the IdP does not manage."""
        with storage.transaction() as tx:
            page = tx.search_users(world.directory_id, SearchQuery(linked_only=False))
        assert [u.user_name for u in page.items][-1] == "dave"
        assert page.total == 4

    @pytest.mark.parametrize(
        ("key", "descending", "expected"),
        [
            ("userName", False, ["Alice@Example.com", "bob", "carol"]),
            ("userName", True, ["carol", "bob", "Alice@Example.com"]),
            ("name.givenName", False, ["Alice@Example.com", "bob", "carol"]),
            ("name.givenName", True, ["carol", "bob", "Alice@Example.com"]),
            ("externalId", False, ["Alice@Example.com", "bob", "carol"]),
            ("meta.lastModified", True, ["carol", "bob", "Alice@Example.com"]),
        ],
    )
    def test_sort(
        self, storage: Storage, world: World, key: str, descending: bool, expected: list[str]
    ) -> None:
        """sortBy orders by the attribute; unassigned values sort last ascending."""
        query = SearchQuery(sort_key=key, descending=descending)
        with storage.transaction() as tx:
            page = tx.search_users(world.directory_id, query)
        assert [u.user_name for u in page.items] == expected

    def test_sort_groups(self, storage: Storage, world: World) -> None:
        """Groups sort by displayName case-insensitively."""
        query = SearchQuery(sort_key="displayName", descending=True)
        with storage.transaction() as tx:
            page = tx.search_groups(world.directory_id, query)
        assert [g.display_name for g in page.items] == ["staff", "Admins"]

    def test_unsupported_sort_key(self, storage: Storage, world: World) -> None:
        """Sorting by a key the backend cannot sort on is refused with invalidFilter."""
        with pytest.raises(SCIMException) as caught, storage.transaction() as tx:
            tx.search_users(world.directory_id, SearchQuery(sort_key="emails.value"))
        assert caught.value.scim_type == "invalidFilter"

    def test_update_reindexes(self, storage: Storage, world: World) -> None:
        """After update_user, filters see the new values (emails included)."""
        with storage.transaction() as tx:
            bob = tx.get_user(world.directory_id, world.ids["bob"])
            assert bob is not None
            bob.document = {"emails": [{"value": "robert@example.net"}], "active": True}
            tx.update_user(bob, expected_version=bob.version)
            expr = parse_filter(USER_TYPE, 'emails.value ew ".net" and active eq true')
            page = tx.search_users(world.directory_id, SearchQuery(filter=expr))
            old = parse_filter(USER_TYPE, 'emails.value eq "bob@example.com"')
            gone = tx.search_users(world.directory_id, SearchQuery(filter=old))
        assert ([u.id for u in page.items], gone.total) == ([world.ids["bob"]], 0)

    def test_update_reindexes_the_core_attribute_columns(
        self, storage: Storage, world: World
    ) -> None:
        """After update_user, title, phoneNumbers and addresses filters see the new values only."""
        with storage.transaction() as tx:
            bob = tx.get_user(world.directory_id, world.ids["bob"])
            assert bob is not None
            bob.document = {"title": "CTO", "phoneNumbers": [{"value": "+33 1"}]}
            tx.update_user(bob, expected_version=bob.version)

            def found(text: str) -> list[str]:
                page = tx.search_users(
                    world.directory_id, SearchQuery(filter=parse_filter(USER_TYPE, text))
                )
                return [u.id for u in page.items]

            new = (found('title eq "cto"'), found('phoneNumbers.value eq "+33 1"'))
            old = (found('title eq "engineer"'), found('phoneNumbers.value sw "+49"'))
            gone = found('addresses.country eq "de"')
        assert (new, old, gone) == (([world.ids["bob"]], [world.ids["bob"]]), ([], []), [])

    def test_update_after_a_read_for_update_reindexes_changed_columns_only(
        self, storage: Storage, world: World
    ) -> None:
        """An update preceded by get_user(for_update) (a PATCH) moves the changed columns'
        index entries and leaves the unchanged ones findable."""
        with storage.transaction() as tx:
            alice = tx.get_user(world.directory_id, world.ids["alice"], for_update=True)
            assert alice is not None
            alice.document = {**alice.document, "displayName": "Alice Jones", "title": None}
            tx.update_user(alice, expected_version=alice.version)

        def found(text: str) -> list[str]:
            with storage.transaction() as tx:
                page = tx.search_users(
                    world.directory_id, SearchQuery(filter=parse_filter(USER_TYPE, text))
                )
            return [u.id for u in page.items]

        alice_id = world.ids["alice"]
        assert (
            found('displayName eq "alice jones"'),
            found('displayName eq "alice smith"'),
            found("title pr"),
            found('name.givenName eq "alice"'),
            found(f'{ENT}:costCenter eq "cc-1"'),
            found('phoneNumbers.value eq "+1 555 0100"'),
        ) == ([alice_id], [], [world.ids["bob"]], [alice_id], [alice_id], [alice_id])
