"""The write-indexes benchmark runs end to end on a tiny load (the figures are in the docs)."""

from __future__ import annotations

import pytest

from bench import write_indexes


def test_write_indexes_reports_every_layout_shape_and_operation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A tiny run measures each index layout for each user shape, inserts and updates."""
    medians = write_indexes.main(users=3, rounds=1)
    out = capsys.readouterr().out
    expected = {
        (layout, shape, op)
        for layout in write_indexes.LAYOUTS
        for shape in write_indexes.SHAPES
        for op in ("insert", "update")
    }
    assert (set(medians), "after/before" in out) == (expected, True)
