"""`BitexGateClient`: the entry point to the bitexbit Gateway."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType

import httpx

from common import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    RetryPolicy,
    TimeoutTypes,
    Transport,
    ValidationError,
)
from common._validation import seconds
from common._version import __version__

from ._auth import MAX_SIGNATURE_WINDOW, GatewayAuth
from ._resources import Invoices, PaymentMethods, Wallets, Withdrawals, _Gateway

__all__ = ["DEFAULT_BASE_URL", "BitexGateClient"]

DEFAULT_BASE_URL = "https://www.bitexbit.com"

logger = logging.getLogger("bitexgate")


class BitexGateClient:
    """An async client of the bitexbit Gateway, signing every call with your key.

    Use it as an async context manager, or call `aclose()` when done:

        async with BitexGateClient(api_key=KEY, secret=SECRET) as gw:
            methods = await gw.payment_methods.list()

    Pass `http_client` to share your own `httpx.AsyncClient` (it is never closed
    here) or `transport` to talk to something other than the network.
    `signature_window` is how far ahead (seconds, at most 300) each signature's
    `X-Timeout` deadline lies; the reference uses 0.5. Reads are retried per `retry`;
    payments are never resent once they may have arrived.

    At most `max_in_flight` requests are on the wire at once (the connection pool's
    size, 100); the rest wait *before* they are signed, so a queued request never
    arrives with an expired `X-Timeout`. With your own `http_client`, set it to
    that client's `max_connections` if you changed them.
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
        self._auth = GatewayAuth(api_key, secret, window=signature_window, clock=clock)
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
        )
        gateway = _Gateway(self._transport)
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

    async def aclose(self) -> None:
        """Close the connection pool (unless it belongs to a client you passed in)."""
        await self._transport.aclose()

    async def __aenter__(self) -> BitexGateClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
