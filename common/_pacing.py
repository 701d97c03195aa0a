"""Waiting for a turn under a rate limit: in order, before signing, and held by a 429.

A limiter hands out turns one at a time. A task that cannot have one at once
joins a queue (in order of arrival; `first` ones, a token refresh, go ahead of
the rest) and only the task at its head asks the limit, and sleeps until the
limit says a turn will be free: the others wait behind it without polling. A
request takes its turn before it is signed, so a signature with a deadline is
made only when the request is free to go.

A 429 with `Retry-After` pauses the limiter: no turn is handed out before the
pause ends. A task that would have to wait for a pause beyond its timeout is
told at once (`TurnTimeout.paused_for`), not when its timeout runs out. The
request that got the 429 waits it out itself (as the retry policy says) and is
then let through by its `PauseTicket`, unless the pause was made longer since.

`LocalRateLimiter` keeps the window in memory (exact, one process). The Redis
limiter (`_redis_rate_limit.py`) shares the window and the pause across
processes; both stand on `RateLimiter` here.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import math
import sys
import time
from collections.abc import Awaitable, Callable

import attrs

from ._rate_limit import RateLimit, rate_limit_value
from ._validation import MAX_SECONDS

__all__ = [
    "MAX_PAUSE",
    "LocalRateLimiter",
    "PauseOnly",
    "PauseTicket",
    "RateLimiter",
    "TurnTimeout",
]

#: The longest pause a `Retry-After` can impose: a day.
MAX_PAUSE = MAX_SECONDS


@attrs.frozen
class PauseTicket:
    """A pause that one request waits out by itself: after it, that pause does not hold it.

    `until` is the pause's end on the limiter's clock; `token` names a pause
    shared through Redis (None for a pause of this process only).
    """

    until: float
    token: str | None = None


if sys.version_info >= (3, 11):
    _Timeout = TimeoutError  # asyncio.TimeoutError is the same class
else:

    class _Timeout(asyncio.TimeoutError, TimeoutError):
        """Caught as either on Python 3.10, where they are two classes."""


class TurnTimeout(_Timeout):
    """No turn under the limit within the time allowed; nothing was sent.

    `paused_for` is set when a pause after a 429 stood in the way: the seconds
    it had left. `ticket` then lets the request through that pause once it has
    waited it out.
    """

    def __init__(
        self, message: str, *, paused_for: float | None = None, ticket: PauseTicket | None = None
    ) -> None:
        super().__init__(message)
        self.paused_for = paused_for
        self.ticket = ticket


@attrs.define(eq=False)
class _Waiter:
    future: asyncio.Future[None]
    first: bool
    deadline: float | None  # on the limiter's clock


class RateLimiter(abc.ABC):
    """Paces requests: a turn each, in order, within a `RateLimit`; held while paused by a 429.

    The kinds are `LocalRateLimiter` (this process) and `RedisRateLimiter`
    (every process that shares its Redis key). Give one to a client as
    `rate_limit=`; several clients of one account in one process may share one.
    A limiter belongs to one event loop.
    """

    def __init__(
        self,
        limit: RateLimit | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._held = False  # a task holds the turn: it is asking the limit, or sleeping on it
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self._paused_until = -math.inf  # on self._clock
        self._pause_token: str | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._limit}, {self.waiting} waiting>"

    @property
    def limit(self) -> RateLimit | None:
        """The limit enforced (None: none, only the pauses after a 429)."""
        return self._limit

    @property
    def waiting(self) -> int:
        """How many tasks are waiting for a turn (the one at the head included)."""
        return len(self._waiters) + self._held

    async def acquire(self, timeout: float | None = None, *, first: bool = False) -> None:
        """Wait for a turn and take it: in order of arrival (`first`: ahead of those waiting).

        Raises TimeoutError if no turn comes within `timeout` seconds; at once
        when none can (a pause after a 429 that ends later).
        """
        if not self._grant_now(first=first):
            await self._wait_turn(timeout, first=first)

    async def pause(self, seconds: float) -> None:
        """Hand out no turn for `seconds` (at most a day): what a 429's `Retry-After` asks."""
        await self._pause(seconds)

    # -- what the transport uses ------------------------------------------------------

    def _grant_now(self, *, first: bool = False, waited: PauseTicket | None = None) -> bool:
        """Take a turn without waiting, when one is free and nobody waits (else False)."""
        return False

    async def _wait_turn(
        self, timeout: float | None, *, first: bool = False, waited: PauseTicket | None = None
    ) -> PauseTicket | None:
        """Wait in the queue, then ask the limit until it grants a turn (see `acquire`).

        Returns the last pause waited out (or `waited`): it holds this request no more.
        """
        clock = self._clock
        deadline = None if timeout is None else clock() + timeout
        if self._held or self._waiters:
            self._refuse_if_paused_past(deadline, waited)
            await self._queue(timeout, deadline, first)
        else:
            self._held = True
        try:
            while True:
                outcome = await self._attempt(waited, deadline)
                if outcome is None:
                    return waited
                wait, paused = outcome
                if deadline is not None and clock() + wait > deadline:
                    raise self._timeout(wait if paused else None, clock())
                pause = PauseTicket(self._paused_until, self._pause_token) if paused else None
                if wait > 0:
                    await self._sleep(wait)
                if pause is not None:  # slept out: that pause holds this request no more
                    waited = pause
        finally:
            self._pass_turn()

    async def _pause(self, seconds: float, timeout: float | None = None) -> PauseTicket:
        """Pause every turn for `seconds`; the ticket lets the caller through it afterwards.

        `timeout` bounds the time spent telling the other processes, if any.
        """
        return self._pause_here(seconds)

    # -- what a kind provides ---------------------------------------------------------

    @abc.abstractmethod
    async def _attempt(
        self, waited: PauseTicket | None, deadline: float | None
    ) -> tuple[float, bool] | None:
        """Take a turn now (None), or say how long to wait before asking again, and whether
        for a pause. `deadline` (on the limiter's clock) bounds any call to a store."""

    # -- the pause in this process ----------------------------------------------------

    def _pause_left(self, now: float, waited: PauseTicket | None) -> float:
        """Seconds the pause this process knows of still holds a request (0: none)."""
        left = self._paused_until - now
        if left <= 0 or (waited is not None and self._waited_out(waited)):
            return 0.0
        return left

    def _waited_out(self, waited: PauseTicket) -> bool:
        """Whether the pause in force is the one `waited` stands for (or a shorter one)."""
        if waited.token is not None and waited.token == self._pause_token:
            return True
        return waited.until >= self._paused_until

    def _pause_here(self, seconds: float, token: str | None = None) -> PauseTicket:
        seconds = min(max(seconds, 0.0), MAX_PAUSE)
        now = self._clock()
        until = now + seconds
        if until > self._paused_until:
            self._paused_until, self._pause_token = until, token
            for waiter in list(self._waiters):  # those who cannot wait that long: told now
                if waiter.deadline is not None and waiter.deadline < until:
                    self._expire(waiter, now)
        return PauseTicket(until, token)

    def _refuse_if_paused_past(self, deadline: float | None, waited: PauseTicket | None) -> None:
        if deadline is None:
            return
        now = self._clock()
        left = self._pause_left(now, waited)
        if left and now + left > deadline:
            raise self._timeout(left, now)

    def _timeout(self, paused_for: float | None, now: float) -> TurnTimeout:
        if paused_for is not None:
            return TurnTimeout(
                f"requests are paused for {paused_for:.2f} s more after a 429",
                paused_for=paused_for,
                ticket=PauseTicket(now + paused_for, self._pause_token),
            )
        return TurnTimeout(f"no turn under the rate limit ({self._limit}) in time")

    # -- the queue --------------------------------------------------------------------

    async def _queue(self, timeout: float | None, deadline: float | None, first: bool) -> None:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop.create_future(), first, deadline)
        if first:  # behind the other first ones, ahead of the rest
            index = next((i for i, w in enumerate(self._waiters) if not w.first), None)
            self._waiters.insert(len(self._waiters) if index is None else index, waiter)
        else:
            self._waiters.append(waiter)
        # A timer, not asyncio.wait_for: on Python 3.10 and 3.11 wait_for swallows a
        # cancellation that arrives as the turn is handed over (see common._limiter).
        timer = (
            loop.call_later(timeout, self._expire, waiter, None) if timeout is not None else None
        )
        try:
            await waiter.future
        except BaseException:
            future = waiter.future
            if future.done() and not future.cancelled() and future.exception() is None:
                self._pass_turn()  # the turn was handed over just as we gave up
            else:
                future.cancel()
                with contextlib.suppress(ValueError):  # already taken off
                    self._waiters.remove(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: _Waiter, now: float | None) -> None:
        if waiter.future.done():
            return
        now = self._clock() if now is None else now
        left = self._pause_left(now, None)
        waiter.future.set_exception(self._timeout(left or None, now))
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    def _pass_turn(self) -> None:
        """Hand the turn to the next waiter still waiting, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.future.done():
                waiter.future.set_result(None)  # the turn stays held: it is theirs now
                return
        self._held = False


class LocalRateLimiter(RateLimiter):
    """A rate limit kept in this process's memory: exact, and no store to reach.

    It remembers the time of each of the last `limit.amount` turns and lets a
    request go when the oldest of them is `limit.per` seconds old, so no window
    of `per` seconds ever holds more than `amount`. `clock` (monotonic seconds)
    and `sleep` are for tests.
    """

    def __init__(
        self,
        limit: RateLimit | str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        value = rate_limit_value(limit)
        super().__init__(value, clock=clock, sleep=sleep)
        self._amount, self._per = value.amount, float(value.per)
        self._turns: collections.deque[float] = collections.deque(maxlen=value.amount)

    def _grant_now(self, *, first: bool = False, waited: PauseTicket | None = None) -> bool:
        return not self._held and not self._waiters and self._try(waited) is None

    async def _attempt(
        self, waited: PauseTicket | None, deadline: float | None
    ) -> tuple[float, bool] | None:
        return self._try(waited)

    def _try(self, waited: PauseTicket | None) -> tuple[float, bool] | None:
        now = self._clock()
        paused = self._pause_left(now, waited)
        if paused:
            return paused, True
        turns = self._turns
        if len(turns) == self._amount:
            free_at = turns[0] + self._per
            if free_at > now:
                return free_at - now, False
        turns.append(now)  # the oldest falls out of the window (maxlen)
        return None


class PauseOnly(RateLimiter):
    """No limit: only the pauses a 429 asks for (what a client without `rate_limit` has)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(None, clock=clock, sleep=sleep)

    def __repr__(self) -> str:
        return f"<PauseOnly, {self.waiting} waiting>"

    def _grant_now(self, *, first: bool = False, waited: PauseTicket | None = None) -> bool:
        if self._held or self._waiters:
            return False
        return self._paused_until == -math.inf or not self._pause_left(self._clock(), waited)

    async def _attempt(
        self, waited: PauseTicket | None, deadline: float | None
    ) -> tuple[float, bool] | None:
        paused = self._pause_left(self._clock(), waited)
        return (paused, True) if paused else None
