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

from common._clock import DEADLINE_MISS, ServerClock, judge_refusal
from common._validation import seconds

__all__ = ["MAX_SIGNATURE_WINDOW", "GatewayAuth", "deadline_ms", "sign"]

#: The longest signature window, in seconds. The reference uses 0.5; a signed request
#: can be replayed until its deadline, so the window stays short. Five minutes is the
#: clock-skew tolerance Stripe's signed webhooks allow by default.
MAX_SIGNATURE_WINDOW = 300.0

#: The statuses of a refused signature: DRF answers 403 unless its auth sets WWW-Authenticate.
_REFUSED = frozenset({401, 403})
#: Answers that a proxy or load balancer may write, with its own clock: not read for the time.
_NOT_THE_SERVERS = frozenset({429, 500, 502, 503, 504})


def _keyed(secret: str) -> hmac.HMAC:
    """An HMAC-SHA256 keyed with `secret`, to copy for each signature (keying is half the cost)."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def _signature(keyed: hmac.HMAC, api_key: str, path: str, timeout: int, body: bytes) -> str:
    mac = keyed.copy()
    mac.update(b"".join((api_key.encode(), path.encode(), str(timeout).encode(), body)))
    return mac.hexdigest()


def sign(*, secret: str, api_key: str, path: str, timeout: int, body: bytes = b"") -> str:
    """The `X-Sign` value: hex HMAC-SHA256 of key + path + timeout + body."""
    return _signature(_keyed(secret), api_key, path, timeout, body)


def deadline_ms(now: float, window: float) -> int:
    """The `X-Timeout` value: epoch milliseconds by which the call must be executed."""
    return int(now * 1000) + round(window * 1000)


class GatewayAuth(httpx.Auth):
    """Signs each request as it is sent, so every retry gets a fresh deadline.

    The signature (`sign`, with the key prepared once) covers `request.content`:
    the very bytes httpx sends. The deadline is set on the server's clock, as
    estimated by `server_clock` from the `Date` of the answers: the latest time it
    may show, so a clock behind the server's costs no part of the window. A
    refusal (401 or 403) proven to be down to the deadline is marked on the
    response for the transport, which signs the request again and resends it.
    Proven means: the refusal's own `Date` is at or past the deadline (late), or
    the deadline lay well beyond the window ahead of the latest time the
    server's clock can have shown (ahead). Anything short of that is about the
    credentials: a wrong key or secret is never resent or blamed on the clock.
    """

    requires_request_body = True

    def __init__(
        self,
        api_key: str,
        secret: str,
        *,
        window: float = 0.5,
        clock: Callable[[], float] = time.time,
        server_clock: ServerClock | None = None,
    ) -> None:
        seconds("window", window, maximum=MAX_SIGNATURE_WINDOW)
        self._api_key = api_key
        self._keyed = _keyed(secret)
        self._window = window
        self._clock = clock
        self.server_clock = server_clock if server_clock is not None else ServerClock()

    def __repr__(self) -> str:
        return f"<GatewayAuth api_key={_mask(self._api_key)!r} window={self._window}>"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sent_at = self._clock()
        offset = self.server_clock.bounds[1]
        timeout = deadline_ms(sent_at + offset, self._window)
        request.headers["X-Key"] = self._api_key
        request.headers["X-Timeout"] = str(timeout)
        request.headers["X-Sign"] = _signature(
            self._keyed, self._api_key, request.url.path, timeout, request.content
        )
        response = yield request
        received_at = self._clock()
        if response.status_code in _NOT_THE_SERVERS:
            return
        date = response.headers.get("date")
        self.server_clock.observe(date, sent_at=sent_at, received_at=received_at)
        if response.status_code in _REFUSED:
            miss = judge_refusal(
                deadline=timeout / 1000,
                signed_offset=offset,
                refusal_date=self.server_clock.parse(date),
                clock=self.server_clock,
            )
            if miss is not None:
                response.extensions[DEADLINE_MISS] = miss


def _mask(value: str) -> str:
    return value[:4] + "..." if len(value) > 8 else "..."
