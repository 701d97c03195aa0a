"""fast_transport(): aiohttp's failures mapped so that a payment is never resent blindly.

The SDK resends a payment only after a connect error (it never left). These tests
make each failure happen for real on a loopback socket, through httpx-aiohttp and
aiohttp, and check what the SDK makes of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import aiohttp
import httpx
import pytest

import common
from bitexgate import BitexGateClient
from bityclient import BityClient
from common import (
    DEFAULT_LIMITS,
    ConnectError,
    NetworkError,
    RequestTimeout,
    RetryPolicy,
    Transport,
    fast_transport,
)
from common._aiohttp import SafeAiohttpTransport, map_aiohttp_error
from tests.conftest import SleepRecorder

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

OK_BODY = b'{"count": 0, "next": null, "previous": null, "results": []}'


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 request: its head, and its body by Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return head + (await reader.readexactly(length) if length else b"")


class LoopbackServer:
    """A raw asyncio server on 127.0.0.1 that behaves as told, counting what arrives."""

    def __init__(self, behave: Handler) -> None:
        self.behave = behave
        self.requests = 0
        self.arrived = asyncio.Event()  # set when the first request has arrived
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self.behave(reader, writer)

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()


def answering(server: list[LoopbackServer]) -> Handler:
    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            server[0].requests += 1
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(OK_BODY), OK_BODY)
            )
            await writer.drain()

    return behave


@contextlib.asynccontextmanager
async def serving(kind: str) -> AsyncIterator[LoopbackServer]:
    """A server that answers (`ok`) or fails after a request arrived in one way."""
    holder: list[LoopbackServer] = []

    async def behave(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        holder[0].requests += 1
        holder[0].arrived.set()
        if kind == "silent":  # reads the request, never answers
            await asyncio.sleep(30)
        elif kind == "hang-up":  # reads the request, closes without a word
            writer.close()
        elif kind == "half-body":  # starts the answer, then closes mid-body
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"{" * 10)
            await writer.drain()
            writer.close()

    server = LoopbackServer(answering(holder) if kind == "ok" else behave)
    holder.append(server)
    async with server:
        yield server


def closed_port_url() -> str:
    """A loopback URL nothing listens on: the connection is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def sdk_transport(base_url: str, sleeps: SleepRecorder, *, retries: int = 2) -> Transport:
    return Transport(
        base_url,
        transport=fast_transport(),
        retry=RetryPolicy(max_retries=retries),
        sleep=sleeps,
    )


# --- the transport on its own --------------------------------------------------------------------


def test_fast_transport_is_the_safe_aiohttp_transport_with_the_sdks_limits() -> None:
    transport = fast_transport()
    assert isinstance(transport, SafeAiohttpTransport)
    assert transport.limits == DEFAULT_LIMITS
    custom = fast_transport(limits=httpx.Limits(max_connections=7))
    assert isinstance(custom, SafeAiohttpTransport)
    assert custom.limits.max_connections == 7


def test_fast_transport_is_exported_by_every_package() -> None:
    import bitexgate
    import bityclient

    assert bitexgate.fast_transport is common.fast_transport
    assert bityclient.fast_transport is common.fast_transport


def test_without_httpx_aiohttp_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)  # makes its import fail
    monkeypatch.delitem(sys.modules, "common._aiohttp")
    with pytest.raises(ImportError) as info:
        fast_transport()
    assert 'pip install "cryptopay-async[fast]"' in str(info.value)


async def test_a_request_goes_through_it_and_closing_the_client_closes_it() -> None:
    async with serving("ok") as server:
        transport = fast_transport()
        async with httpx.AsyncClient(transport=transport) as client:
            response = await client.get(server.url + "/x")
            assert response.json()["results"] == []
        assert isinstance(transport, SafeAiohttpTransport)
        assert isinstance(transport.client, aiohttp.ClientSession)
        assert transport.client.closed
        assert server.requests == 1


async def test_the_gateway_client_uses_it_when_passed() -> None:
    async with serving("ok") as server:
        transport = fast_transport()
        async with BitexGateClient(
            api_key="key-0001", secret="secret-0001", base_url=server.url, transport=transport
        ) as gw:
            page = await gw.wallets.list()
            assert page.items == []
        assert isinstance(transport, SafeAiohttpTransport)
        assert isinstance(transport.client, aiohttp.ClientSession)  # created by that request
        assert transport.client.closed
        assert server.requests == 1


async def test_the_gateway_sandbox_accepts_signed_calls_over_it() -> None:
    # The sandbox checks each signature over the bytes that arrive and each deadline.
    from bitexgate.sandbox import GatewaySandbox

    async with GatewaySandbox() as sandbox, sandbox.serve() as base_url:
        sandbox.set_balance("USDT", Decimal(100))
        async with BitexGateClient(
            api_key=sandbox.api_key,
            secret=sandbox.secret,
            base_url=base_url,
            transport=fast_transport(),
        ) as gw:
            methods = await gw.payment_methods.list()
            wallets = await asyncio.gather(
                *(gw.wallets.create(ticker="USDT", network="tron") for _ in range(5))
            )
            withdrawal = await gw.withdrawals.create(
                ticker="USDT",
                network="tron",
                address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
                amount=Decimal("22.5"),
                client_order_id="fast-1",
            )
            listed = [wallet.address async for wallet in gw.wallets.list(page_size=2)]
    assert methods
    assert sorted(listed) == sorted(wallet.address for wallet in wallets)
    assert withdrawal.amount == Decimal("22.5")
    assert withdrawal.client_order_id == "fast-1"


async def test_the_bity_client_uses_it_when_passed() -> None:
    async with serving("ok") as server:
        transport = fast_transport()
        async with BityClient(client_id="client-1", base_url=server.url, transport=transport):
            pass
        assert isinstance(transport, SafeAiohttpTransport)


# --- what each failure becomes -------------------------------------------------------------------


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with httpx.AsyncClient(transport=fast_transport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(closed_port_url() + "/x")


async def test_a_refused_post_is_a_connect_error_and_is_retried(sleeps: SleepRecorder) -> None:
    async with sdk_transport(closed_port_url(), sleeps) as transport:
        with pytest.raises(ConnectError) as info:
            await transport.request("POST", "/pay", json={"amount": 1})
    assert info.value.may_have_reached_server is False
    assert info.value.outcome_unknown is False
    assert len(sleeps.delays) == 2  # it never left: sending it again is safe


async def test_a_server_that_hangs_up_after_a_post_is_not_a_connect_error(
    sleeps: SleepRecorder,
) -> None:
    async with serving("hang-up") as server, sdk_transport(server.url, sleeps) as transport:
        with pytest.raises(NetworkError) as info:
            await transport.request("POST", "/pay", json={"amount": 1})
    assert not isinstance(info.value, ConnectError)
    assert info.value.may_have_reached_server is True
    assert info.value.outcome_unknown is True
    assert server.requests == 1  # sent once, never again
    assert sleeps.delays == []


async def test_a_body_cut_short_is_not_a_connect_error(sleeps: SleepRecorder) -> None:
    async with serving("half-body") as server, sdk_transport(server.url, sleeps) as transport:
        with pytest.raises(NetworkError) as info:
            await transport.request("POST", "/pay", json={"amount": 1})
    assert not isinstance(info.value, ConnectError)
    assert info.value.outcome_unknown is True
    assert server.requests == 1


async def test_at_the_httpx_level_a_hang_up_is_a_remote_protocol_error() -> None:
    async with serving("hang-up") as server, httpx.AsyncClient(transport=fast_transport()) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            await c.post(server.url + "/pay", content=b"{}")


async def test_at_the_httpx_level_a_body_cut_short_is_a_read_error() -> None:
    async with serving("half-body") as server, httpx.AsyncClient(transport=fast_transport()) as c:
        with pytest.raises(httpx.ReadError):
            await c.post(server.url + "/pay", content=b"{}")


async def test_a_per_call_timeout_applies_and_a_timed_out_post_is_not_resent(
    sleeps: SleepRecorder,
) -> None:
    async with serving("silent") as server, sdk_transport(server.url, sleeps) as transport:
        started = asyncio.get_running_loop().time()
        with pytest.raises(RequestTimeout) as info:
            await transport.request("POST", "/pay", json={"amount": 1}, timeout=0.2)
        elapsed = asyncio.get_running_loop().time() - started
    assert elapsed < 5  # the per-call timeout, not the default 30 s
    assert info.value.may_have_reached_server is True
    assert info.value.outcome_unknown is True
    assert server.requests == 1


async def test_a_timed_out_get_is_retried(sleeps: SleepRecorder) -> None:
    async with (
        serving("silent") as server,
        sdk_transport(server.url, sleeps, retries=1) as transport,
    ):
        with pytest.raises(RequestTimeout):
            await transport.request("GET", "/x", timeout=0.1)
    assert server.requests == 2
    assert len(sleeps.delays) == 1


async def test_no_free_connection_in_time_is_a_connect_timeout() -> None:
    # One connection, held by a request the server never answers: the second
    # request cannot get a connection, so it provably never left.
    async with serving("silent") as server:
        transport = fast_transport(limits=httpx.Limits(max_connections=1))
        async with httpx.AsyncClient(transport=transport) as client:
            first = asyncio.ensure_future(client.get(server.url + "/a", timeout=5))
            await asyncio.wait_for(server.arrived.wait(), 5)  # it holds the connection
            with pytest.raises(httpx.ConnectTimeout):
                await client.get(server.url + "/b", timeout=httpx.Timeout(5, pool=0.1))
            first.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await first
    assert server.requests == 1


# --- the mapping, error by error -----------------------------------------------------------------

REQUEST = httpx.Request("POST", "http://127.0.0.1:1/pay")


def _connection_key() -> Any:
    from aiohttp.client_reqrep import ConnectionKey

    return ConnectionKey("127.0.0.1", 1, False, True, None, None, None)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            lambda: aiohttp.ClientConnectorError(_connection_key(), OSError(111, "refused")),
            httpx.ConnectError,
        ),
        (
            lambda: aiohttp.ClientProxyConnectionError(_connection_key(), OSError(111, "no")),
            httpx.ProxyError,
        ),
        (lambda: aiohttp.ConnectionTimeoutError("no connection"), httpx.ConnectTimeout),
        (lambda: aiohttp.SocketTimeoutError("no data"), httpx.ReadTimeout),
        (lambda: aiohttp.ServerTimeoutError("timeout"), httpx.ReadTimeout),
        (lambda: asyncio.TimeoutError(), httpx.ReadTimeout),
        (lambda: aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (lambda: aiohttp.ClientPayloadError("cut"), httpx.ReadError),
        (lambda: aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
        (lambda: aiohttp.ClientConnectionResetError("reset"), httpx.ReadError),
        (lambda: aiohttp.ClientConnectionError("closed"), httpx.ReadError),
        (lambda: aiohttp.ServerConnectionError("closed"), httpx.ReadError),
        (lambda: aiohttp.InvalidURL("nope"), httpx.UnsupportedProtocol),
    ],
)
def test_mapping(error: Callable[[], BaseException], expected: type[httpx.TransportError]) -> None:
    mapped = map_aiohttp_error(error(), REQUEST)
    assert type(mapped) is expected
    assert mapped is not None
    assert mapped.request is REQUEST


def test_only_failures_that_never_left_map_to_what_the_sdk_resends() -> None:
    resent = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
    for error in (
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(32, "broken pipe"),
        aiohttp.SocketTimeoutError("no data"),
        aiohttp.ClientPayloadError("cut"),
        aiohttp.ClientConnectionError("closed"),
    ):
        assert not isinstance(map_aiohttp_error(error, REQUEST), resent), error


def test_httpx_aiohttps_own_mapping_is_undone() -> None:
    # httpx-aiohttp maps every ClientConnectionError to ConnectTimeout.
    wrong = httpx.ConnectTimeout("Server disconnected")
    wrong.__cause__ = aiohttp.ServerDisconnectedError()
    assert type(map_aiohttp_error(wrong, REQUEST)) is httpx.RemoteProtocolError


def test_other_errors_are_left_alone() -> None:
    assert map_aiohttp_error(ValueError("a bug"), REQUEST) is None
    assert map_aiohttp_error(httpx.UnsupportedProtocol("h2"), REQUEST) is None
