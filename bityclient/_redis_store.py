"""`RedisTokenStore`: a Bity session in Redis, shared by processes anywhere.

The only module that imports `redis` (the `[redis]` extra). `bityclient` imports
it on first use of the name `RedisTokenStore`, so `import bityclient` never
loads a Redis client.

The token is JSON (`dump_token`) under the caller's key, with no expiry (the
refresh token outlives the access token). The refresh lock is redis-py's
asyncio `Lock` on `<key>:lock`: a random token set with `SET NX PX`, released
by a script that deletes the key only if it still holds that token, so only
its holder releases it. It expires `lock_timeout` seconds after it was taken
or last renewed: while held, the lock is renewed every third of that, so a
refresh slower than `lock_timeout` keeps it, and a holder that dies (or stops
answering) frees it within `lock_timeout`.

Every Redis failure becomes a TokenStoreError that names the key and the kind
of failure, not the Redis error's text, and is not chained to it: connection
details stay out of messages and tracebacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

from common import ValidationError
from common._validation import MAX_SECONDS, seconds

from ._errors import TokenStoreError
from ._models import Token
from ._tokens import token_from_json, token_to_json

try:
    from redis.asyncio import Redis
    from redis.asyncio.lock import Lock
    from redis.exceptions import AuthenticationError as RedisAuthenticationError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import LockError, LockNotOwnedError, RedisError, ResponseError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError as exc:  # pragma: no cover (the [redis] extra is in dev)
    raise ImportError(
        "RedisTokenStore needs the redis client: pip install 'cryptopay-async[redis]'"
    ) from exc

__all__ = ["RedisTokenStore"]

logger = logging.getLogger("bityclient")

#: How often a waiter tries the lock again, in seconds.
_POLL = 0.05
#: What can go wrong on the way to Redis and back, besides its own errors.
_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


def _kind(exc: BaseException) -> str:
    """What went wrong, in words that hold no connection detail."""
    if isinstance(exc, RedisAuthenticationError):
        return "Redis refused the credentials"
    if isinstance(exc, (RedisTimeoutError, asyncio.TimeoutError)):
        return "Redis did not answer in time"
    if isinstance(exc, (RedisConnectionError, OSError)):
        return "Redis cannot be reached"
    if isinstance(exc, ResponseError):
        return "Redis refused the command"
    return "Redis failed"


class RedisTokenStore:
    """A Bity session in Redis under `key`, locked around refreshes with a Redis lock.

    ```python
    import redis.asyncio
    store = RedisTokenStore(redis.asyncio.Redis.from_url(REDIS_URL), key="bity:token:myaccount")
    async with BityClient(client_id=CLIENT_ID, token_store=store) as bity: ...
    ```

    `redis` is a `redis.asyncio.Redis` the caller made and closes (any
    `decode_responses`). `key` names the account, never a secret; the lock is
    `<key>:lock`. The lock frees itself `lock_timeout` seconds after its holder
    dies; a waiter gives up after `blocking_timeout` seconds with
    TokenStoreError (keep it above the time a refresh may take: the client's
    timeout, and its retries of a grant that never left). Every failure is a
    TokenStoreError (see the module docstring). `repr` shows the key, never the
    token or the connection.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        key: str,
        lock_timeout: float = 10.0,
        blocking_timeout: float = 60.0,
    ) -> None:
        if not isinstance(redis, Redis):
            raise TypeError(
                f"redis must be a redis.asyncio.Redis, got {type(redis).__module__}."
                f"{type(redis).__qualname__}"
            )
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("key", "must be a non-empty text naming the account")
        self._redis = redis
        self._key = key
        self._lock_key = f"{key}:lock"
        self._lock_timeout = seconds("lock_timeout", lock_timeout, maximum=MAX_SECONDS)
        self._blocking_timeout = seconds("blocking_timeout", blocking_timeout, maximum=MAX_SECONDS)

    def __repr__(self) -> str:
        return f"<RedisTokenStore key={self._key!r} lock_timeout={self._lock_timeout:g}>"

    @property
    def key(self) -> str:
        """The key the token is stored under."""
        return self._key

    @property
    def lock_key(self) -> str:
        """The key of the refresh lock."""
        return self._lock_key

    async def load(self) -> Token | None:
        """The token under `key`, or None if there is none."""
        try:
            raw = await self._redis.get(self._key)
        except _FAILURES as exc:
            raise self._failed("read the token", exc) from None
        if raw is None:
            return None
        try:
            return token_from_json(raw)
        except ValidationError:
            raise TokenStoreError(
                f"the Redis key {self._key!r} does not hold a stored token"
            ) from None

    async def save(self, token: Token) -> None:
        """Set `key` to `token` (no expiry)."""
        try:
            await self._redis.set(self._key, token_to_json(token))
        except _FAILURES as exc:
            raise self._failed("save the token", exc) from None

    def lock(self) -> AbstractAsyncContextManager[None]:
        """The Redis lock on `lock_key`, held (and renewed) around a refresh."""
        return self._locked()

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self._lock_key,
            timeout=self._lock_timeout,
            sleep=_POLL,
            blocking=True,
            blocking_timeout=self._blocking_timeout,
            thread_local=False,
        )
        try:
            acquired = await lock.acquire()
        except _FAILURES as exc:
            raise self._failed("take the refresh lock", exc) from None
        if not acquired:
            raise TokenStoreError(
                f"waited {self._blocking_timeout:g} s for the refresh lock {self._lock_key!r}: "
                "another process holds it (refreshing the session); it frees itself "
                f"{self._lock_timeout:g} s after its holder stops"
            )
        keeper = asyncio.get_running_loop().create_task(self._keep(lock))
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            await self._release(lock)

    async def _keep(self, lock: Lock) -> None:
        """Renew the lock every third of `lock_timeout` while it is held."""
        while True:
            await asyncio.sleep(self._lock_timeout / 3)
            try:
                await lock.reacquire()
            except LockNotOwnedError:
                logger.warning(
                    "the refresh lock %r expired while held: raise lock_timeout", self._lock_key
                )
                return
            except _FAILURES as exc:
                logger.warning(
                    "could not renew the refresh lock %r (%s); trying again",
                    self._lock_key,
                    _kind(exc),
                )

    async def _release(self, lock: Lock) -> None:
        # The refresh is over, whatever happens here: a failed release is logged, not raised
        # (the lock then frees itself after lock_timeout).
        try:
            await lock.release()
        except LockNotOwnedError:
            logger.warning(
                "the refresh lock %r had expired before it was released: raise lock_timeout",
                self._lock_key,
            )
        except (LockError, *_FAILURES) as exc:
            logger.warning(
                "could not release the refresh lock %r (%s); it frees itself in %g s",
                self._lock_key,
                _kind(exc),
                self._lock_timeout,
            )

    def _failed(self, doing: str, exc: BaseException) -> TokenStoreError:
        return TokenStoreError(
            f"the Redis token store (key {self._key!r}) could not {doing}: {_kind(exc)} "
            f"({type(exc).__name__})"
        )
