"""How many requests may be in flight at once: a fixed cap, or one that adapts to latency.

A signature with a deadline (the Gateway's `X-Timeout`) must reach the server
before the deadline passes. Capping the requests on the wire at the pool's size
keeps them from waiting for a connection after they are signed, but not from
waiting in the server's queue: a server that answers a burst more slowly than the
window is short refuses the requests at the back of it. So the cap adapts, as the
concurrency limiters of service meshes do (additive increase, multiplicative
decrease, driven by latency rather than by failures alone):

- it starts low and doubles each round while answers are prompt ("slow start");
- an answer that waited, beyond the quickest answer of the last half minute or
  so (the round trip and the server's own work, which no cap shortens), longer
  than `latency_target`, or a failure that says the server is overloaded or the
  request was late (`dropped`), shrinks it: to the share of the limit that would
  have met the target, and by half for a drop; at most once per round, so one
  slow burst is not counted many times over;
- afterwards, each prompt answer while the cap holds requests back grows it by
  `1 / limit` (about one more request per round), up to `max_limit`.

A far server, whose every answer takes longer than the target, is not throttled
for it: only the wait that more requests in flight add counts.

Requests beyond the cap wait in order of arrival, before they are signed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import time
from collections.abc import Callable

import attrs

__all__ = ["ConcurrencyLimit", "Permit"]

#: Where an adaptive limit starts, before any answer has been measured.
INITIAL_ADAPTIVE_LIMIT = 8
#: The most a single cut takes away (a share of the limit), and a drop's cut.
_SLOWEST_CUT = 0.5
_DROP_CUT = 0.5
#: How long the quickest answer seen stands as the baseline (two periods of it, at most).
BASELINE_PERIOD = 15.0


@attrs.frozen
class Permit:
    """One request's place among those in flight: when it was granted, and at what limit."""

    granted_at: float


class ConcurrencyLimit:
    """Up to `limit` requests in flight; adaptive below `max_limit` when given a latency target.

    Without `latency_target` the limit is `max_limit`, fixed. With it, the limit
    moves between `min_limit` and `max_limit` as described in this module.
    """

    def __init__(
        self,
        max_limit: int,
        *,
        latency_target: float | None = None,
        min_limit: int = 1,
        initial_limit: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 1 <= min_limit <= max_limit:
            raise ValueError(f"need 1 <= min_limit <= max_limit, got {min_limit}, {max_limit}")
        if latency_target is not None and not (
            math.isfinite(latency_target) and latency_target > 0
        ):
            raise ValueError(f"latency_target must be a positive number, got {latency_target!r}")
        self._max = max_limit
        self._min = min_limit
        self._target = latency_target
        if initial_limit is None:
            initial_limit = max_limit if latency_target is None else INITIAL_ADAPTIVE_LIMIT
        self._limit = float(min(max(initial_limit, min_limit), max_limit))
        self._clock = clock
        self._in_flight = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._slow_start = latency_target is not None
        self._last_cut = -math.inf
        self._last_full = -math.inf  # when the cap was last reached
        self._quickest = self._previous_quickest = math.inf
        self._period_started = clock()

    def __repr__(self) -> str:
        kind = f"adaptive, target {self._target:g}s" if self._target else "fixed"
        return (
            f"<ConcurrencyLimit {self.limit} of {self._max} ({kind}), {self._in_flight} in flight>"
        )

    @property
    def limit(self) -> int:
        """How many requests may be in flight now."""
        return max(self._min, int(self._limit + 1e-9))  # 29.999... is 30

    @property
    def in_flight(self) -> int:
        """How many requests hold a permit now."""
        return self._in_flight

    @property
    def adaptive(self) -> bool:
        """Whether the limit follows latency."""
        return self._target is not None

    async def acquire(self, timeout: float | None = None) -> Permit:
        """Wait for a place (in order of arrival, at most `timeout` seconds) and take it.

        Raises `TimeoutError` when no place frees up in time.
        """
        if self._in_flight < self.limit and not self._waiters:
            self._in_flight += 1
            if self._in_flight >= self.limit:
                self._last_full = self._clock()
            return Permit(self._clock())
        self._last_full = self._clock()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        # A timer, not asyncio.wait_for: on Python 3.10 and 3.11 wait_for swallows a
        # cancellation that arrives as the place is handed over, and the request
        # would then be sent by a task its caller had cancelled.
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._in_flight -= 1  # the place was handed over just as we gave up
                self._wake()
            else:
                waiter.cancel()
                self._discard(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        return Permit(self._clock())

    def restart(self, permit: Permit) -> Permit:
        """The same place, timed from now: after a wait for a turn under a rate limit.

        That wait is not the server's latency: the cap must not adapt to it.
        """
        return Permit(self._clock())

    def release(self, permit: Permit, *, answered: bool, dropped: bool = False) -> None:
        """Give the place back, reporting how the request went.

        `answered` says an answer arrived (its latency is timed from the permit);
        `dropped` says the server was overloaded or the request arrived too late
        for it.
        """
        latency = self._clock() - permit.granted_at if answered else None
        self._in_flight -= 1
        # Grow only a cap that held requests back while this one was out.
        self._adapt(permit, latency, dropped=dropped, in_use=self._last_full >= permit.granted_at)
        self._wake()

    def _adapt(self, permit: Permit, latency: float | None, *, dropped: bool, in_use: bool) -> None:
        target = self._target
        if target is None:
            return
        if permit.granted_at < self._last_cut:
            return  # granted before the last cut: what it saw has been acted on
        waited = None if latency is None else latency - self._baseline(latency)
        share = 1.0
        if dropped:
            share = _DROP_CUT
        elif waited is not None and waited > target:
            share = max(target / waited, _SLOWEST_CUT)
        if share < 1.0:  # once a round: later permits were granted before this cut
            self._limit = max(float(self._min), self._limit * share)
            self._last_cut = self._clock()
            self._slow_start = False
            return
        if waited is None or not in_use:
            return
        step = 1.0 if self._slow_start else 1.0 / self._limit
        self._limit = min(float(self._max), self._limit + step)

    def _baseline(self, latency: float) -> float:
        """The quickest answer of the last one or two periods, this one included."""
        now = self._clock()
        elapsed = now - self._period_started
        if elapsed >= BASELINE_PERIOD:
            kept = self._quickest if elapsed < 2 * BASELINE_PERIOD else math.inf
            self._previous_quickest, self._quickest = kept, latency
            self._period_started = now
        else:
            self._quickest = min(self._quickest, latency)
        return min(self._quickest, self._previous_quickest)

    def _wake(self) -> None:
        while self._waiters and self._in_flight < self.limit:
            waiter = self._waiters.popleft()
            if waiter.done():
                continue
            self._in_flight += 1
            waiter.set_result(None)
        if self._waiters or self._in_flight >= self.limit:
            self._last_full = self._clock()  # the cap still holds requests back

    def _discard(self, waiter: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):  # already taken off by _wake
            self._waiters.remove(waiter)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(asyncio.TimeoutError())
