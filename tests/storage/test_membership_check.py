"""Entra's membership check is answered by one prepared statement (``membership_check.py``):
the shapes it recognises, the ones it leaves to the general path, and that it sends nothing
through SQLAlchemy's ``Connection.execute``. That its answers equal the general path's is the
contract suite's (``contract_search.py``, ``GROUP_CASES``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from scimdir.scim.filter import parse_filter
from scimdir.scim.schema import GROUP_TYPE
from scimdir.service.ports import SearchQuery
from scimdir.storage.sql import SqlStorage
from scimdir.storage.sql.membership_check import membership_check
from tests.storage.helpers import create_directory

from .helpers import group, user


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('id eq "g" and members[value eq "u"]', ("g", "u")),
        ('members[value eq "u"] and id eq "g"', ("g", "u")),
        ('id eq "g" and members.value eq "u"', ("g", "u")),
        ('id eq "g" and members[value eq "u"] and displayName pr', None),
        ('id eq "g" or members[value eq "u"]', None),
        ('id eq "g" and members[value ne "u"]', None),
        ('id eq "g" and members[value sw "u"]', None),
        ('displayName eq "g" and members[value eq "u"]', None),
        ('id eq "g"', None),
    ],
)
def test_the_shapes_it_answers(text: str, expected: tuple[str, str] | None) -> None:
    """``id eq`` and one ``members`` value ``eq``, in either order; nothing else."""
    assert membership_check(parse_filter(GROUP_TYPE, text)) == expected


def test_it_runs_no_statement_through_sqlalchemy(sqlite_storage: SqlStorage) -> None:
    """The check of a member and of a non-member: the group, then nothing; neither sends a
    statement through ``Connection.execute`` (the general path compiles one)."""
    directory_id = create_directory(sqlite_storage)
    staff, alice, bob = (
        group(directory_id, "staff"),
        user(directory_id, "a"),
        user(directory_id, "b"),
    )
    with sqlite_storage.transaction() as tx:
        tx.insert_group(staff)
        tx.insert_user(alice)
        tx.insert_user(bob)
        tx.add_members(directory_id, staff.id, [(alice.id, "User")])
    compiled: list[Any] = []
    listener = lambda *args: compiled.append(args)  # noqa: E731
    event.listen(sqlite_storage.engine, "before_execute", listener)
    try:
        found = []
        for member in (alice, bob):
            text = f'id eq "{staff.id}" and members[value eq "{member.id}"]'
            query = SearchQuery(filter=parse_filter(GROUP_TYPE, text))
            with sqlite_storage.transaction(readonly=True) as tx:
                page = tx.search_groups(directory_id, query)
            found.append((page.total, [g.id for g in page.items]))
    finally:
        event.remove(sqlite_storage.engine, "before_execute", listener)
    assert found == [(1, [staff.id]), (0, [])]
    assert compiled == []
