"""The stored form of ``UtcDateTime`` on SQLite: a fixed-width ISO 8601 string whose lexical
order is chronological order (the ``meta.created`` filters and the default ordering rely on it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from scimdir.storage.sql.types import _ISO, UtcDateTime, utc_from_storage

_DIALECT = sqlite.dialect()
_BIND = UtcDateTime().bind_processor(_DIALECT)
_aware = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


def _stored(value: datetime) -> str:
    assert _BIND is not None
    stored = _BIND(value)
    assert isinstance(stored, str)
    return stored


@given(_aware)
def test_the_stored_form_is_the_documented_format(value: datetime) -> None:
    assert _stored(value) == value.strftime(_ISO)
    assert len(_stored(value)) == 32


@given(_aware, _aware)
def test_lexical_order_is_chronological_order(a: datetime, b: datetime) -> None:
    assert (_stored(a) < _stored(b)) == (a < b)


@given(_aware, st.integers(min_value=-12 * 60, max_value=14 * 60))
def test_a_value_in_another_zone_is_stored_as_its_utc_instant(
    value: datetime, minutes: int
) -> None:
    elsewhere = value.astimezone(timezone(timedelta(minutes=minutes)))
    assert _stored(elsewhere) == _stored(value)
    assert utc_from_storage(_stored(elsewhere)) == value
