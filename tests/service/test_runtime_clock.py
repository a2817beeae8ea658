"""utc_at_ns: the system clock read as an integer now, turned into utc_now's datetime later."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from scimdir.service.runtime import utc_at_ns, utc_now


def test_an_integer_reading_becomes_the_millisecond_utc_now_would_give() -> None:
    """Floored to the millisecond, UTC, like utc_now (which floors datetime.now(UTC))."""
    assert utc_at_ns(1_764_581_415_123_999_999) == datetime(2025, 12, 1, 9, 30, 15, 123000, UTC)
    assert utc_at_ns(999_999) == datetime(1970, 1, 1, tzinfo=UTC)
    before = utc_now()
    read = utc_at_ns(time.time_ns())
    after = utc_now()
    assert before <= read <= after
    assert read.tzinfo is UTC and read.microsecond % 1000 == 0
