"""Where a Bity session is kept, and the lock held around each refresh of it.

`BityAuth` saves every token it gets (login, refresh) to its store, loads the
stored one when it has none, and refreshes only while holding the store's lock,
after reading the stored token again: if another client sharing the store has
refreshed meanwhile, it takes that token instead of refreshing. So the clients
of one store, in one process or many, make one refresh per expiry and never
send a rotated refresh token twice.

`MemoryTokenStore` (the default) keeps the session in this process;
`FileTokenStore` in a file, for the processes of one machine; `RedisTokenStore`
in Redis, for processes anywhere (`pip install 'cryptopay-async[redis]'`).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

from ._errors import TokenStoreError
from ._models import Token

__all__ = ["MemoryTokenStore", "StoreView", "TokenStore", "same_token"]

logger = logging.getLogger("bityclient")


@runtime_checkable
class TokenStore(Protocol):
    """Where a client keeps its Bity session: a token, and a lock held around its refresh.

    Every client given the same store (the same file, the same Redis key) shares
    one session. What a store must do:

    - `load()`: the stored token, or None when there is none.
    - `save(token)`: store `token` in place of what was there; once it returns,
      `load()` anywhere returns it. A reader sees the old token or the new one,
      never a mix.
    - `lock()`: a new async context manager, held around a refresh. While one
      holder is inside it, every other holder of the same store's lock waits,
      in this process and in any other. A holder that dies must not keep it
      forever (an OS lock ends with its process; a Redis lock expires).

    A failure (unreachable, timed out, a lock not taken in time, a stored value
    that is not a token) raises `TokenStoreError`, whose message shows no token;
    the client then sends nothing. `repr` shows where the token is kept, never
    the token.
    """

    async def load(self) -> Token | None:
        """The stored token, or None if there is none."""
        ...

    async def save(self, token: Token) -> None:
        """Store `token`, replacing the stored one."""
        ...

    def lock(self) -> AbstractAsyncContextManager[None]:
        """The lock held around a refresh: `async with store.lock(): ...`."""
        ...


class MemoryTokenStore:
    """The default store: the session in this process's memory, as if there were no store.

    Clients of one event loop given the same instance share one session, and
    one refresh at a time among them. Nothing survives the process: pass
    `on_token_update`, or use `FileTokenStore` or `RedisTokenStore`, to keep it.
    """

    def __init__(self, token: Token | None = None) -> None:
        if token is not None and not isinstance(token, Token):
            raise TypeError(f"token must be a Token (see load_token), got {type(token).__name__}")
        self._token = token
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        held = "empty" if self._token is None else "holding a token"
        return f"<MemoryTokenStore {held}>"

    async def load(self) -> Token | None:
        """The token saved last, or None."""
        return self._token

    async def save(self, token: Token) -> None:
        """Keep `token` in place of the one saved before."""
        self._token = token

    def lock(self) -> AbstractAsyncContextManager[None]:
        """An `asyncio.Lock`, the same for every call: one refresh at a time in this loop."""
        return self._lock


def same_token(a: Token | None, b: Token | None) -> bool:
    """Whether `a` and `b` are the same session token (same access and refresh tokens).

    The expiry is left out: it may come back from a store rounded or re-zoned.
    """
    if a is None or b is None:
        return a is b
    return a.access_token == b.access_token and a.refresh_token == b.refresh_token


#: What `StoreView` has seen before it has read or written the store.
_UNKNOWN = Token(access_token="unknown")  # noqa: S106 (a marker, never sent)


class StoreView:
    """One client's side of a token store: what it last saw there, and how to catch up.

    `seen` is what the store held when this client last read or wrote it. It
    tells a token another client wrote (adopt it) from a token this client
    failed to overwrite (save its own again).
    """

    def __init__(self, store: TokenStore) -> None:
        self.store = store
        self.seen: Token | None = _UNKNOWN

    async def load(self) -> Token | None:
        """The stored token, or None; TokenStoreError if the store fails or returns no Token."""
        stored = await self.store.load()
        if stored is not None and not isinstance(stored, Token):
            raise TokenStoreError(
                f"the token store {type(self.store).__name__} loaded a "
                f"{type(stored).__name__}, not a Token"
            )
        self.seen = stored
        return stored

    async def save(self, token: Token) -> TokenStoreError | None:
        """Save `token`; the store's error if it failed (logged, returned, not raised)."""
        try:
            await self.store.save(token)
        except TokenStoreError as exc:
            logger.warning("the token store did not save the new token: %s", exc.message)
            return exc
        self.seen = token
        return None

    async def newer(self, current: Token) -> Token | None:
        """Under the store's lock: the stored token if another client wrote it, else None.

        None when the store holds `current` or nothing. When it still holds what
        it held when this client last looked, `current` is newer (its save had
        failed): it is saved again, and None returned.
        """
        seen = self.seen
        stored = await self.load()
        if stored is None or same_token(stored, current):
            return None
        if seen is not _UNKNOWN and same_token(stored, seen):
            await self.store.save(current)
            self.seen = current
            logger.info("saved to the token store again the token it lacked")
            return None
        logger.info("took the token another client stored, instead of refreshing")
        return stored
