"""Entra-shaped membership PATCH bodies (bench/membership.py)."""

from __future__ import annotations

import urllib.parse

from bench.membership import check_path, members_patch, p99, remove_one


def test_remove_uses_entras_value_array_form_by_default() -> None:
    """The default removal is Entra's value-array form (docs/idp/entra.md §5.6)."""
    op = remove_one("u1", filtered=False)["Operations"][0]
    assert op == {"op": "Remove", "path": "members", "value": [{"value": "u1"}]}


def test_filtered_remove_uses_a_value_filter_path() -> None:
    """The filtered removal names the member in the path and carries no value."""
    op = remove_one("u1", filtered=True)["Operations"][0]
    assert op == {"op": "Remove", "path": 'members[value eq "u1"]'}


def test_add_batches_every_id_in_one_operation() -> None:
    """An add carries all ids as one value array."""
    body = members_patch("Add", ["a", "b"])
    assert body["Operations"] == [
        {"op": "Add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}
    ]


def test_check_path_is_entras_membership_filter() -> None:
    """The membership check excludes members and filters on id and members[value eq]."""
    query = urllib.parse.parse_qs(check_path("g", "u").split("?", 1)[1])
    assert query == {
        "excludedAttributes": ["members"],
        "filter": ['id eq "g" and members[value eq "u"]'],
    }


def test_p99_is_the_nearest_rank() -> None:
    """p99 of 1..100 is 99 (nearest rank), and of nothing is 0."""
    assert (p99([float(i) for i in range(1, 101)]), p99([])) == (99.0, 0.0)
