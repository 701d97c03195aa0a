"""Transport: base URL, bodies, auth, timeouts, retries and the errors it raises."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Generator
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import common._transport
from common import (
    DEFAULT_TIMEOUT,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConnectError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    ServiceUnavailableError,
    Transport,
    encode_json,
)
from tests.conftest import SleepRecorder

BASE = "https://api.example.com/api"
SECRET = "s3cr3t-key-material"

Outcome = int | httpx.Response | type[httpx.TransportError] | Callable[[httpx.Request], Any]


class Server:
    """A scripted MockTransport handler: one outcome per call, the last one repeats."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes) or [200]
        self.requests: list[httpx.Request] = []

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def bodies(self) -> list[bytes]:
        return [request.content for request in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, int):
            return httpx.Response(outcome, json={"status": outcome})
        if isinstance(outcome, httpx.Response):
            return outcome
        if isinstance(outcome, type) and issubclass(outcome, httpx.TransportError):
            raise outcome("simulated failure", request=request)
        result: httpx.Response = outcome(request)
        return result


class HeaderAuth(httpx.Auth):
    """Adds a secret header, and a digest of the exact body bytes that are sent."""

    requires_request_body = True

    def __init__(self, secret: str = SECRET) -> None:
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Key"] = self._secret
        request.headers["X-Sign"] = hashlib.sha256(request.content).hexdigest()
        yield request


def make_transport(server: Server, sleeps: SleepRecorder, **kwargs: Any) -> Transport:
    kwargs.setdefault("retry", RetryPolicy(jitter=0))
    return Transport(BASE, transport=httpx.MockTransport(server), sleep=sleeps, **kwargs)


# --- success and URLs -------------------------------------------------------------------


async def test_get_success(sleeps: SleepRecorder) -> None:
    server = Server(httpx.Response(200, json={"ok": True}))
    async with make_transport(server, sleeps) as transport:
        response = await transport.request(
            "GET", "/wallets", params={"page": "2", "ordering": "-id"}
        )
    assert response.json() == {"ok": True}
    assert server.calls == 1
    sent = server.requests[0]
    assert sent.method == "GET"
    assert sent.url.host == "api.example.com"
    assert sent.url.path == "/api/wallets"
    assert dict(sent.url.params) == {"page": "2", "ordering": "-id"}
    assert sent.headers["Accept"] == "application/json"
    assert sent.content == b""
    assert "Content-Type" not in sent.headers
    assert sleeps.delays == []


async def test_extra_headers_are_sent(sleeps: SleepRecorder) -> None:
    server = Server(200)
    async with make_transport(server, sleeps, headers={"User-Agent": "sdk/1"}) as transport:
        await transport.request("GET", "/x")
    assert server.requests[0].headers["User-Agent"] == "sdk/1"


@pytest.mark.parametrize(
    "path", ["https://evil.example.net/steal", "//evil.example.net/steal", "wallets", ""]
)
async def test_absolute_or_relative_paths_are_refused(sleeps: SleepRecorder, path: str) -> None:
    server = Server(200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(ValueError):
            await transport.request("GET", path)
    assert server.calls == 0


async def test_url_for() -> None:
    async with Transport(BASE + "/", transport=httpx.MockTransport(Server())) as transport:
        assert transport.base_url == BASE
        assert transport.url_for("/wallets/") == BASE + "/wallets/"


@pytest.mark.parametrize(
    "base_url",
    [
        "ftp://api.example.com",
        "api.example.com",
        "/api",
        "https://",
        "https://api.example.com/api?key=1",
        "https://api.example.com/api#frag",
    ],
)
def test_base_url_validation(base_url: str) -> None:
    with pytest.raises(ValueError):
        Transport(base_url, transport=httpx.MockTransport(Server()))


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000", "https://api.example.com/api/v1/"])
async def test_base_url_accepts_http_and_https(base_url: str) -> None:
    async with Transport(base_url, transport=httpx.MockTransport(Server())) as transport:
        assert transport.base_url == base_url.rstrip("/")


async def test_redirect_to_another_host_is_not_followed(sleeps: SleepRecorder) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "api.example.com":
            return httpx.Response(302, headers={"Location": "https://evil.example.net/steal"})
        return httpx.Response(200, json={"stolen": True})

    auth = HeaderAuth()
    async with make_transport(Server(handler), sleeps, auth=auth) as transport:
        with pytest.raises(APIStatusError) as info:
            await transport.request("GET", "/wallets")
    assert hosts == ["api.example.com"]
    assert type(info.value) is APIStatusError
    assert info.value.status_code == 302
    assert sleeps.delays == []


async def test_repr_holds_no_secrets() -> None:
    async with Transport(
        BASE,
        auth=HeaderAuth(SECRET),
        headers={"X-Api-Key": SECRET},
        transport=httpx.MockTransport(Server()),
    ) as transport:
        assert SECRET not in repr(transport)
        assert BASE in repr(transport)


# --- bodies -----------------------------------------------------------------------------


async def test_json_body(sleeps: SleepRecorder) -> None:
    server = Server(201)
    payload = {"ticker": "USDT", "amount": Decimal("22.50"), "tags": ["a", "b"]}
    async with make_transport(server, sleeps) as transport:
        await transport.request("POST", "/withdrawals", json=payload)
    sent = server.requests[0]
    assert sent.content == b'{"ticker": "USDT", "amount": 22.50, "tags": ["a", "b"]}'
    assert sent.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(sent.content, parse_float=Decimal)["amount"] == Decimal("22.50")


async def test_json_body_is_serialised_once_and_resent_byte_for_byte(
    sleeps: SleepRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[bytes] = []
    real_encode = common._transport.encode_json

    def counting_encode(value: Any) -> bytes:
        encoded.append(real_encode(value))
        return encoded[-1]

    monkeypatch.setattr(common._transport, "encode_json", counting_encode)
    server = Server(httpx.ConnectError, httpx.ConnectError, 200)
    async with make_transport(server, sleeps, auth=HeaderAuth()) as transport:
        await transport.request("POST", "/invoices", json={"amount": Decimal("120"), "n": 1})
    assert len(encoded) == 1
    assert server.calls == 3
    assert server.bodies == [encoded[0]] * 3
    # the auth flow saw (and signed) exactly those bytes on every attempt
    digest = hashlib.sha256(encoded[0]).hexdigest()
    assert [request.headers["X-Sign"] for request in server.requests] == [digest] * 3


async def test_form_body(sleeps: SleepRecorder) -> None:
    server = Server(200)
    form = {"grant_type": "password", "username": "+41 79 000 00 00", "password": "p&ss=word"}
    async with make_transport(server, sleeps) as transport:
        await transport.request("POST", "/o/token/", form=form, authenticated=False)
    sent = server.requests[0]
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(sent.content.decode("ascii"))) == form
    assert b"p%26ss%3Dword" in sent.content


async def test_json_and_form_together_are_refused(sleeps: SleepRecorder) -> None:
    server = Server(200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(ValueError):
            await transport.request("POST", "/x", json={"a": "1"}, form={"b": "2"})
    assert server.calls == 0


async def test_unserialisable_json_is_refused_before_sending(sleeps: SleepRecorder) -> None:
    server = Server(200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(TypeError):
            await transport.request("POST", "/x", json={"amount": 0.1})
    assert server.calls == 0


# --- encode_json ------------------------------------------------------------------------


def test_encode_json_matches_json_dumps_for_plain_data() -> None:
    data = {
        "a": 1,
        "b": [True, False, None, "x"],
        "c": {"nested": "é ü \u20ac", "n": -5},
        "d": 'quote " and \\ backslash\n',
        "e": [],
        "f": {},
        "g": (1, 2),
    }
    assert encode_json(data) == json.dumps(data).encode("ascii")


_json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_json_values)
def test_encode_json_matches_json_dumps_property(value: Any) -> None:
    assert encode_json(value) == json.dumps(value).encode("ascii")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("22.50"), b"22.50"),
        (Decimal("22"), b"22"),
        (Decimal("1E+2"), b"100"),
        (Decimal("1E-8"), b"0.00000001"),
        (Decimal("-0.5"), b"-0.5"),
        ({"amount": Decimal("22.50")}, b'{"amount": 22.50}'),
    ],
)
def test_encode_json_writes_decimals_as_exact_numbers(value: Any, expected: bytes) -> None:
    assert encode_json(value) == expected
    assert json.loads(encode_json(value), parse_float=Decimal) == json.loads(
        expected, parse_float=Decimal
    )


def test_encode_json_writes_enum_values() -> None:
    class Kind(Enum):
        BUY = "buy"

    assert encode_json({"kind": Kind.BUY}) == b'{"kind": "buy"}'


@pytest.mark.parametrize("value", [0.1, {"amount": 1.5}, [1.0]])
def test_encode_json_refuses_floats(value: Any) -> None:
    with pytest.raises(TypeError):
        encode_json(value)


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")]
)
def test_encode_json_refuses_non_finite_decimals(value: Decimal) -> None:
    with pytest.raises(ValueError):
        encode_json({"amount": value})


def test_encode_json_refuses_unknown_objects() -> None:
    with pytest.raises(TypeError):
        encode_json({"when": object()})


# --- auth and timeouts ------------------------------------------------------------------


async def test_auth_is_applied_unless_unauthenticated(sleeps: SleepRecorder) -> None:
    server = Server(200)
    async with make_transport(server, sleeps, auth=HeaderAuth()) as transport:
        await transport.request("GET", "/private")
        await transport.request("POST", "/o/token/", form={"a": "b"}, authenticated=False)
    assert server.requests[0].headers["X-Key"] == SECRET
    assert "X-Key" not in server.requests[1].headers
    assert "X-Sign" not in server.requests[1].headers
    assert "Authorization" not in server.requests[1].headers


async def test_unauthenticated_call_skips_the_auth_of_a_callers_client(
    sleeps: SleepRecorder,
) -> None:
    server = Server(200)
    client = httpx.AsyncClient(transport=httpx.MockTransport(server), auth=HeaderAuth())
    try:
        transport = Transport(BASE, http_client=client, sleep=sleeps)
        await transport.request("GET", "/public", authenticated=False)
    finally:
        await client.aclose()
    assert "X-Key" not in server.requests[0].headers


async def test_default_timeout_reaches_the_request(sleeps: SleepRecorder) -> None:
    server = Server(200)
    async with make_transport(server, sleeps) as transport:
        await transport.request("GET", "/x")
    assert server.requests[0].extensions["timeout"] == DEFAULT_TIMEOUT.as_dict()


async def test_transport_timeout_reaches_the_request(sleeps: SleepRecorder) -> None:
    server = Server(200)
    async with make_transport(server, sleeps, timeout=4.0) as transport:
        await transport.request("GET", "/x")
    assert server.requests[0].extensions["timeout"] == httpx.Timeout(4.0).as_dict()


@pytest.mark.parametrize("timeout", [2.5, httpx.Timeout(7.0, connect=1.0)])
async def test_per_call_timeout_reaches_the_request(
    sleeps: SleepRecorder, timeout: float | httpx.Timeout
) -> None:
    server = Server(200)
    async with make_transport(server, sleeps) as transport:
        await transport.request("GET", "/x", timeout=timeout)
        await transport.request("GET", "/x")
    expected = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    assert server.requests[0].extensions["timeout"] == expected.as_dict()
    assert server.requests[1].extensions["timeout"] == DEFAULT_TIMEOUT.as_dict()


# --- client ownership -------------------------------------------------------------------


async def test_callers_client_is_never_closed(sleeps: SleepRecorder) -> None:
    server = Server(200)
    client = httpx.AsyncClient(transport=httpx.MockTransport(server))
    try:
        async with Transport(BASE, http_client=client, sleep=sleeps) as transport:
            await transport.request("GET", "/x")
        await transport.aclose()
        assert not client.is_closed
        assert not transport.is_closed
        response = await client.get(BASE + "/still-usable")
        assert response.status_code == 200
    finally:
        await client.aclose()
    assert server.calls == 2


async def test_owned_client_is_closed_by_aclose(sleeps: SleepRecorder) -> None:
    transport = make_transport(Server(200), sleeps)
    assert not transport.is_closed
    await transport.aclose()
    assert transport.is_closed


async def test_owned_client_is_closed_by_async_with(sleeps: SleepRecorder) -> None:
    async with make_transport(Server(200), sleeps) as transport:
        assert not transport.is_closed
    assert transport.is_closed


async def test_http_client_and_transport_together_are_refused() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(Server()))
    try:
        with pytest.raises(ValueError):
            Transport(BASE, http_client=client, transport=httpx.MockTransport(Server()))
    finally:
        await client.aclose()


# --- retries: reads ---------------------------------------------------------------------


async def test_get_is_retried_on_502_then_succeeds(sleeps: SleepRecorder) -> None:
    server = Server(502, httpx.Response(200, json={"ok": True}))
    async with make_transport(server, sleeps) as transport:
        response = await transport.request("GET", "/wallets")
    assert response.json() == {"ok": True}
    assert server.calls == 2
    assert sleeps.delays == [0.5]


async def test_get_429_honours_retry_after(sleeps: SleepRecorder) -> None:
    server = Server(httpx.Response(429, headers={"Retry-After": "3"}), 200)
    async with make_transport(server, sleeps) as transport:
        response = await transport.request("GET", "/rates")
    assert response.status_code == 200
    assert server.calls == 2
    assert sleeps.delays == [3.0]


async def test_get_429_with_a_long_retry_after_is_raised_at_once(sleeps: SleepRecorder) -> None:
    server = Server(httpx.Response(429, headers={"Retry-After": "3600"}), 200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(RateLimitError) as info:
            await transport.request("GET", "/rates")
    assert info.value.retry_after == 3600.0
    assert server.calls == 1
    assert sleeps.delays == []


async def test_get_gives_up_after_max_retries(sleeps: SleepRecorder) -> None:
    server = Server(
        502, 503, httpx.Response(504, json={"detail": "last"}), httpx.Response(200, json={})
    )
    retry = RetryPolicy(max_retries=2, initial_delay=1.0, jitter=0)
    async with make_transport(server, sleeps, retry=retry) as transport:
        with pytest.raises(ServiceUnavailableError) as info:
            await transport.request("GET", "/wallets")
    assert server.calls == 3
    assert info.value.status_code == 504
    assert info.value.detail == "last"
    assert info.value.outcome_unknown is False
    assert sleeps.delays == [1.0, 2.0]


async def test_get_is_retried_on_read_timeout(sleeps: SleepRecorder) -> None:
    server = Server(httpx.ReadTimeout, 200)
    async with make_transport(server, sleeps) as transport:
        response = await transport.request("GET", "/wallets")
    assert response.status_code == 200
    assert server.calls == 2
    assert len(sleeps.delays) == 1


async def test_get_is_retried_on_a_broken_connection(sleeps: SleepRecorder) -> None:
    server = Server(httpx.RemoteProtocolError, httpx.ReadError, 200)
    async with make_transport(server, sleeps) as transport:
        response = await transport.request("GET", "/wallets")
    assert response.status_code == 200
    assert server.calls == 3


async def test_get_timeout_exhausted_raises_request_timeout(sleeps: SleepRecorder) -> None:
    server = Server(httpx.ReadTimeout)
    retry = RetryPolicy(max_retries=1, jitter=0)
    async with make_transport(server, sleeps, retry=retry) as transport:
        with pytest.raises(RequestTimeout) as info:
            await transport.request("GET", "/wallets")
    assert server.calls == 2
    # Not chained to the httpx error, whose request carries the auth headers.
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert "ReadTimeout" in str(info.value)
    assert info.value.outcome_unknown is False  # a read is safe to repeat
    assert info.value.may_have_reached_server is True
    assert info.value.method == "GET"
    assert info.value.url == BASE + "/wallets"


async def test_connect_error_exhausted_raises_connect_error(sleeps: SleepRecorder) -> None:
    server = Server(httpx.ConnectError)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(ConnectError) as info:
            await transport.request("POST", "/withdrawals", json={"a": "1"})
    assert server.calls == 3
    assert info.value.may_have_reached_server is False
    assert info.value.outcome_unknown is False
    # Not chained to the httpx error, whose request carries the auth headers.
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert "ConnectError" in str(info.value)


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequestError), (401, AuthenticationError), (404, NotFoundError), (409, None)],
)
async def test_4xx_is_never_retried(
    sleeps: SleepRecorder, status: int, cls: type[APIStatusError] | None
) -> None:
    server = Server(status, 200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(APIStatusError) as info:
            await transport.request("GET", "/wallets")
    assert server.calls == 1
    assert sleeps.delays == []
    assert info.value.status_code == status
    assert type(info.value) is (cls or APIStatusError)


async def test_error_message_holds_no_credentials(sleeps: SleepRecorder) -> None:
    server = Server(httpx.Response(401, json={"detail": "Invalid signature."}))
    async with make_transport(server, sleeps, auth=HeaderAuth()) as transport:
        with pytest.raises(AuthenticationError) as info:
            await transport.request("GET", "/wallets")
    assert server.requests[0].headers["X-Key"] == SECRET  # it was sent...
    assert SECRET not in str(info.value)  # ...and is not repeated in the error
    assert SECRET not in repr(vars(info.value))


# --- retries: writes --------------------------------------------------------------------

HINT = "Look the withdrawal up by client_order_id before sending it again."


async def test_post_sent_once_on_502(sleeps: SleepRecorder) -> None:
    server = Server(502, 200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(ServiceUnavailableError) as info:
            await transport.request("POST", "/withdrawals", json={"a": "1"}, hint=HINT)
    assert server.calls == 1
    assert sleeps.delays == []
    assert info.value.outcome_unknown is True
    assert "outcome is unknown" in str(info.value)
    assert HINT in str(info.value)


async def test_post_4xx_is_not_outcome_unknown(sleeps: SleepRecorder) -> None:
    server = Server(400)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(BadRequestError) as info:
            await transport.request("POST", "/withdrawals", json={"a": "1"}, hint=HINT)
    assert info.value.outcome_unknown is False
    assert HINT not in str(info.value)


async def test_post_429_is_not_retried(sleeps: SleepRecorder) -> None:
    server = Server(httpx.Response(429, headers={"Retry-After": "1"}), 200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(RateLimitError):
            await transport.request("POST", "/invoices", json={"a": "1"})
    assert server.calls == 1


async def test_post_sent_once_on_read_timeout(sleeps: SleepRecorder) -> None:
    server = Server(httpx.ReadTimeout, 200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(RequestTimeout) as info:
            await transport.request("POST", "/withdrawals", json={"a": "1"}, hint=HINT)
    assert server.calls == 1
    assert sleeps.delays == []
    assert info.value.outcome_unknown is True
    assert info.value.may_have_reached_server is True
    assert HINT in str(info.value)
    # Not chained to the httpx error, whose request carries the auth headers.
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert "ReadTimeout" in str(info.value)


async def test_post_sent_once_on_a_broken_connection(sleeps: SleepRecorder) -> None:
    server = Server(httpx.ReadError, 200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(NetworkError) as info:
            await transport.request("POST", "/withdrawals", json={"a": "1"})
    assert server.calls == 1
    assert info.value.outcome_unknown is True


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_post_retried_when_it_never_left(
    sleeps: SleepRecorder, failure: type[httpx.TransportError]
) -> None:
    server = Server(failure, httpx.Response(201, json={"id": 1}))
    async with make_transport(server, sleeps) as transport:
        response = await transport.request("POST", "/withdrawals", json={"a": "1"})
    assert response.json() == {"id": 1}
    assert server.calls == 2
    assert sleeps.delays == [0.5]


async def test_post_marked_idempotent_is_retried_like_a_read(sleeps: SleepRecorder) -> None:
    server = Server(503, 200)
    async with make_transport(server, sleeps) as transport:
        response = await transport.request("POST", "/quote", json={"a": "1"}, idempotent=True)
    assert response.status_code == 200
    assert server.calls == 2


async def test_get_marked_non_idempotent_is_not_retried(sleeps: SleepRecorder) -> None:
    server = Server(503, 200)
    async with make_transport(server, sleeps) as transport:
        with pytest.raises(ServiceUnavailableError) as info:
            await transport.request("GET", "/rotate", idempotent=False)
    assert server.calls == 1
    assert info.value.outcome_unknown is True


async def test_lowercase_method_is_normalised(sleeps: SleepRecorder) -> None:
    server = Server(502, 200)
    async with make_transport(server, sleeps) as transport:
        await transport.request("get", "/wallets")
    assert [request.method for request in server.requests] == ["GET", "GET"]


async def test_default_retry_policy() -> None:
    async with Transport(BASE, transport=httpx.MockTransport(Server())) as transport:
        assert transport.retry == RetryPolicy()


def test_base_url_with_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="credentials") as caught:
        Transport("https://user:hunter2@api.example")
    assert "hunter2" not in str(caught.value)


class _Stamping(httpx.Auth):
    """Records, for each request, how many were on the wire when it was signed."""

    def __init__(self, on_wire: list[int]) -> None:
        self.on_wire = on_wire
        self.signed_with: list[int] = []

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.signed_with.append(len(self.on_wire))
        yield request


async def test_max_in_flight_makes_requests_wait_before_they_are_signed() -> None:
    on_wire: list[int] = []
    release = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        on_wire.append(1)
        await release.wait()
        on_wire.pop()
        return httpx.Response(200, json={})

    auth = _Stamping(on_wire)
    transport = Transport(
        "https://api.example",
        auth=auth,
        transport=httpx.MockTransport(handler),
        max_in_flight=2,
    )
    async with transport:
        calls = [asyncio.create_task(transport.request("GET", "/x")) for _ in range(5)]
        for _ in range(50):  # let every task run as far as it can
            await asyncio.sleep(0)
        assert len(on_wire) == 2
        assert len(auth.signed_with) == 2  # three wait unsigned
        release.set()
        await asyncio.gather(*calls)
    assert len(auth.signed_with) == 5
    assert max(auth.signed_with) < 2  # never signed while two were on the wire


async def test_a_request_that_finds_no_slot_in_the_pool_timeout_was_never_sent() -> None:
    release = asyncio.Event()
    sent: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.method)
        await release.wait()
        return httpx.Response(201, json={})

    transport = Transport(
        "https://api.example",
        transport=httpx.MockTransport(handler),
        timeout=httpx.Timeout(5.0, pool=0.01),
        retry=RetryPolicy(max_retries=0),
        max_in_flight=1,
    )
    async with transport:
        first = asyncio.create_task(transport.request("POST", "/pay", json={"a": 1}))
        for _ in range(20):
            await asyncio.sleep(0)
        assert sent == ["POST"]
        with pytest.raises(ConnectError) as caught:
            await transport.request("POST", "/pay", json={"a": 2})
        assert not caught.value.outcome_unknown
        assert "not sent" in str(caught.value)
        release.set()
        await first
    assert sent == ["POST"]


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "3"])
def test_max_in_flight_must_be_a_positive_int(bad: object) -> None:
    with pytest.raises(ValueError, match="max_in_flight"):
        Transport("https://api.example", max_in_flight=bad)  # type: ignore[arg-type]
