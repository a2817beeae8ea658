"""Durations as admins type them, bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scimdir.service.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        (" 12h ", timedelta(hours=12)),
        ("366d", timedelta(days=366)),
    ],
)
def test_units(text: str, expected: timedelta) -> None:
    """A number and one of s, m, h, d."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1", "h", "1w", "-1h", "1.5h", "367d", "9999999999d"])
def test_refusals(text: str) -> None:
    """Anything else, or more than 366 days, is a ValueError saying what is accepted."""
    with pytest.raises(ValueError, match="use a"):
        parse_duration(text)
