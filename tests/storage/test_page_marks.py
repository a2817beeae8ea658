"""Page marks: the closest earlier boundary at the same generation, bounded memory."""

from __future__ import annotations

from scimdir.storage.sql.page_marks import Mark, PageMarks

from .helpers import T0

KEY = ("d", "users", False)


def mark(generation: int, position: int) -> Mark:
    """A mark whose id names its position."""
    return Mark(generation, position, T0, f"id-{position}")


def test_finds_the_closest_earlier_mark() -> None:
    """find returns the mark with the largest position before startIndex."""
    marks = PageMarks()
    for position in (100, 200, 300):
        marks.remember(KEY, mark(1, position))
    assert marks.find(KEY, 1, 251) == mark(1, 200)


def test_a_mark_at_start_index_is_not_before_it() -> None:
    """A mark at position p serves startIndex p + 1 onwards, never p."""
    marks = PageMarks()
    marks.remember(KEY, mark(1, 100))
    assert (marks.find(KEY, 1, 100), marks.find(KEY, 1, 101)) == (None, mark(1, 100))


def test_other_generation_is_ignored_and_dropped() -> None:
    """A mark of another generation never serves, and is forgotten once seen stale."""
    marks = PageMarks()
    marks.remember(KEY, mark(1, 100))
    stale = marks.find(KEY, 2, 101)
    assert (stale, marks.find(KEY, 1, 101)) == (None, None)


def test_lists_are_separate() -> None:
    """Marks of one directory or order never serve another."""
    marks = PageMarks()
    marks.remember(KEY, mark(1, 100))
    assert (
        marks.find(("d", "users", True), 1, 101),
        marks.find(("e", "users", False), 1, 101),
    ) == (
        None,
        None,
    )


def test_marks_per_list_are_bounded() -> None:
    """Only the newest per_list marks of a list are kept."""
    marks = PageMarks(per_list=2)
    for position in (100, 200, 300):
        marks.remember(KEY, mark(1, position))
    assert (marks.find(KEY, 1, 101), marks.find(KEY, 1, 201)) == (None, mark(1, 200))


def test_lists_are_bounded_least_recently_used_first() -> None:
    """Beyond max_lists, the least recently used list is forgotten."""
    marks = PageMarks(max_lists=2)
    for directory in ("a", "b"):
        marks.remember((directory, "users", False), mark(1, 100))
    marks.find(("a", "users", False), 1, 101)
    marks.remember(("c", "users", False), mark(1, 100))
    assert (
        marks.find(("a", "users", False), 1, 101),
        marks.find(("b", "users", False), 1, 101),
    ) == (mark(1, 100), None)
