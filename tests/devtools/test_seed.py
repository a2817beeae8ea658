"""Bulk seeding writes the rows the API would have written, on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from scimdir.cli.main import cli
from scimdir.devtools.seed import seed_directory, user_body, user_document
from scimdir.scim.resource import parse_resource
from scimdir.scim.schema import USER_TYPE
from scimdir.service.ports import SearchQuery, Storage


@pytest.mark.parametrize("i", [0, 7, 123_456, 9_999_999])
def test_template_matches_the_parser(i: int) -> None:
    """The seeded document of user i is what parse_resource makes of its SCIM body."""
    assert dict(parse_resource(USER_TYPE, user_body(i)).document) == user_document(i)


def test_seeded_users_are_found_like_provisioned_ones(
    storage: Storage, new_directory: Callable[[], str]
) -> None:
    """Seeded users answer userName/externalId lookups; groups hold the first k users."""
    directory_id = new_directory()
    result = seed_directory(storage, directory_id, users=25, group_sizes=[20, 3], batch=7)
    with storage.transaction() as tx:
        by_name = tx.find_user_by_user_name(directory_id, "USER0000024@example.test")
        by_ext = tx.find_user_by_external_id(directory_id, "ext-0000003")
        members = tx.member_ids(directory_id, result.group_ids[1])
        big = tx.count_members(directory_id, result.group_ids[0])
        group = tx.get_group(directory_id, result.group_ids[0])
    assert (by_name.id if by_name else None) == result.user_id(24)
    assert (by_ext.id if by_ext else None) == result.user_id(3)
    assert members == {result.user_id(i) for i in range(3)}
    assert big == 20
    assert (group.display_name if group else None) == "group-0"


def test_seeding_keeps_total_results_exact(
    storage: Storage, new_directory: Callable[[], str]
) -> None:
    """After seeding, unfiltered lists report the seeded numbers of users and groups."""
    directory_id = new_directory()
    seed_directory(storage, directory_id, users=25, group_sizes=[20, 3], batch=7)
    with storage.transaction(readonly=True) as tx:
        users = tx.search_users(directory_id, SearchQuery(count=0)).total
        groups = tx.search_groups(directory_id, SearchQuery(count=0)).total
    assert (users, groups) == (25, 2)


def test_refuses_groups_larger_than_the_users(
    storage: Storage, new_directory: Callable[[], str]
) -> None:
    """A group of more members than seeded users is refused before anything is written."""
    with pytest.raises(ValueError, match="more members"):
        seed_directory(storage, new_directory(), users=2, group_sizes=[3])


def test_cli_seed_creates_and_prints_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`scimdir dev seed --create --json` prints the new directory's id, secret and counts."""
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path}/seed.db")
    result = CliRunner().invoke(
        cli, ["dev", "seed", "--create", "--users", "5", "--group-sizes", "5,1", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["users"], sorted(out["groups"].values())) == (5, [1, 5])
    assert out["secret"].startswith("scimdir_")


def test_cli_seed_needs_directory_or_create(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither --directory nor --create is a usage error naming both options."""
    monkeypatch.setenv("SCIMDIR_DATABASE_URL", f"sqlite:///{tmp_path}/seed.db")
    result = CliRunner().invoke(cli, ["dev", "seed", "--users", "5"])
    assert result.exit_code == 2
    assert "--directory ID or --create" in result.output
