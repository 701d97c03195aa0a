"""Bity's OAuth2 session as an `httpx.Auth`: bearer token, refresh by itself, one at a time.

The flow, per authenticated request:

1. No token at all: LoginRequiredError, before anything is sent.
2. The token expires within `refresh_leeway` seconds (by the injected clock) and
   has a refresh token: refresh first.
3. Send with `Authorization: Bearer <access token>`.
4. A 401: refresh once, send once more. A second 401 is raised as
   AuthenticationError; a 401 with no refresh token as SessionExpiredError.

Refreshes are single-flight: check, take the lock, re-check, refresh. Tasks that
waited on the lock find the token already replaced and use it (or, if that
refresh failed, raise its error), so many requests finding the token expired at
once cause exactly one refresh request.

The refresh request goes through the client's `common.Transport` as a
non-idempotent POST, so its failures are the SDK's errors and it is retried only
when it provably never left (a connect error). A refresh token may be rotated by
the server even if its answer is lost (a timeout, a broken connection, a 5xx),
so such an error has `outcome_unknown` set and says so; the SDK keeps the old
token, tries it again on the next request, and if the server then refuses it
(`invalid_grant`) raises SessionExpiredError: log in again. A refused refresh
(400 or 401) ends the session: the token is dropped, and every later request
raises SessionExpiredError without sending, until `login()` succeeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

import attrs
import httpx

from common import (
    APIStatusError,
    AuthenticationError,
    DecodeError,
    SDKError,
    TimeoutTypes,
    ValidationError,
    error_from_response,
)

from ._decode import converter
from ._errors import LoginRequiredError, SessionExpiredError
from ._models import Token

__all__ = [
    "LOGIN_HINT",
    "REFRESH_HINT",
    "BityAuth",
    "Clock",
    "TokenRequester",
    "TokenUpdateCallback",
    "dump_token",
    "load_token",
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


def dump_token(token: Token) -> dict[str, Any]:
    """A JSON-ready dict of `token` (expiry as ISO 8601 text), for storing a session.

    It holds the access and refresh tokens: store it as a secret.
    """
    data: dict[str, Any] = converter.unstructure(token)
    return data


def load_token(data: Mapping[str, Any]) -> Token:
    """A Token from what `dump_token` produced; ValidationError if it is not one."""
    try:
        return converter.structure(dict(data), Token)
    except Exception as exc:  # cattrs raises many kinds; all mean "not a stored token"
        raise ValidationError("token", "is not a stored token (see dump_token)") from exc


def _status_fields(error: APIStatusError) -> dict[str, Any]:
    return {
        "status_code": error.status_code,
        "body": error.body,
        "text": error.text,
        "headers": error.headers,
        "method": error.method,
        "url": error.url,
    }


class BityAuth(httpx.Auth):
    """Puts Bity's bearer token on requests and keeps it fresh (see the module docstring).

    It does not send requests itself: `request_token` (the client's token call
    through its Transport) does. Async only.
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
        if refresh_leeway < 0:
            raise ValueError(f"refresh_leeway must be >= 0, got {refresh_leeway!r}")
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
                raise AuthenticationError(exc.message, **_status_fields(exc)) from exc
            raise
        async with self._lock:
            await self._install(token)
        return token

    async def refresh(
        self, *, stale: Token | None = None, timeout: TimeoutTypes | None = None
    ) -> Token:
        """Refresh grant, single flight; returns the new token.

        `stale` is the token the caller found wanting. If another task replaced it
        while this one waited for the lock, that replacement is returned; if the
        refresh it waited for failed, that same error is raised. Either way no
        second request is sent. Without `stale`, the current token is refreshed.
        """
        finished_seen = self._finished
        async with self._lock:
            current = self._current()
            if stale is not None and current is not stale:
                return current
            if stale is not None and self._finished != finished_seen and self._failure:
                raise self._failure  # a refresh ended while this call waited: share its error
            if not current.refresh_token:
                raise LoginRequiredError(
                    "The token has no refresh token, so it cannot be renewed: log in again."
                )
            form = refresh_grant(client_id=self._client_id, refresh_token=current.refresh_token)
            self._failure = None
            try:
                token = await self._request_token(form, hint=REFRESH_HINT, timeout=timeout)
            except APIStatusError as exc:
                if exc.status_code not in (400, 401):
                    self._failure = exc
                    raise
                ended = SessionExpiredError.from_status_error(exc, "The refresh token was refused")
                self._token = None
                self._ended = ended
                raise ended from exc
            except DecodeError as exc:
                exc.outcome_unknown = True  # a 2xx we cannot read may still have rotated it
                exc.hint = REFRESH_HINT
                self._failure = exc
                raise
            except SDKError as exc:
                self._failure = exc
                raise
            finally:
                self._finished += 1
            if token.refresh_token is None:  # not rotated: the old one stays valid
                token = attrs.evolve(token, refresh_token=current.refresh_token)
            await self._install(token)
            return token

    def _current(self) -> Token:
        if self._token is not None:
            return self._token
        if self._ended is not None:
            raise self._ended.again()
        raise LoginRequiredError()

    async def _install(self, token: Token) -> None:
        self._token = token
        self._ended = None
        if self._on_token_update is not None:
            await self._on_token_update(token)

    async def _token_for_request(self) -> Token:
        token = self._current()
        if token.refresh_token and token.is_expired(self._leeway, now=self._clock()):
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
