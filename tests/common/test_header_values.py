"""A header value HTTP forbids never reaches an error message, a traceback or a log.

Such a value is a key, a signature or a token. h11 quotes it when it refuses it
(in its error, and in httpcore's debug log); aiohttp raises a bare ValueError.
The SDK checks the headers an auth flow sets before any transport sees them, and
says which header was wrong, never what it held.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator, Generator

import httpx
import pytest

from bityclient import BityClient
from common import DecodeError, RetryPolicy, SDKError, Transport, TransportError, fast_transport
from common._aiohttp import map_aiohttp_error
from common._failures import request_error
from common._headers import InvalidHeader, invalid_header
from tests.common.test_fast_transport import LoopbackServer, serving
from tests.conftest import SleepRecorder
from tests.endpoints import NOW

SECRET = "s3cr3t-value-0001"

BAD_VALUES = [
    f"Bearer {SECRET}\r\nX-Injected: 1",
    f"Bearer {SECRET}\n",
    f"Bearer {SECRET}\r",
    f"Bearer {SECRET}\x00",
    f"Bearer {SECRET}\x7f",
    f" Bearer {SECRET}",
]


class HeaderAuth(httpx.Auth):
    """Puts `value` in the Authorization header, as a broken token would."""

    def __init__(self, value: str) -> None:
        self.value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.value
        yield request


def everything_said(error: BaseException, records: list[logging.LogRecord]) -> str:
    """The text of an error as a user or a log would see it: str, repr, traceback, logs."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    for record in records:
        parts.append(record.getMessage())
        if record.exc_info:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
    return "\n".join(parts)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # every logger: the SDK's, httpx's, httpcore's, aiohttp's
    return caplog


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with serving("ok") as running:
        yield running


def transports(kind: str, server: LoopbackServer) -> tuple[str, httpx.AsyncBaseTransport | None]:
    if kind == "default":
        return server.url, None  # httpx's own: httpcore and h11, on a real socket
    if kind == "fast":
        return server.url, fast_transport()  # aiohttp, on a real socket
    return "https://api.example.com", httpx.MockTransport(lambda _: httpx.Response(200))


@pytest.mark.parametrize("kind", ["default", "fast", "mock"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
async def test_a_forbidden_header_value_is_never_said_and_never_sent(
    kind: str,
    method: str,
    value: str,
    server: LoopbackServer,
    logs: pytest.LogCaptureFixture,
) -> None:
    base_url, transport = transports(kind, server)
    async with Transport(
        base_url,
        auth=HeaderAuth(value),
        transport=transport,
        retry=RetryPolicy(max_retries=0),
    ) as sdk:
        with pytest.raises(SDKError) as info:
            await sdk.request(method, "/pay", json={"amount": "1"} if method == "POST" else None)
    error = info.value
    assert type(error) is TransportError
    assert "Authorization header is not valid HTTP" in str(error)
    assert error.may_have_reached_server is False
    assert error.outcome_unknown is False
    assert server.requests == 0
    assert SECRET not in everything_said(error, logs.records)
    said = [record.getMessage() for record in logs.records]
    assert any("Authorization header" in message for message in said)  # what was wrong is


async def test_a_forbidden_header_value_is_not_retried(sleeps: SleepRecorder) -> None:
    # It would be refused again: a GET is neither sent again nor waited for.
    transport = httpx.MockTransport(lambda _: httpx.Response(200))
    auth = HeaderAuth(f"{SECRET}\n")
    async with Transport(
        "https://api.example.com", auth=auth, transport=transport, sleep=sleeps
    ) as sdk:
        with pytest.raises(TransportError):
            await sdk.request("GET", "/things")
    assert sleeps.delays == []


async def test_a_token_with_a_line_break_from_the_server_is_never_said(
    logs: pytest.LogCaptureFixture,
) -> None:
    # A token endpoint that answers with a token no header can carry.
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/o/token/":
            return httpx.Response(
                200,
                json={"access_token": f"{SECRET}\r\nX: 1", "token_type": "Bearer"},
            )
        return httpx.Response(200, json={"meta": {}, "objects": []})

    async with BityClient(
        client_id="client-0001",
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy(max_retries=0),
        clock=lambda: NOW,
    ) as bity:
        # Refused where it arrives, by the bearer-token grammar: it never reaches a header.
        with pytest.raises(DecodeError) as info:
            await bity.login(username="+41786399501", password="pass-0001")
        assert bity.token is None
    assert SECRET not in everything_said(info.value, logs.records)


# --- when a header gets past the check: a client's own default headers ----------------------


@pytest.mark.parametrize("kind", ["default", "fast"])
async def test_the_http_librarys_refusal_is_the_sdks_error_without_its_text(
    kind: str, server: LoopbackServer, logs: pytest.LogCaptureFixture
) -> None:
    # Headers of a caller's own client are not the SDK's to check: h11 or aiohttp refuses them.
    _, transport = transports(kind, server)
    client = httpx.AsyncClient(transport=transport, headers={"X-Api-Key": f"{SECRET}\r\nX: 1"})
    async with client, Transport(server.url, http_client=client) as sdk:
        with pytest.raises(SDKError) as info:
            await sdk.request("POST", "/pay", json={"amount": "1"})
    error = info.value
    assert type(error) is TransportError  # not a bare ValueError from aiohttp
    assert error.may_have_reached_server is False
    assert error.outcome_unknown is False
    assert server.requests == 0
    sdk_logs = [
        r for r in logs.records if r.name.split(".")[0] in ("common", "bitexgate", "bityclient")
    ]
    assert SECRET not in everything_said(error, sdk_logs)


async def test_aiohttp_refusing_a_header_is_an_httpx_error(server: LoopbackServer) -> None:
    async with httpx.AsyncClient(transport=fast_transport()) as client:
        with pytest.raises(httpx.LocalProtocolError) as info:
            await client.get(server.url + "/x", headers={"X-Api-Key": f"{SECRET}\n"})
    assert isinstance(info.value, InvalidHeader)
    assert SECRET not in str(info.value)
    assert "X-Api-Key" in str(info.value)
    assert server.requests == 0


def test_the_mapping_keeps_other_value_errors_as_they_are() -> None:
    fine = httpx.Request("GET", "https://api.example.com/", headers={"X-Api-Key": SECRET})
    assert map_aiohttp_error(ValueError("a bug"), fine) is None
    bad = httpx.Request("GET", "https://api.example.com/", headers={"X-Api-Key": f"{SECRET}\n"})
    assert isinstance(map_aiohttp_error(ValueError("refused"), bad), InvalidHeader)


def test_h11s_text_is_not_repeated() -> None:
    request = httpx.Request("POST", "https://api.example.com/pay")
    refused = httpx.LocalProtocolError(f"Illegal header value b'Bearer {SECRET}\\r\\n'")
    error = request_error(refused, request, idempotent=False, hint=None)
    assert type(error) is TransportError
    assert SECRET not in str(error)
    assert "LocalProtocolError" in str(error)
    assert error.outcome_unknown is False


# --- the check itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_VALUES, ids=repr)
def test_invalid_header_names_the_header_not_the_value(value: str) -> None:
    problem = invalid_header(httpx.Headers({"Accept": "*/*", "Authorization": value}))
    assert problem is not None
    assert "Authorization" in problem
    assert SECRET not in problem


@pytest.mark.parametrize(
    "value", ["Bearer abc", "", "a\tb  c", "caf\u00e9", "1700000000123", "a" * 200]
)
def test_invalid_header_accepts_what_http_allows(value: str) -> None:
    assert invalid_header(httpx.Headers([("X-Value", value.encode())])) is None


def test_a_transports_own_headers_are_checked_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="X-Api-Key") as info:
        Transport("https://api.example.com", headers={"X-Api-Key": f"{SECRET}\n"})
    assert SECRET not in str(info.value)
