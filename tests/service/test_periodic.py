"""The background threads' shared life (``service/periodic.py``): turns every interval, an
optional first turn at once, a last action on the thread at stop, an idempotent start."""

from __future__ import annotations

import threading

from scimdir.service.periodic import PeriodicThread


def _threads_named(name: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == name]


def test_turns_repeat_until_close_then_the_last_action_runs_on_the_thread() -> None:
    turned = threading.Semaphore(0)
    ended_on: list[str] = []
    periodic = PeriodicThread(
        "periodic-test-turns",
        turned.release,
        at_end=lambda: ended_on.append(threading.current_thread().name),
    )
    periodic.start(0.01)
    periodic.start(0.01)  # idempotent: still one thread
    assert len(_threads_named("periodic-test-turns")) == 1
    assert periodic.running
    for _ in range(3):
        assert turned.acquire(timeout=10)
    periodic.close()
    assert not periodic.running
    assert ended_on == ["periodic-test-turns"]
    assert _threads_named("periodic-test-turns") == []


class _Counted:
    """A turn that counts its calls and signals the first."""

    def __init__(self) -> None:
        self.calls = 0
        self.first = threading.Event()

    def __call__(self) -> None:
        self.calls += 1
        self.first.set()


def test_the_first_turn_runs_at_once_only_when_asked() -> None:
    """With an hour between turns, only ``first_turn_now`` gives a turn before close."""
    now, later = _Counted(), _Counted()
    at_once = PeriodicThread("periodic-test-now", now, first_turn_now=True)
    waiting = PeriodicThread("periodic-test-later", later)
    at_once.start(3600.0)
    waiting.start(3600.0)
    assert now.first.wait(timeout=10)
    at_once.close()
    waiting.close()
    assert (now.calls, later.calls) == (1, 0)
