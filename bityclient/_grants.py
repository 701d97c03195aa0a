"""How `BityAuth` asks Bity for a token: the grant forms and the one way they are sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Protocol

from common import TimeoutTypes, Transport

from ._decode import decode_grant
from ._models import Token

__all__ = [
    "LOGIN_HINT",
    "REFRESH_HINT",
    "TOKEN_PATH",
    "Clock",
    "TokenEndpoint",
    "TokenRequester",
    "password_grant",
    "refresh_grant",
    "utcnow",
]

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
