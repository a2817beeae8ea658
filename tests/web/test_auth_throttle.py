"""The failed-authentication throttle: a token bucket per (address, tenant) that only failures
drain (unit rules; the HTTP behaviour is in test_auth_pipeline.py)."""

from __future__ import annotations

from scimdir.web.auth_throttle import FailureThrottle

KEY = ("203.0.113.7", "tenant")


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_beyond_the_burst_are_throttled_until_a_token_refills() -> None:
    """BURST failures pass as 401s, the next is throttled for one refill period, and after
    that period one more failure passes."""
    clock = Clock()
    throttle = FailureThrottle(burst=3, refill_seconds=6.0, clock=clock)
    assert [throttle.failed(KEY, "bad") for _ in range(3)] == [None, None, None]
    assert throttle.failed(KEY, "bad") == 6
    assert throttle.refuse_before_checking(KEY, "bad") == 6
    assert throttle.refuse_before_checking(KEY, "never-tried") is None
    assert throttle.refuse_before_checking(("198.51.100.1", "tenant"), "bad") is None
    clock.now += 6.0
    assert throttle.refuse_before_checking(KEY, "bad") is None
    assert throttle.failed(KEY, "bad") is None
    assert throttle.failed(KEY, "bad") == 6


def test_the_number_of_keys_is_bounded() -> None:
    """A client cycling through tenants cannot grow the map beyond max_keys."""
    throttle = FailureThrottle(burst=1, max_keys=100)
    for n in range(1000):
        throttle.failed(("203.0.113.7", f"tenant-{n}"), "bad")
    assert len(throttle._buckets) == 100
