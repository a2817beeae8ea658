"""Source files: users with identities, groups, changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scimdir.simulator import load_changes, load_groups, source_users
from scimdir.simulator.sources import MemberIndex


def test_users_are_known_by_object_id_else_upn() -> None:
    """The key is objectId when present, else the case-folded UPN."""
    users = source_users(
        [{"objectId": "o1", "userPrincipalName": "A@c.com"}, {"userPrincipalName": "B@c.com"}]
    )
    assert [(u.key, u.label) for u in users] == [("o1", "A@c.com"), ("b@c.com", "B@c.com")]


def test_soft_and_hard_deletion_markers() -> None:
    """Unassigned users are soft-deleted; hardDeleted marks a purge."""
    soft, hard = source_users([{"assigned": False}, {"hardDeleted": True}])
    assert (soft.soft_deleted, soft.hard_deleted) == (True, False)
    assert hard.hard_deleted is True


def test_members_resolve_by_object_id_or_upn_in_any_case() -> None:
    """A member reference may be the objectId or the UPN, case-insensitively."""
    index = MemberIndex(source_users([{"objectId": "o1", "userPrincipalName": "A@c.com"}]))
    assert [index.resolve(r) for r in ("o1", "a@C.com", "zz")] == ["o1", "o1", None]


def test_groups_file_is_validated(tmp_path: Path) -> None:
    """A member list that is not strings is refused, naming the group."""
    path = tmp_path / "g.json"
    path.write_text(json.dumps([{"displayName": "Eng", "members": [1]}]), "utf-8")
    with pytest.raises(ValueError, match=r"group #1 \(Eng\): 'members' must be a list of strings"):
        load_groups(path)


def test_groups_file_reads_groups(tmp_path: Path) -> None:
    """Groups keep their name, objectId and members; the key is the objectId."""
    path = tmp_path / "g.json"
    path.write_text(json.dumps([{"displayName": "Eng", "objectId": "g1", "members": ["o1"]}]))
    [group] = load_groups(path)
    assert (group.key, group.display_name, group.members, group.deleted) == (
        "g1",
        "Eng",
        ("o1",),
        False,
    )


def test_changes_file_may_be_a_users_list_or_an_object(tmp_path: Path) -> None:
    """A plain users list has no group changes; the object form carries both."""
    plain = tmp_path / "c1.json"
    plain.write_text(json.dumps([{"userPrincipalName": "a@c.com"}]))
    both = tmp_path / "c2.json"
    both.write_text(json.dumps({"users": [], "groups": [{"displayName": "G", "deleted": True}]}))
    assert [u.label for u in load_changes(plain).users] == ["a@c.com"]
    assert [(g.display_name, g.deleted) for g in load_changes(both).groups] == [("G", True)]
