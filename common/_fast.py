"""`fast_transport()`: an opt-in transport for many requests in flight (the `[fast]` extra)."""

from __future__ import annotations

import ssl

import httpx

from ._transport import DEFAULT_LIMITS

__all__ = ["FAST_EXTRA", "fast_transport"]

#: What to install for `fast_transport()`.
FAST_EXTRA = 'pip install "cryptopay-async[fast]"'


def fast_transport(
    *,
    limits: httpx.Limits = DEFAULT_LIMITS,
    verify: ssl.SSLContext | str | bool = True,
    proxy: str | httpx.Proxy | None = None,
) -> httpx.AsyncBaseTransport:
    """An httpx transport over aiohttp, for services with many requests in flight.

    httpx's own connection pool spends more time per request the more requests
    are in flight; aiohttp's does not (see `benchmarks/`). Pass the result where a
    client takes a transport, or to your own `httpx.AsyncClient`:

        from bitexgate import BitexGateClient, fast_transport

        async with BitexGateClient(api_key=KEY, secret=SECRET, transport=fast_transport()) as gw:
            ...

    The pool has the SDK's limits (`DEFAULT_LIMITS`: up to 100 connections) unless
    `limits` says otherwise; `verify` and `proxy` are as for `httpx.AsyncClient`
    (proxy settings in the environment are not read). Per-call timeouts apply as
    with the default transport. Errors are mapped so that only a request that
    provably never left is reported as a connect error, the only failure after
    which the SDK resends a payment: no connection could be made (refused, DNS,
    TLS, certificate, proxy) or acquired in time. A disconnect, a timeout or a
    malformed answer once the request may have been written is a read or
    protocol error, never resent for a payment. A transport belongs
    to one client: closing the client closes it.

    Needs httpx-aiohttp: `pip install "cryptopay-async[fast]"`; without it this
    raises ImportError saying so.
    """
    try:
        from ._aiohttp import SafeAiohttpTransport  # optional: imported when asked for
    except ImportError as exc:
        if exc.name not in ("httpx_aiohttp", "aiohttp") and "httpx_aiohttp" not in str(exc):
            raise
        raise ImportError(
            f"fast_transport() needs httpx-aiohttp, which is not installed: {FAST_EXTRA}",
            name=exc.name,
        ) from exc
    return SafeAiohttpTransport(
        verify=verify,
        limits=limits,
        proxy=httpx.Proxy(proxy) if isinstance(proxy, str) else proxy,
    )
