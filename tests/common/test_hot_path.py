"""What each request does, done once and no more: URLs, signatures, slots, response memory."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitexgate import GatewayAuth, sign
from common import Transport
from common._responses import decode_json

BASE = "https://api.example.com/base"


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"path": request.url.path, "query": request.url.query.decode()})


@pytest.fixture
def gc_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


QUERY_VALUES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8
)


@given(
    st.dictionaries(st.sampled_from(["page", "limit", "ordering", "q", "a b", "é"]), QUERY_VALUES)
)
def test_a_query_is_encoded_as_httpx_would(params: dict[str, str]) -> None:
    transport = Transport(BASE, transport=httpx.MockTransport(ok))
    ours = transport._url("/api/items/", params)
    theirs = httpx.URL(BASE + "/api/items/").copy_merge_params(params)
    assert ours == theirs
    assert str(ours) == str(theirs)


def test_a_path_is_parsed_once() -> None:
    transport = Transport(BASE, transport=httpx.MockTransport(ok))
    first = transport._url("/api/items/", None)
    assert transport._url("/api/items/", {}) is first
    assert str(first) == BASE + "/api/items/"


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/api/x?fixed=1", {"page": "2"}, "/api/x?fixed=1&page=2"),  # httpx merges them
        ("/api/x", {"page": 2, "flag": True}, "/api/x?page=2&flag=true"),  # httpx's conversion
    ],
)
def test_unusual_paths_and_values_are_left_to_httpx(
    path: str, params: dict[str, Any], expected: str
) -> None:
    transport = Transport(BASE, transport=httpx.MockTransport(ok))
    assert str(transport._url(path, params)) == BASE + expected


@pytest.mark.parametrize("path", ["api/x", "//evil.example/x", "https://evil.example/x"])
def test_only_paths_under_the_base_url_are_accepted(path: str) -> None:
    transport = Transport(BASE, transport=httpx.MockTransport(ok))
    with pytest.raises(ValueError, match="single '/'"):
        transport._url(path, {"page": "1"})


async def test_the_query_reaches_the_server() -> None:
    async with Transport(BASE, transport=httpx.MockTransport(ok)) as transport:
        response = await transport.request("GET", "/api/x", params={"page": "2", "q": "a+b c"})
    assert decode_json(response) == {"path": "/base/api/x", "query": "page=2&q=a%2Bb+c"}


async def test_a_response_is_freed_as_soon_as_it_is_let_go(gc_off: None) -> None:
    # httpx binds a response's stream to the response: without the Transport
    # breaking that cycle, each page's body would wait for the cycle collector.
    async with Transport(BASE, transport=httpx.MockTransport(ok)) as transport:
        response = await transport.request("GET", "/api/x")
        assert decode_json(response)["path"] == "/base/api/x"
        assert [chunk async for chunk in response.aiter_bytes()] == [response.content]
        freed = weakref.ref(response)
        del response
        assert freed() is None


async def test_a_free_slot_is_taken_without_a_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_wait_for(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("wait_for is for when every slot is taken")

    async with Transport(BASE, transport=httpx.MockTransport(ok), max_in_flight=2) as transport:
        monkeypatch.setattr(asyncio, "wait_for", no_wait_for)
        responses = await asyncio.gather(
            transport.request("GET", "/a"), transport.request("GET", "/b")
        )
    assert [r.status_code for r in responses] == [200, 200]


@given(
    api_key=st.text(min_size=1, max_size=20),
    secret=st.text(min_size=1, max_size=20),
    path=st.sampled_from(["/api/gateway/wallets", "/api/gateway/withdraw/create", "/a b/é"]),
    body=st.binary(max_size=40),
    now=st.floats(min_value=1e9, max_value=2e9),
)
def test_the_auth_signs_exactly_what_sign_computes(
    api_key: str, secret: str, path: str, body: bytes, now: float
) -> None:
    auth = GatewayAuth(api_key, secret, clock=lambda: now)
    request = httpx.Request("POST", "https://gw.example" + path, content=body)
    signed = next(auth.auth_flow(request))
    deadline = int(signed.headers["X-Timeout"])
    assert deadline == int(now * 1000) + 500
    assert signed.headers["X-Sign"] == sign(
        secret=secret, api_key=api_key, path=request.url.path, timeout=deadline, body=body
    )
