"""HMAC request signing for the bitexbit Gateway.

The gateway authenticates every call with three headers: `X-Key` (the API key),
`X-Timeout` (an epoch-millisecond deadline, documented as now + 500 ms) and
`X-Sign`, the hex HMAC-SHA256, keyed with the secret, of

    api_key + path (no query string) + X-Timeout + body

where body is the exact JSON text of a POST and empty for a GET.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Generator

import httpx

from common._validation import seconds

__all__ = ["MAX_SIGNATURE_WINDOW", "GatewayAuth", "deadline_ms", "sign"]

#: The longest signature window, in seconds. The reference uses 0.5; a signed request
#: can be replayed until its deadline, so the window stays short. Five minutes is the
#: clock-skew tolerance Stripe's signed webhooks allow by default.
MAX_SIGNATURE_WINDOW = 300.0


def sign(*, secret: str, api_key: str, path: str, timeout: int, body: bytes = b"") -> str:
    """The `X-Sign` value: hex HMAC-SHA256 of key + path + timeout + body."""
    payload = b"".join((api_key.encode(), path.encode(), str(timeout).encode(), body))
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def deadline_ms(now: float, window: float) -> int:
    """The `X-Timeout` value: epoch milliseconds by which the call must be executed."""
    return int(now * 1000) + round(window * 1000)


class GatewayAuth(httpx.Auth):
    """Signs each request as it is sent, so every retry gets a fresh deadline.

    The signature covers `request.content`: the very bytes httpx sends.
    """

    requires_request_body = True

    def __init__(
        self,
        api_key: str,
        secret: str,
        *,
        window: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        seconds("window", window, maximum=MAX_SIGNATURE_WINDOW)
        self._api_key = api_key
        self._secret = secret
        self._window = window
        self._clock = clock
        # Keyed once: each request copies this and adds its own bytes, as `sign` computes.
        self._key_bytes = api_key.encode()
        self._keyed = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return f"<GatewayAuth api_key={_mask(self._api_key)!r} window={self._window}>"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timeout = str(deadline_ms(self._clock(), self._window))
        stamp = timeout.encode()
        request.headers["X-Key"] = self._api_key
        request.headers["X-Timeout"] = timeout
        mac = self._keyed.copy()
        mac.update(b"".join((self._key_bytes, request.url.path.encode(), stamp, request.content)))
        request.headers["X-Sign"] = mac.hexdigest()  # = sign(...) of the same parts
        yield request


def _mask(value: str) -> str:
    return value[:4] + "..." if len(value) > 8 else "..."
