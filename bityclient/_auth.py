"""Bity's OAuth2 session as an `httpx.Auth`: bearer token, refresh by itself, one at a time.

The flow, per authenticated request:

1. No token: the token store's is loaded; none there (or only the one whose
   refresh was refused): LoginRequiredError (or SessionExpiredError), before
   anything is sent.
2. The token expires within the leeway (by the injected clock) and has a refresh
   token: refresh first. The leeway is `refresh_leeway` seconds, capped at half
   the token's lifetime, so a short-lived token (30 s, with the default 60 s
   leeway) is not refreshed on every request. A token's lifetime is counted from
   when this object got it: for a token from `login()` or a refresh, its
   `expires_in` less the time the answer took; for a token passed in or loaded
   (a stored session), what it had left then. (`Token` holds no issue time, so
   this is the only lifetime known for a stored token, and it errs early.)
3. Send with `Authorization: Bearer <access token>`.
4. A 401: refresh once, send once more. A second 401 is raised as
   AuthenticationError; a 401 with no refresh token as SessionExpiredError.

Refreshes are single-flight: check, take the lock, re-check, and start the
refresh, or join the one in flight. The refresh runs in an `asyncio.Task` that
this object owns; every caller that needs it awaits that one task through
`asyncio.shield`, so many requests finding the token expired at once cause
exactly one refresh request, and they all get its token or its error. Tasks that
waited on the lock after a refresh ended find the token already replaced and use
it (or, if that refresh failed, raise its error) without sending another.

Across processes, the token store (`TokenStore`; `MemoryTokenStore` by default)
does the same: the refresh task takes the store's lock, reads the stored token
again, and if another client of the store has replaced the token this one was
about to refresh, adopts that token (refreshing it only if it is due too, or if
the refresh was asked for by name). Otherwise it posts the refresh grant and
saves the new token before releasing the lock. So every client of one store
makes one refresh per expiry, and a rotated refresh token is sent once. A store
that fails (TokenStoreError) stops the refresh before anything is sent: without
the lock and the stored token, a refresh could spend a refresh token another
process has already spent. Every token this object takes (login, refresh,
adopted or loaded from the store) goes to `on_token_update`.

Cancelling a caller (`asyncio.wait_for`, a web framework dropping a request whose
client went away) does not cancel the refresh: the server may already have
rotated the refresh token, and only its answer holds the new one. The refresh
runs to its end, saves and installs the token and reports it, whoever is still
waiting. `aclose()` (called by `BityClient.aclose()`) waits for a refresh in
flight rather than cancelling it, for the same reason; a refresh error is always
retrieved, so one that nobody waits for any more is dropped without a warning.

The refresh request goes straight through the client's `common.Transport`
(`TokenEndpoint`), without waiting for a place under its in-flight cap (the
requests holding those places may be waiting for this token), as a
non-idempotent POST, so its failures are the SDK's errors and it is retried only
when it provably never left (a connect error). A refresh token may be rotated by
the server even if its answer is lost (a timeout, a broken connection, a 5xx, a
2xx whose body does not decode as a token), so such an error has
`outcome_unknown` set and says so; the SDK keeps the old token, tries it again
on the next request, and if the server then refuses it (`invalid_grant`) raises
SessionExpiredError: log in again. A refused refresh (400 or 401) ends the
session: the token is dropped, and every later request raises SessionExpiredError
without sending, until a login (here, or by another client of the store) succeeds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator

import attrs
import httpx

from common import (
    APIStatusError,
    AuthenticationError,
    DecodeError,
    SDKError,
    TimeoutTypes,
    error_from_response,
)
from common._validation import MAX_SECONDS, seconds, timeout_value

from ._errors import LoginRequiredError, SessionExpiredError, TokenStoreError
from ._grants import (
    LOGIN_HINT,
    REFRESH_HINT,
    Clock,
    TokenRequester,
    password_grant,
    refresh_grant,
    utcnow,
)
from ._models import Token
from ._token_store import MemoryTokenStore, StoreView, TokenStore, same_token

__all__ = ["BityAuth", "TokenUpdateCallback"]

#: Called with every token the client takes (login, refresh, adopted from the token store).
TokenUpdateCallback = Callable[[Token], Awaitable[None]]

logger = logging.getLogger("bityclient")

_UNSAVED = (
    "The token was renewed and this client uses it, but the token store did not save "
    "it: other clients of the store still hold the old one, whose refresh token the "
    "server may have revoked. This client saves it again at its next refresh."
)


def _ended(sentence: str) -> str:
    return sentence if sentence.endswith((".", "!", "?")) else f"{sentence}."


class BityAuth(httpx.Auth):
    """Puts Bity's bearer token on requests and keeps it fresh (see the module docstring).

    It does not send requests itself: `request_token` (a `TokenEndpoint`, bound
    to the client's Transport) does. It keeps the session in `token_store`
    (a private `MemoryTokenStore` by default). Async only.
    """

    def __init__(
        self,
        *,
        client_id: str,
        request_token: TokenRequester,
        token: Token | None = None,
        token_store: TokenStore | None = None,
        on_token_update: TokenUpdateCallback | None = None,
        refresh_leeway: float = 60.0,
        clock: Clock = utcnow,
    ) -> None:
        seconds("refresh_leeway", refresh_leeway, maximum=MAX_SECONDS, allow_zero=True)
        self._client_id = client_id
        self._request_token = request_token
        self._token = token
        self._store = StoreView(token_store if token_store is not None else MemoryTokenStore())
        self._on_token_update = on_token_update
        self._leeway = refresh_leeway
        self._clock = clock
        self._lock = asyncio.Lock()
        self._ended: SessionExpiredError | None = None
        self._refused: Token | None = None  # the token whose refresh was refused
        self._finished = 0  # refresh requests ended, to tell waiters whether theirs failed
        self._failure: SDKError | None = None  # how the last refresh failed, if it did
        self._loads = 0  # loads from the store begun, to tell waiters whether theirs failed
        self._load_failure: TokenStoreError | None = None
        self._refresh_task: asyncio.Task[Token] | None = None  # the refresh in flight
        self._token_leeway = self._leeway_for(token)  # the leeway for self._token

    def __repr__(self) -> str:
        return f"<BityAuth client_id={self._client_id!r} token={self._token!r}>"

    @property
    def token(self) -> Token | None:
        """The token in use, or None before login or loading it (or after the session ended)."""
        return self._token

    @property
    def token_store(self) -> TokenStore:
        """Where the session is kept (a private `MemoryTokenStore` unless one was given)."""
        return self._store.store

    async def login(
        self, *, username: str, password: str, timeout: TimeoutTypes | None = None
    ) -> Token:
        """Password grant; the token is saved to the store, kept, and passed to `on_token_update`.

        A refusal (400 or 401, e.g. `invalid_grant`) raises AuthenticationError.
        If the store cannot save it, the token is used all the same and
        TokenStoreError is raised.
        """
        form = password_grant(client_id=self._client_id, username=username, password=password)
        try:
            token = await self._request_token(form, hint=LOGIN_HINT, timeout=timeout)
        except APIStatusError as exc:
            if exc.status_code in (400, 401) and not isinstance(exc, AuthenticationError):
                raise AuthenticationError(exc.message, **exc.status_fields()) from exc
            raise
        unsaved = await self._store.save(token)
        async with self._lock:
            await self._install(token)
        if unsaved is not None:
            raise TokenStoreError(
                f"{_ended(unsaved.message)} The new session is used by this client only."
            )
        return token

    async def refresh(
        self, *, stale: Token | None = None, timeout: TimeoutTypes | None = None
    ) -> Token:
        """Refresh grant, single flight; returns the new token.

        If a refresh is already in flight, this call waits for it and shares its
        token or its error instead of sending another. `stale` is the token the
        caller found wanting. If another task replaced it while this one waited
        for the lock, that replacement is returned; if the refresh it waited for
        failed, that same error is raised. Either way no second request is sent.
        Without `stale`, the current token is refreshed (the stored one, if
        another client of the store has replaced it).

        Cancelling this call does not cancel the refresh (see the module
        docstring): it goes on, and its token is saved, installed and reported.
        """
        if timeout is not None:
            timeout_value("timeout", timeout)  # here, not in the refresh others may share
        finished_seen = self._finished
        if self._token is None:
            await self._load_stored()
        async with self._lock:
            task = self._refresh_task
            if task is None or task.done():
                current = self._current()
                if stale is not None and current is not stale:
                    return current
                if stale is not None and self._finished != finished_seen and self._failure:
                    raise self._failure  # a refresh ended while this call waited: share its error
                if not current.refresh_token:
                    raise LoginRequiredError(
                        "The token has no refresh token, so it cannot be renewed: log in again."
                    )
                task = self._start_refresh(current, stale is None, timeout)
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        """Wait for a refresh in flight to end, so its token is saved, installed and reported.

        It is not cancelled: the server may already have rotated the refresh token.
        Its error, if it fails, is not raised here (it reaches the calls that wait
        for it). If this call is cancelled while waiting, the refresh is cancelled.
        """
        task = self._refresh_task
        if task is None or task.done():
            return
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            task.cancel()
            raise

    def _start_refresh(
        self, current: Token, forced: bool, timeout: TimeoutTypes | None
    ) -> asyncio.Task[Token]:
        self._failure = None
        task = asyncio.get_running_loop().create_task(self._run_refresh(current, forced, timeout))
        self._refresh_task = task  # the strong reference that keeps it running
        task.add_done_callback(self._refresh_done)
        return task

    def _refresh_done(self, task: asyncio.Task[Token]) -> None:
        if self._refresh_task is task:
            self._refresh_task = None
        if not task.cancelled():
            # Retrieved here, so a refresh whose callers were all cancelled does not
            # log "Task exception was never retrieved"; waiters get it from shield().
            task.exception()

    async def _run_refresh(
        self, current: Token, forced: bool, timeout: TimeoutTypes | None
    ) -> Token:
        try:
            async with self._store.store.lock():
                token = current
                newer = await self._store.newer(current)
                if newer is not None:
                    async with self._lock:
                        await self._install(newer)
                    if not forced and not self._due(newer):
                        return newer  # another client of the store refreshed already
                    token = newer
                return await self._refresh_with(token, timeout)
        except SessionExpiredError:
            raise
        except SDKError as exc:
            self._failure = exc
            raise
        finally:
            self._finished += 1

    async def _refresh_with(self, current: Token, timeout: TimeoutTypes | None) -> Token:
        """Post the refresh grant for `current`, save the new token, install it."""
        refresh_token = current.refresh_token
        if not refresh_token:
            raise LoginRequiredError(
                "The token has no refresh token, so it cannot be renewed: log in again."
            )
        form = refresh_grant(client_id=self._client_id, refresh_token=refresh_token)
        try:
            token = await self._request_token(form, hint=REFRESH_HINT, timeout=timeout)
        except APIStatusError as exc:
            if exc.status_code not in (400, 401):
                raise
            ended = SessionExpiredError.from_status_error(exc, "The refresh token was refused")
            if self._token is current:  # not if a login replaced it meanwhile
                self._token = None
                self._ended = ended
                self._refused = current
            raise ended from exc
        except DecodeError as exc:
            # A 2xx we cannot read may still have rotated the refresh token.
            raise (exc if exc.outcome_unknown else exc.as_outcome_unknown(REFRESH_HINT)) from None
        if token.refresh_token is None:  # not rotated: the old one stays valid
            token = attrs.evolve(token, refresh_token=refresh_token)
        unsaved = await self._store.save(token)
        async with self._lock:
            await self._install(token)
        if unsaved is not None:
            raise TokenStoreError(f"{_ended(unsaved.message)} {_UNSAVED}")
        return token

    async def _load_stored(self) -> Token:
        """The stored token, installed, for an object that has none; single flight.

        LoginRequiredError if the store holds none, SessionExpiredError if it
        holds only the token whose refresh was refused; the error of a load that
        failed while this call waited for it.
        """
        loads_seen = self._loads
        async with self._lock:
            if self._token is not None:
                return self._token
            if self._loads != loads_seen and self._load_failure is not None:
                raise self._load_failure
            self._loads += 1
            try:
                stored = await self._store.load()
            except TokenStoreError as exc:
                self._load_failure = exc
                raise
            self._load_failure = None
            if stored is None or same_token(stored, self._refused):
                return self._current()  # raises: there is no token to use
            await self._install(stored)
            return stored

    def _current(self) -> Token:
        if self._token is not None:
            return self._token
        if self._ended is not None:
            raise self._ended.again()
        raise LoginRequiredError()

    def _due(self, token: Token) -> bool:
        """Whether `token` (the one in use) needs refreshing before it is sent."""
        return bool(token.refresh_token) and token.is_expired(self._token_leeway, now=self._clock())

    def _leeway_for(self, token: Token | None) -> float:
        # refresh_leeway, capped at half the lifetime left when the token was got.
        if token is None or token.expires_at is None:
            return self._leeway
        lifetime = (token.expires_at - self._clock()).total_seconds()
        return max(0.0, min(self._leeway, lifetime / 2))

    async def _install(self, token: Token) -> None:
        self._token = token
        self._token_leeway = self._leeway_for(token)
        self._ended = None
        self._refused = None
        if self._on_token_update is not None:
            await self._on_token_update(token)

    async def _token_for_request(self) -> Token:
        token = self._token
        if token is None:
            token = await self._load_stored()
        if self._due(token):
            return await self.refresh(stale=token)
        return token

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("BityAuth refreshes tokens asynchronously: use httpx.AsyncClient")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._token_for_request()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code != 401:
            return
        await response.aread()  # frees the connection before waiting on the refresh
        if not token.refresh_token and self._token is token:
            raise SessionExpiredError.from_status_error(
                error_from_response(response),
                "The access token was refused and there is no refresh token to renew it",
            )
        # Another client of the store may have refreshed, and the server revoked ours:
        # the refresh takes the stored token if it differs, and refreshes only if not.
        token = await self.refresh(stale=token)
        # A new request, so the one already sent stays as it was (logs, event hooks).
        await request.aread()
        retry = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.content,
            extensions=request.extensions,
        )
        retry.headers["Authorization"] = f"Bearer {token.access_token}"
        yield retry  # a second 401 is returned as is: the Transport raises it
