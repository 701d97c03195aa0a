"""The local rate limiter: exact pacing, turns in order, clean cancellation, pauses.

Time is a `ManualTime`: its clock moves only when the test advances it, and a
sleeper wakes only then, so every check is on the order and the moments the
limiter chose, never on how long the machine took.
"""

from __future__ import annotations

import asyncio

import pytest

from common import LocalRateLimiter, RateLimit, RateLimiter
from common._pacing import PauseOnly, PauseTicket, TurnTimeout
from tests.manual_time import ManualTime, settle


def local(limit: str, time: ManualTime) -> LocalRateLimiter:
    return LocalRateLimiter(limit, clock=time.clock, sleep=time.sleep)


class Recorder:
    """Tasks that take a turn each and note when (on the manual clock) they got it."""

    def __init__(self, limiter: RateLimiter, time: ManualTime) -> None:
        self.limiter = limiter
        self.time = time
        self.granted: list[tuple[str, float]] = []

    def start(self, name: str, **kwargs: object) -> asyncio.Task[None]:
        async def take() -> None:
            await self.limiter.acquire(**kwargs)  # type: ignore[arg-type]
            self.granted.append((name, self.time.now))

        return asyncio.create_task(take())

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.granted]


# --- pacing ---------------------------------------------------------------------------------


async def test_a_burst_goes_at_once_then_one_turn_as_each_leaves_the_window() -> None:
    time = ManualTime()
    limiter = local("3/second", time)
    turns = Recorder(limiter, time)
    tasks = [turns.start(str(n)) for n in range(7)]
    await settle()
    assert turns.granted == [("0", 1000.0), ("1", 1000.0), ("2", 1000.0)]
    assert limiter.waiting == 4
    await time.advance(0.5)
    assert len(turns.granted) == 3  # the window still holds three
    await time.advance(0.5)
    assert turns.granted[3:] == [("3", 1001.0), ("4", 1001.0), ("5", 1001.0)]
    await time.advance(1.0)
    assert turns.granted[6:] == [("6", 1002.0)]
    await asyncio.gather(*tasks)
    assert limiter.waiting == 0
    # Only the task at the head slept, once for each window it waited on.
    assert time.sleeps == [1.0, 1.0]


async def test_no_window_of_the_period_holds_more_than_the_amount() -> None:
    time = ManualTime()
    limiter = local("5 per 2 seconds", time)
    turns = Recorder(limiter, time)
    tasks = []
    for step in range(40):  # tasks arriving 0.25 s apart, four times faster than allowed
        tasks.append(turns.start(str(step)))
        await settle()
        await time.advance(0.25)
    for _ in range(100):
        await time.advance(0.25)
    await asyncio.gather(*tasks)
    moments = [at for _, at in turns.granted]
    assert turns.names == [str(n) for n in range(40)]  # in order of arrival
    for at in moments:
        assert sum(at <= other < at + 2 for other in moments) <= 5
    assert moments[-1] == pytest.approx(1015.0)  # 40 turns at 5 per 2 s, the first at once


async def test_a_turn_in_an_idle_window_is_granted_without_waiting() -> None:
    time = ManualTime()
    limiter = local("2/second", time)
    for _ in range(2):
        await limiter.acquire()
    await time.advance(1.0)
    await limiter.acquire()  # no sleep, no queue: the window emptied
    assert time.sleeps == []


# --- order ---------------------------------------------------------------------------------


async def test_turns_go_in_order_of_arrival_and_first_ones_ahead_of_the_rest() -> None:
    time = ManualTime()
    limiter = local("1/second", time)
    turns = Recorder(limiter, time)
    tasks = [turns.start("a"), turns.start("b"), turns.start("c")]
    await settle()
    tasks += [turns.start("refresh", first=True), turns.start("d")]
    tasks.append(turns.start("refresh 2", first=True))
    await settle()
    for _ in range(6):
        await time.advance(1.0)
    await asyncio.gather(*tasks)
    # "b" held the turn (sleeping on the window) when the first ones came: it keeps it.
    assert turns.names == ["a", "b", "refresh", "refresh 2", "c", "d"]


async def test_a_newcomer_does_not_overtake_those_waiting_when_a_turn_frees() -> None:
    time = ManualTime()
    limiter = local("1/second", time)
    turns = Recorder(limiter, time)
    tasks = [turns.start("a"), turns.start("b")]
    await settle()
    time.now += 1.0  # the window is free again, but "b" has not woken yet
    assert not limiter._grant_now()  # a newcomer queues behind "b"
    tasks.append(turns.start("c"))
    await time.advance(0)
    await time.advance(1.0)
    await asyncio.gather(*tasks)
    assert turns.names == ["a", "b", "c"]


# --- cancellation and timeouts ---------------------------------------------------------------


async def test_a_task_cancelled_in_the_queue_takes_no_turn_and_leaves_its_place() -> None:
    time = ManualTime()
    limiter = local("1/second", time)
    turns = Recorder(limiter, time)
    a, b, c, d = (turns.start(name) for name in "abcd")
    await settle()
    c.cancel()  # waiting behind "b", which sleeps at the head
    await settle()
    assert c.cancelled()
    await time.advance(1.0)
    await time.advance(1.0)
    await asyncio.gather(a, b, d)
    assert turns.granted == [("a", 1000.0), ("b", 1001.0), ("d", 1002.0)]
    assert limiter.waiting == 0


async def test_the_head_cancelled_while_it_sleeps_hands_its_turn_on_unused() -> None:
    time = ManualTime()
    limiter = local("1/second", time)
    turns = Recorder(limiter, time)
    a, b, c = (turns.start(name) for name in "abc")
    await settle()
    b.cancel()  # "b" holds the turn, asleep until the window frees
    await settle()
    await time.advance(1.0)
    await asyncio.gather(a, c)
    assert turns.granted == [("a", 1000.0), ("c", 1001.0)]  # b's slot went to c


async def test_a_cancellation_as_the_turn_is_handed_over_passes_it_on() -> None:
    time = ManualTime()
    limiter = local("1/second", time)
    turns = Recorder(limiter, time)
    a, b, c = (turns.start(name) for name in "abc")
    await settle()
    await time.advance(1.0, run=False)
    await asyncio.sleep(0)  # "b" wakes, takes its turn and hands the queue's to "c"...
    assert turns.names == ["a", "b"]
    c.cancel()  # ...which is cancelled before it runs
    await settle()
    assert c.cancelled()
    assert limiter.waiting == 0  # the turn was not kept by a cancelled task
    time.now += 1.0
    await limiter.acquire(timeout=5)  # at once: c took no turn of the window
    assert time.sleeps == [1.0]
    await asyncio.gather(a, b)


async def test_a_turn_that_would_come_after_the_timeout_fails_at_once() -> None:
    time = ManualTime()
    limiter = local("1 per 10 seconds", time)
    await limiter.acquire()
    with pytest.raises(TimeoutError) as caught:  # known now: the next turn is 10 s away
        await limiter.acquire(timeout=5)
    assert isinstance(caught.value, TurnTimeout)
    assert caught.value.paused_for is None
    assert time.sleeps == []
    assert limiter.waiting == 0
    time.now += 10
    await limiter.acquire(timeout=0.1)  # the failed one took no turn


async def test_a_task_queued_too_long_times_out_and_leaves_the_queue() -> None:
    limiter = LocalRateLimiter("1 per 60 seconds")  # real time: the queue's timer fires
    await limiter.acquire()
    head = asyncio.create_task(limiter.acquire())  # sleeps at the head for a minute
    await settle()
    with pytest.raises(TimeoutError):
        await limiter.acquire(timeout=0.01)
    assert limiter.waiting == 1
    head.cancel()
    await settle()
    assert limiter.waiting == 0


# --- pauses ----------------------------------------------------------------------------------


async def test_a_pause_holds_every_turn_until_it_ends() -> None:
    time = ManualTime()
    limiter = local("100/second", time)
    turns = Recorder(limiter, time)
    await limiter.pause(3)
    tasks = [turns.start(str(n)) for n in range(5)]
    await settle()
    await time.advance(2.9)
    assert turns.granted == []
    await time.advance(0.1)
    await asyncio.gather(*tasks)
    assert turns.granted == [(str(n), 1003.0) for n in range(5)]
    assert time.sleeps == [3.0]  # the head slept it out once; the rest waited behind


async def test_a_pause_longer_than_a_task_can_wait_fails_it_at_once_saying_how_long() -> None:
    time = ManualTime()
    limiter = local("100/second", time)
    await limiter.pause(30)
    with pytest.raises(TurnTimeout) as caught:
        await limiter.acquire(timeout=10)
    assert caught.value.paused_for == pytest.approx(30)
    assert caught.value.ticket == PauseTicket(1030.0)
    assert time.sleeps == []


async def test_tasks_queued_when_a_long_pause_begins_are_told_at_once() -> None:
    time = ManualTime()
    limiter = local("1/second", time)
    await limiter.acquire()
    head = asyncio.create_task(limiter.acquire())
    patient = asyncio.create_task(limiter.acquire(timeout=100))
    hasty = asyncio.create_task(limiter.acquire(timeout=5))
    await settle()
    await limiter.pause(20)
    await settle()
    assert isinstance(hasty.exception(), TurnTimeout)
    assert not patient.done()
    await time.advance(1.0)  # the head wakes into the pause and sleeps it out
    await time.advance(19.0)
    await head
    await time.advance(1.0)  # the window allows one a second
    await patient
    assert time.sleeps == [1.0, 19.0, 1.0]


async def test_a_pause_is_never_shortened_and_a_ticket_lets_its_holder_through() -> None:
    time = ManualTime()
    limiter = local("100/second", time)
    mine = await limiter._pause(5)
    await limiter._pause(2)  # shorter: changes nothing
    assert limiter._pause_left(time.now, None) == pytest.approx(5)
    # The request that got the 429 slept its 5 s itself: it is let through at once.
    assert limiter._grant_now(waited=mine)
    # A longer pause since then holds it too.
    await limiter._pause(8)
    assert not limiter._grant_now(waited=mine)
    assert limiter._pause_left(time.now, mine) == pytest.approx(8)


async def test_pause_only_has_no_limit_but_holds_turns_during_a_pause() -> None:
    time = ManualTime()
    limiter = PauseOnly(clock=time.clock, sleep=time.sleep)
    assert limiter.limit is None
    for _ in range(1000):
        assert limiter._grant_now()
    await limiter.pause(1)
    waiting = asyncio.create_task(limiter.acquire())
    await settle()
    assert not waiting.done()
    await time.advance(1)
    await waiting


def test_a_limiter_takes_a_limit_or_its_text() -> None:
    assert LocalRateLimiter("20/second").limit == RateLimit(20)
    assert LocalRateLimiter(RateLimit(5, per=60)).limit == RateLimit(5, per=60)
    assert "20 per second" in repr(LocalRateLimiter("20/second"))
