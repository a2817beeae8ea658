"""The simulator against scimdir's own server: every object provisioned, changes, failures."""

from __future__ import annotations

from typing import Any

from scimdir.mapping.mappings import load_mappings, preset_text
from scimdir.simulator import Changes, Outcome, Report, SourceGroup, source_users
from scimdir.simulator.cycle import INCREMENTAL, INITIAL, TEST_CONNECTION
from tests.simulator.conftest import ALICE, BOB, CAROL, DAVE, Endpoint, simulator

ENGINEERING = SourceGroup(
    "oid-eng", "Engineering", "oid-eng", ("alice@contoso.com", "oid-bob", "oid-carol")
)
SALES = SourceGroup("oid-sales", "Sales", "oid-sales", ("oid-carol",))


def rows(report: Report, phase: str) -> list[tuple[str, str, str, str]]:
    return [
        (e.object_type, e.source, e.action, e.outcome.value)
        for e in report.entries
        if e.phase == phase
    ]


def initial(endpoint: Endpoint, **options: Any) -> Report:
    users = source_users([ALICE, BOB, CAROL, DAVE])
    return simulator(endpoint, **options).run(users, [ENGINEERING, SALES])


def test_test_connection_succeeds_against_scimdir(endpoint: Endpoint) -> None:
    """Test Connection's user and group queries both get 200 and an empty list."""
    report = initial(endpoint)
    assert rows(report, TEST_CONNECTION) == [
        ("User", "GET /Users", "Test connection", "Success"),
        ("Group", "GET /Groups", "Test connection", "Success"),
    ]


def test_initial_cycle_reports_every_object(endpoint: Endpoint) -> None:
    """Users are created (the disabled one skipped), groups created, members added."""
    report = initial(endpoint)
    assert rows(report, INITIAL) == [
        ("User", "alice@contoso.com", "Create", "Success"),
        ("User", "bob@contoso.com", "Create", "Success"),
        ("User", "carol@contoso.com", "Create", "Success"),
        ("User", "dave@contoso.com", "Create", "Skipped"),
        ("Group", "Engineering", "Create", "Success"),
        ("Group", "Engineering", "Add members", "Success"),
        ("Group", "Sales", "Create", "Success"),
        ("Group", "Sales", "Add members", "Success"),
    ]
    assert report.ok is True
    assert report.summary()["success"] == 9
    assert report.summary()["skipped"] == 1


def test_created_users_are_found_by_the_matching_filter(endpoint: Endpoint) -> None:
    """Each created user is found by userName with the mapped values (fallbacks applied)."""
    initial(endpoint)
    [bob] = endpoint.find_user("bob@contoso.com")
    assert bob["displayName"] == "Bob Lee"
    assert bob["emails"] == [{"type": "work", "value": "bob@contoso.com", "primary": True}]
    assert bob["active"] is True
    assert bob["externalId"] == "oid-bob"
    assert endpoint.find_user("dave@contoso.com") == []


def test_groups_hold_the_right_members(endpoint: Endpoint) -> None:
    """Members given by UPN or objectId are added by the endpoint's user ids."""
    initial(endpoint)
    assert endpoint.member_names("Engineering") == [
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
    ]
    assert endpoint.member_names("Sales") == ["carol@contoso.com"]


def test_members_go_in_batches(endpoint: Endpoint) -> None:
    """With batch size 2, three members take two Add PATCHes."""
    report = initial(endpoint, batch_size=2)
    details = [e.detail for e in report.entries if e.action == "Add members"]
    assert details == [
        "2 member(s): alice@contoso.com, bob@contoso.com.",
        "1 member(s): carol@contoso.com.",
        "1 member(s): carol@contoso.com.",
    ]
    assert endpoint.member_names("Engineering") == [
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
    ]


def test_concurrent_run_gives_the_same_report(endpoint: Endpoint) -> None:
    """Four workers provision the same objects and the report keeps the source order."""
    report = initial(endpoint, concurrency=4)
    assert [e.source for e in report.entries if e.phase == INITIAL][:4] == [
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
        "dave@contoso.com",
    ]
    assert report.ok is True
    assert len(endpoint.find_user("carol@contoso.com")) == 1


def test_second_run_matches_instead_of_creating(endpoint: Endpoint) -> None:
    """A new job over the same users matches them by userName and finds nothing to change."""
    initial(endpoint)
    report = simulator(endpoint).run(source_users([ALICE]), [ENGINEERING])
    assert rows(report, INITIAL)[:2] == [
        ("User", "alice@contoso.com", "Update", "Skipped"),
        ("Group", "Engineering", "Update", "Skipped"),
    ]
    assert report.ok is True


def changed_run(endpoint: Endpoint) -> Report:
    changes = Changes(
        source_users(
            [
                {**ALICE, "surname": "Jones", "mail": "alice.jones@contoso.com"},
                {**BOB, "assigned": False},
                {**CAROL, "hardDeleted": True},
            ]
        ),
        [SourceGroup("oid-eng", "Engineering", "oid-eng", ("alice@contoso.com",))],
    )
    users = source_users([ALICE, BOB, CAROL])
    return simulator(endpoint).run(users, [ENGINEERING], changes)


def test_incremental_cycle_updates_disables_deletes_and_removes(endpoint: Endpoint) -> None:
    """Changes become an Update, a Disable, a Delete and a member removal, all successful."""
    report = changed_run(endpoint)
    assert rows(report, INCREMENTAL) == [
        ("User", "alice@contoso.com", "Update", "Success"),
        ("User", "bob@contoso.com", "Disable", "Success"),
        ("User", "carol@contoso.com", "Delete", "Success"),
        ("Group", "Engineering", "Remove members", "Success"),
    ]
    assert report.entries[-4].detail == ('Changed: emails[type eq "work"].value, name.familyName.')


def test_update_reaches_the_endpoint(endpoint: Endpoint) -> None:
    """Only changed attributes are patched and the endpoint holds the new values."""
    changed_run(endpoint)
    [alice] = endpoint.find_user("alice@contoso.com")
    assert alice["name"]["familyName"] == "Jones"
    assert alice["emails"][0]["value"] == "alice.jones@contoso.com"


def test_disabled_user_is_still_readable_with_active_false(endpoint: Endpoint) -> None:
    """Unassignment sends active "False"; the user stays findable, inactive."""
    changed_run(endpoint)
    [bob] = endpoint.find_user("bob@contoso.com")
    assert bob["active"] is False
    assert endpoint.get(f"/Users/{bob['id']}").json()["active"] is False


def test_hard_deleted_user_is_gone(endpoint: Endpoint) -> None:
    """A hard delete sends DELETE; the id then answers 404."""
    report = changed_run(endpoint)
    deleted = next(e for e in report.entries if e.action == "Delete")
    assert deleted.status == 204
    assert endpoint.get(f"/Users/{deleted.target_id}").status_code == 404


def test_removed_member_leaves_the_group(endpoint: Endpoint) -> None:
    """The value-array Remove takes out exactly the removed member."""
    changed_run(endpoint)
    assert endpoint.member_names("Engineering") == ["alice@contoso.com"]


def test_rfc_flag_mode_provisions_the_same(endpoint: Endpoint) -> None:
    """With the aadOptscim062020 forms the same changes succeed."""
    changes = Changes(
        source_users(
            [{**ALICE, "surname": "Jones", "displayName": "A J"}, {**BOB, "assigned": False}]
        ),
        [SourceGroup("oid-eng", "Engineering", "oid-eng", ("oid-bob",))],
    )
    report = simulator(endpoint, rfc_flag=True).run(
        source_users([ALICE, BOB]), [ENGINEERING], changes
    )
    assert report.ok is True
    assert endpoint.member_names("Engineering") == ["bob@contoso.com"]
    assert endpoint.find_user("alice@contoso.com")[0]["name"]["familyName"] == "Jones"
    assert endpoint.find_user("bob@contoso.com")[0]["active"] is False


NO_FALLBACK = load_mappings(
    """
mappings:
  - {target: userName, type: Direct, source: userPrincipalName, matchingPrecedence: 1}
  - {target: displayName, type: Direct, source: displayName}
  - {target: 'emails[type eq "work"].value', type: Direct, source: mail}
"""
)


def test_user_without_mail_fails_with_the_servers_detail(endpoint: Endpoint) -> None:
    """Without the UPN fallback a user with no mail fails; the detail names the e-mail mapping."""
    report = simulator(endpoint, mappings=NO_FALLBACK).run(
        source_users([ALICE, {**BOB, "displayName": "Bob Lee"}])
    )
    failed = [e for e in report.entries if e.outcome is Outcome.FAILURE]
    assert [(e.source, e.action, e.status) for e in failed] == [("bob@contoso.com", "Create", 400)]
    detail = failed[0].detail or ""
    assert 'Switch(IsPresent([mail]), , "True", [mail], "False", [userPrincipalName])' in detail
    assert detail.endswith("(scimType invalidValue)")
    assert report.ok is False
    assert report.summary()["failure"] == 1


def test_failed_user_is_skipped_as_a_member(endpoint: Endpoint) -> None:
    """A member whose user failed is not added; the group entry says why."""
    group = SourceGroup("g", "Team", "g", ("oid-alice", "oid-bob"))
    report = simulator(endpoint, mappings=NO_FALLBACK).run(
        source_users([ALICE, {**BOB, "displayName": "Bob Lee"}]), [group]
    )
    skipped = next(e for e in report.entries if e.source == "Team" and e.action == "Add members")
    assert skipped.outcome is Outcome.SKIPPED
    assert "oid-bob" in (skipped.detail or "")
    assert endpoint.member_names("Team") == ["alice@contoso.com"]


def test_wrong_secret_fails_test_connection_and_stops(endpoint: Endpoint) -> None:
    """A 401 on Test Connection is reported as invalid credentials and nothing else is sent."""
    endpoint.secret = "wrong"
    report = initial(endpoint)
    assert [(e.action, e.outcome, e.status) for e in report.entries] == [
        ("Test connection", Outcome.FAILURE, 401),
        ("Test connection", Outcome.FAILURE, 401),
    ]
    assert (report.entries[0].detail or "").startswith("Invalid credentials")


def test_manager_is_written_after_both_users_exist(endpoint: Endpoint) -> None:
    """The manager (listed after its report) is added as the endpoint id in a later pass."""
    defaults = load_mappings(preset_text("entra-defaults"))
    bob = {**BOB, "displayName": "Bob Lee", "mail": "bob@contoso.com", "manager": "oid-alice"}
    report = simulator(endpoint, mappings=defaults).run(source_users([bob, ALICE]))
    assert rows(report, INITIAL) == [
        ("User", "bob@contoso.com", "Create", "Success"),
        ("User", "alice@contoso.com", "Create", "Success"),
        ("User", "bob@contoso.com", "Update manager", "Success"),
    ]
    [alice] = endpoint.find_user("alice@contoso.com")
    [stored] = endpoint.find_user("bob@contoso.com")
    enterprise = stored["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert enterprise["manager"]["value"] == alice["id"]
