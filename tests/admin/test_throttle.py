"""The sign-in throttle's rules, on a pinned clock."""

from __future__ import annotations

from scimdir.admin.throttle import FIRST_DELAY, FREE_FAILURES, MAX_DELAY, SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_free_failures_then_a_delay_that_doubles_up_to_the_cap() -> None:
    """Failures beyond the free ones block for 30 s, 60 s, ... never more than the cap."""
    clock = Clock()
    throttle = SignInThrottle(clock)
    for _ in range(FREE_FAILURES - 1):
        throttle.failed("a@example.com", "10.0.0.1")
    assert throttle.wait_seconds("a@example.com", "10.0.0.1") == 0
    throttle.failed("a@example.com", "10.0.0.1")
    assert throttle.wait_seconds("A@example.com ", "10.0.0.1") == FIRST_DELAY
    throttle.failed("a@example.com", "10.0.0.1")
    assert throttle.wait_seconds("a@example.com", "10.0.0.1") == 2 * FIRST_DELAY
    for _ in range(20):
        throttle.failed("a@example.com", "10.0.0.1")
    assert throttle.wait_seconds("a@example.com", "10.0.0.1") == MAX_DELAY
    clock.now += MAX_DELAY
    assert throttle.wait_seconds("a@example.com", "10.0.0.1") == 0


def test_keys_are_per_email_and_address_and_success_clears() -> None:
    """Another address or e-mail is not blocked; a success forgets the failures."""
    throttle = SignInThrottle(Clock())
    for _ in range(FREE_FAILURES):
        throttle.failed("a@example.com", "10.0.0.1")
    assert throttle.wait_seconds("a@example.com", "10.0.0.1") > 0
    assert throttle.wait_seconds("a@example.com", "10.0.0.2") == 0
    assert throttle.wait_seconds("b@example.com", "10.0.0.1") == 0
    throttle.succeeded("a@example.com", "10.0.0.1")
    assert throttle.wait_seconds("a@example.com", "10.0.0.1") == 0
