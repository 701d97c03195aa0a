"""The in-flight cap: fixed, or adapting to latency; fair, and safe to cancel."""

from __future__ import annotations

import asyncio

import pytest

from common._limiter import BASELINE_PERIOD, INITIAL_ADAPTIVE_LIMIT, ConcurrencyLimit, Permit


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_fixed_cap_lets_that_many_through_and_queues_the_rest_in_order() -> None:
    limit = ConcurrencyLimit(2)
    first, second = await limit.acquire(), await limit.acquire()
    order: list[int] = []

    async def wait(number: int) -> None:
        permit = await limit.acquire()
        order.append(number)
        limit.release(permit, answered=True)

    waiting = [asyncio.create_task(wait(n)) for n in range(5)]
    await asyncio.sleep(0)
    assert order == []
    assert limit.in_flight == 2
    limit.release(first, answered=True)
    limit.release(second, answered=True)
    await asyncio.gather(*waiting)
    assert order == [0, 1, 2, 3, 4]
    assert limit.in_flight == 0
    assert limit.limit == 2  # a fixed cap never moves


async def test_a_wait_that_times_out_leaves_no_place_taken() -> None:
    limit = ConcurrencyLimit(1)
    permit = await limit.acquire()
    with pytest.raises(asyncio.TimeoutError):
        await limit.acquire(timeout=0)
    limit.release(permit, answered=True)
    assert limit.in_flight == 0
    again = await limit.acquire(timeout=0)
    assert limit.in_flight == 1
    limit.release(again, answered=True)


async def test_a_cancelled_wait_leaves_no_place_taken() -> None:
    limit = ConcurrencyLimit(1)
    permit = await limit.acquire()
    waiter = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    limit.release(permit, answered=True)
    assert limit.in_flight == 0


@pytest.mark.parametrize("timeout", [None, 30.0])
async def test_a_place_handed_over_as_its_waiter_is_cancelled_is_given_back(
    timeout: float | None,
) -> None:
    """The cancellation wins, with or without a timeout (asyncio.wait_for on 3.10/3.11 lost it)."""
    limit = ConcurrencyLimit(1)
    permit = await limit.acquire()
    waiter = asyncio.create_task(limit.acquire(timeout))
    await asyncio.sleep(0)
    limit.release(permit, answered=True)  # hands the place to the waiter...
    waiter.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limit.in_flight == 0


def adaptive(clock: FakeClock, *, max_limit: int = 100) -> ConcurrencyLimit:
    return ConcurrencyLimit(max_limit, latency_target=0.3, clock=clock)


async def fill(limit: ConcurrencyLimit) -> list[Permit]:
    return [await limit.acquire() for _ in range(limit.limit)]


async def test_an_adaptive_cap_starts_low_and_doubles_while_answers_are_fast() -> None:
    clock = FakeClock()
    limit = adaptive(clock)
    assert limit.limit == INITIAL_ADAPTIVE_LIMIT
    for expected in (16, 32, 64, 100):
        permits = await fill(limit)
        clock.now += 0.01
        for permit in permits:
            limit.release(permit, answered=True)
        assert limit.limit == expected


async def test_answers_that_wait_cut_the_cap_to_what_would_have_met_the_target() -> None:
    clock = FakeClock()
    limit = ConcurrencyLimit(100, latency_target=0.3, initial_limit=40, clock=clock)
    quick = await limit.acquire()
    clock.now += 0.01  # the quickest answer: 10 ms
    limit.release(quick, answered=True)
    permits = await fill(limit)
    clock.now += 0.41  # every answer now waits 0.4 s beyond it: the target is 0.3
    for permit in permits:
        limit.release(permit, answered=True)
    assert limit.limit == 30  # once for the round, not once an answer: 40 * 0.3 / 0.4


async def test_a_far_server_is_not_throttled_for_its_distance() -> None:
    """Every answer takes 0.35 s (more than the target) but none waits: the cap grows."""
    clock = FakeClock()
    limit = ConcurrencyLimit(100, latency_target=0.3, clock=clock)
    for _ in range(10):
        permits = await fill(limit)
        clock.now += 0.35
        for permit in permits:
            limit.release(permit, answered=True)
    assert limit.limit == 100


async def test_the_baseline_follows_a_route_that_got_longer() -> None:
    """The quickest answer stands for a period or two; then a slower route is the norm."""
    clock = FakeClock()
    limit = ConcurrencyLimit(100, latency_target=0.3, initial_limit=20, clock=clock)
    permit = await limit.acquire()
    clock.now += 0.01
    limit.release(permit, answered=True)
    clock.now += 2 * BASELINE_PERIOD  # the quick answer has aged out
    for _ in range(3):
        permits = await fill(limit)
        clock.now += 0.5  # the route now takes 0.5 s
        for permit in permits:
            limit.release(permit, answered=True)
    assert limit.limit == 100  # no cut: it went on doubling


async def test_a_drop_halves_the_cap_and_growth_is_then_additive() -> None:
    clock = FakeClock()
    limit = ConcurrencyLimit(100, latency_target=0.3, initial_limit=40, clock=clock)
    permits = await fill(limit)
    clock.now += 0.01
    limit.release(permits[0], answered=True, dropped=True)
    assert limit.limit == 20
    for permit in permits[1:]:
        limit.release(permit, answered=True)  # granted before the cut: they do not count
    assert limit.limit == 20
    permits = await fill(limit)
    clock.now += 0.01
    for permit in permits:
        limit.release(permit, answered=True)
    assert limit.limit == 20  # about one more a round now: 20 + 20 * (1/20...) < 21
    permits = await fill(limit)
    clock.now += 0.01
    for permit in permits:
        limit.release(permit, answered=True)
    assert limit.limit == 21


async def test_the_cap_stays_between_its_bounds() -> None:
    clock = FakeClock()
    limit = ConcurrencyLimit(10, latency_target=0.3, min_limit=2, clock=clock)
    for _ in range(10):
        permit = await limit.acquire()
        clock.now += 1.0
        limit.release(permit, answered=True, dropped=True)
    assert limit.limit == 2
    for _ in range(200):
        permits = await fill(limit)
        clock.now += 0.001
        for permit in permits:
            limit.release(permit, answered=True)
    assert limit.limit == 10


async def test_waiters_are_let_in_as_the_cap_grows() -> None:
    clock = FakeClock()
    limit = ConcurrencyLimit(100, latency_target=0.3, initial_limit=2, clock=clock)
    first, second = await limit.acquire(), await limit.acquire()
    waiting = [asyncio.create_task(limit.acquire()) for _ in range(3)]
    await asyncio.sleep(0)
    clock.now += 0.01
    limit.release(first, answered=True)  # the cap grows to 3: two of the three get in
    await asyncio.sleep(0)
    assert limit.limit == 3
    assert sum(task.done() for task in waiting) == 2
    limit.release(second, answered=True)
    await asyncio.sleep(0)
    assert all(task.done() for task in waiting)
    for task in waiting:
        limit.release(task.result(), answered=False)
    assert limit.in_flight == 0


async def test_failures_without_an_answer_do_not_grow_the_cap() -> None:
    clock = FakeClock()
    limit = adaptive(clock)
    permits = await fill(limit)
    for permit in permits:
        limit.release(permit, answered=False)
    assert limit.limit == INITIAL_ADAPTIVE_LIMIT


@pytest.mark.parametrize(
    ("max_limit", "options"),
    [
        (0, {}),
        (5, {"min_limit": 6}),
        (5, {"latency_target": 0.0}),
        (5, {"latency_target": float("nan")}),
    ],
)
def test_nonsense_settings_are_refused(max_limit: int, options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"limit|latency_target"):
        ConcurrencyLimit(max_limit, **options)
