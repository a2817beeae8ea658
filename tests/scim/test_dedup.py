"""De-duplication of multi-valued values is linear: it hashes, it does not compare pairwise."""

from __future__ import annotations

from typing import Any

from scimdir.scim.schema import USER_TYPE
from scimdir.scim.values import unique_values

from .helpers import patch


class Counted(str):
    """A string that counts how often it is compared for equality."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        Counted.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def _emails(prefix: str, n: int) -> list[dict[str, Any]]:
    return [{"value": Counted(f"{prefix}{i}@example.test"), "type": "other"} for i in range(n)]


def test_unique_values_keeps_first_occurrences_in_order() -> None:
    """Repeats (equal JSON, whatever the key order) are dropped, the first one kept."""
    items = [{"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, {"a": 2}, "x", "x"]
    assert unique_values(items) == [{"a": 1, "b": [1, 2]}, {"a": 2}, "x"]
    assert unique_values([{"a": 2}, {"a": 3}], already=[{"a": 2}]) == [{"a": 3}]


def test_unique_values_does_not_compare_every_pair() -> None:
    """5,000 distinct values cost about 5,000 equality checks at most, not 12.5 million."""
    values = [Counted(f"v{i}") for i in range(5_000)]
    Counted.comparisons = 0
    assert len(unique_values(values)) == 5_000
    assert Counted.comparisons < 5_000


def test_patch_add_of_new_and_repeated_values_is_linear() -> None:
    """Adding 500 new and 500 already-held e-mails to a user holding 500 is one pass over hashes
    (pairwise, it would be hundreds of thousands of comparisons)."""
    held = _emails("old", 500)
    Counted.comparisons = 0
    result = patch(
        USER_TYPE,
        {"userName": "u", "emails": held},
        {"op": "add", "path": "emails", "value": _emails("new", 500) + _emails("old", 500)},
    )
    assert len(result.document["emails"]) == 1_000
    assert Counted.comparisons < 5_000
