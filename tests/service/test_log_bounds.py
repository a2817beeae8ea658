"""Every field of a log entry is storable and bounded before insert."""

from __future__ import annotations

from datetime import UTC, datetime

from scimdir.service.log_bounds import LIMITS, bound, bound_record
from scimdir.service.ports import LogRecord

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def test_long_values_are_cut_to_their_limit() -> None:
    """A 65+ character resource id and a 1 MB path fit their columns."""
    record = LogRecord("d", "GET", "/" + "p" * 1_000_000, 200, NOW, 1.0, resource_id="r" * 65)
    out = bound_record(record)
    assert len(out.resource_id or "") == LIMITS["resource_id"]
    assert len(out.path) == LIMITS["path"]
    assert out.path.endswith("…")


def test_nul_and_lone_surrogates_become_storable() -> None:
    """NUL and an unpaired surrogate (PostgreSQL refuses both) are replaced."""
    assert bound("a\x00b", 10) == "a\\0b"
    assert bound("x\ud800y", 10) == "x\ufffdy"
    assert bound("x\ud800y", 10).encode("utf-8") == "x\ufffdy".encode()


def test_quirk_lists_are_bounded() -> None:
    """At most 32 quirk names of at most 64 characters are kept."""
    record = LogRecord("d", "GET", "/", 200, NOW, 1.0, quirks=tuple("q" * 100 for _ in range(50)))
    out = bound_record(record)
    assert len(out.quirks) == 32 and all(len(q) == 64 for q in out.quirks)
