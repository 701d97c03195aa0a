"""A rate limit shared through Redis by every process that uses the same key.

The window is the `limits` library's moving window (`limits.aio`, its Redis
storage on the `redis` client): exact, atomic in Redis (one Lua script a turn),
counted in whole seconds. What `limits` has no notion of is written here: the
pause after a 429, kept under `<key>:pause` with the pause's length as the key's
own expiry (`PX`), so every process reads the same end whatever its clock says;
a longer pause replaces a shorter one, never the reverse.

`redis` and `limits` are imported when a `RedisRateLimiter` is made, never by
importing the SDK: a service without the `[redis]` extra loads neither.

Any failure of Redis (down, refused, too slow, a script error) becomes a
`SharedStoreError` that names the key, the server (host, port, database) and
the kind of failure, never a password nor the Redis error's own text, and is not
chained to it; the request is not sent. A request waiting in this process's
queue does not call Redis: only the one at the head does, so a burst of tasks
costs Redis one call at a time.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ._errors import SharedStoreError, ValidationError
from ._pacing import MAX_PAUSE, PauseTicket, RateLimiter
from ._rate_limit import RateLimit, rate_limit_value
from ._validation import shown

__all__ = ["RedisRateLimiter"]

logger = logging.getLogger("common.rate_limit")

_T = TypeVar("_T")

#: The longest key accepted (the window's and the pause's keys add a few characters).
MAX_KEY_LENGTH = 200
#: The shortest wait before asking again when the window is full (seconds).
_MIN_POLL = 0.001

#: Pause for ARGV[2] ms under token ARGV[1], unless a pause at least as long is in force;
#: the pause in force after it: its token and the ms it has left.
_WRITE_PAUSE = """
local left = redis.call('pttl', KEYS[1])
if left < tonumber(ARGV[2]) then
    redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
    return {ARGV[1], tonumber(ARGV[2])}
end
return {redis.call('get', KEYS[1]), left}
"""
#: The pause in force: its token and the ms it has left (-2: none).
_READ_PAUSE = "return {redis.call('get', KEYS[1]), redis.call('pttl', KEYS[1])}"

_EXTRA = "RedisRateLimiter needs the redis extra: pip install 'cryptopay-async[redis]'"


class RedisRateLimiter(RateLimiter):
    """A `RateLimit` shared by every process whose limiter has the same Redis `key` and limit.

    ```python
    import redis.asyncio
    limiter = RedisRateLimiter(
        redis.asyncio.Redis.from_url("redis://localhost:6379/0"),
        key="bitexgate:rate:myaccount",
        limit="20/second",
    )
    async with BitexGateClient(api_key=..., secret=..., rate_limit=limiter) as gw: ...
    ```

    `redis` is a `redis.asyncio.Redis` client (not a cluster client): yours, to
    close when you are done. The window lives under `<key>:rate/...` and a pause
    after a 429 under `<key>:pause`; processes with another limit on the same
    key count apart (the limit is part of the window's key). Hosts' clocks must
    agree (NTP): the window is timed by each process's wall clock.

    When Redis fails or cannot be reached the request is not sent and
    `SharedStoreError` is raised. Each call to Redis is bounded by the time the
    request may still wait; give the client a `socket_timeout` as well.
    """

    def __init__(
        self,
        redis: Any,
        *,
        key: str,
        limit: RateLimit | str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        value = rate_limit_value(limit)
        key = _key(key)
        super().__init__(value, clock=clock, sleep=sleep)
        try:
            import redis.asyncio as redis_asyncio
            import redis.exceptions as redis_exceptions
            from limits import RateLimitItemPerSecond
            from limits.aio.storage import RedisStorage
            from limits.aio.strategies import MovingWindowRateLimiter
            from limits.errors import ConfigurationError, StorageError
            from redis.exceptions import RedisError
        except ImportError as exc:
            raise ImportError(f"{_EXTRA} ({exc})") from None
        if not isinstance(redis, redis_asyncio.Redis):
            raise TypeError(
                f"redis must be a redis.asyncio.Redis client, got {type(redis).__name__}"
            )
        pool = redis.connection_pool
        options: dict[str, Any] = {"connection_pool": pool}  # limits' Redis on this pool
        try:
            storage = RedisStorage(
                "async+redis://", implementation="redispy", key_prefix=key, **options
            )
        except ConfigurationError as exc:  # a redis too old for limits
            raise ImportError(f"{_EXTRA} ({exc})") from None
        self._key = key
        self._window = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerSecond(value.amount, value.per, namespace="rate")
        self._pause_key = f"{key}:pause"
        self._write_pause = redis.register_script(_WRITE_PAUSE)
        self._read_pause = redis.register_script(_READ_PAUSE)
        self._where = _where(pool.connection_kwargs)
        self._failures: tuple[type[BaseException], ...] = (
            RedisError,
            StorageError,
            OSError,
            asyncio.TimeoutError,
        )
        self._kind = _kinds(redis_exceptions)

    def __repr__(self) -> str:
        return (
            f"<RedisRateLimiter {self._limit} key={self._key!r} at {self._where}, "
            f"{self.waiting} waiting>"
        )

    @property
    def key(self) -> str:
        """The Redis key the limit is shared under (the window and the pause hang off it)."""
        return self._key

    # -- RateLimiter ---------------------------------------------------------------

    async def _attempt(
        self, waited: PauseTicket | None, deadline: float | None
    ) -> tuple[float, bool] | None:
        now = self._clock()
        paused = self._pause_left(now, waited)
        if paused:
            return paused, True
        timeout = None if deadline is None else deadline - now
        if timeout is not None and timeout <= 0:
            return _MIN_POLL, False  # no time left to ask: the caller times out
        token, left_ms = await self._store(self._read_pause(keys=[self._pause_key]), timeout)
        if token is not None and left_ms > 0:
            token = _text(token)
            if waited is None or waited.token != token:
                self._pause_here(left_ms / 1000, token)  # this process's queue sees it too
                return left_ms / 1000, True
        if await self._store(self._window.hit(self._item), timeout):
            return None
        stats = await self._store(self._window.get_window_stats(self._item), timeout)
        if stats.remaining > 0:
            return 0.0, False  # a turn came free since: ask again now
        return max(stats.reset_time - time.time(), _MIN_POLL), False

    async def _pause(self, seconds: float, timeout: float | None = None) -> PauseTicket:
        seconds = min(max(seconds, 0.0), MAX_PAUSE)
        if seconds <= 0:
            return self._pause_here(0.0)
        token = secrets.token_hex(8)
        try:
            written = self._write_pause(
                keys=[self._pause_key], args=[token, math.ceil(seconds * 1000)]
            )
            in_force, left_ms = await self._store(written, timeout)
        except SharedStoreError as exc:
            logger.warning("a pause after a 429 not shared (%s): this process pauses", exc)
            return self._pause_here(seconds)
        if in_force is not None and _text(in_force) == token:
            return self._pause_here(seconds, token)
        if in_force is not None and left_ms > 0:  # a longer one stands: known here now
            self._pause_here(left_ms / 1000, _text(in_force))
        return PauseTicket(self._clock() + seconds)  # what its caller waits out alone

    # -- Redis ----------------------------------------------------------------------

    async def _store(self, call: Awaitable[_T], timeout: float | None) -> _T:
        """Await one call to Redis, within `timeout`; its failure as a SharedStoreError."""
        try:
            return await _within(call, timeout)
        except _NoAnswer:
            raise self._error(f"Redis did not answer within {timeout:.3g}s") from None
        except self._failures as exc:
            raise self._error(self._kind(exc)) from None

    def _error(self, what: str) -> SharedStoreError:
        return SharedStoreError(
            f"the rate limit under Redis key {self._key!r} ({self._where}) is out of reach: "
            f"{what}; the request was not sent"
        )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class _NoAnswer(Exception):
    """Redis did not answer within the time the request could wait."""


async def _within(call: Awaitable[_T], timeout: float | None) -> _T:
    """`await call`, given up after `timeout` seconds (None: no bound).

    A task and `asyncio.wait`, not `asyncio.wait_for`: on Python 3.10 and 3.11
    wait_for can swallow a cancellation that arrives as the call completes, and
    the request would then be sent by a task its caller had cancelled.
    """
    if timeout is None:
        return await call
    if timeout <= 0:
        _close(call)
        raise _NoAnswer
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait((task,), timeout=timeout)
    except BaseException:
        task.cancel()
        task.add_done_callback(_consume)
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_consume)
        raise _NoAnswer
    return task.result()


def _close(call: Awaitable[Any]) -> None:
    close = getattr(call, "close", None)
    if close is not None:
        close()  # a coroutine never awaited: close it, so Python does not warn


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" in the log


def _key(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > MAX_KEY_LENGTH
        or not value.isprintable()
        or any(c.isspace() for c in value)
    ):
        raise ValidationError(
            "key",
            f"must be 1 to {MAX_KEY_LENGTH} printable characters without spaces, "
            f"got {shown(value)}",
        )
    return value


def _kinds(errors: Any) -> Callable[[BaseException], str]:
    """What went wrong, in words that hold nothing of the connection (as the token store's)."""

    def kind(exc: BaseException) -> str:
        if isinstance(exc, errors.AuthenticationError):
            return "Redis refused the credentials"
        if isinstance(exc, (errors.TimeoutError, asyncio.TimeoutError)):
            return "Redis did not answer in time"
        if isinstance(exc, (errors.ConnectionError, OSError)):
            return "Redis cannot be reached"
        if isinstance(exc, errors.ResponseError):
            return "Redis refused the command"
        return f"Redis failed ({type(exc).__name__})"

    return kind


def _where(kwargs: dict[str, Any]) -> str:
    """The server, as an operator reads it: host:port/db or the socket's path; no password."""
    db = kwargs.get("db", 0)
    if kwargs.get("path"):
        return f"unix:{kwargs['path']}/{db}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{db}"
