"""The aiohttp-backed transport behind `fast_transport()` (needs the `[fast]` extra).

httpx-aiohttp's `AiohttpTransport` sends httpx requests through an
`aiohttp.ClientSession`, which keeps many connections busy at a fraction of
httpcore's cost. Its own mapping of aiohttp's errors onto httpx's is not safe for
payments: it maps every `aiohttp.ClientConnectionError`, a server that
disconnected mid-response included, to `httpx.ConnectTimeout`, and the SDK resends
a connect failure because such a request never left. `SafeAiohttpTransport`
maps them again from the aiohttp error itself, so that only a failure that
provably happened before the request was written (no connection could be made
or acquired) is a connect error:

| aiohttp | httpx | may have reached the server |
| --- | --- | --- |
| `ClientConnectorError` (refused, DNS, TLS handshake, certificate) | `ConnectError` | no |
| `ClientProxyConnectionError`, `ClientHttpProxyError` | `ProxyError` | no |
| `ConnectionTimeoutError` (no connection in time) | `ConnectTimeout` | no |
| `InvalidURL`, `NonHttpUrlClientError` | `UnsupportedProtocol` | no |
| `ValueError` for a header value it will not write | `LocalProtocolError` | no |
| `SocketTimeoutError`, any other timeout | `ReadTimeout` | yes |
| `ServerDisconnectedError` | `RemoteProtocolError` | yes |
| `ClientResponseError` (a malformed answer) | `RemoteProtocolError` | yes |
| `ClientPayloadError`, `ClientOSError` and any other `ClientError` | `ReadError` | yes |

The same mapping applies while the body is read. (The stock transport's
handling of each request is also done again here, with less work a request.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from ._headers import InvalidHeader, invalid_header

__all__ = ["SafeAiohttpTransport", "map_aiohttp_error"]

# Most specific first: the first class that matches decides.
_NEVER_SENT: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ClientHttpProxyError, httpx.ProxyError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.NonHttpUrlClientError, httpx.UnsupportedProtocol),
)
_MAY_HAVE_ARRIVED: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (asyncio.TimeoutError, httpx.ReadTimeout),  # SocketTimeoutError, ServerTimeoutError, ...
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
    (aiohttp.ClientError, httpx.ReadError),
    (OSError, httpx.ReadError),
)


def map_aiohttp_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    """The httpx error for a failure of aiohttp (or of httpx-aiohttp's own mapping of one).

    None when `exc` is not a transport failure (a bug, a cancellation): it is then
    raised as it is.
    """
    cause = exc
    if isinstance(exc, httpx.HTTPError):
        if not isinstance(exc.__cause__, (aiohttp.ClientError, asyncio.TimeoutError)):
            return None  # httpx's own error, not a translation of aiohttp's
        cause = exc.__cause__
    for table in (_NEVER_SENT, _MAY_HAVE_ARRIVED):
        for source, target in table:
            if isinstance(cause, source):
                text = str(cause) or "no detail"
                return target(f"{type(cause).__name__}: {text}", request=request)
    # aiohttp refuses a header with a control character as it serialises the headers,
    # before a byte is written, with a bare ValueError.
    problem = invalid_header(request.headers) if isinstance(exc, ValueError) else None
    return None if problem is None else InvalidHeader(problem, request=request)


#: Bytes read from aiohttp at a time (a body is usually one chunk).
_CHUNK = 64 * 1024
#: Distinct timeouts whose `aiohttp.ClientTimeout` is kept (a client uses one or two).
_MAX_TIMEOUTS = 64


class _ResponseStream(httpx.AsyncByteStream):
    """An aiohttp response's body for httpx, its read errors mapped as the request's are."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(_CHUNK):
                yield chunk
        except Exception as exc:
            mapped = map_aiohttp_error(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        try:
            await self._response.__aexit__(None, None, None)  # release the connection
        except Exception as exc:
            mapped = map_aiohttp_error(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc


class SafeAiohttpTransport(AiohttpTransport):
    """httpx-aiohttp's transport with an error mapping that never calls a sent request unsent.

    It sends each request as httpx-aiohttp's does (same options, proxy and TLS
    settings), with what does not change from one request to the next computed
    once: the aiohttp timeout of each distinct httpx timeout, the headers handed
    over as a list. Cookies are left to httpx (the session keeps none of its
    own), as they are with httpx's default transport.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def get_client(self) -> aiohttp.ClientSession:
        limit = self.limits.max_connections
        connector = aiohttp.TCPConnector(
            limit=0 if limit is None else limit,  # 0: no limit, as httpx's None
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self.ssl_context,
            local_addr=(self.local_address, 0) if self.local_address else None,
        )
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    def _timeout(self, timeout: dict[str, float | None]) -> aiohttp.ClientTimeout:
        """httpx's timeouts as aiohttp's: connect, read, and pool (waiting for a connection)."""
        key = (timeout.get("connect"), timeout.get("read"), timeout.get("pool"))
        found = self._timeouts.get(key)
        if found is None:
            found = aiohttp.ClientTimeout(sock_connect=key[0], sock_read=key[1], connect=key[2])
            if len(self._timeouts) < _MAX_TIMEOUTS:
                self._timeouts[key] = found
        return found

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self.client
        if not isinstance(session, aiohttp.ClientSession):
            session = self.client = self.get_client()
        data: Any
        try:
            data = request.content or None
        except httpx.RequestNotRead:  # a streamed body: aiohttp frames it itself
            data = request.stream
            request.headers.pop("transfer-encoding", None)
        proxy = self.proxy
        try:
            response = await session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=data,
                allow_redirects=False,
                auto_decompress=False,  # httpx decodes the body, as with its own transport
                compress=False,
                timeout=self._timeout(request.extensions.get("timeout") or {}),
                server_hostname=request.extensions.get("sni_hostname"),
                proxy=str(proxy.url) if proxy else None,
                proxy_auth=aiohttp.BasicAuth(*proxy.auth) if proxy and proxy.auth else None,
                proxy_headers=proxy.headers.multi_items() if proxy else None,
            )
        except Exception as exc:
            mapped = map_aiohttp_error(exc, request)
            if mapped is None:
                raise
            raise mapped from exc
        extensions = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode()
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response, request),
            request=request,
            extensions=extensions,
        )
