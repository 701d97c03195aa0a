"""`BitexGateClient`: the entry point to the bitexbit Gateway."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import httpx

from common import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    RateLimit,
    RateLimiter,
    RetryPolicy,
    TimeoutTypes,
    Transport,
    ValidationError,
)
from common._clock import ServerClock
from common._lifetime import AsyncResource
from common._reconcile import DEFAULT_RECONCILE_DELAYS, settle_schedule
from common._validation import offset_seconds, seconds
from common._version import __version__

from ._auth import MAX_SIGNATURE_WINDOW, GatewayAuth
from ._callback_urls import callback_url, token_key, verify_callback_url
from ._gateway import Gateway
from ._resources import Invoices, PaymentMethods, Wallets
from ._withdrawals import Withdrawals

__all__ = ["DEFAULT_BASE_URL", "BitexGateClient"]

DEFAULT_BASE_URL = "https://www.bitexbit.com"

#: The share of the signature window that answers may wait (beyond the quickest recent
#: answer) before the in-flight cap shrinks, so that no request arrives too late.
LATENCY_SHARE = 0.6
#: The largest `clock_offset` accepted (a day): beyond it the clock is broken, not skewed.
MAX_CLOCK_OFFSET = 86_400.0

logger = logging.getLogger("bitexgate")


class BitexGateClient(AsyncResource):
    """An async client of the bitexbit Gateway, signing every call with your key.

    Use it as an async context manager, or call `aclose()` when done:

    ```python
    async with BitexGateClient(api_key=KEY, secret=SECRET) as gw:
        methods = await gw.payment_methods.list()
    ```

    Its resources, one attribute per part of the API:

    - `payment_methods` (`PaymentMethods`): what can be deposited and withdrawn,
      on which networks, with the limits and fees of each (`list`).
    - `wallets` (`Wallets`): crypto deposit addresses (`create`, `list`), the
      deposits that arrive on them (`history`, `watch`), and the API's record of
      a deposit callback (`confirm`).
    - `invoices` (`Invoices`): fiat invoices, a payment page to send a payer to
      (`create`, `list`), the payments made through them (`history`, `watch`),
      and the API's record of a payment callback (`confirm`).
    - `withdrawals` (`Withdrawals`): sending crypto to an address or fiat to a
      card (`create`), their progress (`history`, `watch`), and the API's record
      of a withdrawal callback (`confirm`).

    `callback_url` and `verify_callback_url` make and check callback URLs nobody
    could guess.

    Pass `http_client` to share your own `httpx.AsyncClient` (it is never closed
    here) or `transport` to talk to something other than the network.
    `signature_window` is how far ahead (seconds, at most 300) each signature's
    `X-Timeout` deadline lies; the reference uses 0.5. Reads are retried per `retry`;
    payments are never resent once they may have arrived.

    Signing windows, clock skew and load: each `X-Timeout` is set on the
    server's clock, which the client learns from the `Date` header of every
    answer (`clock_offset` reads the estimate, in seconds, server minus local);
    pass `clock_offset=` to fix it instead (for a server whose `Date` is written
    by a proxy with another clock). Requests wait *before* they are signed while
    the in-flight cap is reached; the cap adapts, up to `max_in_flight` (the
    connection pool's size, 100), so that answers wait no longer than 60 % of
    the window. A request refused when its deadline had
    passed on the server's clock (by the refusal's own `Date`), or lay too far
    ahead of it, is signed again and resent, GET or POST, within `retry`: the
    server did not act on it. With your
    own `http_client`, set `max_in_flight` to that client's `max_connections` if
    you changed them.

    A withdrawal whose answer is lost (a timeout, a broken connection, a 5xx) is
    looked for by its `client_order_id` in the withdrawal history, after each
    wait of `reconcile_delays` (seconds; at most 20 waits of up to 60 s each;
    `()` turns it off): see `Withdrawals.create`.

    `rate_limit` paces the calls: `RateLimit(20)` or `"20/second"` in this
    process, or a `RedisRateLimiter` to share one budget with other processes.
    A call waits its turn in order, unsigned, and is signed only when it goes
    (within the pool timeout). A 429 with `Retry-After` pauses every call of
    the client (and of the processes sharing its limiter) until then.
    """

    def __init__(
        self,
        *,
        api_key: str,
        secret: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        signature_window: float = 0.5,
        max_in_flight: int | None = DEFAULT_LIMITS.max_connections,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        clock_offset: float | None = None,
        rate_limit: RateLimit | str | RateLimiter | None = None,
        reconcile_delays: Sequence[float] = DEFAULT_RECONCILE_DELAYS,
    ) -> None:
        for field, value in (("api_key", api_key), ("secret", secret)):
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(field, "is required and must be a non-empty string")
            if not value.isprintable() or value != value.strip():
                # A pasted newline would silently change every signature.
                raise ValidationError(
                    field, "must not contain surrounding whitespace or control characters"
                )
        seconds("signature_window", signature_window, maximum=MAX_SIGNATURE_WINDOW)
        delays = settle_schedule("reconcile_delays", reconcile_delays)
        if clock_offset is not None:
            clock_offset = offset_seconds("clock_offset", clock_offset, limit=MAX_CLOCK_OFFSET)
        server_clock = ServerClock(clock_offset)
        self._auth = GatewayAuth(
            api_key, secret, window=signature_window, clock=clock, server_clock=server_clock
        )
        self._transport = Transport(
            base_url,
            auth=self._auth,
            timeout=timeout,
            retry=retry,
            http_client=http_client,
            transport=transport,
            headers={"User-Agent": f"bitexgate-python/{__version__}"},
            logger=logger,
            max_in_flight=max_in_flight,
            latency_target=(
                signature_window * LATENCY_SHARE if max_in_flight is not None else None
            ),
            rate_limit=rate_limit,
        )
        self._callback_key = token_key(secret)
        gateway = Gateway(
            self._transport, clock=clock, server_clock=server_clock, reconcile_delays=delays
        )
        self.payment_methods = PaymentMethods(gateway)
        self.wallets = Wallets(gateway)
        self.invoices = Invoices(gateway)
        self.withdrawals = Withdrawals(gateway)

    def __repr__(self) -> str:
        return f"<BitexGateClient base_url={self._transport.base_url!r} auth={self._auth!r}>"

    @property
    def base_url(self) -> str:
        """The gateway's base URL."""
        return self._transport.base_url

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter pacing the calls (None without `rate_limit`); another client may share it."""
        return self._transport.rate_limiter

    @property
    def clock_offset(self) -> float:
        """Seconds the server's clock is ahead of this machine's (negative: behind).

        Fixed when given to the constructor; otherwise estimated from the `Date`
        of the answers so far (0 before the first), to within `clock_uncertainty`.
        """
        return self._auth.server_clock.offset

    @property
    def clock_uncertainty(self) -> float:
        """How far the true offset may lie from `clock_offset`, in seconds."""
        return self._auth.server_clock.uncertainty

    def callback_url(self, base_url: str | httpx.URL, *, ref: str) -> str:
        """`base_url` with `ref=<ref>&token=<token>` added: a callback URL nobody could guess.

        The token is derived from the API secret and `ref` (never the secret
        itself); `verify_callback_url` checks it. Pass it as a create's
        `callback_url`. Other query parameters are kept; a base URL that already
        has `ref` or `token` in its query, or a ref that is not 1 to 128
        printable characters, raises ValidationError.
        """
        return callback_url(self._callback_key, base_url, ref)

    def verify_callback_url(self, url: str | httpx.URL) -> bool:
        """Whether a callback arrived at a URL `callback_url` made (its `ref` and `token` agree).

        Constant-time; False for a missing, repeated or forged token. The scheme,
        host, path and other parameters are not looked at (proxies rewrite them).
        A web framework's URL object (Starlette's `request.url`) is read by its `str()`.
        A true answer says the URL is yours, not that the body is true: confirm it.
        """
        return verify_callback_url(self._callback_key, url)

    async def aclose(self) -> None:
        """Close the connection pool (unless it belongs to a client you passed in)."""
        await self._transport.aclose()
