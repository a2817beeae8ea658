"""``meta.created`` / ``meta.lastModified`` rendering: RFC 7643 §2.3.5 dateTime in UTC with
milliseconds and a ``Z``, whatever zone the stored value carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from scimdir.service.render import iso

_moments = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30))


@given(_moments)
def test_a_utc_moment_is_written_with_milliseconds_and_z(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    expected = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    assert iso(aware) == expected
    assert iso(moment) == expected  # a naive value is read as UTC


@given(_moments, st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_another_zone_is_written_as_its_utc_instant(moment: datetime, minutes: int) -> None:
    aware = moment.replace(tzinfo=UTC)
    elsewhere = aware.astimezone(timezone(timedelta(minutes=minutes)))
    assert iso(elsewhere) == iso(aware)


def test_the_rfc_example_shape() -> None:
    assert iso(datetime(2026, 12, 1, 9, 5, 7, 123456, tzinfo=UTC)) == "2026-12-01T09:05:07.123Z"
