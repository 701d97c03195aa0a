"""Bity's OAuth2 session as an `httpx.Auth`: bearer token, refresh by itself, one at a time.

The flow, per authenticated request:

1. No token at all: LoginRequiredError, before anything is sent.
2. The token expires within the leeway (by the injected clock) and has a refresh
   token: refresh first. The leeway is `refresh_leeway` seconds, capped at half
   the token's lifetime, so a short-lived token (30 s, with the default 60 s
   leeway) is not refreshed on every request. A token's lifetime is counted from
   when this object got it: for a token from `login()` or a refresh, its
   `expires_in` less the time the answer took; for a token passed in (a stored
   session), what it had left then. (`Token` holds no issue time, so this is
   the only lifetime known for a stored token, and it errs on the early side.)
3. Send with `Authorization: Bearer <access token>`.
4. A 401: refresh once, send once more. A second 401 is raised as
   AuthenticationError; a 401 with no refresh token as SessionExpiredError.

Refreshes are single-flight: check, take the lock, re-check, and start the
refresh, or join the one in flight. The refresh (post the grant, install the new
token, call `on_token_update`) runs in an `asyncio.Task` that this object owns;
every caller that needs it awaits that one task through `asyncio.shield`, so many
requests finding the token expired at once cause exactly one refresh request,
and they all get its token or its error. Tasks that waited on the lock after a
refresh ended find the token already replaced and use it (or, if that refresh
failed, raise its error) without sending another.

Cancelling a caller (`asyncio.wait_for`, a web framework dropping a request whose
client went away) does not cancel the refresh: the server may already have
rotated the refresh token, and only its answer holds the new one. The refresh
runs to its end, installs the token and reports it, whoever is still waiting.
`aclose()` (called by `BityClient.aclose()`) waits for a refresh in flight rather
than cancelling it, for the same reason; a refresh error is always retrieved, so
one that nobody waits for any more is dropped without a warning.

The refresh request goes straight through the client's `common.Transport`
(`TokenEndpoint`), without waiting for a place under its in-flight cap (the
requests holding those places may be waiting for this token), as a
non-idempotent POST, so its failures are the SDK's errors and it is retried only
when it provably never left (a connect error). A refresh token may be rotated by
the server even if its answer is lost (a timeout, a broken connection, a 5xx, a
2xx whose body does not decode as a token), so such an error has
`outcome_unknown` set and says so; the SDK keeps the old token, tries it again
on the next request, and if the server then refuses it (`invalid_grant`) raises
SessionExpiredError: log in again. A refused refresh
(400 or 401) ends the session: the token is dropped, and every later request
raises SessionExpiredError without sending, until `login()` succeeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from datetime import datetime, timezone
from typing import Protocol

import attrs
import httpx

from common import (
    APIStatusError,
    AuthenticationError,
    DecodeError,
    SDKError,
    TimeoutTypes,
    Transport,
    error_from_response,
)
from common._validation import MAX_SECONDS, seconds, timeout_value

from ._decode import decode_grant
from ._errors import LoginRequiredError, SessionExpiredError
from ._models import Token

__all__ = [
    "LOGIN_HINT",
    "REFRESH_HINT",
    "TOKEN_PATH",
    "BityAuth",
    "Clock",
    "TokenEndpoint",
    "TokenRequester",
    "TokenUpdateCallback",
    "password_grant",
    "refresh_grant",
    "utcnow",
]

#: Called with every new token (login and each refresh), to persist the session.
TokenUpdateCallback = Callable[[Token], Awaitable[None]]
#: Returns the current time, timezone-aware; injected in tests.
Clock = Callable[[], datetime]

REFRESH_HINT = (
    "The server may have rotated the refresh token even though its answer was lost. "
    "The SDK keeps the old token and tries it on the next request; if that refresh "
    "fails with invalid_grant (SessionExpiredError), log in again."
)
LOGIN_HINT = "Logging in again is safe: a token that was issued but never received expires."


class TokenRequester(Protocol):
    """Posts a grant to `/o/token/` and returns the token it answers with."""

    def __call__(
        self, form: Mapping[str, str], *, hint: str, timeout: TimeoutTypes | None
    ) -> Awaitable[Token]: ...


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def password_grant(*, client_id: str, username: str, password: str) -> dict[str, str]:
    """The form of a password grant, in the reference's order."""
    return {
        "grant_type": "password",
        "username": username,
        "password": password,
        "client_id": client_id,
    }


def refresh_grant(*, client_id: str, refresh_token: str) -> dict[str, str]:
    """The form of a refresh grant."""
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
    }


#: The OAuth token endpoint, under the base URL (not under /api/v1/).
TOKEN_PATH = "/o/token/"  # noqa: S105 (a path, not a secret)


class TokenEndpoint:
    """The one way `BityAuth` sends a grant: straight through the client's `Transport`.

    A grant is sent without waiting for a place under the transport's in-flight
    cap, because the requests that hold those places may be the ones waiting for
    this very token. It is bound to the transport once that exists (the
    transport needs the auth, the auth needs this).
    """

    def __init__(self, *, clock: Clock = utcnow) -> None:
        self._clock = clock
        self._transport: Transport | None = None

    def bind(self, transport: Transport) -> None:
        """Send grants through `transport` from now on."""
        self._transport = transport

    async def __call__(
        self, form: Mapping[str, str], *, hint: str, timeout: TimeoutTypes | None
    ) -> Token:
        transport = self._transport
        if transport is None:
            raise RuntimeError("TokenEndpoint.bind(transport) was not called")
        sent_at = self._clock()  # expiry counts from before sending: errs on the early side
        response = await transport.request(
            "POST",
            TOKEN_PATH,
            form=form,
            timeout=timeout,
            authenticated=False,
            idempotent=False,
            capped=False,
            hint=hint,
        )
        # A 2xx: the server has probably issued the token (and, for a refresh, rotated
        # the refresh token), so an answer that does not decode leaves the outcome unknown.
        return decode_grant(response, issued_at=sent_at, outcome_unknown=True, hint=hint)


class BityAuth(httpx.Auth):
    """Puts Bity's bearer token on requests and keeps it fresh (see the module docstring).

    It does not send requests itself: `request_token` (a `TokenEndpoint`, bound
    to the client's Transport) does. Async only.
    """

    def __init__(
        self,
        *,
        client_id: str,
        request_token: TokenRequester,
        token: Token | None = None,
        on_token_update: TokenUpdateCallback | None = None,
        refresh_leeway: float = 60.0,
        clock: Clock = utcnow,
    ) -> None:
        seconds("refresh_leeway", refresh_leeway, maximum=MAX_SECONDS, allow_zero=True)
        self._client_id = client_id
        self._request_token = request_token
        self._token = token
        self._on_token_update = on_token_update
        self._leeway = refresh_leeway
        self._clock = clock
        self._lock = asyncio.Lock()
        self._ended: SessionExpiredError | None = None
        self._finished = 0  # refresh requests ended, to tell waiters whether theirs failed
        self._failure: SDKError | None = None  # how the last refresh failed, if it did
        self._refresh_task: asyncio.Task[Token] | None = None  # the refresh in flight
        self._token_leeway = self._leeway_for(token)  # the leeway for self._token

    def __repr__(self) -> str:
        return f"<BityAuth client_id={self._client_id!r} token={self._token!r}>"

    @property
    def token(self) -> Token | None:
        """The token in use, or None before login (or after the session ended)."""
        return self._token

    async def login(
        self, *, username: str, password: str, timeout: TimeoutTypes | None = None
    ) -> Token:
        """Password grant; the token is kept and passed to `on_token_update`.

        A refusal (400 or 401, e.g. `invalid_grant`) raises AuthenticationError.
        """
        form = password_grant(client_id=self._client_id, username=username, password=password)
        try:
            token = await self._request_token(form, hint=LOGIN_HINT, timeout=timeout)
        except APIStatusError as exc:
            if exc.status_code in (400, 401) and not isinstance(exc, AuthenticationError):
                raise AuthenticationError(exc.message, **exc.status_fields()) from exc
            raise
        async with self._lock:
            await self._install(token)
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
        Without `stale`, the current token is refreshed.

        Cancelling this call does not cancel the refresh (see the module
        docstring): it goes on, and its token is installed and reported.
        """
        if timeout is not None:
            timeout_value("timeout", timeout)  # here, not in the refresh others may share
        finished_seen = self._finished
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
                task = self._start_refresh(current, current.refresh_token, timeout)
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        """Wait for a refresh in flight to end, so its token is installed and reported.

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
        self, current: Token, refresh_token: str, timeout: TimeoutTypes | None
    ) -> asyncio.Task[Token]:
        self._failure = None
        task = asyncio.get_running_loop().create_task(
            self._run_refresh(current, refresh_token, timeout)
        )
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
        self, current: Token, refresh_token: str, timeout: TimeoutTypes | None
    ) -> Token:
        form = refresh_grant(client_id=self._client_id, refresh_token=refresh_token)
        try:
            token = await self._request_token(form, hint=REFRESH_HINT, timeout=timeout)
        except APIStatusError as exc:
            if exc.status_code not in (400, 401):
                self._failure = exc
                raise
            ended = SessionExpiredError.from_status_error(exc, "The refresh token was refused")
            if self._token is current:  # not if a login replaced it meanwhile
                self._token = None
                self._ended = ended
            raise ended from exc
        except DecodeError as exc:
            # A 2xx we cannot read may still have rotated the refresh token.
            failure = exc if exc.outcome_unknown else exc.as_outcome_unknown(REFRESH_HINT)
            self._failure = failure
            raise failure from None
        except SDKError as exc:
            self._failure = exc
            raise
        finally:
            self._finished += 1
        if token.refresh_token is None:  # not rotated: the old one stays valid
            token = attrs.evolve(token, refresh_token=refresh_token)
        async with self._lock:
            await self._install(token)
        return token

    def _current(self) -> Token:
        if self._token is not None:
            return self._token
        if self._ended is not None:
            raise self._ended.again()
        raise LoginRequiredError()

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
        if self._on_token_update is not None:
            await self._on_token_update(token)

    async def prepare(self) -> None:
        """Refresh the token now if it is due: what a request does before its rate-limit turn.

        The Transport calls it when it paces requests, so that no request takes a
        turn and then waits for a refresh (going out later, with others, than its
        turn was counted). Raises what a request would (LoginRequiredError, ...).
        """
        await self._token_for_request()

    async def _token_for_request(self) -> Token:
        token = self._current()
        if token.refresh_token and token.is_expired(self._token_leeway, now=self._clock()):
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
