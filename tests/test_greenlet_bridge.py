"""The greenlet bridge (``scimdir/greenlet_bridge.py``): synchronous code that awaits on the
event loop, interleaving with other tasks, with its result, its exceptions and its context."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from scimdir.greenlet_bridge import blocking, bridged, run_bridged, sleep, wait_for

marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="unset")


def test_a_function_that_never_waits_runs_straight_through() -> None:
    def add(a: int, b: int) -> int:
        assert bridged()
        return a + b

    assert asyncio.run(run_bridged(add, 2, b=3)) == 5
    assert not bridged()


def test_waits_interleave_with_other_tasks_on_the_loop() -> None:
    """Two bridged functions each wait twice: the loop runs the other while one waits, so their
    steps alternate, which a blocking wait would not allow."""
    steps: list[str] = []

    def worker(name: str, gate: asyncio.Event, other: asyncio.Event) -> str:
        steps.append(f"{name} starts")
        other.set()
        wait_for(gate.wait())  # the other worker sets it, from its own greenlet
        steps.append(f"{name} resumes")
        return name

    async def main() -> list[str]:
        a_gate, b_gate = asyncio.Event(), asyncio.Event()
        return list(
            await asyncio.gather(
                run_bridged(worker, "a", a_gate, b_gate),
                run_bridged(worker, "b", b_gate, a_gate),
            )
        )

    assert asyncio.run(main()) == ["a", "b"]
    assert steps[:2] == ["a starts", "b starts"]
    assert sorted(steps[2:]) == ["a resumes", "b resumes"]


def test_an_awaited_exception_is_raised_at_the_wait_and_can_be_handled() -> None:
    async def fails() -> None:
        raise LookupError("from the loop")

    def handles() -> str:
        try:
            wait_for(fails())
        except LookupError as exc:
            return f"handled: {exc}"
        return "not raised"

    assert asyncio.run(run_bridged(handles)) == "handled: from the loop"


def test_an_exception_of_the_function_reaches_the_caller() -> None:
    def fails() -> None:
        wait_for(asyncio.sleep(0))
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        asyncio.run(run_bridged(fails))


def test_the_function_shares_the_tasks_context_both_ways() -> None:
    """A context variable set before the spawn is seen inside; one set inside (before and after
    a wait) is seen by the task afterwards: one Context object, as SQLAlchemy's bridge does."""

    def reads_and_sets() -> str:
        seen = marker.get()
        wait_for(asyncio.sleep(0))
        marker.set("set inside")
        return seen

    async def main() -> tuple[str, str]:
        marker.set("set outside")
        seen = await run_bridged(reads_and_sets)
        return seen, marker.get()

    assert asyncio.run(main()) == ("set outside", "set inside")


def test_cancelling_the_task_raises_cancelled_at_the_wait() -> None:
    reached: list[str] = []

    def waits_forever() -> None:
        try:
            wait_for(asyncio.Event().wait())
        except asyncio.CancelledError:
            reached.append("cancelled at the wait")
            raise

    async def main() -> None:
        task = asyncio.ensure_future(run_bridged(waits_forever))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert reached == ["cancelled at the wait"]


def test_wait_for_outside_a_bridged_greenlet_is_refused() -> None:
    async def nothing() -> None:
        return None

    coroutine = nothing()
    with pytest.raises(RuntimeError, match="run_bridged"):
        wait_for(coroutine)
    coroutine.close()


def test_inside_blocking_the_code_is_not_bridged() -> None:
    def probe() -> tuple[bool, bool, bool]:
        before = bridged()
        with blocking():
            inside = bridged()
        return before, inside, bridged()

    assert asyncio.run(run_bridged(probe)) == (True, False, True)
    with blocking():  # outside a bridged greenlet: nothing to suspend
        assert not bridged()


def test_sleep_lets_the_loop_run_when_bridged() -> None:
    """A bridged sleep (a retry's back-off) awaits on the loop: another task runs meanwhile."""
    order: list[str] = []

    def backs_off() -> None:
        sleep(0.02)
        order.append("slept")

    async def other() -> None:
        order.append("other ran")

    async def main() -> None:
        await asyncio.gather(run_bridged(backs_off), other())

    asyncio.run(main())
    assert order == ["other ran", "slept"]
    sleep(0)  # outside the bridge: time.sleep
